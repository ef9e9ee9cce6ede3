// SPDX-License-Identifier: MIT
/*
 * ACPI for Linux guests: the least firmware that lets a guest power itself
 * off and describe the machine. The power-management ports the FADT names
 * are a device (dev/acpi_pm.c).
 *
 * Without ACPI a Linux poweroff can only halt ("reboot: System halted"),
 * and the VMM has to guess from the console. With a FADT naming a PM1a
 * control block and a DSDT holding the \_S5_ sleep type, Linux's poweroff
 * writes SLP_TYP(S5) | SLP_EN to that port: an exact, console-independent
 * signal. The same FADT names 0xcf9 as the reset register (reboot), and
 * says there is no i8042 and no VGA, so Linux does not probe for them.
 * The MADT describes the local APICs, the I/O APIC and the NMI wiring as
 * the MP table does (mptable.c stays, for acpi=off).
 *
 * Tables (ACPI 6.x layouts, docs/linux-boot.md "ACPI"), all in the
 * reserved area below 1 MiB at base, each checksummed:
 *   RSDP (revision 2) -> XSDT -> FADT -> DSDT, FACS
 *                            \-> MADT
 * Linux finds the RSDP through boot_params.acpi_rsdp_addr, or by scanning
 * 0xe0000-0xfffff where it also lies.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"

#define OEM_ID       "NESTLB"
#define OEM_TABLE_ID "NESTLAB "
#define CREATOR_ID   "NLAB"

struct sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct rsdp {
	char signature[8];          /* "RSD PTR " */
	uint8_t checksum;           /* first 20 bytes */
	char oem_id[6];
	uint8_t revision;           /* 2: XSDT */
	uint32_t rsdt_address;      /* none: XSDT only */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;  /* all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct gas {                        /* Generic Address Structure */
	uint8_t space_id;           /* 1: system I/O */
	uint8_t bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct fadt {
	struct sdt_header h;
	uint32_t firmware_ctrl;     /* FACS */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;           /* 0: always in ACPI mode */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct gas sleep_control, sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));

struct facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[31];
} __attribute__((packed));

_Static_assert(sizeof(struct rsdp) == 36, "RSDP 2.0 is 36 bytes");
_Static_assert(sizeof(struct sdt_header) == 36, "SDT header is 36 bytes");
_Static_assert(sizeof(struct fadt) == 276, "FADT revision 6 is 276 bytes");
_Static_assert(sizeof(struct facs) == 64, "FACS is 64 bytes");

#define FADT_WBINVD        (1u << 0)
#define FADT_PROC_C1       (1u << 2)
#define FADT_PWR_BUTTON    (1u << 4)   /* no fixed power button */
#define FADT_SLP_BUTTON    (1u << 5)   /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
#define BOOT_LEGACY_DEVICES (1u << 0)  /* ISA devices: COM1, PIT, PIC */
#define BOOT_NO_VGA         (1u << 2)  /* bit 1 (8042 present) stays clear */
#define SCI_IRQ            9
#define RESET_PORT         0xcf9
#define RESET_VALUE        0x06        /* full reset through 0xcf9 */

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_LAPIC_NMI = 4 };
#define MADT_PCAT_COMPAT 1u             /* dual 8259s present */

/*
 * The DSDT's only content, AML for Name (_S5_, Package (4) {5, 5, 0, 0}):
 * NameOp '_S5_' PackageOp PkgLength(8) NumElements(4) BytePrefix 5
 * BytePrefix 5 Zero Zero. Linux reads SLP_TYPa/b for S5 from it.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
	0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00,
};

/*
 * A virtio-mmio device in AML, as ASL would say it:
 *   Device (\_SB.VDn) {
 *     Name (_HID, "LNRO0005")          Linux's virtio_mmio ACPI id
 *     Name (_UID, n)
 *     Name (_CRS, ResourceTemplate () {
 *       Memory32Fixed (ReadWrite, base, VMMIO_SIZE)
 *       Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { gsi }
 *     })
 *   }
 * Level and active high: the line follows InterruptStatus (virtio_mmio.c).
 */
#define VDEV_BODY 64u                       /* all after DeviceOp's PkgLength */
#define VDEV_AML  (2u + 2u + VDEV_BODY)     /* ExtOpPrefix DeviceOp, 2-byte PkgLength */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint8_t *vdev_aml(uint8_t *p, unsigned int i)
{
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0d,
				       'L', 'N', 'R', 'O', '0', '0', '0', '5', 0 };
	uint32_t len = 2 + VDEV_BODY;        /* PkgLength counts its own 2 bytes */

	*p++ = 0x5b;                         /* ExtOpPrefix */
	*p++ = 0x82;                         /* DeviceOp */
	*p++ = (uint8_t)(0x40 | (len & 0x0f));  /* PkgLength: 1 more byte follows */
	*p++ = (uint8_t)(len >> 4);
	*p++ = '\\';                         /* root */
	*p++ = 0x2e;                         /* DualNamePrefix: _SB_.VDn_ */
	memcpy(p, "_SB_VD", 6);
	p[6] = (uint8_t)('0' + i);
	p[7] = '_';
	p += 8;
	memcpy(p, hid, sizeof(hid));
	p += sizeof(hid);
	*p++ = 0x08;                         /* NameOp _UID BytePrefix i */
	memcpy(p, "_UID", 4);
	p += 4;
	*p++ = 0x0a;
	*p++ = (uint8_t)i;
	*p++ = 0x08;                         /* NameOp _CRS BufferOp */
	memcpy(p, "_CRS", 4);
	p += 4;
	*p++ = 0x11;
	*p++ = 26;                           /* PkgLength: itself, size, 23 bytes */
	*p++ = 0x0a;                         /* BytePrefix 23: the buffer's size */
	*p++ = 23;
	*p++ = 0x86;                         /* Memory32Fixed, 9 bytes follow */
	*p++ = 9;
	*p++ = 0;
	*p++ = 1;                            /* read-write */
	put32(p, (uint32_t)(BL_GPA_VIRTIO + (uint64_t)i * VMMIO_SIZE));
	put32(p + 4, VMMIO_SIZE);
	p += 8;
	*p++ = 0x89;                         /* Extended Interrupt, 6 bytes follow */
	*p++ = 6;
	*p++ = 0;
	*p++ = 0x01;                         /* consumer, level, active high, exclusive */
	*p++ = 1;                            /* one interrupt */
	put32(p, BL_VIRTIO_GSI + i);
	p += 4;
	*p++ = 0x79;                         /* End Tag, checksum 0: "valid" */
	*p++ = 0;
	return p;
}

static void header(struct sdt_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* Checksums last, after the table's contents are final. */
static void seal(struct sdt_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)(0 - fw_sum8(h, h->length));
}

static uint64_t align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Where each table goes, as offsets from a 64-byte aligned base, and the
 * lengths that depend on what they hold. */
struct layout {
	uint64_t rsdp, xsdt, fadt, facs, dsdt, madt, end;
	uint32_t xsdt_len, dsdt_len, madt_len;
};

static void layout(unsigned int ncpus, unsigned int nvirtio, struct layout *l)
{
	l->xsdt_len = sizeof(struct sdt_header) + 2 * 8;          /* FADT, MADT */
	l->dsdt_len = (uint32_t)(sizeof(struct sdt_header) + sizeof(dsdt_aml) +
				 nvirtio * VDEV_AML);
	/* header, LAPIC address and flags, a LAPIC per CPU, I/O APIC, NMI */
	l->madt_len = (uint32_t)(sizeof(struct sdt_header) + 8 + ncpus * 8 + 12 + 6);
	l->rsdp = 0;
	l->xsdt = align(sizeof(struct rsdp), 64);
	l->fadt = align(l->xsdt + l->xsdt_len, 64);
	l->facs = align(l->fadt + sizeof(struct fadt), 64);  /* must be 64-aligned */
	l->dsdt = align(l->facs + sizeof(struct facs), 64);
	l->madt = align(l->dsdt + l->dsdt_len, 64);
	l->end = l->madt + l->madt_len;
}

int acpi_build(struct nl_mem *m, uint64_t base, uint64_t area, unsigned int ncpus,
	       unsigned int nvirtio, struct nl_err *err)
{
	struct sdt_header *xsdt, *dsdt, *madt;
	struct layout l;
	struct rsdp *rsdp;
	struct fadt *fadt;
	struct facs *facs;
	uint64_t gpa;
	uint8_t *p, *bytes;

	if (ncpus == 0 || ncpus > BL_MAX_CPUS) {
		nl_seterr(err, "ACPI tables take 1..%u CPUs, not %u", BL_MAX_CPUS, ncpus);
		return -EINVAL;
	}
	if (nvirtio > BL_VIRTIO_MAX) {
		nl_seterr(err, "internal: %u virtio devices, at most %u", nvirtio, BL_VIRTIO_MAX);
		return -EINVAL;
	}
	layout(ncpus, nvirtio, &l);
	if (base & 63 || l.end > area || !(bytes = mem_gpa(m, base, area))) {
		nl_seterr(err, "internal: ACPI tables for %u CPUs do not fit at 0x%llx", ncpus,
			  (unsigned long long)base);
		return -EINVAL;
	}
	memset(bytes, 0, l.end);

	/* DSDT */
	dsdt = (struct sdt_header *)(bytes + l.dsdt);
	header(dsdt, "DSDT", l.dsdt_len, 2);
	memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	p = (uint8_t *)(dsdt + 1) + sizeof(dsdt_aml);
	for (unsigned int i = 0; i < nvirtio; i++)
		p = vdev_aml(p, i);
	seal(dsdt);

	/* FACS: no checksum of its own */
	facs = (struct facs *)(bytes + l.facs);
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	/* FADT */
	fadt = (struct fadt *)(bytes + l.fadt);
	header(&fadt->h, "FACP", sizeof(*fadt), 6);
	fadt->firmware_ctrl = (uint32_t)(base + l.facs);
	fadt->dsdt = (uint32_t)(base + l.dsdt);
	fadt->x_dsdt = base + l.dsdt;
	fadt->sci_int = SCI_IRQ;
	fadt->pm1a_evt_blk = ACPI_PM1A_EVT;
	fadt->pm1a_cnt_blk = ACPI_PM1A_CNT;
	fadt->pm1_evt_len = ACPI_PM1_EVT_LEN;
	fadt->pm1_cnt_len = ACPI_PM1_CNT_LEN;
	fadt->p_lvl2_lat = 101;     /* > 100: no C2 */
	fadt->p_lvl3_lat = 1001;    /* > 1000: no C3 */
	fadt->iapc_boot_arch = BOOT_LEGACY_DEVICES | BOOT_NO_VGA;
	fadt->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		      FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct gas){ .space_id = 1, .bit_width = 8, .access_size = 1,
					.address = RESET_PORT };
	fadt->reset_value = RESET_VALUE;
	fadt->minor_version = 1;
	seal(&fadt->h);

	/* MADT */
	madt = (struct sdt_header *)(bytes + l.madt);
	header(madt, "APIC", l.madt_len, 4);
	p = (uint8_t *)(madt + 1);
	memcpy(p, &(uint32_t){ (uint32_t)BL_GPA_LAPIC }, 4);
	memcpy(p + 4, &(uint32_t){ MADT_PCAT_COMPAT }, 4);
	p += 8;
	for (unsigned int i = 0; i < ncpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i;          /* ACPI processor UID */
		p[3] = (uint8_t)i;          /* APIC id, as CPUID and the MP table say */
		memcpy(p + 4, &(uint32_t){ 1 }, 4);   /* enabled */
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)ncpus;              /* the MP table's I/O APIC id */
	memcpy(p + 4, &(uint32_t){ (uint32_t)BL_GPA_IOAPIC }, 4);
	/* GSI base 0: ISA IRQ n is GSI n, as KVM routes it (mptable.c) */
	p += 12;
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff;                        /* every processor */
	p[5] = 1;                           /* on LINT1 */
	seal(madt);

	/* XSDT */
	xsdt = (struct sdt_header *)(bytes + l.xsdt);
	header(xsdt, "XSDT", l.xsdt_len, 1);
	gpa = base + l.fadt;
	memcpy(xsdt + 1, &gpa, 8);
	gpa = base + l.madt;
	memcpy((uint8_t *)(xsdt + 1) + 8, &gpa, 8);
	seal(xsdt);

	/* RSDP */
	rsdp = (struct rsdp *)(bytes + l.rsdp);
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = base + l.xsdt;
	rsdp->checksum = (uint8_t)(0 - fw_sum8(rsdp, 20));
	rsdp->extended_checksum = (uint8_t)(0 - fw_sum8(rsdp, sizeof(*rsdp)));
	return 0;
}
