// SPDX-License-Identifier: MIT
/*
 * lib/jsonread.c and lib/regfile.c: real result documents
 * (tests/vm/fixtures) read and looked up, every truncation of one
 * refused, malformed text of each kind refused at the right byte, depth
 * and size bounds, escapes, and the files that are not regular files.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

#include "jsonread.h"
#include "regfile.h"

static char *fixture(const char *name, size_t *len)
{
	char path[512], err[256], *buf;

	snprintf(path, sizeof(path), "%s/tests/vm/fixtures/%s", JR_SRCROOT, name);
	if (regfile_read(path, 1 << 20, &buf, len, err, sizeof(err)))
		fail_msg("%s", err);
	return buf;
}

static int parse(struct jr_doc *d, const char *text, char *err, size_t errlen)
{
	return jr_parse(text, strlen(text), d, err, errlen);
}

static void real_documents(void **state)
{
	struct jr_doc d;
	char err[256], buf[64], *text;
	size_t len;
	int v, s;

	(void)state;
	text = fixture("run-exit.json", &len);
	assert_int_equal(jr_parse(text, len, &d, err, sizeof(err)), 0);
	assert_int_equal(jr_type(&d, 0), JR_OBJECT);
	assert_true(jr_streq(&d, jr_get(&d, 0, "schema"), "nestlab-run/1"));
	assert_false(jr_streq(&d, jr_get(&d, 0, "schema"), "nestlab-run/"));
	assert_true(jr_streq(&d, jr_path(&d, 0, "outcome"), "exited"));
	v = jr_path(&d, 0, "config.mem_bytes");
	assert_int_equal(jr_type(&d, v), JR_NUMBER);
	assert_true(d.n[v].num == 16777216);
	assert_int_equal(jr_type(&d, jr_path(&d, 0, "result")), JR_NULL);
	assert_int_equal(jr_path(&d, 0, "result.time"), -1);        /* through null: null */
	assert_int_equal(jr_path(&d, 0, "config.cpus.x"), -EINVAL); /* through a number */
	assert_int_equal(jr_path(&d, 0, "nosuch"), -1);
	assert_int_equal(jr_type(&d, jr_path(&d, 0, "config.prefault")), JR_FALSE);
	assert_int_equal(jr_string(&d, jr_path(&d, 0, "host.kvm_module"), buf, sizeof(buf)), 7);
	assert_string_equal(buf, "kvm_amd");
	v = jr_path(&d, 0, "kvm_stats.vcpus");
	assert_int_equal(jr_type(&d, v), JR_ARRAY);
	assert_int_equal(d.n[v].count, 1);
	s = jr_path(&d, d.n[v].child, "stats.exits");
	assert_int_equal(jr_type(&d, s), JR_NUMBER);
	/* the node's text is the value as written */
	assert_int_equal(d.n[0].off, 0);
	assert_int_equal(text[d.n[0].off + d.n[0].len - 1], '}');
	jr_free(&d);
	free(text);

	text = fixture("run-smp4.json", &len);
	assert_int_equal(jr_parse(text, len, &d, err, sizeof(err)), 0);
	v = jr_path(&d, 0, "kvm_stats.vcpus");
	assert_int_equal(d.n[v].count, 4);
	int k = 0;

	for (int c = d.n[v].child; c >= 0; c = d.n[c].next, k++)
		assert_true(d.n[jr_get(&d, c, "id")].num == k);
	assert_int_equal(k, 4);
	jr_free(&d);
	free(text);
}

/* Every proper prefix of a real document is refused, none crashes (run
 * under ASan with -Dsanitize=true), and so is every one-byte corruption
 * that makes it invalid at a structural byte. */
static void truncations(void **state)
{
	struct jr_doc d;
	char err[256], *text;
	size_t len, end;

	(void)state;
	text = fixture("run-smp4.json", &len);
	end = len;
	while (end && text[end - 1] != '}')
		end--;
	for (size_t n = 0; n < end; n++) {
		/* a copy of exactly n bytes, so ASan sees any read past it */
		char *cut = malloc(n ? n : 1);

		memcpy(cut, text, n);
		err[0] = '\0';
		if (!jr_parse(cut, n, &d, err, sizeof(err)))
			fail_msg("a %zu-byte prefix was accepted", n);
		assert_non_null(strstr(err, "byte "));
		assert_null(d.n);
		free(cut);
	}
	for (size_t n = end; n <= len; n++) {
		assert_int_equal(jr_parse(text, n, &d, err, sizeof(err)), 0);
		jr_free(&d);
	}
	free(text);
}

static void malformed(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "", "byte 0: document ends where a value should be" },
		{ "   ", "byte 3: document ends where a value should be" },
		{ "{", "byte 1: expected a member name" },
		{ "[", "byte 1: document ends where a value should be" },
		{ "[1", "byte 2: unterminated array" },
		{ "{\"a\":1", "byte 6: unterminated object" },
		{ "[1,]", "byte 3: not a JSON value" },
		{ "{\"a\":1,}", "byte 7: expected a member name" },
		{ "{\"a\" 1}", "byte 5: expected ':' after a member name" },
		{ "{1:2}", "byte 1: expected a member name" },
		{ "[1 2]", "byte 3: expected ',' or ']'" },
		{ "{\"a\":1]", "byte 6: expected ',' or '}'" },
		{ "{} {}", "byte 3: text after the document" },
		{ "nul", "byte 0: not a JSON value" },
		{ "truex", "byte 4: text after the document" },
		{ "NaN", "byte 0: not a JSON value" },
		{ "01", "byte 1: text after the document" },
		{ "1.", "byte 2: bad number: no digit after '.'" },
		{ ".5", "byte 0: not a JSON value" },
		{ "-", "byte 1: bad number" },
		{ "1e", "byte 2: bad number: no digit in the exponent" },
		{ "+1", "byte 0: not a JSON value" },
		{ "\"abc", "byte 4: unterminated string" },
		{ "\"a\tb\"", "byte 2: control character in a string" },
		{ "\"\\x\"", "byte 2: bad escape" },
		{ "\"\\u12g4\"", "byte 2: bad \\u escape" },
		{ "\"\\u12", "byte 2: bad \\u escape" },
		{ "\"\\", "byte 2: unterminated string" },
		{ "[1111111111111111111111111111111111111111111111111111111111111111111]",
		  "byte 1: number too long" },
		{ "'a'", "byte 0: not a JSON value" },
	};
	struct jr_doc d;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (parse(&d, cases[i].text, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", cases[i].text);
		if (strcmp(err, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text, err, cases[i].want);
	}
	/* a NUL byte is not whitespace, and not allowed in a string */
	assert_int_equal(jr_parse("[1]\0", 4, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "byte 3: text after the document");
	assert_int_equal(jr_parse("\"a\0\"", 4, &d, err, sizeof(err)), -EINVAL);
	/* refused before any arithmetic on the pointer: clang's UBSan
	 * flagged the NULL + 0 here (tests/fuzz/fuzz_jsoncheck) */
	assert_int_equal(jr_parse(NULL, 0, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "byte 0: no document");
	assert_null(d.n);
}

static void depth(void **state)
{
	struct jr_doc d;
	char err[256], *text;
	size_t n = 200000;

	(void)state;
	text = malloc(2 * n + 1);
	/* 64 levels are read, the 65th is refused */
	for (size_t k = 64; k <= 65; k++) {
		memset(text, '[', k);
		memset(text + k, ']', k);
		text[2 * k] = '\0';
		assert_int_equal(parse(&d, text, err, sizeof(err)), k == 64 ? 0 : -EINVAL);
		jr_free(&d);
	}
	assert_string_equal(err, "byte 64: nested deeper than 64");
	/* 200000 open brackets: refused at the limit, no recursion */
	memset(text, '[', n);
	text[n] = '\0';
	assert_int_equal(parse(&d, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "byte 64: nested deeper than 64");
	for (size_t i = 0; i < n; i += 5)
		memcpy(text + i, "{\"a\":", 5);
	assert_int_equal(jr_parse(text, n, &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "byte 320: nested deeper than 64");
	free(text);
}

static void values(void **state)
{
	struct jr_doc d;
	char err[256], buf[64];
	int v;

	(void)state;
	assert_int_equal(parse(&d, " {\"a\": [1, -0, 2.5e3, 1E-2, 1e400, true, false, null, \"s\", {}, []],"
			       " \"k\\u0065y\": \"\\u00e9\\ud83d\\ude00\\ud800x\\\"\\\\\\/\\n\","
			       " \"dup\": 1, \"dup\": 2} ", err, sizeof(err)), 0);
	v = jr_get(&d, 0, "a");
	assert_int_equal(d.n[v].count, 11);
	static const int types[] = { JR_NUMBER, JR_NUMBER, JR_NUMBER, JR_NUMBER, JR_NUMBER, JR_TRUE,
				     JR_FALSE, JR_NULL, JR_STRING, JR_OBJECT, JR_ARRAY };
	double nums[] = { 1, 0, 2500, 0.01, INFINITY };
	int i = 0;

	for (int c = d.n[v].child; c >= 0; c = d.n[c].next, i++) {
		assert_int_equal(jr_type(&d, c), types[i]);
		if (i < 5)
			assert_true(d.n[c].num == nums[i]);
	}
	assert_true(signbit(d.n[d.n[d.n[v].child].next].num)); /* -0 */
	/* an escaped member name is found by its decoded name */
	v = jr_get(&d, 0, "key");
	assert_true(v >= 0);
	assert_int_equal(jr_string(&d, v, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\"\\/\n");
	assert_true(jr_streq(&d, v, "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\"\\/\n"));
	assert_false(jr_streq(&d, v, "\xc3\xa9"));
	/* cut to the buffer, the full length returned */
	assert_int_equal(jr_string(&d, v, buf, 3), 14);
	assert_string_equal(buf, "\xc3\xa9");
	/* a repeated name: the last one, as jq reads it */
	assert_true(d.n[jr_get(&d, 0, "dup")].num == 2);
	assert_int_equal(jr_get(&d, 0, "nosuch"), -1);
	assert_int_equal(jr_get(&d, jr_get(&d, 0, "a"), "x"), -1); /* not an object */
	assert_int_equal(jr_string(&d, jr_get(&d, 0, "dup"), buf, sizeof(buf)), -EINVAL);
	assert_int_equal(jr_type(&d, -1), JR_NULL);
	jr_free(&d);

	/* a bare scalar is a document */
	assert_int_equal(parse(&d, "\"x\"", err, sizeof(err)), 0);
	assert_true(jr_streq(&d, 0, "x"));
	jr_free(&d);
	assert_int_equal(parse(&d, "\"\\u0000\"", err, sizeof(err)), 0);
	assert_int_equal(jr_string(&d, 0, buf, sizeof(buf)), 1);
	assert_false(jr_streq(&d, 0, ""));
	jr_free(&d);
}

static char tmpdir[64];

static void regular_files(void **state)
{
	char path[128], err[256], *buf;
	size_t len;
	uint64_t size;
	FILE *f;

	(void)state;
	assert_int_equal(regfile_read(tmpdir, 100, &buf, &len, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, ": is a directory"));
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* no writer: an open without O_NONBLOCK would wait here forever */
	assert_int_equal(regfile_open(path, &size, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fifo: is not a regular file"));
	assert_int_equal(regfile_read("/dev/zero", 100, &buf, &len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/dev/zero: is not a regular file");
	snprintf(path, sizeof(path), "%s/nosuch", tmpdir);
	assert_int_equal(regfile_read(path, 100, &buf, &len, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nosuch: No such file or directory"));

	snprintf(path, sizeof(path), "%s/f", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("0123456789", f);
	fclose(f);
	assert_int_equal(regfile_read(path, 10, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	assert_int_equal(regfile_read(path, 9, &buf, &len, err, sizeof(err)), -EFBIG);
	assert_null(buf);
	assert_non_null(strstr(err, "f: 10 bytes, larger than the 9 accepted"));
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(regfile_read(path, 9, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_documents),
		cmocka_unit_test(truncations),
		cmocka_unit_test(malformed),
		cmocka_unit_test(depth),
		cmocka_unit_test(values),
		cmocka_unit_test(regular_files),
	};

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_jsonread.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
