// SPDX-License-Identifier: MIT
/*
 * A VM: memory, devices, vCPU threads, the watchdog, and the first reason
 * it stopped. Everything lives in struct nl_vm, so two VMs in one process
 * share nothing. What depends on the kind of kernel is behind vm->boot
 * (struct boot_ops); this file never asks which kernel it runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nestlab.h"

uint64_t nl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *nl_outcome_name(enum nl_outcome o)
{
	static const char *const n[] = {
		[NL_OUT_RUNNING] = "running",
		[NL_OUT_EXITED] = "exited",
		[NL_OUT_TRIPLE_FAULT] = "triple-fault",
		[NL_OUT_INTERNAL] = "kvm-internal-error",
		[NL_OUT_UNHANDLED] = "unhandled-exit",
		[NL_OUT_HALTED] = "halted",
		[NL_OUT_TIMEOUT] = "timeout",
		[NL_OUT_HOST_ERROR] = "host-error",
		[NL_OUT_POWEROFF] = "poweroff",
		[NL_OUT_REBOOT] = "reboot",
		[NL_OUT_PANIC] = "panic",
	};
	return o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

/* SIGUSR1 only interrupts KVM_RUN; the handler has nothing to do. */
static void kick_handler(int sig)
{
	(void)sig;
}

void vm_stop(struct nl_vm *vm, enum nl_outcome o, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (vm->outcome == NL_OUT_RUNNING) {
		vm->outcome = o;
		va_start(ap, fmt);
		vsnprintf(vm->outcome_msg, sizeof(vm->outcome_msg), fmt, ap);
		va_end(ap);
		vm->t_end_ns = nl_now_ns();
	}
	__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; vm->vcpu && i < vm->ncpus; i++) {
		struct nl_vcpu *c = &vm->vcpu[i];

		if (c->run)
			c->run->immediate_exit = 1;
		if (c->thread && !pthread_equal(c->thread, pthread_self()))
			pthread_kill(c->thread, SIGUSR1);
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

void vm_note_unknown_io(struct nl_vm *vm, uint16_t port, bool out,
			uint32_t size)
{
	bool seen = false;

	pthread_mutex_lock(&vm->lock);
	vm->unknown_io++;
	for (unsigned int i = 0; i < vm->nunknown_ports; i++)
		seen |= vm->unknown_ports[i] == port;
	if (!seen && vm->nunknown_ports < 8) {
		vm->unknown_ports[vm->nunknown_ports++] = port;
		/* Linux probes for hardware that is not there; that is normal
		 * and only counted. A guest-kernel VM never should. */
		if (!vm->boot->probes_hardware)
			fprintf(stderr, "nestlab: guest %s unhandled port 0x%x (%u bytes); %s\n",
			out ? "wrote" : "read", port, size,
			out ? "ignored" : "reads as all ones");
	}
	pthread_mutex_unlock(&vm->lock);
}

int vm_prepare(struct nl_vm *vm, const struct nl_config *cfg,
	       struct nl_err *err)
{
	int rc;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->fd = -1;
	vm->ks.fd = -1;
	vm->ncpus = cfg->cpus;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	pthread_mutex_init(&vm->ch.lock, NULL);
	docport_init(&vm->doc);
	mem_overcommit(cfg->mem, &vm->oc);
	if (!(rc = mem_map(&vm->mem, cfg->mem, err)))
		mem_advise(&vm->mem, !cfg->no_thp, cfg->ksm, &vm->madv);
	if (rc)
		return rc;
	if ((rc = boot_load(vm, err)))
		return rc;
	if ((cfg->disk || cfg->disk_temp_size) && strcmp(vm->boot->kind, "linux")) {
		nl_seterr(err, "--disk: guest-kernel (an ELF guest) has no virtio driver; only a Linux guest gets a disk");
		return -EINVAL;
	}
	vm->com1 = (struct serial){ .out = stdout, .lock = &vm->lock, .irq_fd = -1 };
	vm->ch.mem = &vm->mem;
	vm->ch.log = stderr;
	if (iobus_register(&vm->io, NL_COM1_BASE, 8, serial_io, &vm->com1, "com1") ||
	    iobus_register(&vm->io, NL_PORT_CALL, 16, channel_io, &vm->ch, "channel")) {
		nl_seterr(err, "internal: I/O port ranges overlap");
		return -EFAULT;
	}
	return vm->boot->devices ? vm->boot->devices(vm, err) : 0;
}

int vm_create(struct nl_vm *vm, struct nl_kvm *k, struct nl_err *err)
{
	struct kvm_userspace_memory_region reg;
	int rc;

	vm->kvm = k;
	vm->fd = ioctl(k->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		nl_seterr(err, "KVM_CREATE_VM: %s", strerror(errno));
		return -ENODEV;
	}
	rc = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (rc > 0 && vm->ncpus > (unsigned int)rc) {
		nl_seterr(err, "--cpus %u: this KVM allows at most %d vCPUs",
			  vm->ncpus, rc);
		return -EINVAL;
	}
	/* Populating more than the host can give would end in the OOM killer,
	 * not in an error: refuse it up front. */
	if (vm->cfg->prefault && vm->oc.ratio > 1.0) {
		nl_seterr(err, "--prefault: %" PRIu64 " MiB of guest memory cannot be populated, the host has %" PRIu64 " MiB available",
			  vm->mem.size >> 20, vm->oc.limit >> 20);
		return -ENOMEM;
	}
	/* mem_prefault says why: -ENOMEM, or what madvise/mlock refused. */
	if (vm->cfg->prefault && (rc = mem_prefault(&vm->mem, err)))
		return rc;
	if (vm->boot->platform && (rc = vm->boot->platform(vm, err)))
		return rc;
	for (unsigned int i = 0; i < vm->mem.nslots; i++) {
		const struct nl_slot *sl = &vm->mem.slot[i];

		reg = (struct kvm_userspace_memory_region){
			.slot = i,
			.guest_phys_addr = sl->gpa,
			.memory_size = sl->size,
			.userspace_addr = (uintptr_t)(vm->mem.host + sl->host_off),
		};
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) {
			nl_seterr(err, "KVM_SET_USER_MEMORY_REGION (%" PRIu64 " MiB at 0x%" PRIx64 "): %s",
				  sl->size >> 20, sl->gpa, strerror(errno));
			return -ENODEV;
		}
	}
	if (k->stats && ks_open(&vm->ks, vm->fd) < 0)
		vm->ks.fd = -1;
	return 0;
}

static int start_vcpus(struct nl_vm *vm, struct nl_err *err)
{
	int rc;

	vm->vcpu = calloc(vm->ncpus, sizeof(*vm->vcpu));
	if (!vm->vcpu) {
		nl_seterr(err, "out of memory");
		return -ENOMEM;
	}
	/* Every fd invalid first: vm_destroy() closes what a failed
	 * creation left, and 0 is a real fd (stdin). */
	for (unsigned int i = 0; i < vm->ncpus; i++)
		vm->vcpu[i].fd = vm->vcpu[i].ks.fd = -1;
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if ((rc = vcpu_create(vm, &vm->vcpu[i], i, err)))
			return rc;
	}
	if (vm->kvm->tsc_khz) {
		rc = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
		vm->tsc_khz = rc > 0 ? (uint64_t)rc : 0;
	}
	return vm->boot->ready ? vm->boot->ready(vm, err) : 0;
}

/* LeakSanitizer's check at exit stops the world from a new process with
 * ptrace, which the filter refuses: the sanitizer build runs unconfined
 * (docs/security.md); the filter's own test runs there all the same. */
#ifdef __SANITIZE_ADDRESS__
#define CONFINE_RUNS false
#else
#define CONFINE_RUNS true
#endif

static struct timespec ts_add_ns(struct timespec t, uint64_t ns)
{
	t.tv_sec += (time_t)(ns / 1000000000u);
	t.tv_nsec += (long)(ns % 1000000000u);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool ts_before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static struct timespec now_realtime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

/* Console input: stdin to COM1's receive FIFO, until the run ends. */
static void *stdin_thread(void *arg)
{
	struct nl_vm *vm = arg;
	uint8_t buf[256];

	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
				       { .fd = vm->stdin_pipe[0], .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(0, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (size_t off = 0; off < (size_t)n && !vm->stop;) {
			off += serial_rx(&vm->com1, buf + off, (size_t)n - off);
			if (off < (size_t)n)
				poll(&p[1], 1, 10);  /* FIFO full: let the guest drain it */
		}
	}
	return NULL;
}

static void stdin_start(struct nl_vm *vm)
{
	vm->stdin_pipe[0] = vm->stdin_pipe[1] = -1;
	if (!vm->boot->console_input || pipe(vm->stdin_pipe) < 0)
		return;
	if (pthread_create(&vm->stdin_thread, NULL, stdin_thread, vm)) {
		close(vm->stdin_pipe[0]);
		close(vm->stdin_pipe[1]);
		vm->stdin_pipe[0] = vm->stdin_pipe[1] = -1;
	}
}

static void stdin_stop(struct nl_vm *vm)
{
	if (vm->stdin_pipe[1] < 0)
		return;
	if (write(vm->stdin_pipe[1], "x", 1) != 1)
		pthread_cancel(vm->stdin_thread);
	pthread_join(vm->stdin_thread, NULL);
	close(vm->stdin_pipe[0]);
	close(vm->stdin_pipe[1]);
	vm->stdin_pipe[0] = vm->stdin_pipe[1] = -1;
}

int vm_run(struct nl_vm *vm, struct nl_err *err)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct timespec deadline, mark_at;
	bool marked;
	int rc;

	if ((rc = start_vcpus(vm, err)))
		return rc;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);  /* no SA_RESTART: KVM_RUN must return */
	if (vm->ks.fd >= 0)
		ks_snapshot(&vm->ks, false);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].ks.fd >= 0)
			ks_snapshot(&vm->vcpu[i].ks, false);
	if (memseries_init(&vm->ms, vm->cfg->mem_sample_ms) < 0) {
		nl_seterr(err, "memory over time: out of memory for %u samples", MEMSERIES_MAX);
		return -ENOMEM;
	}
	/* Set-up is over: from here on the guest runs, so nestlab keeps only
	 * the system calls running it needs. Console input's thread and the
	 * vCPU threads are started under the filter. */
	if (!vm->cfg->no_seccomp && CONFINE_RUNS && (rc = confine_install(err)))
		return rc;
	vm->t_start_ns = nl_now_ns();
	stdin_start(vm);
	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		rc = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_thread, &vm->vcpu[i]);
		if (rc) {
			pthread_mutex_unlock(&vm->lock);
			vm_stop(vm, NL_OUT_HOST_ERROR, "pthread_create: %s", strerror(rc));
			pthread_mutex_lock(&vm->lock);
			break;
		}
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += vm->cfg->timeout_s;
	/* The last window before the deadline, whose counters tell a vCPU
	 * that still ran from one that did not (stopstate.c) */
	mark_at = deadline;
	mark_at.tv_sec -= STOPSTATE_WINDOW_NS / 1000000000ull;
	marked = vm->cfg->timeout_s <= STOPSTATE_WINDOW_NS / 1000000000ull;
	/* The main thread is the watchdog and the memory sampler: it wakes at
	 * the deadline, the window's start or the next sample, whichever comes
	 * first. */
	while (!vm->stop) {
		struct timespec wake = deadline;
		bool sampling = vm->ms.s != NULL;

		if (sampling) {
			uint64_t now = nl_now_ns();

			if (memseries_due(&vm->ms, now)) {
				pthread_mutex_unlock(&vm->lock);
				memseries_sample(&vm->ms, vm->mem.host, vm->t_start_ns, now);
				pthread_mutex_lock(&vm->lock);
				continue;
			}
			clock_gettime(CLOCK_REALTIME, &wake);
			wake = ts_add_ns(wake, vm->ms.next_ns - now);
			if (vm->cfg->timeout_s && ts_before(deadline, wake))
				wake = deadline;
		}
		if (!marked) {	/* true from the start without a watchdog */
			if (!ts_before(now_realtime(), mark_at)) {
				pthread_mutex_unlock(&vm->lock);
				stopstate_mark(vm);
				pthread_mutex_lock(&vm->lock);
				marked = true;
				continue;
			}
			if (ts_before(mark_at, wake))
				wake = mark_at;
		}
		if (!vm->cfg->timeout_s && !sampling) {
			pthread_cond_wait(&vm->cond, &vm->lock);
		} else if (pthread_cond_timedwait(&vm->cond, &vm->lock, &wake) == ETIMEDOUT &&
			   vm->cfg->timeout_s && !ts_before(now_realtime(), deadline)) {
			pthread_mutex_unlock(&vm->lock);
			vm_stop(vm, NL_OUT_TIMEOUT, "watchdog: guest still running after %u s",
				vm->cfg->timeout_s);
			pthread_mutex_lock(&vm->lock);
		}
	}
	pthread_mutex_unlock(&vm->lock);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].thread)
			pthread_join(vm->vcpu[i].thread, NULL);
	stdin_stop(vm);
	/* the state at the end, whatever the period */
	memseries_sample(&vm->ms, vm->mem.host, vm->t_start_ns, nl_now_ns());
	procmem_read(&vm->mem, &vm->pm);
	if (vm->mark_ns)
		vm->mark_end_ns = nl_now_ns();
	if (vm->ks.fd >= 0)
		ks_snapshot(&vm->ks, true);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].ks.fd >= 0)
			ks_snapshot(&vm->vcpu[i].ks, true);
	return 0;
}

void vm_destroy(struct nl_vm *vm)
{
	for (unsigned int i = 0; vm->vcpu && i < vm->ncpus; i++) {
		struct nl_vcpu *c = &vm->vcpu[i];

		ks_close(&c->ks);
		if (c->run)
			munmap(c->run, (size_t)vm->kvm->vcpu_mmap_size);
		if (c->fd >= 0)
			close(c->fd);
	}
	free(vm->vcpu);
	vm->vcpu = NULL;
	memseries_free(&vm->ms);
	free(vm->lb);
	docport_free(&vm->doc);
	vm->lb = NULL;
	if (vm->disk) {
		vblk_close(vm->disk);
		free(vm->disk);
		vm->disk = NULL;
	}
	ks_close(&vm->ks);
	if (vm->fd >= 0)
		close(vm->fd);
	mem_unmap(&vm->mem);
}
