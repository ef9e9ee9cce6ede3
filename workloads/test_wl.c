// SPDX-License-Identifier: MIT
/* Unit tests: the workload command line, and every workload's
 * determinism and self-check at a small footprint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "wl.h"

static void parse_ok(void **state)
{
	static const char *const ignore[] = { "paging", "pagesize", NULL };
	struct wl_params p;
	char err[200];

	(void)state;
	assert_int_equal(wl_parse("workload=mcf footprint=64M", &p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p.name, "mcf");
	assert_int_equal(p.footprint, 64ull << 20);
	assert_int_equal(p.iters, 1);
	assert_int_equal(p.seed, 1);
	assert_int_equal(wl_parse("  seed=9 iters=3\tworkload=touch footprint=1M paging=demand pagesize=2M ",
				  &p, ignore, err, sizeof(err)), 0);
	assert_int_equal(p.seed, 9);
	assert_int_equal(p.iters, 3);
	/* issue 12: the top of the range was refused (18446744073709551610..5) */
	assert_int_equal(wl_parse("workload=mcf footprint=1M seed=18446744073709551615",
				  &p, NULL, err, sizeof(err)), 0);
	assert_true(p.seed == UINT64_MAX);
	assert_int_equal(wl_parse("workload=mcf footprint=1M seed=18446744073709551610",
				  &p, NULL, err, sizeof(err)), 0);
	assert_true(p.seed == UINT64_MAX - 5);
}

#define BAD(cmd, text) do {						\
	assert_int_equal(wl_parse(cmd, &p, NULL, err, sizeof(err)), -1); \
	if (!strstr(err, text))						\
		fail_msg("'%s': message '%s' lacks '%s'", cmd, err, text); \
} while (0)

static void parse_bad(void **state)
{
	struct wl_params p;
	char err[200];

	(void)state;
	BAD("", "no workload=");
	BAD("workload=mcf", "no footprint=");
	BAD("workload=nosuch footprint=1M", "unknown workload 'nosuch'");
	BAD("workload=mcf footprint=0", "bad footprint");
	BAD("workload=mcf footprint=12Q", "bad footprint");
	BAD("workload=mcf footprint=1M iters=0", "bad iters");
	BAD("workload=mcf footprint=1M iters=x", "bad iters");
	BAD("workload=mcf footprint=1M seed=-1", "bad seed");
	BAD("workload=mcf footprint=1M seed=18446744073709551616", "bad seed");
	BAD("workload=mcf footprint=1M colour=red", "unknown key 'colour'");
	BAD("workload=mcf footprint=1M paging=demand", "unknown key 'paging'");
	BAD("workload=mcf workload=mcf footprint=1M", "duplicate key");
	BAD("workload=mcf footprint=1M junk", "expected key=value");
	BAD("workload=mcf footprint=4K", "footprint too small");
	/* A tiny error buffer is never overrun. */
	assert_int_equal(wl_parse("workload=nosuchworkloadatall footprint=1M", &p, NULL, err, 8), -1);
	assert_int_equal(strlen(err), 7);
}

static uint64_t run(const char *cmd, int *rc)
{
	struct wl_params p;
	struct wl_env env = { 0 };
	struct wl_result r;
	char err[200];

	assert_int_equal(wl_parse(cmd, &p, NULL, err, sizeof(err)), 0);
	env.arena_size = p.footprint;
	env.arena = mmap(NULL, p.footprint, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(env.arena != MAP_FAILED);
	*rc = wl_run(&p, &env, &r);
	munmap(env.arena, p.footprint);
	return r.checksum;
}

static void deterministic(void **state)
{
	(void)state;
	for (const char *const *w = wl_names; *w; w++) {
		char a[128], b[128];
		int rc1, rc2, rc3;
		uint64_t c1, c2, c3;

		snprintf(a, sizeof(a), "workload=%s footprint=2M iters=1 seed=5", *w);
		snprintf(b, sizeof(b), "workload=%s footprint=2M iters=1 seed=6", *w);
		c1 = run(a, &rc1);
		c2 = run(a, &rc2);
		c3 = run(b, &rc3);
		assert_int_equal(rc1, 0);
		assert_int_equal(rc2, 0);
		assert_int_equal(rc3, 0);
		if (c1 != c2)
			fail_msg("%s: same parameters, different checksums", *w);
		if (c1 == c3)
			fail_msg("%s: different seeds, same checksum", *w);
	}
}

/* At its smallest footprint, where sizes are tight, every workload still
 * passes its own check, for a few seeds. */
static void smallest(void **state)
{
	(void)state;
	for (const char *const *w = wl_names; *w; w++)
		for (int seed = 1; seed <= 3; seed++) {
			char a[128];
			int rc;

			snprintf(a, sizeof(a), "workload=%s footprint=%llu seed=%d", *w,
				 (unsigned long long)wl_min_footprint(*w), seed);
			run(a, &rc);
			if (rc)
				fail_msg("%s: self-check failed at the smallest footprint", a);
		}
}

static void twice_in_one_arena(void **state)
{
	/* No state survives a run: the second call on a used arena gives
	 * the same checksum as the first on a fresh one. */
	(void)state;
	for (const char *const *w = wl_names; *w; w++) {
		struct wl_params p;
		struct wl_env env = { 0 };
		struct wl_result r1, r2;
		char cmd[128], err[200];

		snprintf(cmd, sizeof(cmd), "workload=%s footprint=2M iters=2 seed=3", *w);
		assert_int_equal(wl_parse(cmd, &p, NULL, err, sizeof(err)), 0);
		env.arena_size = p.footprint;
		env.arena = mmap(NULL, p.footprint, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(env.arena != MAP_FAILED);
		assert_int_equal(wl_run(&p, &env, &r1), 0);
		assert_int_equal(wl_run(&p, &env, &r2), 0);
		munmap(env.arena, p.footprint);
		if (r1.checksum != r2.checksum)
			fail_msg("%s: a second run in the same arena differs", *w);
	}
}

static void arena_too_small(void **state)
{
	struct wl_params p;
	struct wl_env env = { 0 };
	struct wl_result r;
	char err[200], buf[4096];

	(void)state;
	assert_int_equal(wl_parse("workload=touch footprint=1M", &p, NULL, err, sizeof(err)), 0);
	env.arena = buf;
	env.arena_size = sizeof(buf);
	assert_int_equal(wl_run(&p, &env, &r), -1);
	assert_int_equal(wl_min_footprint("nosuch"), 0);
	assert_true(wl_min_footprint("mcf") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ok),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(smallest),
		cmocka_unit_test(twice_in_one_arena),
		cmocka_unit_test(arena_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
