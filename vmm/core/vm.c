// SPDX-License-Identifier: MIT
/*
 * A VM: memory, devices, vCPU threads, the watchdog, and the first reason
 * it stopped. Everything lives in struct nl_vm, so two VMs in one process
 * share nothing.
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

#include "acpi.h"
#include "boot_linux.h"
#include "bzimage.h"
#include "nestlab.h"
#include "vmlinux.h"

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
		if (!vm->is_linux)
			fprintf(stderr, "nestlab: guest %s unhandled port 0x%x (%u bytes); %s\n",
			out ? "wrote" : "read", port, size,
			out ? "ignored" : "reads as all ones");
	}
	pthread_mutex_unlock(&vm->lock);
}

/* Linux's last console words end the run (serial.c watches for them). */
static void console_event(struct serial *s, enum serial_event ev)
{
	struct nl_vm *vm = s->owner;

	if (ev == SERIAL_EV_POWEROFF)
		vm_stop(vm, NL_OUT_POWEROFF, "guest powered off");
	else if (ev == SERIAL_EV_REBOOT)
		vm_stop(vm, NL_OUT_REBOOT, "guest rebooted");
	else if (ev == SERIAL_EV_PANIC)
		vm_stop(vm, NL_OUT_PANIC, "guest kernel panic: %s", s->event_line);
}

/* Reads a whole file of at most max bytes. */
static int read_file(const char *path, const char *what, uint64_t max,
		     uint8_t **buf, size_t *len, struct nl_err *err)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (!f) {
		int e = errno;

		nl_seterr(err, "%s %s: %s", what, path, strerror(e));
		return e == ENOENT || e == EACCES || e == EISDIR ? -EINVAL : -e;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		nl_seterr(err, "%s %s: not a regular file", what, path);
		fclose(f);
		return -EINVAL;
	}
	if ((uint64_t)n > max) {
		nl_seterr(err, "%s %s: %ld MiB is larger than %" PRIu64 " MiB", what, path,
			  n >> 20, max >> 20);
		fclose(f);
		return -EINVAL;
	}
	*buf = malloc(n ? (size_t)n : 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		nl_seterr(err, "%s %s: read failed", what, path);
		free(*buf);
		*buf = NULL;
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* A Linux kernel: a bzImage in k, or (k NULL) the vmlinux ELF at
 * cfg->kernel, loaded here by its segments (vmlinux.c). */
static int load_linux(struct nl_vm *vm, const uint8_t *k, size_t klen,
		      struct nl_err *err)
{
	const struct nl_config *cfg = vm->cfg;
	struct bl_slot slots[BL_MAX_SLOTS];
	struct elf_image img, *vml = NULL;
	struct bzimage bz;
	uint8_t *rd = NULL;
	size_t rdlen = 0;
	int rc;

	if (k)
		rc = bzimage_parse(k, klen, &bz, err);
	else if (!(rc = elf_load(cfg->kernel, &vm->mem, BL_GPA_HIMEM, &img, err)))
		rc = vmlinux_header(&img, &bz, err);
	if (rc)
		return rc;
	if (!k)
		vml = &img;
	if (cfg->initrd && (rc = read_file(cfg->initrd, "--initrd", cfg->mem, &rd, &rdlen, err)))
		return rc;
	vm->lb = calloc(1, sizeof(*vm->lb));
	if (!vm->lb) {
		free(rd);
		nl_seterr(err, "out of memory");
		return -ENOMEM;
	}
	vm->mem.nslots = boot_linux_mem_slots(vm->mem.size, slots);
	for (unsigned int i = 0; i < vm->mem.nslots; i++)
		vm->mem.slot[i] = (struct nl_slot){ slots[i].gpa, slots[i].host_off,
						    slots[i].size };
	rc = boot_linux_setup(&vm->mem, &bz, k, klen, vml, rd, rdlen, cfg->cmdline,
			      vm->ncpus, vm->lb, err);
	free(rd);
	vm->is_linux = true;
	return rc;
}

/* A guest-kernel ELF, a Linux vmlinux ELF or a Linux bzImage, told apart
 * by their contents. */
static int load_kernel(struct nl_vm *vm, struct nl_err *err)
{
	const struct nl_config *cfg = vm->cfg;
	bool vmlinux = false;
	uint8_t *k;
	size_t klen;
	int rc;

	/* A vmlinux is loaded segment by segment, never read whole; a file
	 * the probe cannot open is reported by read_file() below. */
	if (!vmlinux_probe(cfg->kernel, &vmlinux, err) && vmlinux)
		return load_linux(vm, NULL, 0, err);
	if ((rc = read_file(cfg->kernel, "--kernel", 512ull << 20, &k, &klen, err)))
		return rc;
	if (elf_is_elf(k, klen)) {
		free(k);
		if (cfg->initrd) {
			nl_seterr(err, "--initrd is for Linux kernels; %s is an ELF guest without a \"Linux\" note",
				  cfg->kernel);
			return -EINVAL;
		}
		return elf_load(cfg->kernel, &vm->mem, NL_GPA_IMAGE_MIN, &vm->img, err);
	}
	if (bzimage_is_bzimage(k, klen))
		rc = load_linux(vm, k, klen, err);
	else {
		nl_seterr(err, "%s: not an ELF file or a bzImage", cfg->kernel);
		rc = -EINVAL;
	}
	free(k);
	return rc;
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
	if ((rc = mem_map(&vm->mem, cfg->mem, err)))
		return rc;
	if ((rc = load_kernel(vm, err)))
		return rc;
	vm->com1 = (struct serial){ .out = stdout, .lock = &vm->lock, .irq_fd = -1,
				    .owner = vm, .on_event = console_event };
	vm->ch.mem = &vm->mem;
	vm->ch.log = stderr;
	if (iobus_register(&vm->io, NL_COM1_BASE, 8, serial_io, &vm->com1, "com1") ||
	    iobus_register(&vm->io, NL_PORT_CALL, 16, channel_io, &vm->ch, "channel")) {
		nl_seterr(err, "internal: I/O port ranges overlap");
		return -EFAULT;
	}
	if (vm->is_linux &&
	    iobus_register(&vm->io, NL_PORT_DOC, 8, docport_io, &vm->doc, "doc")) {
		nl_seterr(err, "internal: document port range overlaps");
		return -EFAULT;
	}
	if (vm->is_linux &&
	    (iobus_register(&vm->io, ACPI_PM1A_EVT, ACPI_PM1_EVT_LEN, acpi_pm_io, &vm->acpi, "acpi-pm1a-evt") ||
	     iobus_register(&vm->io, ACPI_PM1A_CNT, ACPI_PM1_CNT_LEN, acpi_pm_io, &vm->acpi, "acpi-pm1a-cnt"))) {
		nl_seterr(err, "internal: ACPI port ranges overlap");
		return -EFAULT;
	}
	if (vm->is_linux && legacy_register(&vm->io, &vm->legacy)) {
		nl_seterr(err, "internal: legacy I/O port ranges overlap");
		return -EFAULT;
	}
	return 0;
}

/* The PC platform a Linux guest expects, all in the kernel: interrupt
 * controllers (PIC, IOAPIC, local APICs) and the PIT. The irqchip must
 * exist before any vCPU. */
static int linux_platform(struct nl_vm *vm, struct nl_err *err)
{
	uint64_t idmap = BL_GPA_KVM_IDMAP;
	struct kvm_pit_config pit = { .flags = 0 };

	/* VMX needs these two pages for real-mode emulation; harmless elsewhere. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)BL_GPA_KVM_TSS) < 0 &&
	    errno != ENOTTY && errno != EINVAL) {
		nl_seterr(err, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -ENODEV;
	}
	ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		nl_seterr(err, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -ENODEV;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0) {
		nl_seterr(err, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -ENODEV;
	}
	vm->com1.irq_fd = vm->fd;
	vm->com1.irq = 4;
	vm->com1.watch = true;
	return 0;
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
	if (vm->cfg->prefault && (rc = mem_prefault(&vm->mem, err)))
		return -ENOMEM;
	if (vm->is_linux && (rc = linux_platform(vm, err)))
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

/* The guest's command line: the user's plus the paging policy options. */
static void guest_cmdline(const struct nl_config *cfg, char *buf, size_t n)
{
	snprintf(buf, n, "%s%spaging=%s pagesize=%s", cfg->cmdline,
		 cfg->cmdline[0] ? " " : "",
		 cfg->gpaging == NL_GP_PREBUILT ? "prebuilt" : "demand",
		 cfg->gpage_size == 4096 ? "4K" : "2M");
}

static int start_vcpus(struct nl_vm *vm, struct nl_err *err)
{
	char cmdline[NL_CMDLINE_MAX + 64];
	struct nl_boot b;
	int rc;

	vm->vcpu = calloc(vm->ncpus, sizeof(*vm->vcpu));
	if (!vm->vcpu) {
		nl_seterr(err, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		vm->vcpu[i].fd = -1;
		if ((rc = vcpu_create(vm, &vm->vcpu[i], i, err)))
			return rc;
	}
	if (vm->kvm->tsc_khz) {
		rc = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
		vm->tsc_khz = rc > 0 ? (uint64_t)rc : 0;
	}
	if (vm->is_linux)
		return 0;  /* boot_linux_setup() wrote everything already */
	guest_cmdline(vm->cfg, cmdline, sizeof(cmdline));
	b = (struct nl_boot){
		.entry = vm->img.entry,
		.free_start = (vm->img.hi + (2ull << 20) - 1) & ~((2ull << 20) - 1),
		.tsc_khz = vm->tsc_khz,
		.ncpus = vm->ncpus,
		.cmdline = cmdline,
	};
	return boot_nl_setup(&vm->mem, &b, err);
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
	if (!vm->is_linux || pipe(vm->stdin_pipe) < 0)
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
	struct timespec deadline;
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
	while (!vm->stop) {
		if (!vm->cfg->timeout_s) {
			pthread_cond_wait(&vm->cond, &vm->lock);
		} else if (pthread_cond_timedwait(&vm->cond, &vm->lock, &deadline) == ETIMEDOUT) {
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
	procmem_read(&vm->mem, &vm->pm);
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
	free(vm->lb);
	docport_free(&vm->doc);
	vm->lb = NULL;
	ks_close(&vm->ks);
	if (vm->fd >= 0)
		close(vm->fd);
	mem_unmap(&vm->mem);
}
