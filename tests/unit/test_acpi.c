// SPDX-License-Identifier: MIT
/*
 * Unit tests for the ACPI tables a Linux guest gets, read back from a plain
 * buffer at the specification's byte offsets: every checksum, the pointer
 * chain RSDP -> XSDT -> FADT -> DSDT/FACS and MADT, the MADT's entries,
 * the \_S5_ object, and the PM1a control decoding that ends a run.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nestlab.h"

#define MEM (4u << 20)

static uint16_t u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table at gpa: its signature, a sane length and a zero checksum. */
static const uint8_t *table(const struct nl_mem *m, uint64_t gpa, const char *sig)
{
	const uint8_t *t;

	assert_true(gpa >= BL_GPA_ACPI && gpa < BL_GPA_ACPI + BL_ACPI_AREA);
	t = m->host + gpa;
	assert_memory_equal(t, sig, 4);
	assert_true(u32(t + 4) >= 36 && gpa + u32(t + 4) <= BL_GPA_ACPI + BL_ACPI_AREA);
	assert_int_equal(sum(t, u32(t + 4)), 0);
	return t;
}

static void tables(unsigned int ncpus)
{
	struct nl_mem m;
	struct nl_err err;
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *facs, *madt, *e, *end;
	unsigned int lapics = 0, ioapics = 0, nmis = 0;

	mem_attach(&m, calloc(1, MEM), MEM);
	assert_non_null(m.host);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, BL_ACPI_AREA, ncpus, 0, &err), 0);
	rsdp = m.host + BL_GPA_ACPI;
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(rsdp[15], 2);                 /* revision: XSDT */
	assert_int_equal(u32(rsdp + 20), 36);
	assert_int_equal(sum(rsdp, 36), 0);
	xsdt = table(&m, u64(rsdp + 24), "XSDT");
	assert_int_equal(u32(xsdt + 4), 36 + 16);
	fadt = table(&m, u64(xsdt + 36), "FACP");
	madt = table(&m, u64(xsdt + 44), "APIC");
	/* FADT (revision 6, 276 bytes) at its offsets */
	assert_int_equal(u32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);
	dsdt = table(&m, u32(fadt + 40), "DSDT");
	assert_int_equal(u64(fadt + 140), u32(fadt + 40));     /* X_DSDT agrees */
	facs = m.host + u32(fadt + 36);
	assert_int_equal(u32(fadt + 36) % 64, 0);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(u32(facs + 4), 64);
	assert_int_equal(u16(fadt + 46), 9);   /* SCI */
	assert_int_equal(u32(fadt + 48), 0);                   /* no SMI: ACPI mode */
	assert_int_equal(u32(fadt + 56), ACPI_PM1A_EVT);
	assert_int_equal(u32(fadt + 64), ACPI_PM1A_CNT);
	assert_int_equal(fadt[88], 4);
	assert_int_equal(fadt[89], 2);
	assert_int_equal(u32(fadt + 76), 0);                   /* no PM timer */
	assert_false(u16(fadt + 109) & 2);     /* no i8042 */
	assert_true(u32(fadt + 112) & (1u << 10));             /* reset register */
	assert_int_equal(fadt[116], 1);                        /* ... in I/O space */
	assert_int_equal(u64(fadt + 120), 0xcf9);
	assert_int_equal(fadt[128], 6);
	/* DSDT: Name (_S5_, Package (4) {5, 5, 0, 0}) */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, 5, 0x0a, 5, 0x00, 0x00 };
	assert_int_equal(u32(dsdt + 4), 36 + sizeof(s5));
	assert_memory_equal(dsdt + 36, s5, sizeof(s5));
	/* MADT: local APIC base, then every entry within the table */
	assert_int_equal(u32(madt + 36), 0xfee00000);
	end = madt + u32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		assert_true(e[1] >= 2 && e + e[1] <= end);
		if (e[0] == 0) {
			assert_int_equal(e[3], lapics);        /* APIC id = vCPU */
			assert_int_equal(u32(e + 4), 1);       /* enabled */
			lapics++;
		} else if (e[0] == 1) {
			assert_int_equal(e[2], ncpus);         /* after the CPUs */
			assert_int_equal(u32(e + 4), 0xfec00000);
			assert_int_equal(u32(e + 8), 0);       /* GSI base */
			ioapics++;
		} else if (e[0] == 4) {
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);             /* LINT1 */
			nmis++;
		} else {
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_true(e == end);
	assert_int_equal(lapics, ncpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
	free(m.host);
}

/* The virtio-mmio devices in the DSDT: each a Device (\_SB.VDn_) whose
 * AML parses by its own lengths, with the id Linux's virtio_mmio matches,
 * its register block and its level-triggered, active-high GSI. */
static void virtio_devices(void **state)
{
	struct nl_mem m;
	struct nl_err err;
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *p, *end;

	(void)state;
	mem_attach(&m, calloc(1, MEM), MEM);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, BL_ACPI_AREA, 2, BL_VIRTIO_MAX + 1, &err),
			 -EINVAL);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, BL_ACPI_AREA, 2, 2, &err), 0);
	rsdp = m.host + BL_GPA_ACPI;
	xsdt = table(&m, u64(rsdp + 24), "XSDT");
	fadt = table(&m, u64(xsdt + 36), "FACP");
	dsdt = table(&m, u32(fadt + 40), "DSDT");
	end = dsdt + u32(dsdt + 4);
	p = dsdt + 36 + 14;                           /* after Name (_S5_, ...) */
	for (unsigned int i = 0; i < 2; i++) {
		char name[9];
		uint32_t len;

		assert_int_equal(p[0], 0x5b);         /* ExtOpPrefix DeviceOp */
		assert_int_equal(p[1], 0x82);
		assert_int_equal(p[2] >> 6, 1);       /* a 2-byte PkgLength */
		len = (p[2] & 0x0fu) | (uint32_t)p[3] << 4;
		assert_true(p + 2 + len <= end);
		snprintf(name, sizeof(name), "_SB_VD%u_", i);
		assert_int_equal(p[4], '\\');
		assert_int_equal(p[5], 0x2e);         /* DualNamePrefix */
		assert_memory_equal(p + 6, name, 8);
		assert_memory_equal(p + 14, "\x08_HID\x0dLNRO0005", 15);
		assert_memory_equal(p + 29, "\x08_UID\x0a", 6);
		assert_int_equal(p[35], i);
		assert_memory_equal(p + 36, "\x08_CRS\x11", 6);
		/* the buffer: PkgLength, its size, then the resource descriptors */
		assert_int_equal(p[42], 26);
		assert_int_equal(p[43], 0x0a);
		assert_int_equal(p[44], 23);
		assert_int_equal(p[45], 0x86);        /* Memory32Fixed, read-write */
		assert_int_equal(p[48], 1);
		assert_int_equal(u32(p + 49), BL_GPA_VIRTIO + i * VMMIO_SIZE);
		assert_int_equal(u32(p + 53), VMMIO_SIZE);
		assert_int_equal(p[57], 0x89);        /* Extended Interrupt */
		assert_int_equal(p[60], 0x01);        /* consumer, level, active high */
		assert_int_equal(p[61], 1);
		assert_int_equal(u32(p + 62), BL_VIRTIO_GSI + i);
		assert_int_equal(p[66], 0x79);        /* End Tag */
		assert_true(p + 68 == p + 2 + len);   /* the device ends where its length says */
		p += 2 + len;
	}
	assert_true(p == end);
	free(m.host);
}

static void two_cpus(void **state) { (void)state; tables(2); }
static void most_cpus(void **state) { (void)state; tables(254); }

static void bad(void **state)
{
	struct nl_mem m;
	struct nl_err err;

	(void)state;
	mem_attach(&m, calloc(1, MEM), MEM);
	assert_non_null(m.host);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, BL_ACPI_AREA, 0, 0, &err), -EINVAL);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, BL_ACPI_AREA, 255, 0, &err), -EINVAL);
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI, 256, 2, 0, &err), -EINVAL);   /* area */
	assert_int_equal(acpi_build(&m, BL_GPA_ACPI + 4, BL_ACPI_AREA, 2, 0, &err), -EINVAL);
	assert_int_equal(acpi_build(&m, MEM - 512, BL_ACPI_AREA, 2, 0, &err), -EINVAL);
	free(m.host);
}

static void s5_decoding(void **state)
{
	(void)state;
	assert_true(acpi_pm1_cnt_is_s5(ACPI_SLP_EN | 5 << ACPI_SLP_TYP_SHIFT));
	assert_true(acpi_pm1_cnt_is_s5(ACPI_SLP_EN | 5 << ACPI_SLP_TYP_SHIFT | ACPI_SCI_EN));
	assert_false(acpi_pm1_cnt_is_s5(5 << ACPI_SLP_TYP_SHIFT));          /* no SLP_EN */
	assert_false(acpi_pm1_cnt_is_s5(ACPI_SLP_EN | 3 << ACPI_SLP_TYP_SHIFT));
	assert_false(acpi_pm1_cnt_is_s5(ACPI_SCI_EN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_cpus),
		cmocka_unit_test(virtio_devices),
		cmocka_unit_test(most_cpus),
		cmocka_unit_test(bad),
		cmocka_unit_test(s5_decoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
