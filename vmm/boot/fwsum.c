// SPDX-License-Identifier: MIT
/* The byte checksum that MP and ACPI tables both use: a table is valid
 * when all its bytes, checksum field included, sum to 0 mod 256. */
#include "nestlab.h"

uint8_t fw_sum8(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}
