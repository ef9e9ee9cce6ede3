/* SPDX-License-Identifier: MIT */
/*
 * Booting an unmodified Linux bzImage through the 64-bit boot protocol:
 * no firmware, no real-mode code. docs/linux-boot.md walks through it.
 */
#ifndef NESTLAB_BOOT_LINUX_H
#define NESTLAB_BOOT_LINUX_H

#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/kvm.h>

#include "bzimage.h"
#include "nestlab.h"

/* ---------------------------------------------------------------------
 * Guest-physical layout of a Linux VM: every fixed address in one place.
 *
 *   0x0000_0000  0x0000_0fff  real-mode IVT and BIOS data area: left zero
 *   0x0000_1000  0x0000_1fff  BL_GPA_GDT: boot GDT (null, null, code, data)
 *   0x0000_7000  0x0000_7fff  BL_GPA_ZERO_PAGE: struct boot_params (RSI)
 *   0x0000_8000  0x0000_8fff  BL_GPA_STACK: a scratch stack page (RSP)
 *   0x0000_9000  0x0000_9fff  BL_GPA_PML4
 *   0x0000_a000  0x0000_afff  BL_GPA_PDPT
 *   0x0000_b000  0x0000_efff  BL_GPA_PD: 4 page directories, 4 GiB of 2 MiB pages
 *   0x0002_0000  0x0002_ffff  BL_GPA_CMDLINE: NUL-terminated command line
 *   0x0009_fc00  0x000f_ffff  reserved in e820 (EBDA, VGA hole, BIOS area)
 *   0x000e_0000  0x000e_ffff  BL_GPA_ACPI: RSDP, then the ACPI tables
 *   0x000f_0000  ...          BL_GPA_MPTABLE: MP floating pointer + table
 *   0x0010_0000  ...          BL_GPA_HIMEM: non-relocatable kernels load here;
 *                             relocatable ones at pref_address (16 MiB for
 *                             Debian), aligned to kernel_alignment
 *   ...          low end      initrd: as high as fits below
 *                             min(initrd_addr_max + 1, low end), page aligned
 *   low end = min(memory, BL_LOWMEM_MAX = 3 GiB)
 *   0xc000_0000  0xffff_ffff  32-bit MMIO hole (never RAM), holding:
 *   0xfec0_0000               I/O APIC (KVM in-kernel irqchip)
 *   0xfee0_0000               local APICs (KVM in-kernel irqchip)
 *   0xfeff_c000  0xfeff_cfff  KVM_SET_IDENTITY_MAP_ADDR page (VMX only)
 *   0xfeff_d000  0xfeff_ffff  KVM_SET_TSS_ADDR, 3 pages (VMX only)
 *   0x1_0000_0000 ...         RAM beyond the first 3 GiB (memory > 3 GiB)
 *
 * Nothing nestlab writes lies at or above the low end, so for these writes
 * guest-physical and offset-in-nl_mem are the same (mem_gpa() holds).
 * ------------------------------------------------------------------- */
#define BL_GPA_GDT        0x1000ull
#define BL_GPA_ZERO_PAGE  0x7000ull
#define BL_GPA_STACK      0x8000ull
#define BL_STACK_TOP      0x8ff0ull
#define BL_GPA_PML4       0x9000ull
#define BL_GPA_PDPT       0xa000ull
#define BL_GPA_PD         0xb000ull
#define BL_PD_PAGES       4u             /* 4 GiB identity map */
#define BL_GPA_CMDLINE    0x20000ull
#define BL_CMDLINE_MAX    0x10000u       /* area size, NUL included */
#define BL_GPA_EBDA       0x9fc00ull     /* start of the reserved low area */
#define BL_GPA_ACPI       0xe0000ull
#define BL_ACPI_AREA      0x10000ull     /* up to the MP table */
#define BL_GPA_MPTABLE    0xf0000ull
#define BL_GPA_HIMEM      0x100000ull    /* 1 MiB */
#define BL_LOWMEM_MAX     0xc0000000ull  /* 3 GiB: RAM below the MMIO hole */
#define BL_GPA_HIGHMEM    0x100000000ull /* 4 GiB: RAM above the hole */
#define BL_GPA_IOAPIC     0xfec00000ull
#define BL_GPA_LAPIC      0xfee00000ull
#define BL_GPA_KVM_IDMAP  0xfeffc000ull
#define BL_GPA_KVM_TSS    0xfeffd000ull

/* The 64-bit boot protocol wants these selectors (Linux's __BOOT_CS/DS). */
#define BL_SEL_CODE       0x10
#define BL_SEL_DATA       0x18

#define BL_LOADER_TYPE    0xff  /* "undefined boot loader" */
#define BL_HEAP_END_PTR   0xfe00

/* ---- e820 and memory slots ---- */
#define BL_E820_RAM       1
#define BL_E820_RESERVED  2
#define BL_E820_MAX       8   /* nestlab never makes more than 4 */

/* Fills tab with the guest's e820 map for mem bytes of RAM (mem >= 1 MiB):
 * RAM 0..0x9fc00, reserved 0x9fc00..1 MiB, RAM 1 MiB..min(mem, 3 GiB),
 * and when mem > 3 GiB the rest of RAM from 4 GiB. Returns the count. */
unsigned int boot_linux_e820(uint64_t mem, struct boot_e820_entry *tab,
			     unsigned int max);

/* One KVM memory slot: guest-physical range and its offset in nl_mem. */
struct bl_slot {
	uint64_t gpa;
	uint64_t host_off;
	uint64_t size;
};
#define BL_MAX_SLOTS 2
/* The slots for mem bytes of RAM held contiguously in one nl_mem: one slot
 * at gpa 0 of min(mem, 3 GiB), and a second at gpa 4 GiB for the rest,
 * backed by nl_mem from offset 3 GiB. Returns the count (1 or 2). */
unsigned int boot_linux_mem_slots(uint64_t mem, struct bl_slot slots[BL_MAX_SLOTS]);

/* ---- the boot itself ---- */
struct boot_linux_out {
	uint64_t entry;          /* RIP: startup_64 (bzImage: load_addr + 0x200) */
	uint64_t load_addr;      /* where the protected-mode kernel was put */
	uint64_t kernel_end;     /* end of the kernel's footprint (init_size) */
	uint64_t zero_page;      /* RSI: struct boot_params */
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t cmdline_gpa;
	uint32_t cmdline_len;    /* without the NUL */
	uint64_t initrd_gpa;     /* 0 when none */
	uint64_t initrd_size;
	unsigned int e820_entries;
};

/*
 * Loads the kernel of bz (parsed from kernel_file) into guest memory, writes
 * the zero page, command line, initrd, e820 map, identity page tables, GDT
 * and MP table for ncpus CPUs, and fills out. Needs nothing from KVM.
 * For a vmlinux, kernel_file is NULL, vmlinux says where elf_load() put it
 * and bz is vmlinux_header()'s; the kernel is entered at its ELF entry.
 * Returns 0 or -EINVAL with a one-line message (memory too small for the
 * kernel, command line too long, initrd does not fit, too many CPUs).
 */
int boot_linux_setup(struct nl_mem *m, const struct bzimage *bz,
		     const uint8_t *kernel_file, size_t kernel_len,
		     const struct elf_image *vmlinux,
		     const uint8_t *initrd, size_t initrd_len,
		     const char *cmdline, unsigned int ncpus,
		     struct boot_linux_out *out, struct nl_err *err);

/* BSP state for the 64-bit entry. Both start from what KVM_GET_SREGS /
 * nothing gave: boot_linux_sregs changes only segments, descriptor tables,
 * control registers and EFER; boot_linux_regs clears every register. The
 * other vCPUs are left in their reset state: Linux starts them with
 * INIT-SIPI-SIPI through the in-kernel local APIC. */
void boot_linux_sregs(struct kvm_sregs *s, const struct boot_linux_out *o);
void boot_linux_regs(struct kvm_regs *r, const struct boot_linux_out *o);

#endif /* NESTLAB_BOOT_LINUX_H */
