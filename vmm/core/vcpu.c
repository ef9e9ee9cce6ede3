// SPDX-License-Identifier: MIT
/*
 * vCPUs: creation (the CPU model, then what the boot path asks for), the
 * run loop, and the exit dispatch. vcpu_handle_exit() only reads struct
 * kvm_run and the VM's device tables, so tests drive it without /dev/kvm.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "nestlab.h"

static int stats_open(struct nl_vm *vm, struct nl_vcpu *c)
{
	if (vm->kvm->stats && ks_open(&c->ks, c->fd) < 0)
		c->ks.fd = -1;
	return 0;
}

int vcpu_create(struct nl_vm *vm, struct nl_vcpu *c, unsigned int id,
		struct nl_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	c->vm = vm;
	c->id = id;
	c->ks.fd = -1;
	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0) {
		nl_seterr(err, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -ENODEV;
	}
	c->run = mmap(NULL, (size_t)vm->kvm->vcpu_mmap_size,
		      PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		nl_seterr(err, "mmap of vCPU %u run area: %s", id, strerror(errno));
		return -ENODEV;
	}
	struct cpuid_opts co = { .hide_tdp = vm->cfg->hide_tdp,
				 .hide_virt = vm->cfg->hide_virt,
				 .tsc_deadline = vm->boot->tsc_deadline && vm->cfg->tsc_deadline &&
						 vm->kvm->tsc_deadline };
	struct kvm_cpuid2 *cpuid = cpuid_for_vcpu(vm->kvm->cpuid, id, vm->ncpus, &co);

	if (!cpuid || ioctl(c->fd, KVM_SET_CPUID2, cpuid) < 0) {
		nl_seterr(err, "KVM_SET_CPUID2 on vCPU %u: %s", id,
			  cpuid ? strerror(errno) : "out of memory");
		free(cpuid);
		return -ENODEV;
	}
	free(cpuid);
	/* Intel keeps EPT in the VMX capability MSRs, not in CPUID. */
	if (vm->cfg->hide_tdp && !vm->cfg->hide_virt && cpuid_has_vmx(vm->kvm->cpuid) &&
	    vmx_hide_ept(c->fd, err) < 0)
		return -ENODEV;
	if (vm->boot->vcpu_init && vm->boot->vcpu_init(vm, c->fd, id, err) < 0)
		return -ENODEV;
	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0) {
		nl_seterr(err, "KVM_GET_SREGS on vCPU %u: %s", id, strerror(errno));
		return -ENODEV;
	}
	if (!vm->boot->vcpu_state(vm, id, &sregs, &regs))
		return stats_open(vm, c);  /* stays in its reset state */
	if (ioctl(c->fd, KVM_SET_SREGS, &sregs) < 0) {
		nl_seterr(err, "KVM_SET_SREGS (64-bit mode) on vCPU %u: %s", id,
			  strerror(errno));
		return -ENODEV;
	}
	if (ioctl(c->fd, KVM_SET_REGS, &regs) < 0) {
		nl_seterr(err, "KVM_SET_REGS on vCPU %u: %s", id, strerror(errno));
		return -ENODEV;
	}
	return stats_open(vm, c);
}

static const char *regs_text(struct nl_vcpu *c, char *buf, size_t n)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (c->fd < 0 || ioctl(c->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(c->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, n, "registers unavailable");
		return buf;
	}
	snprintf(buf, n, "rip 0x%llx rsp 0x%llx rflags 0x%llx cs 0x%x%s cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx",
		 r.rip, r.rsp, r.rflags, s.cs.selector,
		 s.cs.l ? (s.cs.db ? " (L+D)" : " (64-bit)") : (s.cs.db ? " (32-bit)" : " (16-bit)"),
		 s.cr0, s.cr3, s.cr4, s.efer);
	return buf;
}

static enum exit_action handle_io(struct nl_vcpu *c)
{
	struct kvm_run *run = c->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	const struct io_range *r = iobus_find(&c->vm->io, run->io.port);
	enum exit_action act = EXIT_CONTINUE;
	struct io_access a = { .vcpu = c->id, .port = run->io.port, .out = out,
			       .size = run->io.size };

	if (!r) {
		vm_note_unknown_io(c->vm, run->io.port, out, run->io.size);
		if (!out)
			memset(data, 0xff, (size_t)run->io.size * run->io.count);
		return EXIT_CONTINUE;
	}
	for (uint32_t i = 0; i < run->io.count && act == EXIT_CONTINUE; i++) {
		int rc;

		a.data = data + (size_t)i * run->io.size;
		rc = r->fn(r->ctx, &a);

		if (rc < 0) {
			vm_note_unknown_io(c->vm, run->io.port, out, run->io.size);
			if (!out)
				memset(data + (size_t)i * run->io.size, 0xff, run->io.size);
		} else {
			act = (enum exit_action)rc;
		}
	}
	/* A device that ends the run says why; the VM records it. */
	if (act == EXIT_STOP)
		vm_stop(c->vm, a.stop, "%s", a.stop_msg);
	return act;
}

/* KVM's own word that the machine should power off, reset or has crashed
 * (PSCI-style guests, a Hyper-V crash MSR, SEV termination). */
static enum exit_action system_event(struct nl_vcpu *c)
{
	uint32_t type = c->run->system_event.type;

	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_stop(c->vm, NL_OUT_POWEROFF, "vCPU %u: KVM system event: shutdown", c->id);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(c->vm, NL_OUT_REBOOT, "vCPU %u: KVM system event: reset", c->id);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vm_stop(c->vm, NL_OUT_PANIC, "vCPU %u: KVM system event: guest crash", c->id);
		break;
	default:
		vm_stop(c->vm, NL_OUT_UNHANDLED, "vCPU %u: KVM system event of type %u", c->id, type);
		break;
	}
	return EXIT_STOP;
}

enum exit_action vcpu_handle_exit(struct nl_vcpu *c)
{
	struct kvm_run *run = c->run;
	struct nl_vm *vm = c->vm;
	char regs[256];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(c);
	case KVM_EXIT_INTR:
		return EXIT_CONTINUE;
	case KVM_EXIT_HLT:
		if (c->id != 0)
			return EXIT_PARK;
		vm_stop(vm, NL_OUT_HALTED, "vCPU 0 halted without an exit status (%s)",
			regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	case KVM_EXIT_SHUTDOWN:
		vm_stop(vm, NL_OUT_TRIPLE_FAULT, "vCPU %u: triple fault (%s)", c->id,
			regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	case KVM_EXIT_SYSTEM_EVENT:
		return system_event(c);
	case KVM_EXIT_FAIL_ENTRY:
		/* The state the CPU (or, nested, the level below) refused. */
		vm_stop(vm, NL_OUT_INTERNAL, "vCPU %u: VM entry failed, reason 0x%llx (%s)",
			c->id, (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_stop(vm, NL_OUT_INTERNAL, "vCPU %u: KVM internal error, suberror %u (%s)",
			c->id, run->internal.suberror, regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	case KVM_EXIT_MMIO: {
		const struct mmio_range *d = mmiobus_find(&vm->mmio, run->mmio.phys_addr,
							  run->mmio.len);

		if (d && run->mmio.len <= sizeof(run->mmio.data)) {
			d->fn(d->ctx, run->mmio.phys_addr - d->base, run->mmio.data,
			      run->mmio.len, run->mmio.is_write);
			return EXIT_CONTINUE;
		}
		if (vm->boot->probes_hardware) {
			/* Linux probes for devices that are not there: reads
			 * float high, writes vanish, and the run goes on. */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			__atomic_fetch_add(&vm->unknown_mmio, 1, __ATOMIC_RELAXED);
			return EXIT_CONTINUE;
		}
		vm_stop(vm, NL_OUT_UNHANDLED, "vCPU %u: %s of %u bytes at unbacked guest-physical 0x%llx (%s)",
			c->id, run->mmio.is_write ? "write" : "read", run->mmio.len,
			(unsigned long long)run->mmio.phys_addr, regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	}
	default:
		vm_stop(vm, NL_OUT_UNHANDLED, "vCPU %u: unhandled exit %u (%s) (%s)", c->id,
			run->exit_reason, xs_reason_name(run->exit_reason),
			regs_text(c, regs, sizeof(regs)));
		return EXIT_STOP;
	}
}

static void park(struct nl_vcpu *c)
{
	struct nl_vm *vm = c->vm;

	pthread_mutex_lock(&vm->lock);
	c->parked = true;
	if (++vm->nparked == vm->ncpus) {
		pthread_mutex_unlock(&vm->lock);
		vm_stop(vm, NL_OUT_HALTED, "every vCPU parked or halted; nothing left to run");
		return;
	}
	while (!vm->stop)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

void *vcpu_thread(void *arg)
{
	struct nl_vcpu *c = arg;
	struct nl_vm *vm = c->vm;

	while (!__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
		enum exit_action act;
		uint64_t t0;

		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				c->run->immediate_exit = 0;
				continue;
			}
			vm_stop(vm, NL_OUT_HOST_ERROR, "KVM_RUN on vCPU %u: %s", c->id,
				strerror(errno));
			break;
		}
		t0 = nl_now_ns();
		__atomic_add_fetch(&c->runs, 1, __ATOMIC_RELAXED);
		act = vcpu_handle_exit(c);
		{
			uint64_t ns = nl_now_ns() - t0;

			xs_add(&c->xs, c->run->exit_reason, ns);
			if (c->run->exit_reason == KVM_EXIT_IO)
				xs_add_port(&c->xs, c->run->io.port,
					    c->run->io.direction == KVM_EXIT_IO_OUT, ns);
		}
		if (act == EXIT_PARK) {
			park(c);
			break;
		}
		if (act == EXIT_STOP)
			break;
	}
	pthread_mutex_lock(&vm->lock);
	bool timed_out = vm->outcome == NL_OUT_TIMEOUT;

	pthread_mutex_unlock(&vm->lock);
	/* out of KVM_RUN now, so its state is where the guest stood */
	if (timed_out)
		stopstate_capture(c);
	return NULL;
}
