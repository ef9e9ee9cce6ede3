// SPDX-License-Identifier: MIT
/*
 * Userspace-visible exits by reason, with count, total and max handling
 * time. Each vCPU owns its table (no locks on the hot path); tables are
 * merged after the run.
 */
#include <string.h>

#include "nestlab.h"

static void bucket_add(struct xs_bucket *b, uint64_t ns)
{
	b->count++;
	b->total_ns += ns;
	if (ns > b->max_ns)
		b->max_ns = ns;
}

static void bucket_merge(struct xs_bucket *into, const struct xs_bucket *from)
{
	into->count += from->count;
	into->total_ns += from->total_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
}

void xs_add(struct exitstats *xs, uint32_t reason, uint64_t ns)
{
	bucket_add(&xs->reason[reason < XS_REASONS ? reason : XS_REASONS - 1], ns);
}

static struct xs_bucket *port_bucket(struct exitstats *xs, uint16_t port, bool out)
{
	for (unsigned int i = 0; i < xs->nports; i++)
		if (xs->port[i].port == port && xs->port[i].out == out)
			return &xs->port[i].b;
	if (xs->nports == XS_PORTS)
		return &xs->port_other;
	xs->port[xs->nports].port = port;
	xs->port[xs->nports].out = out;
	return &xs->port[xs->nports++].b;
}

void xs_add_port(struct exitstats *xs, uint16_t port, bool out, uint64_t ns)
{
	bucket_add(port_bucket(xs, port, out), ns);
}

void xs_merge(struct exitstats *into, const struct exitstats *from)
{
	for (unsigned int i = 0; i < XS_REASONS; i++)
		bucket_merge(&into->reason[i], &from->reason[i]);
	for (unsigned int i = 0; i < from->nports; i++)
		bucket_merge(port_bucket(into, from->port[i].port, from->port[i].out),
			     &from->port[i].b);
	bucket_merge(&into->port_other, &from->port_other);
}

const char *xs_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
		[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "OTHER";
}
