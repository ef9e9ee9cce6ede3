// SPDX-License-Identifier: MIT
/*
 * Unit tests for booting Linux, without /dev/kvm: bzImage header checks on
 * synthetic images, the zero page and boot structures written into a plain
 * buffer and read back byte by byte at the boot protocol's offsets, the
 * e820 map and memory slots, and the MP table.
 *
 *   test_linux_boot                   the synthetic tests (cmocka)
 *   test_linux_boot --vmlinuz FILE    checks a real bzImage (for example
 *                                     Debian's); exits 77 when FILE is absent
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mpspec.h"
#include "nestlab.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* ---- synthetic bzImages; offsets are the boot protocol's, written out
 * literally so they also check struct setup_header's layout ---- */
struct fake {
	uint8_t setup_sects;
	uint32_t syssize;
	uint16_t version;
	uint16_t xloadflags;
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	size_t cut;              /* bytes to drop from the end */
};

static const struct fake good = {
	.setup_sects = 4, .syssize = 0x1000, /* 64 KiB kernel */
	.version = 0x020f, .xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
	.loadflags = LOADED_HIGH, .relocatable = 1, .kernel_alignment = 2 * MIB,
	.pref_address = 16 * MIB, .init_size = 32 * MIB,
	.initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
};

static uint8_t pm_byte(size_t i) { return (uint8_t)(i * 7 + 3); }

static uint8_t *make_bz(const struct fake *f, size_t *len)
{
	size_t ss = f->setup_sects ? f->setup_sects : 4;
	size_t pm = (ss + 1) * 512, n = pm + (size_t)f->syssize * 16;
	uint8_t *b = calloc(1, n);

	assert_non_null(b);
	b[0x1f1] = f->setup_sects;
	wr32(b + 0x1f4, f->syssize);
	wr16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;                  /* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	wr16(b + 0x206, f->version);
	b[0x211] = f->loadflags;
	wr32(b + 0x214, 0x100000);
	wr32(b + 0x22c, f->initrd_addr_max);
	wr32(b + 0x230, f->kernel_alignment);
	b[0x234] = f->relocatable;
	wr16(b + 0x236, f->xloadflags);
	wr32(b + 0x238, f->cmdline_size);
	wr64(b + 0x258, f->pref_address);
	wr32(b + 0x260, f->init_size);
	b[0x1ef] = 0xff;                  /* sentinel, as header.S sets it */
	for (size_t i = pm; i < n; i++)
		b[i] = pm_byte(i - pm);
	*len = n - f->cut;
	return b;
}

static int parse_fake(const struct fake *f, struct bzimage *bz, struct nl_err *err)
{
	size_t len;
	uint8_t *b = make_bz(f, &len);
	int r;

	memset(err, 0, sizeof(*err));
	r = bzimage_parse(b, len, bz, err);
	free(b);
	return r;
}

static void parse_good(void **state)
{
	struct bzimage bz;
	struct nl_err err;

	(void)state;
	assert_int_equal(parse_fake(&good, &bz, &err), 0);
	assert_int_equal(bz.version, 0x020f);
	assert_int_equal(bz.setup_sects, 4);
	assert_int_equal(bz.pm_offset, 5 * 512);
	assert_int_equal(bz.pm_size, 0x10000);
	assert_true(bz.relocatable);
	assert_int_equal(bz.kernel_alignment, 2 * MIB);
	assert_int_equal(bz.pref_address, 16 * MIB);
	assert_int_equal(bz.init_size, 32 * MIB);
	assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.hdr_len, 0x26c - 0x1f1);
	assert_int_equal(bz.hdr.boot_flag, 0xaa55);
	assert_int_equal(bz.hdr.header, 0x53726448);
	assert_int_equal(bz.hdr.code32_start, 0x100000);
}

static void parse_setup_sects_zero(void **state)
{
	struct fake f = good;
	struct bzimage bz;
	struct nl_err err;

	(void)state;
	f.setup_sects = 0;
	assert_int_equal(parse_fake(&f, &bz, &err), 0);
	assert_int_equal(bz.setup_sects, 4);
	assert_int_equal(bz.pm_offset, 5 * 512);
	f.setup_sects = 30;
	assert_int_equal(parse_fake(&f, &bz, &err), 0);
	assert_int_equal(bz.pm_offset, 31 * 512);
}

static void parse_bad(void **state)
{
	struct fake f;
	struct bzimage bz;
	struct nl_err err;
	size_t len;
	uint8_t *b;

	(void)state;
	/* No boot flag, then no "HdrS". */
	b = make_bz(&good, &len);
	b[0x1fe] = 0;
	assert_int_equal(bzimage_parse(b, len, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a bzImage"));
	assert_non_null(strstr(err.msg, "0xAA55"));
	assert_false(bzimage_is_bzimage(b, len));
	b[0x1fe] = 0x55;
	b[0x202] = 'X';
	assert_int_equal(bzimage_parse(b, len, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a bzImage"));
	assert_non_null(strstr(err.msg, "HdrS"));
	assert_false(bzimage_is_bzimage(b, len));
	b[0x202] = 'H';
	assert_true(bzimage_is_bzimage(b, len));
	/* Shorter than the setup header. */
	assert_int_equal(bzimage_parse(b, 0x204, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(bzimage_parse(b, 0x240, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(bzimage_parse(b, 100, &bz, &err), -EINVAL);
	assert_int_equal(bzimage_parse(NULL, 0, &bz, &err), -EINVAL);
	free(b);

	/* Too old: the message names the version found and the one needed. */
	f = good;
	f.version = 0x0206;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "2.06"));
	assert_non_null(strstr(err.msg, "2.12"));
	f.version = 0x020b;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "2.11 is too old"));
	f.version = 0x020c;
	assert_int_equal(parse_fake(&f, &bz, &err), 0);

	/* The kernel the header declares is cut short by one byte. */
	f = good;
	f.cut = 1;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_non_null(strstr(err.msg, "syssize"));
	/* ... and with setup_sects = 0 the setup is 4 sectors, not 0. */
	f = good;
	f.setup_sects = 0;
	f.cut = f.syssize * 16 + 1;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "truncated"));

	/* No 64-bit entry point. */
	f = good;
	f.xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no 64-bit entry point"));

	/* Inconsistent headers. */
	f = good;
	f.loadflags = 0;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "LOADED_HIGH"));
	f = good;
	f.kernel_alignment = 3 * MIB;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "power of two"));
	f = good;
	f.syssize = 0;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "syssize 0"));
	f = good;
	f.init_size = 0x1000;
	assert_int_equal(parse_fake(&f, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "init_size"));
}

static void sniff_elf(void **state)
{
	uint8_t elf[1024] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	(void)state;
	assert_false(bzimage_is_bzimage(elf, sizeof(elf)));
	assert_false(bzimage_is_bzimage(elf, 4));
}

/* ---- the boot structures, in a calloc'd "guest memory" ---- */
struct bootcase {
	struct nl_mem mem;
	struct bzimage bz;
	uint8_t *file;
	size_t len;
};

static void bc_init(struct bootcase *c, const struct fake *f, uint64_t mem)
{
	struct nl_err err;

	mem_attach(&c->mem, calloc(1, mem), mem);
	assert_non_null(c->mem.host);
	c->file = make_bz(f, &c->len);
	assert_int_equal(bzimage_parse(c->file, c->len, &c->bz, &err), 0);
}

static void bc_free(struct bootcase *c)
{
	free(c->mem.host);
	free(c->file);
}

static void check_e820(const uint8_t *tab, unsigned int n, uint64_t mem)
{
	uint64_t ram = 0, prev_end = 0;

	assert_true(n >= 3);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = tab + i * 20;
		uint64_t a = rd64(e), s = rd64(e + 8);
		uint32_t t = rd32(e + 16);

		assert_true(s > 0);
		assert_true(a >= prev_end);                 /* sorted, no overlap */
		assert_true(t == BL_E820_RAM || t == BL_E820_RESERVED);
		/* Nothing in the 3..4 GiB MMIO hole. */
		assert_true(a + s <= 3 * GIB || a >= 4 * GIB);
		if (t == BL_E820_RAM)
			ram += s;
		prev_end = a + s;
	}
	/* Entry 0: low RAM up to the EBDA; entry 1: reserved up to 1 MiB. */
	assert_int_equal(rd64(tab), 0);
	assert_int_equal(rd64(tab + 8), 0x9fc00);
	assert_int_equal(rd64(tab + 20), 0x9fc00);
	assert_int_equal(rd64(tab + 28), 0x100000 - 0x9fc00);
	assert_int_equal(rd32(tab + 36), BL_E820_RESERVED);
	assert_int_equal(rd64(tab + 40), 0x100000);
	assert_int_equal(ram, mem - (0x100000 - 0x9fc00));
	if (mem > 3 * GIB) {
		const uint8_t *last = tab + (n - 1) * 20;

		assert_int_equal(rd64(last), 4 * GIB);
		assert_int_equal(rd64(last + 8), mem - 3 * GIB);
		assert_int_equal(rd64(tab + 48), 3 * GIB - MIB);
	} else {
		assert_int_equal(prev_end, mem);
	}
}

static void e820_and_slots(void **state)
{
	static const uint64_t sizes[] = {
		64 * MIB, 3 * GIB - 4096, 3 * GIB, 3 * GIB + 2 * MIB, 4 * GIB, 24 * GIB,
	};
	struct boot_e820_entry tab[BL_E820_MAX];

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint64_t mem = sizes[k], sum = 0, off = 0;
		struct nl_slot s[NL_MAX_SLOTS];
		unsigned int n = boot_linux_e820(mem, tab, BL_E820_MAX);
		unsigned int ns = boot_linux_mem_slots(mem, s);

		check_e820((const uint8_t *)tab, n, mem);
		assert_int_equal(n, mem > 3 * GIB ? 4 : 3);
		assert_int_equal(ns, mem > 3 * GIB ? 2 : 1);
		for (unsigned int i = 0; i < ns; i++) {
			assert_int_equal(s[i].host_off, off);  /* contiguous in nl_mem */
			off += s[i].size;
			sum += s[i].size;
		}
		assert_int_equal(sum, mem);
		/* Every RAM range of the map is backed by a slot. */
		for (unsigned int i = 0; i < n; i++) {
			bool in = false;

			for (unsigned int j = 0; j < ns; j++)
				in |= tab[i].addr >= s[j].gpa &&
				      tab[i].addr + tab[i].size <= s[j].gpa + s[j].size;
			assert_true(in || tab[i].type != BL_E820_RAM);
		}
		if (ns == 2) {
			assert_int_equal(s[1].gpa, 4 * GIB);
			assert_int_equal(s[1].host_off, 3 * GIB);
		}
	}
	/* A short table is never overrun. */
	assert_int_equal(boot_linux_e820(8 * GIB, tab, 2), 2);
}

static void zero_page(void **state)
{
	struct bootcase c;
	struct boot_linux_out o;
	struct nl_err err = { "" };
	uint8_t initrd[5000];
	const char *cl = "console=ttyS0 root=/dev/ram0";
	const uint8_t *zp, *k;
	const uint64_t *pml4, *pdpt, *pd, *gdt;
	uint64_t rd;

	(void)state;
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	bc_init(&c, &good, 128 * MIB);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, initrd,
					  sizeof(initrd), cl, 2, 0, &o, &err), 0);
	/* Relocatable: loaded at pref_address, entry 0x200 past it. */
	assert_int_equal(o.load_addr, 16 * MIB);
	assert_int_equal(o.entry, 16 * MIB + 0x200);
	assert_int_equal(o.kernel_end, 48 * MIB);
	assert_int_equal(o.zero_page, BL_GPA_ZERO_PAGE);
	k = c.mem.host + o.load_addr;
	for (size_t i = 0; i < 0x10000; i++)
		if (k[i] != pm_byte(i))
			fail_msg("kernel byte %zu differs", i);

	zp = c.mem.host + BL_GPA_ZERO_PAGE;
	/* The setup header came from the file... */
	assert_int_equal(rd16(zp + 0x1fe), 0xaa55);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(rd16(zp + 0x206), 0x020f);
	assert_int_equal(rd32(zp + 0x238), 2047);
	assert_int_equal(rd64(zp + 0x258), 16 * MIB);
	assert_int_equal(zp[0x1ef], 0);            /* sentinel not copied */
	/* ...and the loader filled in its part. */
	assert_int_equal(zp[0x210], 0xff);         /* type_of_loader */
	assert_int_equal(zp[0x211] & (LOADED_HIGH | CAN_USE_HEAP),
			 LOADED_HIGH | CAN_USE_HEAP);
	assert_int_equal(zp[0x211] & KEEP_SEGMENTS, 0);
	assert_int_equal(rd16(zp + 0x224), 0xfe00); /* heap_end_ptr */
	assert_int_equal(rd32(zp + 0x214), 16 * MIB); /* code32_start */
	assert_int_equal(rd32(zp + 0x228), BL_GPA_CMDLINE);
	assert_int_equal(rd32(zp + 0xc8), 0);       /* ext_cmd_line_ptr */
	assert_string_equal((const char *)c.mem.host + rd32(zp + 0x228), cl);
	assert_int_equal(o.cmdline_len, strlen(cl));
	/* initrd: page aligned, as high as possible, above the kernel. */
	rd = rd32(zp + 0x218) | (uint64_t)rd32(zp + 0xc0) << 32;
	assert_int_equal(rd32(zp + 0x21c), sizeof(initrd));
	assert_int_equal(rd32(zp + 0xc4), 0);
	assert_int_equal(rd, o.initrd_gpa);
	assert_int_equal(rd % 4096, 0);
	assert_true(rd + sizeof(initrd) <= 128 * MIB);
	assert_true(rd + sizeof(initrd) + 4096 > 128 * MIB);
	assert_true(rd >= o.kernel_end);
	assert_memory_equal(c.mem.host + rd, initrd, sizeof(initrd));
	/* e820 */
	assert_int_equal(zp[0x1e8], 3);
	assert_int_equal(o.e820_entries, 3);
	check_e820(zp + 0x2d0, zp[0x1e8], 128 * MIB);
	/* Identity map of 4 GiB with 2 MiB pages. */
	pml4 = (const uint64_t *)(c.mem.host + BL_GPA_PML4);
	pdpt = (const uint64_t *)(c.mem.host + BL_GPA_PDPT);
	pd = (const uint64_t *)(c.mem.host + BL_GPA_PD);
	assert_int_equal(o.cr3, BL_GPA_PML4);
	assert_int_equal(pml4[0], BL_GPA_PDPT | 3);
	assert_int_equal(pml4[1], 0);
	for (int g = 0; g < 4; g++)
		assert_int_equal(pdpt[g], (BL_GPA_PD + g * 4096ull) | 3);
	assert_int_equal(pdpt[4], 0);
	assert_int_equal(pd[0], 0x83);
	assert_int_equal(pd[8], 16 * MIB | 0x83);
	assert_int_equal(pd[2047], (4 * GIB - 2 * MIB) | 0x83);
	/* GDT: __BOOT_CS at 0x10, __BOOT_DS at 0x18. */
	gdt = (const uint64_t *)(c.mem.host + o.gdt_base);
	assert_int_equal(o.gdt_base, BL_GPA_GDT);
	assert_int_equal(o.gdt_limit, 4 * 8 - 1);
	assert_int_equal(gdt[BL_SEL_CODE / 8], 0x00af9b000000ffffull);
	assert_int_equal(gdt[BL_SEL_DATA / 8], 0x00cf93000000ffffull);
	/* MP table at its fixed address. */
	assert_memory_equal(c.mem.host + BL_GPA_MPTABLE, "_MP_", 4);
	/* Nothing written to the fixed area spills into 1 MiB: the guest
	 * memory between the MP table and the kernel stays zero. */
	for (uint64_t a = BL_GPA_MPTABLE + mptable_size(2); a < 16 * MIB; a++)
		if (c.mem.host[a])
			fail_msg("stray byte at 0x%llx", (unsigned long long)a);
	bc_free(&c);
}

static void not_relocatable(void **state)
{
	struct fake f = good;
	struct bootcase c;
	struct boot_linux_out o;
	struct nl_err err;

	(void)state;
	f.relocatable = 0;
	bc_init(&c, &f, 128 * MIB);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  "", 1, 0, &o, &err), 0);
	assert_int_equal(o.load_addr, MIB);
	assert_int_equal(o.entry, MIB + 0x200);
	assert_int_equal(o.kernel_end, 48 * MIB);
	assert_int_equal(o.initrd_gpa, 0);
	assert_int_equal(rd32(c.mem.host + BL_GPA_ZERO_PAGE + 0x218), 0);
	assert_int_equal(c.mem.host[MIB], pm_byte(0));
	bc_free(&c);
	/* Relocatable with an odd pref_address: aligned up. */
	f = good;
	f.pref_address = 17 * MIB;
	bc_init(&c, &f, 128 * MIB);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  NULL, 1, 0, &o, &err), 0);
	assert_int_equal(o.load_addr, 18 * MIB);
	assert_int_equal(c.mem.host[BL_GPA_CMDLINE], 0);
	bc_free(&c);
}

static void cmdline_too_long(void **state)
{
	struct fake f = good;
	struct bootcase c;
	struct boot_linux_out o;
	struct nl_err err;

	(void)state;
	f.cmdline_size = 16;
	bc_init(&c, &f, 128 * MIB);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  "0123456789abcdef", 1, 0, &o, &err), 0);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  "0123456789abcdefg", 1, 0, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "command line is 17 bytes, this kernel accepts at most 16");
	bc_free(&c);
}

static void initrd_limits(void **state)
{
	struct fake f = good;
	struct bootcase c;
	struct boot_linux_out o;
	struct nl_err err;
	size_t big = 20 * MIB, n = MIB + 5;
	uint8_t *rd = calloc(1, big);

	(void)state;
	assert_non_null(rd);
	f.initrd_addr_max = 64 * MIB - 1;
	bc_init(&c, &f, 128 * MIB);
	/* Below initrd_addr_max, not at the top of memory. */
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, n,
					  "", 1, 0, &o, &err), 0);
	assert_int_equal(o.initrd_gpa % 4096, 0);
	assert_true(o.initrd_gpa + n <= 64 * MIB);
	assert_true(o.initrd_gpa + n + 4096 > 64 * MIB);
	assert_true(o.initrd_gpa >= o.kernel_end);
	/* 64 - 48 = 16 MiB free above the kernel, 16 - 1 = 15 below it: 20
	 * MiB fits in neither. */
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, big,
					  "", 1, 0, &o, &err), -EINVAL);
	assert_string_equal(err.msg, "initrd of 20 MiB does not fit: the kernel occupies memory from 0x1000000 to 0x3000000, leaving 16 MiB below 0x4000000 and 15 MiB below the kernel");
	/* Exactly the free space fits. */
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, 16 * MIB,
					  "", 1, 0, &o, &err), 0);
	assert_int_equal(o.initrd_gpa, 48 * MIB);
	bc_free(&c);

	/* Too little above the kernel (a small VM): the hole below it, from
	 * 1 MiB to the kernel's 16 MiB, takes the initrd, written there. */
	bc_init(&c, &good, 56 * MIB);
	for (size_t i = 0; i < 12 * MIB; i++)
		rd[i] = (uint8_t)(i * 7);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, 12 * MIB,
					  "", 1, 0, &o, &err), 0);
	assert_int_equal(o.initrd_gpa, 4 * MIB);
	assert_memory_equal(c.mem.host + 4 * MIB, rd, 12 * MIB);
	assert_int_equal(rd32(c.mem.host + BL_GPA_ZERO_PAGE + 0x218), 4 * MIB);
	/* 15 MiB below is the most */
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, 15 * MIB,
					  "", 1, 0, &o, &err), 0);
	assert_int_equal(o.initrd_gpa, 1 * MIB);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, rd, 15 * MIB + 1,
					  "", 1, 0, &o, &err), -EINVAL);
	bc_free(&c);
	free(rd);
}

static void memory_too_small(void **state)
{
	struct bootcase c;
	struct boot_linux_out o;
	struct nl_err err;

	(void)state;
	bc_init(&c, &good, 40 * MIB);       /* kernel needs 16 + 32 MiB */
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  "", 1, 0, &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too small for this kernel"));
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len - 1, NULL, NULL, 0,
					  "", 1, 0, &o, &err), -EINVAL);
	assert_int_equal(boot_linux_setup(&c.mem, &c.bz, c.file, c.len, NULL, NULL, 0,
					  "", 0, 0, &o, &err), -EINVAL);
	bc_free(&c);
}

static void registers(void **state)
{
	struct boot_linux_out o = { .entry = 16 * MIB + 0x200, .zero_page = BL_GPA_ZERO_PAGE,
				    .cr3 = BL_GPA_PML4, .gdt_base = BL_GPA_GDT,
				    .gdt_limit = 31 };
	struct kvm_sregs s;
	struct kvm_regs r;

	(void)state;
	memset(&s, 0xaa, sizeof(s));
	s.apic_base = 0xfee00900;
	boot_linux_sregs(&s, &o);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.cs.base, 0);
	for (const struct kvm_segment *d = &s.ds; d; d = d == &s.ds ? &s.es :
	     d == &s.es ? &s.ss : NULL) {
		assert_int_equal(d->selector, 0x18);
		assert_int_equal(d->limit, 0xffffffff);
		assert_int_equal(d->type, 0x3);
	}
	assert_int_equal(s.gdt.base, BL_GPA_GDT);
	assert_int_equal(s.gdt.limit, 31);
	assert_int_equal(s.cr3, BL_GPA_PML4);
	assert_true(s.cr0 & 0x80000001);
	assert_int_equal(s.cr4 & 0x20, 0x20);
	assert_int_equal(s.efer & 0x500, 0x500);
	assert_int_equal(s.apic_base, 0xfee00900);  /* left as KVM gave it */
	memset(&r, 0xaa, sizeof(r));
	boot_linux_regs(&r, &o);
	assert_int_equal(r.rip, 16 * MIB + 0x200);
	assert_int_equal(r.rsi, BL_GPA_ZERO_PAGE);
	assert_int_equal(r.rflags, 2);               /* IF clear */
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.rdi, 0);
}

/* ---- MP table ---- */
static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void check_mptable(const struct nl_mem *m, uint64_t gpa, unsigned int ncpus)
{
	const uint8_t *f = m->host + gpa, *c, *p, *end;
	unsigned int cpus = 0, bsp = 0, ioapics = 0, ints = 0, lints = 0, n = 0;
	int prev = -1;                               /* entries sorted by type */

	assert_memory_equal(f, "_MP_", 4);
	assert_int_equal(f[8], 1);                   /* length: 16 bytes */
	assert_int_equal(f[9], 4);                   /* spec 1.4 */
	assert_int_equal(sum(f, 16), 0);
	assert_int_equal(f[11], 0);                  /* config table present */
	assert_int_equal(rd32(f + 4), gpa + 16);
	c = m->host + rd32(f + 4);
	assert_memory_equal(c, "PCMP", 4);
	assert_int_equal(c[6], 4);
	assert_int_equal(sum(c, rd16(c + 4)), 0);
	assert_int_equal(rd32(c + 36), 0xfee00000);
	assert_int_equal(rd16(c + 4), mptable_size(ncpus) - 16);
	end = c + rd16(c + 4);
	for (p = c + 44; p < end; n++) {
		assert_true(p[0] >= prev);
		prev = p[0];
		switch (p[0]) {
		case MPT_CPU:
			assert_int_equal(p[1], cpus);       /* APIC id = index */
			assert_true(p[3] & MPT_CPU_ENABLED);
			if (p[3] & MPT_CPU_BSP) {
				bsp++;
				assert_int_equal(p[1], 0);
			}
			cpus++;
			p += 20;
			break;
		case MPT_BUS:
			assert_memory_equal(p + 2, "ISA   ", 6);
			p += 8;
			break;
		case MPT_IOAPIC:
			assert_int_equal(p[1], ncpus);
			assert_int_equal(p[3] & 1, 1);
			assert_int_equal(rd32(p + 4), 0xfec00000);
			ioapics++;
			p += 8;
			break;
		case MPT_INTSRC:
			assert_int_equal(p[1], MPT_INT);
			assert_int_equal(p[5], ints);       /* ISA IRQ n ... */
			assert_int_equal(p[6], ncpus);
			assert_int_equal(p[7], ints);       /* ... on pin n */
			ints++;
			p += 8;
			break;
		case MPT_LINTSRC:
			assert_int_equal(p[1], lints == 0 ? MPT_EXTINT : MPT_NMI);
			assert_int_equal(p[7], lints);      /* LINT0, LINT1 */
			lints++;
			p += 8;
			break;
		default:
			fail_msg("unknown MP entry type %u", p[0]);
		}
	}
	assert_ptr_equal(p, end);
	assert_int_equal(cpus, ncpus);
	assert_int_equal(bsp, 1);
	assert_int_equal(ioapics, 1);
	assert_int_equal(ints, 16);
	assert_int_equal(lints, 2);
	assert_int_equal(rd16(c + 34), n);            /* entry count */
}

static void mptable(void **state)
{
	struct nl_mem m;
	struct nl_err err;
	static const unsigned int counts[] = { 1, 2, 4, 24, 64, BL_MAX_CPUS };

	(void)state;
	mem_attach(&m, calloc(1, 2 * MIB), 2 * MIB);
	assert_non_null(m.host);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memset(m.host, 0, m.size);
		assert_int_equal(mptable_build(&m, BL_GPA_MPTABLE, counts[i], &err), 0);
		check_mptable(&m, BL_GPA_MPTABLE, counts[i]);
	}
	/* The last KiB below 640 KiB holds 40 CPUs, not 41. */
	assert_int_equal(mptable_build(&m, 0x9fc00, 40, &err), 0);
	check_mptable(&m, 0x9fc00, 40);
	assert_int_equal(mptable_build(&m, 0x9fc00, 41, &err), -EINVAL);
	assert_string_equal(err.msg, "MP table for 41 CPUs needs 1040 bytes, but only 1024 fit between 0x9fc00 and 0xa0000");
	assert_int_equal(mptable_build(&m, BL_GPA_MPTABLE, 0, &err), -EINVAL);
	assert_int_equal(mptable_build(&m, BL_GPA_MPTABLE, 255, &err), -EINVAL);
	assert_int_equal(mptable_build(&m, 0x100000, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "area Linux scans"));
	assert_int_equal(mptable_build(&m, BL_GPA_MPTABLE + 8, 1, &err), -EINVAL);
	mem_attach(&m, m.host, BL_GPA_MPTABLE + 64); /* memory ends inside it */
	assert_int_equal(mptable_build(&m, BL_GPA_MPTABLE, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "outside guest memory"));
	free(m.host);
}

/* ---- a real bzImage, when one is given ---- */
static int real_vmlinuz(const char *path)
{
	struct nl_mem m = { .size = 256 * MIB };
	struct boot_linux_out o;
	struct bzimage bz;
	struct nl_err err = { "" };
	uint8_t initrd[4096] = { 0 };
	uint8_t *buf;
	long len;
	FILE *f = fopen(path, "rb");
	int ok = 1;

	if (!f) {
		printf("SKIP: %s: cannot open\n", path);
		return 77;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("FAIL: cannot read %s\n", path);
		fclose(f);
		return 1;
	}
	fclose(f);
	mem_attach(&m, calloc(1, m.size), m.size);
#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (%s)\n", #c, err.msg); ok = 0; } } while (0)
	CHECK(bzimage_is_bzimage(buf, (size_t)len));
	CHECK(bzimage_parse(buf, (size_t)len, &bz, &err) == 0);
	if (ok) {
		printf("%s: protocol %u.%02u, setup %u sectors, kernel %llu bytes at file offset %llu, "
		       "relocatable %d, align 0x%x, pref 0x%llx, init_size 0x%x, initrd_addr_max 0x%x, "
		       "cmdline_size %u, xloadflags 0x%x\n", path, bz.version >> 8, bz.version & 0xff,
		       bz.setup_sects, (unsigned long long)bz.pm_size,
		       (unsigned long long)bz.pm_offset, bz.relocatable, bz.kernel_alignment,
		       (unsigned long long)bz.pref_address, bz.init_size, bz.initrd_addr_max,
		       bz.cmdline_size, bz.xloadflags);
		CHECK(m.host != NULL);
		CHECK(boot_linux_setup(&m, &bz, buf, (size_t)len, NULL, initrd, sizeof(initrd),
				       "console=ttyS0 nokaslr", 2, 0, &o, &err) == 0);
		CHECK(o.entry == o.load_addr + 0x200);
		CHECK(o.load_addr >= MIB);
		CHECK(!bz.relocatable || o.load_addr % bz.kernel_alignment == 0);
		CHECK(o.initrd_gpa >= o.kernel_end && o.initrd_gpa + sizeof(initrd) <= m.size);
		CHECK(memcmp(m.host + o.load_addr, buf + bz.pm_offset, (size_t)bz.pm_size) == 0);
		printf("loaded at 0x%llx, entry 0x%llx, footprint to 0x%llx, initrd at 0x%llx\n",
		       (unsigned long long)o.load_addr, (unsigned long long)o.entry,
		       (unsigned long long)o.kernel_end, (unsigned long long)o.initrd_gpa);
	}
#undef CHECK
	free(m.host);
	free(buf);
	printf("%s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),
		cmocka_unit_test(parse_setup_sects_zero),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(sniff_elf),
		cmocka_unit_test(e820_and_slots),
		cmocka_unit_test(zero_page),
		cmocka_unit_test(not_relocatable),
		cmocka_unit_test(cmdline_too_long),
		cmocka_unit_test(initrd_limits),
		cmocka_unit_test(memory_too_small),
		cmocka_unit_test(registers),
		cmocka_unit_test(mptable),
	};

	if (argc == 3 && !strcmp(argv[1], "--vmlinuz"))
		return real_vmlinuz(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
