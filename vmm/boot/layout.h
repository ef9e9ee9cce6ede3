/* SPDX-License-Identifier: MIT */
/*
 * Every fixed guest-physical address and port nestlab's boot paths use, in
 * one place. A guest-kernel VM's layout is part of its ABI and lives in
 * include/nestlab/abi.h ("Guest-physical layout of a guest-kernel VM"); a
 * Linux VM's is below, with the ports of the ACPI PM device the FADT names.
 */
#ifndef NESTLAB_BOOT_LAYOUT_H
#define NESTLAB_BOOT_LAYOUT_H

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
 *   0xd000_0000  +4 KiB each  BL_GPA_VIRTIO: virtio-mmio devices (the disk),
 *                             GSI BL_VIRTIO_GSI + i, in the DSDT (acpi.c)
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
#define BL_STACK_TOP      (BL_GPA_STACK + 0xff0ull)
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
#define BL_GPA_VIRTIO     0xd0000000ull
#define BL_VIRTIO_GSI     16u            /* above the ISA IRQs: level, active high */
#define BL_VIRTIO_MAX     4u
#define BL_GPA_IOAPIC     0xfec00000ull
#define BL_GPA_LAPIC      0xfee00000ull
#define BL_GPA_KVM_IDMAP  0xfeffc000ull
#define BL_GPA_KVM_TSS    0xfeffd000ull

/* APIC IDs are 8 bits, 0xff is broadcast, and the I/O APIC takes id
 * ncpus: the most CPUs the MP table and the MADT can describe. */
#define BL_MAX_CPUS       254

/* The 64-bit boot protocol wants these selectors (Linux's __BOOT_CS/DS). */
#define BL_SEL_CODE       0x10
#define BL_SEL_DATA       0x18

#define BL_LOADER_TYPE    0xff  /* "undefined boot loader" */
#define BL_HEAP_END_PTR   0xfe00

/* PM1a event block (status, enable) and control block: the I/O ports of
 * the FADT, where a PC chipset's (PIIX4) PM base puts them. */
#define ACPI_PM1A_EVT      0x600
#define ACPI_PM1_EVT_LEN   4
#define ACPI_PM1A_CNT      0x604
#define ACPI_PM1_CNT_LEN   2
#define ACPI_SCI_EN        0x0001
#define ACPI_SLP_TYP_SHIFT 10
#define ACPI_SLP_EN        0x2000
#define ACPI_S5_SLP_TYP    5          /* the DSDT's \_S5_ package */

#endif /* NESTLAB_BOOT_LAYOUT_H */
