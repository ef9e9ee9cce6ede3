// SPDX-License-Identifier: MIT
/*
 * wl_parse_u64 and wl_parse_size (workloads/size.c) against a second,
 * deliberately plain reading of what wl.h documents: every mem=,
 * footprint= and count= a user writes, at L0, in L1 and in the guest,
 * goes through these two.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "wl.h"

typedef unsigned __int128 u128;

/* Digits only, no sign, the value fitting in 64 bits. */
static bool model_u64(const uint8_t *s, size_t n, size_t *ndig, u128 *v)
{
	size_t i = 0;

	*v = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		*v = *v * 10 + (s[i] - '0');
		if (*v > UINT64_MAX)
			*v = (u128)UINT64_MAX + 1; /* sticky: too big */
	}
	*ndig = i;
	return i > 0 && *v <= UINT64_MAX;
}

static bool eq_nocase(uint8_t c, char lower)
{
	return c == (uint8_t)lower || c == (uint8_t)(lower - 'a' + 'A');
}

/* The suffixes wl.h allows after the digits: none, or K/M/G/T followed
 * by nothing, B or iB, in any case. Returns the shift, or -1. */
static int model_suffix(const uint8_t *s, size_t n)
{
	static const char units[] = "kmgt";
	int shift = -1;

	if (!n)
		return 0;
	for (int u = 0; u < 4; u++)
		if (eq_nocase(s[0], units[u]))
			shift = 10 * (u + 1);
	if (shift < 0)
		return -1;
	if (n == 1)
		return shift;
	if (n == 2 && eq_nocase(s[1], 'b'))
		return shift;
	if (n == 3 && eq_nocase(s[1], 'i') && eq_nocase(s[2], 'b'))
		return shift;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	uint64_t got = 0xdeadbeef, before;
	size_t ndig;
	u128 v;
	int r;

	/* wl_parse_u64: all digits and no overflow, exactly */
	bool ok = model_u64(data, size, &ndig, &v) && ndig == size;

	before = got;
	r = wl_parse_u64(s, size, &got);
	FUZZ_CHECK(r == 0 || r == -1, "wl_parse_u64 returned %d", r);
	FUZZ_CHECK((r == 0) == ok, "wl_parse_u64 says %d for %zu bytes, the model %d", r, size,
		   ok);
	if (r == 0)
		FUZZ_CHECK(got == (uint64_t)v, "wl_parse_u64 read %llu, the model %llu",
			   (unsigned long long)got, (unsigned long long)v);
	else
		FUZZ_CHECK(got == before, "wl_parse_u64 failed but wrote %llu",
			   (unsigned long long)got);

	/* wl_parse_size: digits times the suffix's power of two, in range */
	int shift = -1;

	got = before;
	ok = model_u64(data, size, &ndig, &v);
	if (ok && (shift = model_suffix(data + ndig, size - ndig)) >= 0)
		ok = (v << shift) <= UINT64_MAX;
	else
		ok = false;
	r = wl_parse_size(s, size, &got);
	FUZZ_CHECK(r == 0 || r == -1, "wl_parse_size returned %d", r);
	FUZZ_CHECK((r == 0) == ok, "wl_parse_size says %d for '%.*s', the model %d", r,
		   (int)size, s, ok);
	if (r == 0) {
		FUZZ_CHECK(got == (uint64_t)(v << shift), "wl_parse_size read %llu for '%.*s'",
			   (unsigned long long)got, (int)size, s);
		FUZZ_CHECK(!(got & ((1ull << shift) - 1)), "not a multiple of the suffix");
	} else {
		FUZZ_CHECK(got == before, "wl_parse_size failed but wrote %llu",
			   (unsigned long long)got);
	}
	return 0;
}
