// SPDX-License-Identifier: MIT
/*
 * The MP table (Intel MultiProcessor Specification 1.4).
 *
 * Linux reads it only when booted with acpi=off (otherwise the MADT,
 * boot/acpi.c, says the same): then it is how Linux learns how many
 * CPUs there are (one processor entry each, APIC id = vCPU index, which must
 * match CPUID's initial APIC id), where the I/O APIC is, and which I/O APIC
 * pin each ISA IRQ arrives on. Linux looks for the 16-byte floating pointer
 * ("_MP_") in the first KiB of memory, the last KiB below 640 KiB and the
 * BIOS area 0xf0000..0xfffff; the pointer then gives the address of the
 * configuration table ("PCMP").
 *
 * Interrupt routing has to match what the in-kernel irqchip does. Without
 * KVM_SET_GSI_ROUTING, KVM's default routing sends GSI n (n < 16) to both
 * PIC pin n and I/O APIC pin n, and the in-kernel PIT raises GSI 0. So ISA
 * IRQ n is declared on I/O APIC pin n, IRQ 0 included; no override entry is
 * needed. (QEMU and Dragonball install their own routing with IRQ 0 on pin
 * 2 and declare that instead; a VMM that changes the routing must change
 * this table with it.)
 */
#include <errno.h>
#include <string.h>

#include "mpspec.h"
#include "nestlab.h"

_Static_assert(sizeof(struct mpt_floating) == 16, "MP floating pointer is 16 bytes");
_Static_assert(sizeof(struct mpt_config) == 44, "MP config header is 44 bytes");
_Static_assert(sizeof(struct mpt_cpu) == 20, "MP processor entry is 20 bytes");
_Static_assert(sizeof(struct mpt_bus) == 8, "MP bus entry is 8 bytes");
_Static_assert(sizeof(struct mpt_ioapic) == 8, "MP I/O APIC entry is 8 bytes");
_Static_assert(sizeof(struct mpt_intsrc) == 8, "MP interrupt entry is 8 bytes");

#define MPT_BUS_ISA 0
#define MPT_NLINT 2

/* The areas Linux's smp_scan_config() searches, [start, end). */
static const struct { uint64_t start, end; } mpt_areas[] = {
	{ 0x0, 0x400 },
	{ 0x9fc00, 0xa0000 },
	{ 0xf0000, 0x100000 },
};

size_t mptable_size(unsigned int ncpus)
{
	return sizeof(struct mpt_floating) + sizeof(struct mpt_config) +
	       ncpus * sizeof(struct mpt_cpu) + sizeof(struct mpt_bus) +
	       sizeof(struct mpt_ioapic) +
	       (MPT_ISA_IRQS + MPT_NLINT) * sizeof(struct mpt_intsrc);
}

int mptable_build(struct nl_mem *m, uint64_t gpa, unsigned int ncpus,
		  struct nl_err *err)
{
	uint64_t area_end = 0;
	size_t size = mptable_size(ncpus);
	struct mpt_floating *mpf;
	struct mpt_config *mpc;
	uint8_t *base, *p;
	uint8_t ioapic_id = (uint8_t)ncpus;

	if (ncpus == 0 || ncpus > BL_MAX_CPUS) {
		nl_seterr(err, "MP table: %u CPUs is out of range (1..%u)", ncpus,
			  BL_MAX_CPUS);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(mpt_areas) / sizeof(mpt_areas[0]); i++)
		if (gpa >= mpt_areas[i].start && gpa < mpt_areas[i].end)
			area_end = mpt_areas[i].end;
	if (!area_end || (gpa & 15)) {
		nl_seterr(err, "MP table at 0x%llx: must be 16-byte aligned inside an area Linux scans (0..0x400, 0x9fc00..0xa0000, 0xf0000..0x100000)",
			  (unsigned long long)gpa);
		return -EINVAL;
	}
	if (size > area_end - gpa) {
		nl_seterr(err, "MP table for %u CPUs needs %zu bytes, but only %llu fit between 0x%llx and 0x%llx",
			  ncpus, size, (unsigned long long)(area_end - gpa),
			  (unsigned long long)gpa, (unsigned long long)area_end);
		return -EINVAL;
	}
	base = mem_gpa(m, gpa, size);
	if (!base) {
		nl_seterr(err, "MP table at 0x%llx lies outside guest memory",
			  (unsigned long long)gpa);
		return -EINVAL;
	}
	memset(base, 0, size);
	mpf = (struct mpt_floating *)base;
	mpc = (struct mpt_config *)(base + sizeof(*mpf));
	p = (uint8_t *)(mpc + 1);

	/* Entries must come sorted by type: CPUs, buses, I/O APICs, I/O
	 * interrupts, local interrupts. */
	for (unsigned int i = 0; i < ncpus; i++) {
		struct mpt_cpu c = {
			.type = MPT_CPU,
			.apic_id = (uint8_t)i,
			.apic_version = MPT_APIC_VERSION,
			.flags = MPT_CPU_ENABLED | (i == 0 ? MPT_CPU_BSP : 0),
			.signature = 0x600,          /* family 6 */
			.features = (1u << 9) | 1u,  /* APIC, FPU */
		};
		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	{
		struct mpt_bus b = { .type = MPT_BUS, .bus_id = MPT_BUS_ISA };

		memcpy(b.bus_type, "ISA   ", 6);
		memcpy(p, &b, sizeof(b));
		p += sizeof(b);
	}
	{
		struct mpt_ioapic io = {
			.type = MPT_IOAPIC, .apic_id = ioapic_id,
			.version = MPT_IOAPIC_VERSION, .flags = 1 /* usable */,
			.addr = (uint32_t)BL_GPA_IOAPIC,
		};
		memcpy(p, &io, sizeof(io));
		p += sizeof(io);
	}
	for (uint8_t irq = 0; irq < MPT_ISA_IRQS; irq++) {
		/* flags 0: polarity and trigger "conform to the bus" = ISA:
		 * edge-triggered, active high. */
		struct mpt_intsrc s = {
			.type = MPT_INTSRC, .irq_type = MPT_INT,
			.src_bus = MPT_BUS_ISA, .src_irq = irq,
			.dst_apic = ioapic_id, .dst_pin = irq,
		};
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	{
		/* Virtual wire: the 8259 (ExtINT) on the BSP's LINT0, NMI on
		 * every local APIC's LINT1 (0xff = all). */
		struct mpt_intsrc l[MPT_NLINT] = {
			{ .type = MPT_LINTSRC, .irq_type = MPT_EXTINT,
			  .src_bus = MPT_BUS_ISA, .dst_apic = 0, .dst_pin = 0 },
			{ .type = MPT_LINTSRC, .irq_type = MPT_NMI,
			  .src_bus = MPT_BUS_ISA, .dst_apic = 0xff, .dst_pin = 1 },
		};
		memcpy(p, l, sizeof(l));
		p += sizeof(l);
	}

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = (uint16_t)(p - (uint8_t *)mpc);
	mpc->spec = 4;
	memcpy(mpc->oem, "NESTLAB ", 8);
	memcpy(mpc->product, "NESTLAB VM  ", 12);
	mpc->entries = (uint16_t)(ncpus + 1 + 1 + MPT_ISA_IRQS + MPT_NLINT);
	mpc->lapic = (uint32_t)BL_GPA_LAPIC;
	mpc->checksum = (uint8_t)-fw_sum8(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = (uint32_t)(gpa + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec = 4;
	/* feature[0] = 0: a configuration table is present (no default
	 * configuration); feature[1] bit 7 = 0: virtual wire mode, no IMCR. */
	mpf->checksum = (uint8_t)-fw_sum8(mpf, sizeof(*mpf));
	return 0;
}
