// SPDX-License-Identifier: MIT
/*
 * The boot seam without /dev/kvm: each struct boot_ops instance fills
 * plain buffers (register structs, a calloc'd guest memory) that are read
 * back byte by byte; and the devices' stop reasons, which they now return
 * through struct io_access instead of stopping the VM themselves.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nestlab.h"

#define MEM (8ull << 20)

struct fixture {
	struct nl_config cfg;
	struct nl_vm vm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->cfg.mem = MEM;
	f->cfg.cpus = 2;
	f->cfg.gpage_size = 4096;
	f->cfg.kernel = "/nonexistent/guest-kernel";
	f->vm.cfg = &f->cfg;
	f->vm.ncpus = 2;
	mem_attach(&f->vm.mem, calloc(1, MEM), MEM);
	*state = f;
	return f->vm.mem.host ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->vm.mem.host);
	free(f);
	return 0;
}

/* True when every byte of p[0..n) is v. */
static bool all_bytes(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

static void gk_vcpu_state(void **state)
{
	struct fixture *f = *state;
	struct kvm_sregs s;
	struct kvm_regs r, want;

	f->vm.img.entry = 0x123000;
	memset(&s, 0, sizeof(s));
	memset(&r, 0xa5, sizeof(r));
	assert_true(boot_gk_ops.vcpu_state(&f->vm, 1, &s, &r));
	/* Every register but these four is zero: nothing left from before. */
	memset(&want, 0, sizeof(want));
	want.rip = 0x123000;
	want.rdi = NL_GPA_BOOTINFO;
	want.rsi = 1;
	want.rflags = 0x2;
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(s.cs.selector, NL_SEL_CODE64);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.ds.selector, NL_SEL_DATA);
	assert_int_equal(s.cr3, NL_GPA_PML4);
	assert_int_equal(s.gdt.base, NL_GPA_GDT);
	assert_true(s.cr0 & (1ull << 31));            /* paging on */
	assert_int_equal(s.efer & 0x500, 0x500);      /* LME | LMA */
	/* What boot_gk_sregs does not own stays as KVM_GET_SREGS gave it. */
	assert_true(all_bytes(&s.apic_base, sizeof(s.apic_base), 0));
	assert_true(all_bytes(s.interrupt_bitmap, sizeof(s.interrupt_bitmap), 0));
}

static void gk_ready_writes_bootinfo(void **state)
{
	struct fixture *f = *state;
	const struct nl_bootinfo *bi;
	const char *cl;
	struct nl_err err = { { 0 } };

	snprintf(f->cfg.cmdline, sizeof(f->cfg.cmdline), "workload=touch");
	f->cfg.gpaging = NL_GP_PREBUILT;
	f->vm.img.entry = 0x100000;
	f->vm.img.hi = 0x2345678;
	f->vm.tsc_khz = 2500000;
	memset(f->vm.mem.host, 0xcc, MEM);
	assert_int_equal(boot_gk_ops.ready(&f->vm, &err), 0);
	bi = mem_gpa(&f->vm.mem, NL_GPA_BOOTINFO, sizeof(*bi));
	assert_int_equal(bi->magic, NL_BOOTINFO_MAGIC);
	assert_int_equal(bi->abi_version, NL_ABI_VERSION);
	assert_int_equal(bi->mem_size, MEM);
	assert_int_equal(bi->ncpus, 2);
	assert_int_equal(bi->tsc_khz, 2500000);
	assert_int_equal(bi->free_start, 0x2400000);  /* image end, 2 MiB up */
	assert_int_equal(bi->free_end, MEM);
	cl = mem_gpa(&f->vm.mem, bi->cmdline_gpa, bi->cmdline_len + 1);
	assert_non_null(cl);
	assert_string_equal(cl, "workload=touch paging=prebuilt pagesize=4K");
	assert_int_equal(bi->cmdline_len, strlen(cl));
	/* The GDT's code descriptor, byte for byte (L=1, DPL 0, present). */
	{
		static const uint8_t code64[8] = { 0xff, 0xff, 0, 0, 0, 0x9b, 0xaf, 0 };

		assert_memory_equal(mem_gpa(&f->vm.mem, NL_GPA_GDT + 8, 8), code64, 8);
	}
	/* Memory the boot path does not own is untouched. */
	assert_true(all_bytes(mem_gpa(&f->vm.mem, NL_GPA_IMAGE_MIN, 4096), 4096, 0xcc));
}

static void gk_refuses_initrd(void **state)
{
	struct fixture *f = *state;
	struct nl_err err = { { 0 } };

	f->cfg.initrd = "/some/initrd";
	assert_int_equal(boot_gk_ops.load(&f->vm, NULL, 0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--initrd is for Linux kernels"));
	f->cfg.initrd = NULL;
}

static void linux_vcpu_state(void **state)
{
	struct fixture *f = *state;
	struct boot_linux_out lb = { .entry = 0x1000200, .zero_page = BL_GPA_ZERO_PAGE,
				     .cr3 = BL_GPA_PML4, .gdt_base = BL_GPA_GDT,
				     .gdt_limit = 31 };
	struct kvm_sregs s, s0;
	struct kvm_regs r, r0;

	f->vm.lb = &lb;
	/* An AP: left alone, not one byte written. */
	memset(&s, 0x5a, sizeof(s));
	memset(&r, 0x5a, sizeof(r));
	s0 = s;
	r0 = r;
	assert_false(boot_linux_ops.vcpu_state(&f->vm, 1, &s, &r));
	assert_memory_equal(&s, &s0, sizeof(s));
	assert_memory_equal(&r, &r0, sizeof(r));
	/* The BSP: startup_64 with RSI = the zero page, on the scratch
	 * stack, interrupts off; every other register zero. */
	memset(&s, 0, sizeof(s));
	assert_true(boot_linux_ops.vcpu_state(&f->vm, 0, &s, &r));
	r0 = (struct kvm_regs){ .rip = 0x1000200, .rsi = BL_GPA_ZERO_PAGE,
				.rsp = BL_STACK_TOP, .rbp = BL_STACK_TOP, .rflags = 0x2 };
	assert_memory_equal(&r, &r0, sizeof(r));
	assert_int_equal(s.cs.selector, BL_SEL_CODE);
	assert_int_equal(s.ds.selector, BL_SEL_DATA);
	assert_int_equal(s.cr3, BL_GPA_PML4);
	assert_int_equal(s.gdt.base, BL_GPA_GDT);
	f->vm.lb = NULL;
}

/* Writes a console line through the UART's transmit register. */
static int type_line(struct serial *s, const char *text, struct io_access *a)
{
	int rc = EXIT_CONTINUE;
	uint8_t c;

	for (const char *p = text; *p && rc == EXIT_CONTINUE; p++) {
		c = (uint8_t)*p;
		*a = (struct io_access){ .port = NL_COM1_BASE, .out = true, .data = &c, .size = 1 };
		rc = serial_io(s, a);
	}
	return rc;
}

static void linux_devices_and_halt(void **state)
{
	struct fixture *f = *state;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct nl_err err = { { 0 } };
	struct io_access a;
	static const struct { const char *cmdline; bool acpi_off; } cases[] = {
		{ "console=ttyS0", false },
		{ "console=ttyS0 acpi=off", true },
		{ "acpi=off", true },
		{ "xacpi=off", false },
		{ "acpi=offline", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f->vm.io, 0, sizeof(f->vm.io));
		f->vm.com1 = (struct serial){ .lock = &lock, .irq_fd = -1 };
		snprintf(f->cfg.cmdline, sizeof(f->cfg.cmdline), "%s", cases[i].cmdline);
		assert_int_equal(boot_linux_ops.devices(&f->vm, &err), 0);
		assert_non_null(iobus_find(&f->vm.io, NL_PORT_DOC));
		assert_non_null(iobus_find(&f->vm.io, ACPI_PM1A_CNT));
		assert_non_null(iobus_find(&f->vm.io, 0xcf9));
		assert_true(f->vm.com1.watch);
		assert_int_equal(f->vm.com1.halt_is_poweroff, cases[i].acpi_off);
		/* "System halted" is a clean poweroff only without ACPI. */
		assert_int_equal(type_line(&f->vm.com1, "[ 1.0] reboot: System halted\n", &a),
				 EXIT_STOP);
		assert_int_equal(a.stop, cases[i].acpi_off ? NL_OUT_POWEROFF : NL_OUT_HALTED);
	}
	/* Ports the guest-kernel path never registers. */
	assert_null(boot_gk_ops.devices);
}

static void devices_return_stops(void **state)
{
	struct acpi_pm pm = { 0 };
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct serial s = { .lock = &lock, .irq_fd = -1, .watch = true };
	uint16_t v = (5 << 10) | 0x2000;  /* SLP_TYP = S5, SLP_EN */
	uint8_t b = 0x04;
	struct io_access a = { .port = ACPI_PM1A_CNT, .out = true, .data = (uint8_t *)&v,
			       .size = 2 };

	(void)state;
	assert_int_equal(acpi_pm_io(&pm, &a), EXIT_STOP);
	assert_int_equal(a.stop, NL_OUT_POWEROFF);
	assert_non_null(strstr(a.stop_msg, "ACPI S5"));
	v = (1 << 10) | 0x2000;  /* S1: not offered, the run goes on */
	a = (struct io_access){ .port = ACPI_PM1A_CNT, .out = true, .data = (uint8_t *)&v, .size = 2 };
	assert_int_equal(acpi_pm_io(&pm, &a), EXIT_CONTINUE);
	a = (struct io_access){ .port = 0xcf9, .out = true, .data = &b, .size = 1 };
	assert_int_equal(legacy_io(NULL, &a), EXIT_STOP);
	assert_int_equal(a.stop, NL_OUT_REBOOT);
	assert_non_null(strstr(a.stop_msg, "0xcf9"));
	assert_int_equal(type_line(&s, "Kernel panic - not syncing: VFS\n", &a), EXIT_STOP);
	assert_int_equal(a.stop, NL_OUT_PANIC);
	assert_non_null(strstr(a.stop_msg, "not syncing: VFS"));
	assert_int_equal(type_line(&s, "reboot: Restarting system\n", &a), EXIT_STOP);
	assert_int_equal(a.stop, NL_OUT_REBOOT);
}

/* A FIFO or a directory named as a kernel or an initrd: a clear error at
 * once, never a blocked open (issue 12's reproducers). */
static void kernel_file_types(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/nestlab-boot-XXXXXX", fifo[64];
	struct nl_err err = { { 0 } };
	struct elf_image img;
	uint8_t *buf = (uint8_t *)1;
	size_t len;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(boot_read_file(fifo, "--initrd", 1 << 20, &buf, &len, &err), -EINVAL);
	assert_null(buf);
	assert_non_null(strstr(err.msg, "--initrd"));
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(boot_read_file(dir, "--initrd", 1 << 20, &buf, &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(elf_load(fifo, &f->vm.mem, NL_GPA_IMAGE_MIN, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	f->cfg.kernel = fifo;
	assert_int_equal(boot_load(&f->vm, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	f->cfg.kernel = dir;
	assert_int_equal(boot_load(&f->vm, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(gk_vcpu_state, setup, teardown),
		cmocka_unit_test_setup_teardown(gk_ready_writes_bootinfo, setup, teardown),
		cmocka_unit_test_setup_teardown(gk_refuses_initrd, setup, teardown),
		cmocka_unit_test_setup_teardown(linux_vcpu_state, setup, teardown),
		cmocka_unit_test_setup_teardown(linux_devices_and_halt, setup, teardown),
		cmocka_unit_test(devices_return_stops),
		cmocka_unit_test_setup_teardown(kernel_file_types, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
