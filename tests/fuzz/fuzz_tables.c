// SPDX-License-Identifier: MIT
/*
 * The firmware tables nestlab writes for a Linux guest, at the bounds:
 * acpi_build (vmm/boot/acpi.c) and mptable_build (mptable.c) with any CPU
 * count, virtio device count, base address and area the input gives,
 * into 1 MiB of guest memory with a guard on each side; boot_linux_e820
 * and boot_linux_mem_slots (boot_linux.c) for any memory size. Checked:
 * a builder either refuses with a one-line message or writes only inside
 * [base, base + area) and every table it wrote sums to 0; the e820 map is
 * sorted, disjoint, inside the first MiB or above it as documented, and
 * its RAM adds up to the memory asked for; the slots cover that memory
 * exactly, in order, without touching the 3..4 GiB hole.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "nestlab.h"

#define GMEM  (1u << 20)
#define GUARD 4096u

/*
 * Whole pages compared with memcmp: a byte loop here was instrumented per
 * byte (edge counters, comparison tracing, ASan) and held the harness to
 * under 100 inputs a second.
 */
static int all_a5(const uint8_t *p, uint64_t n)
{
	static uint8_t ref[GUARD];

	if (!ref[0])
		memset(ref, 0xa5, sizeof(ref));
	for (uint64_t k; n; p += k, n -= k) {
		k = n < sizeof(ref) ? n : sizeof(ref);
		if (memcmp(p, ref, k))
			return 0;
	}
	return 1;
}

/* Everything but [lo, hi) of guest memory, and both guards, still 0xa5. */
static void guard_check(const uint8_t *buf, uint64_t lo, uint64_t hi)
{
	uint64_t h = hi < GMEM ? hi : GMEM, l = lo < h ? lo : h;

	FUZZ_CHECK(all_a5(buf, GUARD) && all_a5(buf + GUARD + GMEM, GUARD),
		   "a builder wrote outside guest memory");
	FUZZ_CHECK(all_a5(buf + GUARD, l) && all_a5(buf + GUARD + h, GMEM - h),
		   "a builder wrote outside its area");
}

static void one_line(const struct nl_err *err)
{
	FUZZ_CHECK(err->msg[0] && !strchr(err->msg, '\n'), "a refusal is not one line");
}

static void tables(const uint8_t *data, size_t size, uint8_t *buf)
{
	struct nl_mem m;
	struct nl_err err = { { 0 } };
	unsigned int ncpus = size > 1 ? (unsigned int)(data[0] | data[1] << 8) % 300 : 2;
	unsigned int nvirtio = size > 2 ? data[2] % 7 : 0;
	uint64_t base = size > 4 ? ((uint64_t)(data[3] | data[4] << 8) << 4) % (GMEM + 64) : 0xe0000;
	uint64_t area = size > 6 ? (uint64_t)(data[5] | data[6] << 8) << 2 : 0x10000;
	uint64_t gpa = size > 8 ? ((uint64_t)(data[7] | data[8] << 8) << 4) % (GMEM + 64) : 0xf0000;
	const uint8_t *g = buf + GUARD;
	int r;

	memset(buf, 0xa5, GMEM + 2 * GUARD);
	mem_attach(&m, buf + GUARD, GMEM);
	r = acpi_build(&m, base, area, ncpus, nvirtio, &err);
	if (r) {
		FUZZ_CHECK(r == -EINVAL, "acpi_build: not -EINVAL");
		one_line(&err);
		guard_check(buf, 0, 0);
	} else {
		uint64_t xsdt, t;

		FUZZ_CHECK(ncpus >= 1 && ncpus <= BL_MAX_CPUS && nvirtio <= BL_VIRTIO_MAX &&
			   base + area <= GMEM, "acpi_build took what it should refuse");
		guard_check(buf, base, base + area);
		FUZZ_CHECK(fw_sum8(g + base, 20) == 0 && fw_sum8(g + base, 36) == 0, "RSDP checksum");
		memcpy(&xsdt, g + base + 24, 8);
		FUZZ_CHECK(xsdt >= base && xsdt + 36 <= base + area, "XSDT outside the area");
		for (uint32_t k = 0; k < 3; k++) {
			uint32_t len;

			if (k == 0) {
				t = xsdt;
			} else {
				memcpy(&t, g + xsdt + 36 + 8 * (k - 1), 8);
			}
			FUZZ_CHECK(t >= base && t + 36 <= base + area, "a table outside the area");
			memcpy(&len, g + t + 4, 4);
			FUZZ_CHECK(t + len <= base + area, "a table runs past the area");
			FUZZ_CHECK(fw_sum8(g + t, len) == 0, "a table's checksum");
			if (k == 1) {               /* the FADT: its DSDT */
				uint32_t dsdt, dlen;

				memcpy(&dsdt, g + t + 40, 4);
				FUZZ_CHECK(dsdt >= base && dsdt + 36 <= base + area, "DSDT outside the area");
				memcpy(&dlen, g + dsdt + 4, 4);
				FUZZ_CHECK(dsdt + dlen <= base + area && fw_sum8(g + dsdt, dlen) == 0,
					   "the DSDT's length or checksum");
			}
		}
	}

	memset(buf, 0xa5, GMEM + 2 * GUARD);
	memset(&err, 0, sizeof(err));
	r = mptable_build(&m, gpa, ncpus, &err);
	if (r) {
		FUZZ_CHECK(r == -EINVAL, "mptable_build: not -EINVAL");
		one_line(&err);
		guard_check(buf, 0, 0);
	} else {
		size_t n = mptable_size(ncpus);

		guard_check(buf, gpa, gpa + n);
		FUZZ_CHECK(fw_sum8(g + gpa, 16) == 0, "MP floating pointer checksum");
	}
}

static void e820(const uint8_t *data, size_t size)
{
	struct boot_e820_entry tab[BL_E820_MAX];
	struct nl_slot sl[NL_MAX_SLOTS];
	uint64_t mem = 1ull << 20, ram = 0, end = 0, covered = 0;
	unsigned int n, ns;

	if (size >= 17)
		memcpy(&mem, data + 9, 8);
	mem = (mem % (NL_MAX_MEM_GIB << 30)) + (1ull << 20);
	n = boot_linux_e820(mem, tab, BL_E820_MAX);
	FUZZ_CHECK(n >= 2 && n <= 4, "e820: 2..4 entries");
	for (unsigned int i = 0; i < n; i++) {
		FUZZ_CHECK(tab[i].addr >= end && tab[i].size, "e820: entries out of order or empty");
		FUZZ_CHECK(tab[i].addr + tab[i].size > tab[i].addr, "e820: an entry wraps");
		FUZZ_CHECK(!(tab[i].addr < BL_GPA_HIGHMEM && tab[i].addr + tab[i].size > BL_LOWMEM_MAX),
			   "e820: an entry in the 3..4 GiB hole");
		end = tab[i].addr + tab[i].size;
		if (tab[i].type == BL_E820_RAM)
			ram += tab[i].size;
	}
	FUZZ_CHECK(ram == mem - (mem < BL_GPA_HIMEM ? 0 : BL_GPA_HIMEM - BL_GPA_EBDA),
		   "e820: RAM does not add up to the memory asked for");
	ns = boot_linux_mem_slots(mem, sl);
	FUZZ_CHECK(ns == 1 || ns == 2, "slots: 1 or 2");
	for (unsigned int i = 0; i < ns; i++) {
		FUZZ_CHECK(sl[i].host_off == covered, "slots: not contiguous in the host mapping");
		FUZZ_CHECK(!(sl[i].gpa < BL_GPA_HIGHMEM && sl[i].gpa + sl[i].size > BL_LOWMEM_MAX),
			   "slots: a slot in the 3..4 GiB hole");
		covered += sl[i].size;
	}
	FUZZ_CHECK(covered == mem, "slots: do not cover the memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[GMEM + 2 * GUARD];

	tables(data, size, buf);
	e820(data, size);
	return 0;
}
