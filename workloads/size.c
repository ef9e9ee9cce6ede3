// SPDX-License-Identifier: MIT
/* Whole numbers and sizes with binary suffixes, strict: shared by the
 * workloads, the VMM and l1-shim. */
/* guest-kernel calls this file's parsers in ring 0, where the machines we
 * test on emulate instructions and SSE is not among them. */
#pragma GCC target("general-regs-only")

#include "wl.h"

int wl_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int wl_parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	if (!n)
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (i == 0)
		return -1;
	if (i < n) {
		switch (s[i] | 0x20) {
		case 'k': mul = 1ull << 10; break;
		case 'm': mul = 1ull << 20; break;
		case 'g': mul = 1ull << 30; break;
		case 't': mul = 1ull << 40; break;
		default: return -1;
		}
		i++;
		if (i < n && (s[i] | 0x20) == 'i')
			i++;
		if (i < n && (s[i] | 0x20) == 'b')
			i++;
		else if (s[i - 1] == 'i' || s[i - 1] == 'I')
			return -1;   /* "Ki" without "B" */
		if (i != n)
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}
