// SPDX-License-Identifier: MIT
/* l2init's parts that need no VM: the nl2.* words, the inputs made from a
 * seed (the same bytes every time, of the asked size), and the checksum. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "l2.h"

static void parse_ok(void **state)
{
	struct l2_params p;
	char msg[L2_MSG];

	(void)state;
	/* the rest of a kernel command line is not ours */
	assert_int_equal(l2_parse("console=ttyS0 quiet nl2.program=bzip2 nl2.size=16M panic=-1",
				  &p, msg, sizeof(msg)), 0);
	assert_string_equal(p.program, "bzip2");
	assert_true(p.size == 16ull << 20);
	assert_true(p.seed == 1);
	assert_int_equal(p.iters, 1);
	assert_int_equal(p.fail, L2_FAIL_NONE);
	assert_int_equal(l2_parse("nl2.program=hmmer\tnl2.size=4K nl2.seed=18446744073709551615 "
				  "nl2.iters=100000 nl2.fail=panic\n", &p, msg, sizeof(msg)), 0);
	assert_true(p.seed == UINT64_MAX);
	assert_int_equal(p.iters, 100000);
	assert_int_equal(p.fail, L2_FAIL_PANIC);
	assert_int_equal(l2_parse("nl2.size=64G nl2.program=gnugo nl2.fail=exit", &p, msg, sizeof(msg)), 0);
	assert_true(p.size == 64ull << 30);
	assert_int_equal(p.fail, L2_FAIL_EXIT);
}

#define BAD(words, text) do {						\
	assert_int_equal(l2_parse(words, &p, msg, sizeof(msg)), -EINVAL); \
	if (!strstr(msg, text))						\
		fail_msg("'%s': message '%s' lacks '%s'", words, msg, text); \
} while (0)

static void parse_bad(void **state)
{
	struct l2_params p;
	char msg[L2_MSG];

	(void)state;
	BAD("", "no nl2.program");
	BAD("nl2.size=1M", "no nl2.program");
	BAD("nl2.program=bzip2", "no nl2.size");
	BAD("nl2.program=hmmer3 nl2.size=1M", "unknown program");
	BAD("nl2.program=averyveryverylongname nl2.size=1M", "bad nl2.program");
	BAD("nl2.program= nl2.size=1M", "bad nl2.program");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.program=gnugo", "given twice");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.size=2M", "given twice");
	BAD("nl2.program=bzip2 nl2.size=65G", "bad nl2.size");
	BAD("nl2.program=bzip2 nl2.size=1K", "bad nl2.size");
	BAD("nl2.program=bzip2 nl2.size=16777216T", "bad nl2.size");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.iters=0", "bad nl2.iters");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.iters=100001", "bad nl2.iters");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.seed=-1", "bad nl2.seed");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.fail=maybe", "bad nl2.fail");
	BAD("nl2.program=bzip2 nl2.size=1M nl2.swap=1", "unknown key 'nl2.swap'");
	BAD("nl2.program", "without a value");
}

static char dir[64];

static int in_tmpdir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_l2.XXXXXX");
	if (!mkdtemp(dir) || chdir(dir))
		return -1;
	return 0;
}

static int out_of_tmpdir(void **state)
{
	(void)state;
	/* the files the programs' prepare() and the steps write */
	static const char *const f[] = { "input", "game.gtp", "family.sto", "db.fa", "s", "output",
					 "o", "step.stderr" };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		unlink(f[i]);
	return chdir("/") || rmdir(dir);
}

static uint64_t sum_of(const char *path, uint64_t *bytes)
{
	uint64_t s = 0;

	assert_int_equal(l2_sum_file(path, NULL, &s, bytes), 0);
	return s;
}

/* Each program's input: the same bytes for the same seed, others for
 * another, and the size asked for (bzip2 exactly, hmmer's database at
 * least). */
static void inputs(void **state)
{
	static const struct { const char *prog, *file; } t[] = {
		{ "bzip2", "input" }, { "gnugo", "game.gtp" }, { "hmmer", "db.fa" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct l2_prog *g = l2_prog_find(t[i].prog);
		struct l2_params p = { .size = 300000, .seed = 7, .iters = 2 };
		struct l2_plan pl;
		uint64_t a, b, c, n = 0;
		char msg[L2_MSG];

		assert_non_null(g);
		snprintf(p.program, sizeof(p.program), "%s", t[i].prog);
		memset(&pl, 0, sizeof(pl));
		assert_int_equal(g->prepare(&p, &pl, msg, sizeof(msg)), 0);
		a = sum_of(t[i].file, &n);
		if (!strcmp(t[i].prog, "bzip2"))
			assert_true(n == 300000);
		if (!strcmp(t[i].prog, "hmmer"))
			assert_true(n >= 300000 && pl.input_bytes == n);
		assert_true(pl.n >= 1 && pl.n <= L2_MAX_STEPS);
		for (unsigned int k = 0; k < pl.n; k++) {
			assert_non_null(pl.step[k].argv[0]);
			assert_non_null(pl.step[k].out);
		}
		memset(&pl, 0, sizeof(pl));
		assert_int_equal(g->prepare(&p, &pl, msg, sizeof(msg)), 0);
		b = sum_of(t[i].file, &n);
		assert_true(a == b);
		p.seed = 8;
		memset(&pl, 0, sizeof(pl));
		assert_int_equal(g->prepare(&p, &pl, msg, sizeof(msg)), 0);
		c = sum_of(t[i].file, &n);
		assert_true(c != a);
	}
	assert_null(l2_prog_find("hmmer3"));
}

static void checksum(void **state)
{
	static const char *const date[] = { "DATE", NULL };
	uint64_t s1, s2, n;
	FILE *f;

	(void)state;
	f = fopen("s", "w");
	assert_non_null(f);
	fputs("HMMER2.0\nDATE  Fri Dec  4 06:29:22 2026\nLENG  160\n", f);
	fclose(f);
	assert_int_equal(l2_sum_file("s", date, &s1, &n), 0);
	assert_true(n == 50);
	f = fopen("s", "w");
	fputs("HMMER2.0\nDATE  Sat Dec  5 01:00:00 2026\nLENG  160\n", f);
	fclose(f);
	assert_int_equal(l2_sum_file("s", date, &s2, &n), 0);
	assert_true(s1 == s2);
	assert_int_equal(l2_sum_file("s", NULL, &s2, &n), 0);
	assert_true(s1 != s2);
	f = fopen("s", "w");
	fclose(f);
	/* FNV-1a's offset basis: an empty file */
	assert_int_equal(l2_sum_file("s", NULL, &s1, &n), 0);
	assert_true(s1 == 0xcbf29ce484222325ull && n == 0);
	assert_int_equal(l2_sum_file("no-such-file", NULL, &s1, &n), -ENOENT);
}

/* A bzip2 round trip that does not restore the input is refused. */
static void round_trip_check(void **state)
{
	const struct l2_prog *g = l2_prog_find("bzip2");
	char msg[L2_MSG];
	FILE *f;

	(void)state;
	f = fopen("input", "w");
	fputs("hello world\n", f);
	fclose(f);
	f = fopen("output", "w");
	fputs("hello world\n", f);
	fclose(f);
	assert_int_equal(g->check(NULL, NULL, msg, sizeof(msg)), 0);
	f = fopen("output", "w");
	fputs("hello worle\n", f);
	fclose(f);
	assert_int_equal(g->check(NULL, NULL, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "differs"));
	f = fopen("output", "w");
	fputs("hello world\nmore", f);
	fclose(f);
	assert_int_equal(g->check(NULL, NULL, msg, sizeof(msg)), -EBADMSG);
	unlink("output");
	assert_true(g->check(NULL, NULL, msg, sizeof(msg)) < 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* hmmer's check: the hits below the cut are exactly the family members
 * (every 25th sequence), and their checksum does not depend on scores. */
static void hmmer_hits(void **state)
{
	static const char head[] = "Query HMM:   family\n\n"
		"Scores for complete sequences (score includes all domains):\n"
		"Sequence Description                                    Score    E-value  N \n"
		"-------- -----------                                    -----    ------- ---\n";
	const struct l2_prog *g = l2_prog_find("hmmer");
	char db[64 * 8], msg[L2_MSG], text[2048];
	uint64_t a = 0, b = 0;

	(void)state;
	db[0] = 0;
	for (unsigned int i = 0; i < 50; i++)
		snprintf(db + strlen(db), sizeof(db) - strlen(db), ">s%u\nAC\n", i);
	write_file("db.fa", db);
	snprintf(text, sizeof(text), "%ss49  290.9 1.1e-84 1\ns24  80.1 3.0e-20 1\n"
		 "s7  -120.0 0.96 1\n\nParsed for domains:\ns3 1/1 x 2.0e-90\n", head);
	write_file("search.txt", text);
	assert_int_equal(g->check(NULL, &a, msg, sizeof(msg)), 0);
	/* other scores, same hits: the same checksum */
	snprintf(text, sizeof(text), "%ss49  291.0 1.0e-84 1\ns24  80.2 2.9e-20 1\n\n", head);
	write_file("search.txt", text);
	assert_int_equal(g->check(NULL, &b, msg, sizeof(msg)), 0);
	assert_true(a == b && a != 0);
	/* a family member missed */
	snprintf(text, sizeof(text), "%ss49  290.9 1.1e-84 1\ns24  10.0 0.5 1\n\n", head);
	write_file("search.txt", text);
	assert_int_equal(g->check(NULL, &b, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "found 1 of the 2 family members"));
	/* a random sequence scored as one */
	snprintf(text, sizeof(text), "%ss49  290.9 1.1e-84 1\ns24  80.1 3.0e-20 1\ns7 50.0 1e-9 1\n\n", head);
	write_file("search.txt", text);
	assert_int_equal(g->check(NULL, &b, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "not family members (s7)"));
	unlink("search.txt");
	assert_true(g->check(NULL, &b, msg, sizeof(msg)) < 0);
}

/* mcf: nestlab's own static solver, one step with the footprint, iters
 * and seed; its checksum is the solver's, whatever the time it printed. */
static void mcf_solver(void **state)
{
	const struct l2_prog *g = l2_prog_find("mcf");
	struct l2_params p = { .program = "mcf", .size = 8 << 20, .seed = 5, .iters = 3 };
	struct l2_plan pl;
	char msg[L2_MSG];
	uint64_t a = 0, b = 0;

	(void)state;
	assert_non_null(g);
	assert_string_equal(g->files[0], L2_WORKLOAD_PATH);
	memset(&pl, 0, sizeof(pl));
	assert_int_equal(g->prepare(&p, &pl, msg, sizeof(msg)), 0);
	assert_int_equal(pl.n, 1);
	assert_true(pl.step[0].own);
	assert_string_equal(pl.step[0].argv[0], L2_WORKLOAD_PATH);
	assert_string_equal(pl.step[0].argv[1], "workload=mcf");
	assert_string_equal(pl.step[0].argv[2], "footprint=8388608");
	assert_string_equal(pl.step[0].argv[3], "iters=3");
	assert_string_equal(pl.step[0].argv[4], "seed=5");
	assert_null(pl.step[0].argv[5]);
	write_file("mcf.txt", "checksum=0xd86084fc27f2ee57 work=68037 seconds=0.167098 cycles=350233632\n");
	assert_int_equal(g->check(&pl, &a, msg, sizeof(msg)), 0);
	assert_true(a == 0xd86084fc27f2ee57ull);
	write_file("mcf.txt", "checksum=0xd86084fc27f2ee57 work=68037 seconds=9.9 cycles=1\n");
	assert_int_equal(g->check(&pl, &b, msg, sizeof(msg)), 0);
	assert_true(a == b);
	write_file("mcf.txt", "");
	assert_int_equal(g->check(&pl, &b, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "got 0 lines"));
	write_file("mcf.txt", "nestlab-workload: mcf: self-check failed\n");
	assert_int_equal(g->check(&pl, &b, msg, sizeof(msg)), -EBADMSG);
	write_file("mcf.txt", "checksum=0x1 work=2 seconds=1\nchecksum=0x1 work=2 seconds=1\n");
	assert_int_equal(g->check(&pl, &b, msg, sizeof(msg)), -EBADMSG);
	unlink("mcf.txt");
	assert_true(g->check(&pl, &b, msg, sizeof(msg)) < 0);
	/* the other programs are Debian's */
	memset(&pl, 0, sizeof(pl));
	p.size = 4096;
	snprintf(p.program, sizeof(p.program), "bzip2");
	assert_int_equal(l2_prog_find("bzip2")->prepare(&p, &pl, msg, sizeof(msg)), 0);
	assert_false(pl.step[0].own);
}

/* A failing step's error ends with its own last line on stderr; a step
 * that succeeds is not touched by what it printed there. */
static void step_errors(void **state)
{
	struct l2_step ok = { "fine", { "/bin/sh", "-c", "echo progress >&2; echo out" }, NULL, "o", NULL,
			      NULL, false };
	struct l2_step bad = { "decompress", { "/bin/sh", "-c",
			       "echo 'x: I/O error' >&2; echo '  x: No space left on device  ' >&2; echo >&2; exit 1" },
			       NULL, "o", NULL, NULL, false };
	struct l2_step killed = { "big", { "/bin/sh", "-c", "echo 'about to die' >&2; kill -9 $$" }, NULL, "o",
				  NULL, NULL, false };
	struct l2_step quiet = { "quiet", { "/bin/sh", "-c", "exit 4" }, NULL, "o", NULL, NULL, false };
	struct l2_step_result r;

	(void)state;
	assert_int_equal(l2_exec(NULL, NULL, &ok, &r), 0);
	assert_int_equal(l2_exec(NULL, NULL, &bad, &r), -ECHILD);
	assert_string_equal(r.error, "decompress: /bin/sh exited with status 1: x: No space left on device  ");
	assert_int_equal(l2_exec(NULL, NULL, &killed, &r), -EINTR);
	assert_string_equal(r.error, "big: killed by signal 9 (Killed): about to die");
	assert_int_equal(l2_exec(NULL, NULL, &quiet, &r), -ECHILD);
	assert_string_equal(r.error, "quiet: /bin/sh exited with status 4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ok),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test_setup_teardown(inputs, in_tmpdir, out_of_tmpdir),
		cmocka_unit_test_setup_teardown(checksum, in_tmpdir, out_of_tmpdir),
		cmocka_unit_test_setup_teardown(round_trip_check, in_tmpdir, out_of_tmpdir),
		cmocka_unit_test_setup_teardown(hmmer_hits, in_tmpdir, out_of_tmpdir),
		cmocka_unit_test_setup_teardown(mcf_solver, in_tmpdir, out_of_tmpdir),
		cmocka_unit_test_setup_teardown(step_errors, in_tmpdir, out_of_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
