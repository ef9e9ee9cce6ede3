// SPDX-License-Identifier: MIT
/* Unit tests: the strict size parser shared by workloads and the VMM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wl.h"

static int ps(const char *s, uint64_t *v)
{
	return wl_parse_size(s, strlen(s), v);
}

static void good(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(ps("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ps("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ps("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ps("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ps("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(ps("5G", &v), 0);
	assert_int_equal(v, 5ull << 30);
	assert_int_equal(ps("2T", &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(ps("512MB", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(ps("512MiB", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(ps("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(ps("16777215T", &v), 0);
	/* n bounds the token inside a longer string */
	assert_int_equal(wl_parse_size("8M iters=1", 2, &v), 0);
	assert_int_equal(v, 8ull << 20);
}

static void bad(void **state)
{
	uint64_t v = 77;

	(void)state;
	assert_int_equal(ps("", &v), -1);
	assert_int_equal(ps("M", &v), -1);
	assert_int_equal(ps("-1", &v), -1);
	assert_int_equal(ps("1.5G", &v), -1);
	assert_int_equal(ps("12Q", &v), -1);
	assert_int_equal(ps("12MM", &v), -1);
	assert_int_equal(ps("12Mi", &v), -1);
	assert_int_equal(ps("12 M", &v), -1);
	assert_int_equal(ps(" 12M", &v), -1);
	assert_int_equal(ps("18446744073709551616", &v), -1);  /* overflow by one */
	assert_int_equal(ps("16777216T", &v), -1);             /* 2^64 */
	assert_int_equal(ps("17179869184G", &v), -1);
	assert_int_equal(v, 77);                               /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
