/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4 tables, as they lie in guest
 * memory (mptable.c writes them, its unit test reads them back): how a Linux guest without
 * ACPI finds its CPUs, its I/O APIC and how ISA interrupts reach it.
 */
#ifndef NESTLAB_BOOT_MPSPEC_H
#define NESTLAB_BOOT_MPSPEC_H

#include <stdint.h>

#define MPT_APIC_VERSION 0x14         /* integrated local APIC */
#define MPT_IOAPIC_VERSION 0x11       /* what KVM's I/O APIC reports */
#define MPT_ISA_IRQS     16

/* On-disk (in-memory) layout, MP spec 1.4 chapter 4. All packed. */
struct mpt_floating {            /* 16 bytes, 16-byte aligned */
	char signature[4];       /* "_MP_" */
	uint32_t physptr;        /* gpa of the configuration table */
	uint8_t length;          /* in 16-byte units: 1 */
	uint8_t spec;            /* 4 = version 1.4 */
	uint8_t checksum;        /* all 16 bytes sum to 0 */
	uint8_t feature[5];      /* 1: 0 = table present; 2 bit 7: IMCR */
} __attribute__((packed));

struct mpt_config {              /* 44 bytes */
	char signature[4];       /* "PCMP" */
	uint16_t length;         /* base table: header + entries */
	uint8_t spec;
	uint8_t checksum;        /* base table sums to 0 */
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entries;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

enum { MPT_CPU = 0, MPT_BUS = 1, MPT_IOAPIC = 2, MPT_INTSRC = 3, MPT_LINTSRC = 4 };
enum { MPT_INT = 0, MPT_NMI = 1, MPT_SMI = 2, MPT_EXTINT = 3 };
#define MPT_CPU_ENABLED 0x01
#define MPT_CPU_BSP     0x02

struct mpt_cpu {                 /* 20 bytes */
	uint8_t type, apic_id, apic_version, flags;
	uint32_t signature;      /* CPUID(1).EAX style: family 6 */
	uint32_t features;       /* CPUID(1).EDX style: FPU, APIC */
	uint32_t reserved[2];
} __attribute__((packed));

struct mpt_bus {                 /* 8 bytes */
	uint8_t type, bus_id;
	char bus_type[6];        /* "ISA   " */
} __attribute__((packed));

struct mpt_ioapic {              /* 8 bytes */
	uint8_t type, apic_id, version, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpt_intsrc {              /* 8 bytes; local interrupts use the same shape */
	uint8_t type, irq_type;
	uint16_t flags;          /* polarity/trigger: 0 = as the bus says */
	uint8_t src_bus, src_irq;
	uint8_t dst_apic, dst_pin;
} __attribute__((packed));


#endif /* NESTLAB_BOOT_MPSPEC_H */
