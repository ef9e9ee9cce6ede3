// SPDX-License-Identifier: MIT
/*
 * A guest-virtual address to guest-physical, walking the guest's own
 * x86-64 page tables in guest memory as the CPU would (4 levels, or 5
 * with CR4.LA57; 1 GiB and 2 MiB pages), for reading what a stopped vCPU
 * pointed at: its stack at the watchdog's stop (stopstate.c). The tables
 * are the guest's, so every entry is untrusted: each table must lie
 * inside guest memory, and a non-present entry or a reserved size bit
 * ends the walk.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"

#define PTE_P    (1ull << 0)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull   /* bits 51:12 */
#define CR4_LA57 (1ull << 12)

int gva_to_gpa(const struct nl_mem *m, uint64_t cr3, uint64_t cr4, uint64_t va,
	       uint64_t *gpa)
{
	int levels = cr4 & CR4_LA57 ? 5 : 4;
	uint64_t table = cr3 & PTE_ADDR;

	for (int l = levels; l >= 1; l--) {
		unsigned int shift = 12 + 9 * (unsigned int)(l - 1);
		uint64_t idx = (va >> shift) & 511, e;
		const void *p = mem_gpa(m, table + idx * 8, 8);

		if (!p)
			return -EFAULT;
		memcpy(&e, p, 8);
		if (!(e & PTE_P))
			return -ENOENT;
		/* a large page ends the walk: PS is meaningful at levels 2 and 3 */
		if ((l == 2 || l == 3) && (e & PTE_PS)) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			return 0;
		}
		if (l == 1) {
			*gpa = (e & PTE_ADDR) | (va & 0xfff);
			return 0;
		}
		if (e & PTE_PS)
			return -EINVAL;   /* PS in a PML4E or PML5E is reserved */
		table = e & PTE_ADDR;
	}
	return -EINVAL;
}

size_t gva_read_words(const struct nl_mem *m, uint64_t cr3, uint64_t cr4, uint64_t va,
		      uint64_t *out, size_t max)
{
	size_t n = 0;

	/* word by word, so a stack running into an unmapped page still gives
	 * what comes before it; an unaligned rsp is read as it is */
	while (n < max) {
		uint64_t gpa;
		const void *p;

		if ((va & 0xfff) > 0x1000 - 8)
			break;   /* a word across a page boundary: stop there */
		if (gva_to_gpa(m, cr3, cr4, va, &gpa) < 0 || !(p = mem_gpa(m, gpa, 8)))
			break;
		memcpy(&out[n++], p, 8);
		va += 8;
	}
	return n;
}
