// SPDX-License-Identifier: MIT
/*
 * The CPU model a guest sees: KVM_GET_SUPPORTED_CPUID, made per-vCPU
 * (APIC IDs, topology) and, for nested experiments, with hardware
 * virtualization or its two-dimensional paging hidden. This is how the
 * L1->L2 paging mode is chosen from L0 (docs/DESIGN: "Paging modes"):
 * AMD's NPT is CPUID 0x8000000A EDX bit 0; Intel's EPT is not in CPUID
 * at all but in the VMX capability MSRs (vmx_msr.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nestlab.h"

#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM          (1u << 2)
#define SVM_EDX_NPT           (1u << 0)

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *base,
				  unsigned int vcpu, unsigned int ncpus,
				  const struct cpuid_opts *o)
{
	size_t sz = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	struct kvm_cpuid_entry2 *e;

	if (!c)
		return NULL;
	memcpy(c, base, sz);
	if ((e = find(c, 1, 0))) {
		/* Initial APIC ID and logical processor count, as the MP table
		 * and Linux's topology code expect. */
		e->ebx = (e->ebx & 0x0000ffffu) | (vcpu << 24) |
			 ((ncpus > 255 ? 255 : ncpus) << 16);
		e->ecx |= CPUID1_ECX_HYPERVISOR;
		/* KVM_GET_SUPPORTED_CPUID leaves the TSC-deadline bit to
		 * userspace (the in-kernel LAPIC emulates it). Opt-in
		 * (--tsc-deadline): in the testbed, Linux guests on it lost
		 * timer and serial interrupts (docs/linux-boot.md). Without it
		 * Linux calibrates the LAPIC timer, 100 ms of guest time. */
		if (o->tsc_deadline)
			e->ecx |= CPUID1_ECX_TSC_DEADLINE;
		if (o->hide_virt)
			e->ecx &= ~CPUID1_ECX_VMX;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		/* x2APIC topology leaves carry the APIC ID in EDX. */
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu;
	}
	if (o->hide_virt && (e = find(c, 0x80000001, 0)))
		e->ecx &= ~EXT1_ECX_SVM;
	if ((o->hide_virt || o->hide_tdp) && (e = find(c, 0x8000000a, 0)))
		e->edx &= ~SVM_EDX_NPT;
	return c;
}

bool cpuid_has_svm(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001)
			return c->entries[i].ecx & EXT1_ECX_SVM;
	return false;
}

bool cpuid_has_vmx(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			return c->entries[i].ecx & CPUID1_ECX_VMX;
	return false;
}

bool cpuid_has_npt(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x8000000a)
			return c->entries[i].edx & SVM_EDX_NPT;
	return false;
}
