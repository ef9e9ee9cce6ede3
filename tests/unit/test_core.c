// SPDX-License-Identifier: MIT
/*
 * Unit tests without /dev/kvm: boot structures, the channel's record
 * checks, exit dispatch over a hand-filled struct kvm_run, exit
 * accounting, the JSON writer and the meminfo parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "nestlab.h"

#define MEM (6ull << 20)

static struct nl_mem mem;

/* Page-aligned, as guest memory is: the channel's NL_REC_FREE needs it. */
static int setup(void **state)
{
	void *p = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	if (p == MAP_FAILED)
		return -1;
	/* 4K pages only, so what is resident is what a test wrote */
	madvise(p, MEM, MADV_NOHUGEPAGE);
	mem_attach(&mem, p, MEM);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(mem.host, MEM);
	return 0;
}

static void gpa_checks(void **state)
{
	(void)state;
	assert_non_null(mem_gpa(&mem, 0, MEM));
	assert_non_null(mem_gpa(&mem, MEM - 1, 1));
	assert_non_null(mem_gpa(&mem, MEM, 0));
	assert_null(mem_gpa(&mem, MEM, 1));
	assert_null(mem_gpa(&mem, MEM - 1, 2));
	assert_null(mem_gpa(&mem, UINT64_MAX, 2));
	assert_null(mem_gpa(&mem, 16, UINT64_MAX - 8)); /* no wrap-around */
}

static void boot_structures(void **state)
{
	struct gk_boot b = { .entry = 0x100000, .free_start = 0x200000,
			     .tsc_khz = 1000, .ncpus = 2, .cmdline = "workload=touch" };
	struct nl_err err;
	struct kvm_sregs s;
	const struct nl_bootinfo *bi;
	const uint64_t *pml4, *pdpt, *pd;

	(void)state;
	assert_int_equal(boot_gk_setup(&mem, &b, &err), 0);
	bi = mem_gpa(&mem, NL_GPA_BOOTINFO, sizeof(*bi));
	assert_int_equal(bi->magic, NL_BOOTINFO_MAGIC);
	assert_int_equal(bi->abi_version, NL_ABI_VERSION);
	assert_int_equal(bi->mem_size, MEM);
	assert_int_equal(bi->ncpus, 2);
	assert_int_equal(bi->free_start, 0x200000);
	assert_int_equal(bi->free_end, MEM);
	assert_int_equal(bi->cmdline_len, strlen("workload=touch"));
	assert_string_equal((const char *)mem.host + NL_GPA_CMDLINE, "workload=touch");
	pml4 = mem_gpa(&mem, NL_GPA_PML4, 4096);
	pdpt = mem_gpa(&mem, NL_GPA_PDPT, 4096);
	pd = mem_gpa(&mem, NL_GPA_PD, 4096);
	assert_int_equal(pml4[0], NL_GPA_PDPT | 3);
	assert_int_equal(pml4[1], 0);
	assert_int_equal(pdpt[0], NL_GPA_PD | 3);
	assert_int_equal(pdpt[1], 0);
	/* 6 MiB: three 2 MiB pages, present, writable, supervisor, PS. */
	assert_int_equal(pd[0], 0x83);
	assert_int_equal(pd[1], 0x200083);
	assert_int_equal(pd[2], 0x400083);
	assert_int_equal(pd[3], 0);
	memset(&s, 0, sizeof(s));
	boot_gk_sregs(&s);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.selector, NL_SEL_CODE64);
	assert_int_equal(s.cr3, NL_GPA_PML4);
	assert_true(s.cr0 & (1ull << 31));
	assert_true(s.efer & (1ull << 10));
	assert_int_equal(s.tr.type, 0xb);
	/* Boot GDT's 64-bit code descriptor matches the segment we load. */
	assert_int_equal(((const uint64_t *)(mem.host + NL_GPA_GDT))[1] >> 53 & 1, 1);
}

static void boot_too_long(void **state)
{
	static char big[NL_CMDLINE_MAX + 1];
	struct gk_boot b = { .cmdline = big, .ncpus = 1 };
	struct nl_err err;

	(void)state;
	memset(big, 'x', NL_CMDLINE_MAX);
	assert_int_equal(boot_gk_setup(&mem, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "command line"));
}

static struct channel *new_channel(void)
{
	struct channel *ch = calloc(1, sizeof(*ch));

	pthread_mutex_init(&ch->lock, NULL);
	ch->mem = &mem;
	return ch;
}

static void put_rec(uint64_t gpa, uint32_t magic, uint16_t type, uint32_t len,
		    const void *payload, size_t n)
{
	struct nl_rec r = { .magic = magic, .type = type, .len = len };

	memcpy(mem.host + gpa, &r, sizeof(r));
	if (payload)
		memcpy(mem.host + gpa + sizeof(r), payload, n);
}

static void channel_records(void **state)
{
	struct channel *ch = new_channel();
	struct nl_result res = { .workload = "mcf", .checksum = 0x1234, .status = 0 };
	struct nl_hello hello = { .abi_version = 1, .kernel = "gk" };

	(void)state;
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_RESULT, sizeof(struct nl_rec) + sizeof(res), &res, sizeof(res));
	assert_int_equal(channel_record(ch, 0, 0x4000), 0);
	assert_true(ch->have_result);
	assert_int_equal(ch->result.checksum, 0x1234);
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_HELLO, sizeof(struct nl_rec) + sizeof(hello), &hello, sizeof(hello));
	assert_int_equal(channel_record(ch, 0, 0x4000), 0);
	assert_string_equal(ch->hello.kernel, "gk");
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_PARK, sizeof(struct nl_rec), NULL, 0);
	assert_int_equal(channel_record(ch, 1, 0x4000), 1);
	assert_int_equal(ch->bad_records, 0);

	/* Every malformed record is refused and counted. */
	assert_int_equal(channel_record(ch, 0, MEM), -EFAULT);
	assert_int_equal(channel_record(ch, 0, MEM - 8), -EFAULT);
	assert_int_equal(channel_record(ch, 0, UINT64_MAX - 4), -EFAULT);
	put_rec(0x4000, 0xdeadbeef, NL_REC_LOG, 20, "abcd", 4);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_LOG, 4, NULL, 0);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_LOG, NL_REC_MAX + 1, NULL, 0);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	put_rec(MEM - 32, NL_REC_MAGIC, NL_REC_LOG, 64, NULL, 0);
	assert_int_equal(channel_record(ch, 0, MEM - 32), -EFAULT);
	put_rec(0x4000, NL_REC_MAGIC, 77, 16, NULL, 0);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_RESULT, sizeof(struct nl_rec) + 8, &res, 8);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	assert_int_equal(ch->bad_records, 9);
	assert_non_null(strstr(ch->last_bad, "length"));
	/* An ABORT's strings are terminated by the VMM, not trusted. */
	struct nl_abort ab;

	memset(&ab, 'A', sizeof(ab));
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_ABORT, sizeof(struct nl_rec) + sizeof(ab), &ab, sizeof(ab));
	assert_int_equal(channel_record(ch, 0, 0x4000), 0);
	assert_int_equal(strlen(ch->abort.msg), sizeof(ab.msg) - 1);
	free(ch);
}

static int send_free(struct channel *ch, uint64_t gpa, uint64_t len)
{
	struct nl_free f = { gpa, len };

	put_rec(0x4000, NL_REC_MAGIC, NL_REC_FREE, sizeof(struct nl_rec) + sizeof(f), &f, sizeof(f));
	return channel_record(ch, 0, 0x4000);
}

/* NL_REC_FREE: the host pages behind a range given back are dropped and
 * counted (what was resident apart from what was asked); a range that is
 * not the guest's to give is refused and changes nothing. */
static void channel_free(void **state)
{
	struct channel *ch = new_channel();
	const uint64_t at = 4ull << 20, len = 1ull << 20;

	(void)state;
	assert_int_equal(madvise(mem.host + at, len, MADV_DONTNEED), 0); /* a clean start */
	memset(mem.host + at, 'x', len / 2);   /* half of it resident */
	memset(mem.host + 0x100000, 'y', 4096);
	assert_int_equal(send_free(ch, at, len), 0);
	assert_int_equal(ch->freed_records, 1);
	assert_int_equal(ch->freed_bytes, len);
	assert_int_equal(ch->freed_resident_bytes, len / 2);
	/* given back twice: asked again, nothing more was resident */
	assert_int_equal(send_free(ch, at, len), 0);
	assert_int_equal(ch->freed_bytes, 2 * len);
	assert_int_equal(ch->freed_resident_bytes, len / 2);
	/* (read after: a read maps the zero page, which mincore counts) */
	assert_int_equal(mem.host[at], 0);
	assert_int_equal(mem.host[at + len / 2 - 1], 0);
	assert_int_equal(mem.host[0x100000], 'y'); /* outside the range */
	assert_int_equal(ch->bad_records, 0);

	memset(mem.host + 0x100000, 'y', 8192);
	assert_int_equal(send_free(ch, at, 0), -EINVAL);
	assert_int_equal(send_free(ch, at + 1, 4096), -EINVAL);
	assert_int_equal(send_free(ch, at, 4095), -EINVAL);
	assert_int_equal(send_free(ch, 0, 8192), -EINVAL);
	assert_int_equal(send_free(ch, 0xff000, 8192), -EINVAL);
	assert_non_null(strstr(ch->last_bad, "below 1 MiB"));
	assert_int_equal(send_free(ch, MEM - 4096, 8192), -EFAULT);
	assert_int_equal(send_free(ch, MEM, 4096), -EFAULT);
	assert_int_equal(send_free(ch, UINT64_MAX & ~0xfffull, 8192), -EFAULT);
	assert_int_equal(send_free(ch, 0x100000, UINT64_MAX & ~0xfffull), -EFAULT);
	assert_non_null(strstr(ch->last_bad, "not inside guest memory"));
	/* a payload of the wrong size */
	put_rec(0x4000, NL_REC_MAGIC, NL_REC_FREE, sizeof(struct nl_rec) + 8, &at, 8);
	assert_int_equal(channel_record(ch, 0, 0x4000), -EINVAL);
	assert_int_equal(ch->bad_records, 10);
	assert_int_equal(ch->freed_records, 2);
	assert_int_equal(mem.host[0x100000], 'y');
	assert_int_equal(mem.host[0x101fff], 'y');
	free(ch);
}

/* A VM with no KVM behind it: enough for exit dispatch. */
static void fake_vm(struct nl_vm *vm, struct nl_vcpu *c, struct kvm_run *run)
{
	memset(vm, 0, sizeof(*vm));
	memset(c, 0, sizeof(*c));
	vm->boot = &boot_gk_ops;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	pthread_mutex_init(&vm->ch.lock, NULL);
	vm->mem = mem;
	vm->ch.mem = &vm->mem;
	vm->com1 = (struct serial){ .out = NULL, .lock = &vm->lock, .irq_fd = -1 };
	assert_int_equal(iobus_register(&vm->io, NL_COM1_BASE, 8, serial_io, &vm->com1, "com1"), 0);
	assert_int_equal(iobus_register(&vm->io, NL_PORT_CALL, 16, channel_io, &vm->ch, "channel"), 0);
	c->vm = vm;
	c->fd = -1;
	c->run = run;
	memset(run, 0, 4096);
}

static void io_exit(struct kvm_run *run, uint16_t port, bool out, uint8_t size,
		    uint32_t val)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.port = port;
	run->io.size = size;
	run->io.count = 1;
	run->io.data_offset = 1024;
	memcpy((uint8_t *)run + 1024, &val, 4);
}

static void exit_dispatch(void **state)
{
	static const struct { uint32_t type; enum nl_outcome outcome; } events[] = {
		{ KVM_SYSTEM_EVENT_SHUTDOWN, NL_OUT_POWEROFF },
		{ KVM_SYSTEM_EVENT_RESET, NL_OUT_REBOOT },
		{ KVM_SYSTEM_EVENT_CRASH, NL_OUT_PANIC },
		{ 99, NL_OUT_UNHANDLED },   /* last: its message is checked */
	};
	static uint8_t runbuf[4096] __attribute__((aligned(64)));
	struct kvm_run *run = (struct kvm_run *)runbuf;
	struct nl_vm vm;
	struct nl_vcpu c;

	(void)state;
	fake_vm(&vm, &c, run);
	io_exit(run, NL_PORT_NOP, true, 4, 1);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_CONTINUE);
	assert_int_equal(vm.ch.nops, 1);
	io_exit(run, NL_PORT_MARK, true, 4, NL_MARK_BOOT);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_CONTINUE);
	assert_true(vm.ch.marks_ns[NL_MARK_BOOT] > 0);
	/* UART: LSR says the transmitter is empty. */
	io_exit(run, NL_COM1_BASE + 5, false, 1, 0);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_CONTINUE);
	assert_int_equal(runbuf[1024] & 0x60, 0x60);
	/* Unknown port: counted, reads float high, run continues. */
	io_exit(run, 0x1234, false, 2, 0);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_CONTINUE);
	assert_int_equal(runbuf[1024], 0xff);
	assert_int_equal(runbuf[1025], 0xff);
	assert_int_equal(vm.unknown_io, 1);
	/* Wrong-size channel access: reported as a bad record. */
	io_exit(run, NL_PORT_CALL, true, 1, 0);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_CONTINUE);
	assert_int_equal(vm.ch.bad_records, 1);
	/* HLT on an AP parks it; on vCPU 0 it ends the run. */
	c.id = 1;
	run->exit_reason = KVM_EXIT_HLT;
	assert_int_equal(vcpu_handle_exit(&c), EXIT_PARK);
	c.id = 0;
	assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
	assert_int_equal(vm.outcome, NL_OUT_HALTED);

	fake_vm(&vm, &c, run);
	io_exit(run, NL_PORT_EXIT, true, 4, 5);
	assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
	assert_int_equal(vm.outcome, NL_OUT_EXITED);
	assert_int_equal(vm.ch.exit_status, 5);
	assert_true(vm.stop);

	fake_vm(&vm, &c, run);
	run->exit_reason = KVM_EXIT_SHUTDOWN;
	assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
	assert_int_equal(vm.outcome, NL_OUT_TRIPLE_FAULT);

	fake_vm(&vm, &c, run);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xfee00000;
	assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
	assert_int_equal(vm.outcome, NL_OUT_UNHANDLED);
	assert_non_null(strstr(vm.outcome_msg, "0xfee00000"));

	/* KVM's system events: what the guest asked for, or unhandled. */
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		fake_vm(&vm, &c, run);
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = events[i].type;
		assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
		assert_int_equal(vm.outcome, events[i].outcome);
	}
	assert_non_null(strstr(vm.outcome_msg, "type 99"));

	fake_vm(&vm, &c, run);
	run->exit_reason = 1000;
	assert_int_equal(vcpu_handle_exit(&c), EXIT_STOP);
	assert_non_null(strstr(vm.outcome_msg, "unhandled exit 1000"));
}

static void iobus_overlap(void **state)
{
	struct iobus b = { 0 };

	(void)state;
	assert_int_equal(iobus_register(&b, 0x100, 8, serial_io, NULL, "a"), 0);
	assert_int_equal(iobus_register(&b, 0x107, 1, serial_io, NULL, "b"), -EEXIST);
	assert_int_equal(iobus_register(&b, 0xfc, 5, serial_io, NULL, "c"), -EEXIST);
	assert_int_equal(iobus_register(&b, 0x108, 1, serial_io, NULL, "d"), 0);
	assert_int_equal(iobus_register(&b, 0xffff, 2, serial_io, NULL, "e"), -EINVAL);
	assert_null(iobus_find(&b, 0xff));
	assert_string_equal(iobus_find(&b, 0x103)->name, "a");
}

static void exit_accounting(void **state)
{
	struct exitstats a = { 0 }, b = { 0 };

	(void)state;
	xs_add(&a, KVM_EXIT_IO, 100);
	xs_add(&a, KVM_EXIT_IO, 300);
	xs_add(&b, KVM_EXIT_IO, 50);
	xs_add(&b, 9999, 7);             /* out of range lands in the last slot */
	for (unsigned int p = 0; p < XS_PORTS + 3; p++)
		xs_add_port(&b, (uint16_t)p, true, 1);
	xs_merge(&a, &b);
	assert_int_equal(a.reason[KVM_EXIT_IO].count, 3);
	assert_int_equal(a.reason[KVM_EXIT_IO].total_ns, 450);
	assert_int_equal(a.reason[KVM_EXIT_IO].max_ns, 300);
	assert_int_equal(a.reason[XS_REASONS - 1].count, 1);
	assert_int_equal(a.nports, XS_PORTS);
	assert_int_equal(a.port_other.count, 3);
	assert_string_equal(xs_reason_name(KVM_EXIT_SHUTDOWN), "SHUTDOWN");
	assert_string_equal(xs_reason_name(5000), "OTHER");
}

static void json_writer(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	(void)state;
	json_begin(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "s", "a\"b\\c\n\x01\xff");
	json_u64(&j, "u", 18446744073709551615ull);
	json_i64(&j, "i", -5);
	json_hex(&j, "h", 0xabc);
	json_dbl(&j, "d", 0.0 / 0.0);
	json_arr(&j, "a");
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_end_arr(&j);
	json_obj(&j, "empty");
	json_end_obj(&j);
	json_end_obj(&j);
	json_finish(&j);
	fclose(f);
	assert_non_null(strstr(buf, "\"s\": \"a\\\"b\\\\c\\n\\u0001\\u00ff\""));
	assert_non_null(strstr(buf, "\"u\": 18446744073709551615"));
	assert_non_null(strstr(buf, "\"i\": -5"));
	assert_non_null(strstr(buf, "\"h\": \"0x0000000000000abc\""));
	assert_non_null(strstr(buf, "\"d\": null"));
	assert_non_null(strstr(buf, "\"a\": [\n    1,\n    2\n  ]"));
	assert_non_null(strstr(buf, "\"empty\": {}"));
	free(buf);
}

static void cpuid_model(void **state)
{
	struct kvm_cpuid2 *base = calloc(1, sizeof(*base) + 4 * sizeof(base->entries[0]));
	struct cpuid_opts none = { 0 }, notdp = { .hide_tdp = true },
			  novirt = { .hide_virt = true }, deadline = { .tsc_deadline = true };
	struct kvm_cpuid2 *c;

	(void)state;
	base->nent = 4;
	base->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0xff0000aa, .ecx = 1u << 5 };
	base->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000001, .ecx = 1u << 2 };
	base->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x8000000a, .edx = 0x1 | 0x8 };
	base->entries[3] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .edx = 77 };
	c = cpuid_for_vcpu(base, 3, 4, &none);
	assert_int_equal(c->entries[0].ebx >> 24, 3);
	assert_int_equal((c->entries[0].ebx >> 16) & 0xff, 4);
	assert_int_equal(c->entries[0].ebx & 0xffff, 0xaa);
	assert_true(c->entries[0].ecx & (1u << 31));
	assert_int_equal(c->entries[3].edx, 3);
	assert_true(cpuid_has_vmx(c) && cpuid_has_svm(c) && cpuid_has_npt(c));
	assert_false(c->entries[0].ecx & (1u << 24));  /* TSC deadline: only if asked */
	free(c);
	c = cpuid_for_vcpu(base, 0, 1, &deadline);
	assert_true(c->entries[0].ecx & (1u << 24));
	free(c);
	c = cpuid_for_vcpu(base, 0, 1, &notdp);
	assert_true(cpuid_has_svm(c));
	assert_false(cpuid_has_npt(c));
	assert_int_equal(c->entries[2].edx, 0x8);  /* only NPT is cleared */
	free(c);
	c = cpuid_for_vcpu(base, 0, 1, &novirt);
	assert_false(cpuid_has_svm(c) || cpuid_has_vmx(c) || cpuid_has_npt(c));
	free(c);
	/* The base model is never changed. */
	assert_int_equal(base->entries[0].ebx, 0xff0000aa);
	assert_true(cpuid_has_npt(base));
	free(base);
}

/* The boot MSRs: the TSC starts at 0 on every vCPU, MTRRs on with
 * write-back default, fast strings on; the syscall MSRs at reset values. */
static void linux_boot_msrs(void **state)
{
	struct kvm_msr_entry e[32];
	unsigned int n = msrs_linux_boot(e, 32);
	int seen = 0;

	(void)state;
	assert_true(n >= 3 && n < 32);
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(e[i].index, e[j].index);
		uint64_t want = 0;

		if (e[i].index == 0x10) {
			seen |= 1;
		} else if (e[i].index == 0x2ff) {
			seen |= 2;
			want = 0x806;
		} else if (e[i].index == 0x1a0) {
			seen |= 4;
			want = 1;
		}
		assert_int_equal(e[i].data, want);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(msrs_linux_boot(e, 2), 2);   /* never past max */
}

static void vmx_ept_hiding(void **state)
{
	/* allowed-0 low half untouched; EPT, unrestricted guest, PML, #VE,
	 * MBEC and SPP cleared from the allowed-1 half; VPID (bit 5) kept. */
	uint64_t ctls2 = 0x00fffffe00000000ull | 0x12;
	uint64_t out = vmx_ctls2_without_ept(ctls2);

	(void)state;
	assert_int_equal(out & 0xffffffff, 0x12);
	assert_false(out & (1ull << 33));
	assert_false(out & (1ull << 39));
	assert_false(out & (1ull << 49));
	assert_false(out & (1ull << 50));
	assert_false(out & (1ull << 54));
	assert_false(out & (1ull << 55));
	assert_true(out & (1ull << 37));
	assert_int_equal(vmx_ept_vpid_cap_without_ept(0x00000f0106734141ull), 0x00000f0100000000ull);
}

static void meminfo(void **state)
{
	const char *t = "MemTotal:       24576000 kB\nMemFree: 100 kB\nMemAvailable:   2048 kB\n";

	(void)state;
	assert_int_equal(mem_parse_meminfo(t, "MemAvailable"), 2048 * 1024);
	assert_int_equal(mem_parse_meminfo(t, "MemTotal"), 24576000ull * 1024);
	assert_int_equal(mem_parse_meminfo(t, "Mem"), 0);
	assert_int_equal(mem_parse_meminfo(t, "SwapTotal"), 0);
}

static void doc_body(struct json *j, const void *arg)
{
	json_obj(j, NULL);
	json_str(j, "schema", arg);
	json_end_obj(j);
}

/* A document appears whole under its name or not at all. */
static void report_file_atomic(void **state)
{
	char dir[] = "/tmp/nestlab-report-XXXXXX", path[128], buf[256];
	struct nl_err err = { { 0 } };
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	assert_int_equal(report_file(path, doc_body, "test/1", &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_null(json_check(buf, n, &n));
	assert_non_null(strstr(buf, "\"test/1\""));
	/* no temporary left beside it */
	snprintf(buf, sizeof(buf), "%s/run.json.tmp.%ld", dir, (long)getpid());
	assert_int_equal(access(buf, F_OK), -1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	snprintf(path, sizeof(path), "%s/gone/run.json", dir);
	assert_true(report_file(path, doc_body, "test/1", &err) < 0);
	assert_non_null(strstr(err.msg, "--json"));
}

/* The guest's page tables, walked as the CPU would (core/gva.c): 4K, 2M
 * and 1G pages, 5 levels with LA57, and every way a hostile table can end
 * the walk. */
static void pte(uint64_t table, uint64_t idx, uint64_t e)
{
	memcpy(mem_gpa(&mem, table + idx * 8, 8), &e, 8);
}

static void gva_walk(void **state)
{
	const uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000, pt = 0x13000, pml5 = 0x14000;
	const uint64_t stack = 0xffffc90000001000ull, text = 0xffffffff81000000ull;
	uint64_t gpa = 0, words[8], w;

	(void)state;
	memset(mem_gpa(&mem, pml4, 0x5000), 0, 0x5000);
	/* stack: a 4K page at 0x300000 */
	pte(pml4, (stack >> 39) & 511, pdpt | 3);
	pte(pdpt, (stack >> 30) & 511, pd | 3);
	pte(pd, (stack >> 21) & 511, pt | 3);
	pte(pt, (stack >> 12) & 511, 0x300000 | 3);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, stack + 0x123, &gpa), 0);
	assert_int_equal(gpa, 0x300123);
	/* the next 4K page is not present */
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, stack + 0x1000, &gpa), -ENOENT);
	/* text: a 2M page at 0x400000, the PS bit in a PDE */
	pte(pml4, (text >> 39) & 511, pdpt | 3);
	pte(pdpt, (text >> 30) & 511, pd | 3);
	pte(pd, (text >> 21) & 511, 0x400000 | 0x83);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, text + 0x12345, &gpa), 0);
	assert_int_equal(gpa, 0x412345);
	/* a 1G page (PS in a PDPTE) maps from guest-physical 0 */
	pte(pml4, 0, pdpt | 3);
	pte(pdpt, 5, 0x83);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, (uint64_t)5 << 30 | 0x201008, &gpa), 0);
	assert_int_equal(gpa, 0x201008);
	/* 5 levels: the same PML4 under a PML5 entry, LA57 in CR4 */
	pte(pml5, (stack >> 48) & 511, pml4 | 3);
	assert_int_equal(gva_to_gpa(&mem, pml5, 1u << 12, stack + 8, &gpa), 0);
	assert_int_equal(gpa, 0x300008);
	/* without LA57 the same CR3 walks the PML5 as a PML4: not present */
	assert_int_equal(gva_to_gpa(&mem, pml5, 0, stack, &gpa), -ENOENT);
	/* hostile tables: one past guest memory, PS in a PML4E */
	pte(pdpt, 7, (MEM + 0x1000) | 3);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, (uint64_t)7 << 30, &gpa), -EFAULT);
	assert_int_equal(gva_to_gpa(&mem, UINT64_MAX, 0, 0, &gpa), -EFAULT);
	pte(pml4, 3, pdpt | 0x83);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, (uint64_t)3 << 39, &gpa), -EINVAL);
	/* a 4K page that maps past memory: the walk succeeds, the read stops */
	pte(pt, ((stack >> 12) & 511) + 1, (MEM + 0x2000) | 3);
	assert_int_equal(gva_to_gpa(&mem, pml4, 0, stack + 0x1000, &gpa), 0);
	assert_int_equal(gpa, MEM + 0x2000);

	/* words at rsp: the last two of the stack page, then the unbacked one */
	for (w = 0; w < 2; w++) {
		uint64_t v = 0xffffffff81a50000ull + w;

		memcpy(mem_gpa(&mem, 0x300ff0 + w * 8, 8), &v, 8);
	}
	assert_int_equal(gva_read_words(&mem, pml4, 0, stack + 0xff0, words, 8), 2);
	assert_int_equal(words[1], 0xffffffff81a50001ull);
	assert_int_equal(gva_read_words(&mem, pml4, 0, stack + 0xff0, words, 1), 1);
	/* an rsp whose word would cross into the next page gives none */
	assert_int_equal(gva_read_words(&mem, pml4, 0, stack + 0xffc, words, 8), 0);
	assert_int_equal(gva_read_words(&mem, pml4, 0, 0x700000000000ull, words, 8), 0);
	/* what this test wrote goes, so later tests see untouched memory */
	madvise(mem.host + pml4, 0x5000, MADV_DONTNEED);
	madvise(mem.host + 0x300000, 0x1000, MADV_DONTNEED);
	madvise(mem.host + 0x400000, 0x13000, MADV_DONTNEED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpa_checks),
		cmocka_unit_test(boot_structures),
		cmocka_unit_test(boot_too_long),
		cmocka_unit_test(channel_records),
		cmocka_unit_test(channel_free),
		cmocka_unit_test(exit_dispatch),
		cmocka_unit_test(iobus_overlap),
		cmocka_unit_test(exit_accounting),
		cmocka_unit_test(json_writer),
		cmocka_unit_test(report_file_atomic),
		cmocka_unit_test(cpuid_model),
		cmocka_unit_test(linux_boot_msrs),
		cmocka_unit_test(vmx_ept_hiding),
		cmocka_unit_test(meminfo),
		cmocka_unit_test(gva_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
