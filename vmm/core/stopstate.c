// SPDX-License-Identifier: MIT
/*
 * Where each vCPU was when the watchdog stopped the run: its registers,
 * KVM's multiprocessing state (running, or halted waiting for an
 * interrupt) and, for an L1, whether it was running its own guest (KVM's
 * nested state, guest mode). A run that made no progress is either a vCPU
 * spinning somewhere (the RIP says where) or every vCPU halted with the
 * interrupt that should wake it lost; the document tells which
 * (docs/results.md, state_at_stop).
 *
 * Registers can only be read once a vCPU is out of KVM_RUN, so they say
 * where it stood, not whether it still moved. For that the watchdog marks
 * each vCPU's KVM counters a second before it stops the run: a vCPU whose
 * exits went on in that last window still ran (in a loop at that rip, or
 * taking faults there), one with none was not run at all, and a halted
 * one whose interrupt injections stayed at zero never got its wake-up.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nestlab.h"

static const char *const mp_names[] = {
	[KVM_MP_STATE_RUNNABLE] = "runnable",
	[KVM_MP_STATE_UNINITIALIZED] = "uninitialized",
	[KVM_MP_STATE_INIT_RECEIVED] = "init-received",
	[KVM_MP_STATE_HALTED] = "halted",
	[KVM_MP_STATE_SIPI_RECEIVED] = "sipi-received",
};

const char *stopstate_mp_name(uint32_t mp)
{
	if (mp < sizeof(mp_names) / sizeof(mp_names[0]) && mp_names[mp])
		return mp_names[mp];
	return "other";
}

/* -1: KVM cannot say (no KVM_CAP_NESTED_STATE, or no nested guest set up) */
static int guest_mode(struct nl_vcpu *c)
{
	int size = ioctl(c->vm->kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_NESTED_STATE);
	struct kvm_nested_state *ns;
	int r;

	if (size < (int)sizeof(*ns))
		return -1;
	if (!(ns = calloc(1, (size_t)size)))
		return -1;
	ns->size = (uint32_t)size;
	r = ioctl(c->fd, KVM_GET_NESTED_STATE, ns);
	r = r < 0 ? -1 : !!(ns->flags & KVM_STATE_NESTED_GUEST_MODE);
	free(ns);
	return r;
}

void stopstate_mark(struct nl_vm *vm)
{
	vm->mark_ns = nl_now_ns();
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct nl_vcpu *c = &vm->vcpu[i];

		c->mark_runs = __atomic_load_n(&c->runs, __ATOMIC_RELAXED);
		if (c->ks.fd >= 0)
			ks_mark(&c->ks);
	}
}

void stopstate_capture(struct nl_vcpu *c)
{
	struct vcpu_stop *s = &c->at_stop;
	struct kvm_mp_state mp;
	struct kvm_regs r;
	struct kvm_sregs sr;

	memset(s, 0, sizeof(*s));
	if (c->fd < 0 || ioctl(c->fd, KVM_GET_REGS, &r) < 0 || ioctl(c->fd, KVM_GET_SREGS, &sr) < 0)
		return;
	s->rip = r.rip;
	s->rsp = r.rsp;
	s->rflags = r.rflags;
	s->cs = sr.cs.selector;
	s->cr0 = sr.cr0;
	s->cr3 = sr.cr3;
	s->cr4 = sr.cr4;
	s->efer = sr.efer;
	s->mp_state = ioctl(c->fd, KVM_GET_MP_STATE, &mp) < 0 ? UINT32_MAX : mp.mp_state;
	s->guest_mode = guest_mode(c);
	/* the stack's words, for a backtrace by hand (scripts/ksym.sh): only
	 * in long mode with paging, where rsp is an address the tables map */
	if ((sr.efer & (1ull << 10)) && (sr.cr0 & (1ull << 31)))
		s->nstack = (unsigned int)gva_read_words(&c->vm->mem, sr.cr3, sr.cr4, r.rsp, s->stack,
							 sizeof(s->stack) / sizeof(s->stack[0]));
	s->valid = true;
}
