// SPDX-License-Identifier: MIT
/*
 * Linux through the 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol"). There is no firmware and no real-mode setup code:
 * nestlab does what the setup code and a boot loader would have done, then
 * starts the BSP in long mode at the kernel's startup_64. The kernel asks for:
 *
 *   - the protected-mode kernel loaded where it may run;
 *   - a zero page (struct boot_params) holding the setup header from the
 *     file, the loader's answers (command line, initrd) and an e820 map;
 *   - 64-bit mode with paging on, an identity map covering the kernel's
 *     init_size footprint, the zero page and the command line;
 *   - a GDT with flat 4 GiB descriptors at __BOOT_CS (0x10) and __BOOT_DS
 *     (0x18), CS = __BOOT_CS, DS = ES = SS = __BOOT_DS;
 *   - interrupts off and RSI = the zero page's address.
 *
 * An uncompressed vmlinux takes the same path from startup_64 itself, with
 * a setup header nestlab writes (vmlinux.c).
 *
 * CPUs, the I/O APIC and power-off come from ACPI tables (acpi.c); the MP
 * table (mptable.c) describes the same machine to a kernel booted with
 * acpi=off.
 * The layout of every fixed address is in layout.h.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"


_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(offsetof(struct boot_params, hdr) == BZ_OFF_HDR,
	       "setup header sits at 0x1f1 in the zero page as in the file");
_Static_assert(BL_GPA_CMDLINE + BL_CMDLINE_MAX <= BL_GPA_EBDA,
	       "the command line area ends below the reserved low area");
_Static_assert(BL_GPA_PD + BL_PD_PAGES * 4096 <= BL_GPA_CMDLINE,
	       "page tables end below the command line");

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_PS  (1ull << 7)

#define MIB (1ull << 20)
#define PAGE 4096ull

/* Flat descriptors at the selectors the 64-bit boot protocol names:
 * 0x10 = __BOOT_CS (64-bit code, L=1), 0x18 = __BOOT_DS (4 GiB data). */
static const uint64_t bl_gdt[] = {
	0,
	0,
	0x00af9b000000ffffull, /* 0x10: code, execute/read, L=1, G=1 */
	0x00cf93000000ffffull, /* 0x18: data, read/write, D/B=1, G=1 */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

unsigned int boot_linux_e820(uint64_t mem, struct boot_e820_entry *tab,
			     unsigned int max)
{
	struct boot_e820_entry e[4];
	unsigned int n = 0;
	uint64_t low = mem < BL_LOWMEM_MAX ? mem : BL_LOWMEM_MAX;

	e[n++] = (struct boot_e820_entry){ 0, mem < BL_GPA_EBDA ? mem : BL_GPA_EBDA,
					   BL_E820_RAM };
	/* The EBDA, VGA window and BIOS area: no RAM for Linux, and the MP
	 * table lives here. */
	e[n++] = (struct boot_e820_entry){ BL_GPA_EBDA, BL_GPA_HIMEM - BL_GPA_EBDA,
					   BL_E820_RESERVED };
	if (low > BL_GPA_HIMEM)
		e[n++] = (struct boot_e820_entry){ BL_GPA_HIMEM, low - BL_GPA_HIMEM,
						   BL_E820_RAM };
	/* 3..4 GiB is left out of the map: a hole where Linux puts 32-bit
	 * MMIO, with the APICs at its top. RAM continues at 4 GiB. */
	if (mem > BL_LOWMEM_MAX)
		e[n++] = (struct boot_e820_entry){ BL_GPA_HIGHMEM, mem - BL_LOWMEM_MAX,
						   BL_E820_RAM };
	if (n > max)
		n = max;
	memcpy(tab, e, n * sizeof(e[0]));
	return n;
}

unsigned int boot_linux_mem_slots(uint64_t mem, struct nl_slot slots[NL_MAX_SLOTS])
{
	if (mem <= BL_LOWMEM_MAX) {
		slots[0] = (struct nl_slot){ 0, 0, mem };
		return 1;
	}
	slots[0] = (struct nl_slot){ 0, 0, BL_LOWMEM_MAX };
	slots[1] = (struct nl_slot){ BL_GPA_HIGHMEM, BL_LOWMEM_MAX, mem - BL_LOWMEM_MAX };
	return 2;
}

/*
 * Where the kernel goes. The boot protocol's "kernel runtime start address":
 * a relocatable kernel runs where it is loaded, moved up to pref_address if
 * below it and aligned to kernel_alignment; nestlab loads it right there, so
 * the footprint is one range [load, load + init_size). A non-relocatable
 * kernel is loaded at 1 MiB as the protocol says and decompresses itself to
 * pref_address; both ranges must then be free.
 */
static void kernel_place(const struct bzimage *bz, uint64_t *load,
			 uint64_t *run)
{
	if (bz->relocatable) {
		uint64_t a = bz->pref_address > BL_GPA_HIMEM ? bz->pref_address
							      : BL_GPA_HIMEM;

		*load = *run = align_up(a, bz->kernel_alignment);
	} else {
		*load = BL_GPA_HIMEM;
		*run = bz->pref_address;
	}
}

static void build_page_tables(uint64_t *pml4, uint64_t *pdpt, uint64_t *pd)
{
	memset(pml4, 0, PAGE);
	memset(pdpt, 0, PAGE);
	pml4[0] = BL_GPA_PDPT | PTE_P | PTE_W;
	for (uint64_t g = 0; g < BL_PD_PAGES; g++) {
		pdpt[g] = (BL_GPA_PD + g * PAGE) | PTE_P | PTE_W;
		for (uint64_t i = 0; i < 512; i++)
			pd[g * 512 + i] = (g << 30 | i << 21) | PTE_P | PTE_W | PTE_PS;
	}
}

int boot_linux_setup(struct nl_mem *m, const struct bzimage *bz,
		     const uint8_t *kernel_file, size_t kernel_len,
		     const struct elf_image *vmlinux,
		     const uint8_t *initrd, size_t initrd_len,
		     const char *cmdline, unsigned int ncpus, unsigned int nvirtio,
		     struct boot_linux_out *out, struct nl_err *err)
{
	uint64_t low_end = m->size < BL_LOWMEM_MAX ? m->size : BL_LOWMEM_MAX;
	uint64_t load, run, kend, ceiling = 0, rd = 0;
	size_t cl = cmdline ? strlen(cmdline) : 0;
	struct boot_params *bp;
	uint64_t *pml4, *pdpt, *pd;
	void *dst, *gdt, *cmd;
	int r;

	memset(out, 0, sizeof(*out));
	if (!vmlinux && kernel_len < bz->pm_offset + bz->pm_size) {
		nl_seterr(err, "kernel file is %zu bytes, shorter than its header declared (%llu)",
			  kernel_len, (unsigned long long)(bz->pm_offset + bz->pm_size));
		return -EINVAL;
	}
	if (ncpus == 0 || ncpus > BL_MAX_CPUS) {
		nl_seterr(err, "Linux guests take 1..%u CPUs, not %u", BL_MAX_CPUS, ncpus);
		return -EINVAL;
	}

	/* 1. The kernel's footprint must be RAM below the low end. A vmlinux
	 * is already where its segments say (vmlinux.c). */
	if (vmlinux)
		load = run = vmlinux->lo;
	else
		kernel_place(bz, &load, &run);
	kend = load + bz->pm_size;
	if (run + bz->init_size > kend)
		kend = run + bz->init_size;
	kend = align_up(kend, PAGE);
	if (run < BL_GPA_HIMEM || kend > low_end) {
		nl_seterr(err, "guest memory of %llu MiB is too small for this kernel: it needs RAM from 0x%llx to 0x%llx (pref_address 0x%llx, init_size %u MiB)",
			  (unsigned long long)(m->size / MIB), (unsigned long long)run,
			  (unsigned long long)kend, (unsigned long long)bz->pref_address,
			  (unsigned)(bz->init_size / MIB));
		return -EINVAL;
	}

	/* 2. The command line: cmdline_size excludes the NUL. */
	if (cl > bz->cmdline_size || cl + 1 > BL_CMDLINE_MAX) {
		nl_seterr(err, "command line is %zu bytes, this kernel accepts at most %u",
			  cl, cl > bz->cmdline_size ? bz->cmdline_size : BL_CMDLINE_MAX - 1);
		return -EINVAL;
	}

	/* 3. The initrd: as high as it fits below both the kernel's limit and
	 * the low end, page aligned, above the kernel's footprint. Kept below
	 * 3 GiB even when XLF_CAN_BE_LOADED_ABOVE_4G would allow more, so that
	 * every write stays in the first memory slot. Where that leaves too
	 * little (a small L2: Debian's bzImage claims 64 MiB from 16 MiB up for
	 * decompressing), the hole between 1 MiB and the kernel is used: the
	 * decompressor keeps clear of the initrd wherever it is (its memory
	 * to avoid, for KASLR too), and nothing else of ours lives there. */
	if (initrd_len) {
		ceiling = (uint64_t)bz->initrd_addr_max + 1;
		if (ceiling > low_end)
			ceiling = low_end;
		if (ceiling >= kend && initrd_len <= ceiling - kend) {
			rd = (ceiling - initrd_len) & ~(PAGE - 1);
		} else if (run >= BL_GPA_HIMEM && initrd_len <= run - BL_GPA_HIMEM &&
			   run <= ceiling) {
			rd = (run - initrd_len) & ~(PAGE - 1);
		} else {
			nl_seterr(err, "initrd of %llu MiB does not fit: the kernel occupies memory from 0x%llx to 0x%llx, leaving %llu MiB below 0x%llx and %llu MiB below the kernel",
				  (unsigned long long)((initrd_len + MIB - 1) / MIB),
				  (unsigned long long)run, (unsigned long long)kend,
				  (unsigned long long)(ceiling > kend ? (ceiling - kend) / MIB : 0),
				  (unsigned long long)ceiling,
				  (unsigned long long)(run > BL_GPA_HIMEM ? (run - BL_GPA_HIMEM) / MIB : 0));
			return -EINVAL;
		}
	}

	/* 4. Fixed low structures: all must be in guest memory. */
	bp = mem_gpa(m, BL_GPA_ZERO_PAGE, sizeof(*bp));
	pml4 = mem_gpa(m, BL_GPA_PML4, PAGE);
	pdpt = mem_gpa(m, BL_GPA_PDPT, PAGE);
	pd = mem_gpa(m, BL_GPA_PD, BL_PD_PAGES * PAGE);
	gdt = mem_gpa(m, BL_GPA_GDT, sizeof(bl_gdt));
	cmd = mem_gpa(m, BL_GPA_CMDLINE, cl + 1);
	dst = vmlinux ? NULL : mem_gpa(m, load, bz->pm_size);
	if (!bp || !pml4 || !pdpt || !pd || !gdt || !cmd || (!vmlinux && !dst)) {
		nl_seterr(err, "guest memory of %llu MiB is too small for the Linux boot structures",
			  (unsigned long long)(m->size / MIB));
		return -EINVAL;
	}
	r = mptable_build(m, BL_GPA_MPTABLE, ncpus, err);
	if (!r)
		r = acpi_build(m, BL_GPA_ACPI, BL_ACPI_AREA, ncpus, nvirtio, err);
	if (r)
		return r;

	if (!vmlinux)
		memcpy(dst, kernel_file + bz->pm_offset, bz->pm_size);
	memcpy(cmd, cmdline ? cmdline : "", cl + 1);
	if (initrd_len) {
		void *p = mem_gpa(m, rd, initrd_len);

		if (!p) { /* cannot happen: rd + len <= ceiling <= low_end */
			nl_seterr(err, "initrd at 0x%llx lies outside guest memory",
				  (unsigned long long)rd);
			return -EINVAL;
		}
		memcpy(p, initrd, initrd_len);
	}
	build_page_tables(pml4, pdpt, pd);
	memcpy(gdt, bl_gdt, sizeof(bl_gdt));

	/* 5. The zero page: a clean page, the file's setup header copied in
	 * (exactly its own length, so boot_params.sentinel stays 0), then the
	 * loader's fields. */
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, &bz->hdr, bz->hdr_len);
	bp->hdr.type_of_loader = BL_LOADER_TYPE;
	/* LOADED_HIGH is the file's own; CAN_USE_HEAP with heap_end_ptr is
	 * what a loader that ran the real-mode setup would say. KEEP_SEGMENTS
	 * is obsolete and not set: the kernel loads its own segments. */
	bp->hdr.loadflags |= LOADED_HIGH | CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = BL_HEAP_END_PTR;
	bp->hdr.code32_start = (uint32_t)load;
	bp->hdr.cmd_line_ptr = (uint32_t)BL_GPA_CMDLINE;
	bp->ext_cmd_line_ptr = (uint32_t)(BL_GPA_CMDLINE >> 32);
	bp->hdr.ramdisk_image = (uint32_t)rd;
	bp->hdr.ramdisk_size = (uint32_t)initrd_len;
	bp->ext_ramdisk_image = (uint32_t)(rd >> 32);
	bp->ext_ramdisk_size = (uint32_t)((uint64_t)initrd_len >> 32);
	bp->acpi_rsdp_addr = BL_GPA_ACPI;   /* where Linux looks first */
	bp->e820_entries = (uint8_t)boot_linux_e820(m->size, bp->e820_table,
						    E820_MAX_ENTRIES_ZEROPAGE);

	out->entry = vmlinux ? vmlinux->entry : load + BZ_ENTRY64_OFFSET;
	out->load_addr = load;
	out->kernel_end = kend;
	out->zero_page = BL_GPA_ZERO_PAGE;
	out->cr3 = BL_GPA_PML4;
	out->gdt_base = BL_GPA_GDT;
	out->gdt_limit = sizeof(bl_gdt) - 1;
	out->cmdline_gpa = BL_GPA_CMDLINE;
	out->cmdline_len = (uint32_t)cl;
	out->initrd_gpa = rd;
	out->initrd_size = initrd_len;
	out->e820_entries = bp->e820_entries;
	return 0;
}

void boot_linux_sregs(struct kvm_sregs *s, const struct boot_linux_out *o)
{
	const struct longmode lm = {
		.code_sel = BL_SEL_CODE,
		.data_sel = BL_SEL_DATA,
		.gdt_base = o->gdt_base,
		.gdt_limit = o->gdt_limit,
		.cr3 = o->cr3,
	};

	longmode_sregs(s, &lm);
}

void boot_linux_regs(struct kvm_regs *r, const struct boot_linux_out *o)
{
	memset(r, 0, sizeof(*r));
	r->rip = o->entry;
	r->rsi = o->zero_page;
	r->rsp = BL_STACK_TOP;
	r->rbp = BL_STACK_TOP;
	r->rflags = 0x2;            /* IF = 0: interrupts off */
}
