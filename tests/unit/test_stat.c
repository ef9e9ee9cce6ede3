// SPDX-License-Identifier: MIT
/*
 * Unit tests: nestlab stat (vmm/stat/) over the documents in
 * tests/unit/fixtures/stat (real ones from tests/vm/fixtures and
 * bench/fixtures, and nested-trace.json, one of them with a hand-made
 * exit trace and multiplication): rows, shares, order, the diff's
 * ratios, the 100-column limit, JSON and CSV, and every bad input.
 */
#define _GNU_SOURCE
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
#include "nestlab.h"
#include "stat/stat.h"

#define PATHLEN 4096

/* The fixtures beside this file, as an absolute path: meson compiles and
 * runs the tests from the build root, so __FILE__ reaches them from the
 * working directory; STAT_FIXTURES overrides. */
static const char *fx(char *buf, const char *name)
{
	const char *env = getenv("STAT_FIXTURES");
	const char *slash = strrchr(__FILE__, '/');
	char cwd[PATHLEN / 2];

	if (env)
		snprintf(buf, PATHLEN, "%s/%s", env, name);
	else if (__FILE__[0] == '/')
		snprintf(buf, PATHLEN, "%.*sfixtures/stat/%s",
			 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
	else
		snprintf(buf, PATHLEN, "%s/%.*sfixtures/stat/%s",
			 getcwd(cwd, sizeof(cwd)) ? cwd : ".",
			 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
	return buf;
}

static void load_ok(const char *name, struct st_set *s)
{
	char p[PATHLEN], err[1024];
	int r = st_load(fx(p, name), ST_DOC_MAX, s, err, sizeof(err));

	if (r)
		fail_msg("%s: %d %s", name, r, err);
}

static int load_err(const char *path, size_t max, char *err)
{
	struct st_set s;
	int r = st_load(path, max, &s, err, 1024);

	if (!r)
		st_set_free(&s);
	/* an error is one line that names the file */
	assert_null(strchr(err, '\n'));
	return r;
}

static const struct st_table *tab(const struct st_set *s, const char *sec, const char *id)
{
	const struct st_sec *c = st_sec_find(s, sec);

	assert_non_null(c);
	return st_tab_find(c, id);
}

static const struct st_row *row(const struct st_table *t, const char *name)
{
	assert_non_null(t);
	for (int i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	return NULL;
}

typedef int (*render_fn)(FILE *, const struct st_opts *, const struct st_set *, const struct st_set *);

/* What a renderer printed, NUL-terminated (the caller frees it). */
static char *render(render_fn fn, const struct st_opts *o, const struct st_set *a,
		    const struct st_set *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, o, a, b), 0);
	fclose(f);
	return buf;
}

static struct st_opts opts(enum st_sort sort, int level)
{
	struct st_opts o = { .format = ST_TEXT, .sort = sort, .level = level };

	return o;
}

/* ---- the model from each kind of document ---- */

static void run_doc(void **state)
{
	struct st_set s;
	const struct st_row *r;

	(void)state;
	load_ok("run-exit.json", &s);
	assert_int_equal(s.ndocs, 1);
	assert_false(s.dir);
	assert_string_equal(s.schema, "nestlab-run/1");
	assert_non_null(strstr(s.desc, "flat VM, L0 paging npt, 16M, 1 vCPU, g_exit"));
	assert_int_equal(s.nsums, 1);
	assert_string_equal(s.sums[0]->id, "VM");
	assert_string_equal(s.sums[0]->outcome, "exited");
	assert_true(s.sums[0]->wall_ns == 27756330);
	assert_true(isnan(s.sums[0]->workload_ns));   /* 0: no marks */
	assert_null(s.sums[0]->checksum);
	r = row(tab(&s, "run", "exits"), "IO");
	assert_non_null(r);
	assert_true(r->count == 3 && r->total_ns == 10601860 && r->max_ns == 5631610);
	assert_int_equal(tab(&s, "run", "ports")->nrows, 3);
	/* kvm_stat shows what moved: zeros are left out */
	assert_non_null(row(tab(&s, "run", "kvm.vm"), "pages_4k"));
	assert_null(row(tab(&s, "run", "kvm.vm"), "remote_tlb_flush"));
	assert_true(row(tab(&s, "run", "kvm.vcpu0"), "exits")->count == 7);
	assert_null(row(tab(&s, "run", "kvm.vcpu0"), "halt_exits"));
	assert_int_equal(st_sec_find(&s, "run")->level, 0);
	st_set_free(&s);

	load_ok("run-smp4.json", &s);
	for (int v = 0; v < 4; v++) {
		char id[32];

		snprintf(id, sizeof(id), "kvm.vcpu%d", v);
		assert_non_null(tab(&s, "run", id));
	}
	assert_true(row(tab(&s, "run", "exits"), "IO")->count == 4);
	st_set_free(&s);

	load_ok("flat-128M.json", &s);
	assert_string_equal(s.schema, "nestlab-flat/1");
	assert_int_equal(s.nsums, 2);
	assert_string_equal(s.sums[1]->id, "VM[1]");
	assert_non_null(s.sums[0]->checksum);
	assert_non_null(st_sec_find(&s, "vms[1]"));
	assert_int_equal(st_sec_find(&s, "vms[1].guest")->level, 1);
	st_set_free(&s);
}

static void nested_doc(void **state)
{
	struct st_set s;
	const struct st_table *t;
	const struct st_row *r;
	const struct st_kv *top[3];

	(void)state;
	load_ok("nested-trace.json", &s);
	assert_string_equal(s.schema, "nestlab-nested/1");
	assert_non_null(strstr(s.desc, "L1->L2 shadow paging (L0 npt), L1 192M 1 vCPU swap 96M"));
	assert_non_null(strstr(s.desc, "2x mcf 128M footprint 27M"));
	assert_int_equal(s.nsums, 3);
	assert_string_equal(s.sums[0]->id, "L1");
	assert_string_equal(s.sums[2]->id, "L2[1]");
	assert_string_equal(s.sums[2]->checksum, "0xa191bea4f05b4e62");
	assert_int_equal(st_sec_find(&s, "l0_view")->level, 0);
	assert_int_equal(st_sec_find(&s, "l0_trace")->level, 0);
	assert_int_equal(st_sec_find(&s, "l1")->level, 1);
	assert_int_equal(st_sec_find(&s, "l1.l2[0]")->level, 1);
	assert_int_equal(st_sec_find(&s, "l1.l2[0].guest")->level, 2);
	/* L1's trace of L2[0]: the untimed io is counted, not in the mean */
	t = tab(&s, "l1.l2[0]", "trace.kvm_exit");
	assert_true(t->traced && t->timed);
	assert_string_equal(t->clock, "x86-tsc");
	assert_true(st_tab_count(t) == 5564);
	r = row(t, "io");
	assert_true(r->count == 98 && r->untimed == 1);
	assert_true(fabs(st_mean_ns(r) - 339457048.0 / 97) < 1e-6);
	/* the L0 trace, by process name */
	t = tab(&s, "l0_trace", "kvm_exit");
	assert_true(st_tab_count(t) == 231917);
	t = tab(&s, "l0_trace", "kvm_nested_vmexit_inject");
	assert_false(t->timed);
	assert_true(row(t, "PF excp")->count == 7891);
	assert_true(row(tab(&s, "l0_trace", "events"), "kvm_nested_vmenter npt_off")->count == 11421);
	/* the multiplication */
	t = tab(&s, "l0_trace", "multiplication");
	assert_int_equal(t->kind, ST_MULT);
	assert_true(t->mh[ST_MH_REFLECTED] == 11421 && t->mh[ST_MH_UNCLOSED] == 2);
	assert_int_equal(t->nalone, 2);
	r = row(t, "PF excp");
	assert_true(r->count == 7891 && r->l0x.mean == 16.2 && r->l0x.p99 == 41);
	assert_true(r->l1ns.max == 61230441);
	assert_int_equal(st_top_reasons(r, top, 3), 3);
	assert_string_equal(top[0]->name, "npf");
	assert_string_equal(top[1]->name, "interrupt");
	assert_string_equal(top[2]->name, "msr");
	st_set_free(&s);
}

/* A directory: its documents summed, the rest skipped with a note. */
static void directory(void **state)
{
	struct st_set d, a, b;
	const struct st_row *r;

	(void)state;
	load_ok("dir", &d);
	load_ok("nested-shadow-80M.json", &a);
	load_ok("nested-shadow-128M.json", &b);
	assert_true(d.dir);
	assert_int_equal(d.ndocs, 2);
	assert_int_equal(d.nnotes, 1);
	assert_non_null(strstr(d.notes[0], "notadoc.json"));
	assert_true(d.desc_mixed);   /* 80M and 128M L2s */
	r = row(tab(&d, "l0_view", "exits"), "IO");
	assert_true(r->count == row(tab(&a, "l0_view", "exits"), "IO")->count +
				row(tab(&b, "l0_view", "exits"), "IO")->count);
	assert_true(r->total_ns == row(tab(&a, "l0_view", "exits"), "IO")->total_ns +
				   row(tab(&b, "l0_view", "exits"), "IO")->total_ns);
	assert_true(d.sums[1]->wall_ns == a.sums[1]->wall_ns + b.sums[1]->wall_ns);
	assert_int_equal(d.sums[1]->ndocs, 2);
	assert_string_equal(d.sums[1]->checksum, "0xa191bea4f05b4e62");
	assert_false(d.sums[1]->checksum_mixed);
	/* counters add up, a peak does not */
	r = row(tab(&d, "l1.l2[0]", "kvm.vm"), "pages_4k");
	assert_true(r->count == row(tab(&a, "l1.l2[0]", "kvm.vm"), "pages_4k")->count * 2);
	assert_true(row(tab(&d, "l1.l2[0]", "kvm.vm"), "max_mmu_rmap_size")->count == 2);
	st_set_free(&d);
	st_set_free(&a);
	st_set_free(&b);
}

/* The multiplication of two documents: counts add, means weigh. */
static void mult_merge(void **state)
{
	char dir[] = "/tmp/test_stat.XXXXXX", p[PATHLEN], l[PATHLEN * 2], err[1024];
	struct st_set s;
	const struct st_row *r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fx(p, "nested-trace.json");
	snprintf(l, sizeof(l), "%s/1.json", dir);
	assert_int_equal(symlink(p, l), 0);
	snprintf(l, sizeof(l), "%s/2.json", dir);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(st_load(dir, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	r = row(tab(&s, "l0_trace", "multiplication"), "interrupt");
	assert_true(r->count == 2 * 3326);
	assert_true(fabs(r->l0x.mean - 14.1) < 1e-9);
	assert_true(r->l0x.p99 == 38);
	assert_true(row(tab(&s, "l0_trace", "multiplication"), "io")->l0r[0].n == 2 * 3000);
	assert_true(tab(&s, "l0_trace", "multiplication")->mh[ST_MH_L0_TOTAL] == 2 * 231917);
	st_set_free(&s);
	unlink(l);
	snprintf(l, sizeof(l), "%s/1.json", dir);
	unlink(l);
	rmdir(dir);
}

/* ---- what the tables say ---- */

static void shares(void **state)
{
	struct st_set s;
	int checked = 0;

	(void)state;
	load_ok("nested-trace.json", &s);
	for (int i = 0; i < s.nsecs; i++)
		for (int k = 0; k < s.secs[i]->ntabs; k++) {
			const struct st_table *t = s.secs[i]->tabs[k];
			double c = 0, ns = 0;

			if (t->kind != ST_EXITS)
				continue;
			for (int j = 0; j < t->nrows; j++) {
				c += st_pct(t->rows[j].count, st_tab_count(t));
				ns += st_pct(t->rows[j].total_ns, st_tab_ns(t));
			}
			assert_true(fabs(c - 100) < 1e-9);
			assert_true(!t->timed || fabs(ns - 100) < 1e-9);
			checked++;
		}
	assert_true(checked >= 10);
	st_set_free(&s);
}

/* The Samples% column of the text, as printed, adds up to 100. */
static void shares_text(void **state)
{
	struct st_set s;
	struct st_opts o = opts(ST_SORT_COUNT, 0);
	char *out, *line, *save = NULL;
	double sum = 0;
	bool in = false;
	int rows = 0;

	(void)state;
	load_ok("nested-trace.json", &s);
	out = render(st_text, &o, &s, NULL);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double n, pct;

		if (!strncmp(line, "kvm_exit by reason: L0", 22)) {
			in = true;
			continue;
		}
		/* the name is the first 26 columns: "PF excp" has a blank */
		if (in && strlen(line) > 26 && sscanf(line + 26, "%lf %lf%%", &n, &pct) == 2) {
			sum += pct;
			rows++;
		} else if (in && rows) {
			break;
		}
	}
	assert_int_equal(rows, 10);
	assert_true(fabs(sum - 100) < 0.05);
	free(out);
	st_set_free(&s);
}

static void sort_order(void **state)
{
	struct st_set s;
	const struct st_table *t;
	struct st_pair *p;
	int n;

	(void)state;
	load_ok("nested-trace.json", &s);
	t = tab(&s, "l0_trace", "kvm_exit");
	assert_int_equal(st_join(t, NULL, ST_SORT_COUNT, &p, &n), 0);
	assert_int_equal(n, 10);
	assert_string_equal(p[0].a->name, "npf");
	for (int i = 1; i < n; i++)
		assert_true(p[i - 1].a->count >= p[i].a->count);
	free(p);
	assert_int_equal(st_join(t, NULL, ST_SORT_TIME, &p, &n), 0);
	assert_string_equal(p[0].a->name, "npf");
	assert_string_equal(p[2].a->name, "vmrun");   /* third by time, fifth by count */
	for (int i = 1; i < n; i++)
		assert_true(p[i - 1].a->total_ns >= p[i].a->total_ns);
	free(p);
	/* values: by size, a negative delta by its magnitude */
	t = tab(&s, "l1", "vmstat");
	assert_int_equal(st_join(t, NULL, ST_SORT_COUNT, &p, &n), 0);
	for (int i = 1; i < n; i++)
		assert_true(fabs(p[i - 1].a->count) >= fabs(p[i].a->count));
	free(p);
	/* multiplication by time: count x (L0 + L1 time) */
	t = tab(&s, "l0_trace", "multiplication");
	assert_int_equal(st_join(t, NULL, ST_SORT_TIME, &p, &n), 0);
	assert_string_equal(p[0].a->name, "interrupt");
	assert_string_equal(p[1].a->name, "PF excp");
	free(p);
	st_set_free(&s);
}

static void diff(void **state)
{
	struct st_set a, b;
	const struct st_table *ta, *tb;
	struct st_pair *p;
	struct st_opts o = opts(ST_SORT_COUNT, ST_LEVEL_ALL);
	char *out, *line;
	double va, vb, vr;
	int n, seen = 0;

	(void)state;
	load_ok("nested-shadow-80M.json", &a);
	load_ok("nested-trace.json", &b);
	ta = tab(&a, "l1.l2[0].guest", "result");
	tb = tab(&b, "l1.l2[0].guest", "result");
	assert_int_equal(st_join(ta, tb, ST_SORT_COUNT, &p, &n), 0);
	for (int i = 0; i < n; i++)
		if (!strcmp(p[i].a->name, "cycles")) {
			assert_true(fabs(st_ratio(p[i].a->count, p[i].b->count) -
					 46887184879.0 / 39717575623.0) < 1e-12);
			seen++;
		}
	assert_int_equal(seen, 1);
	free(p);
	/* a row only in B: A is 0, the ratio is "-" */
	assert_true(isnan(st_ratio(0, 5)));
	assert_null(st_sec_find(&a, "l0_trace"));
	out = render(st_text, &o, &a, &b);
	assert_non_null(strstr(out, "nestlab stat: B against A"));
	assert_non_null(strstr(out, "2x mcf 80M footprint 27M"));
	assert_non_null(strstr(out, "2x mcf 128M footprint 27M"));
	assert_non_null(strstr(out, "equal 0xa191bea4f05b4e62"));
	assert_non_null(strstr(out, "== L0's exit trace (.l0_trace) [l0] (only in B)"));
	assert_non_null(strstr(out, "  PF excp                          0        3946        -"));
	line = strstr(out, "\n  cycles ");
	assert_non_null(line);
	assert_int_equal(sscanf(line, " cycles %lf %lf %lf", &va, &vb, &vr), 3);
	assert_true(va == 39717575623.0 && vb == 46887184879.0 && vr == 1.18);
	free(out);
	st_set_free(&a);
	st_set_free(&b);
}

/* Checksums that differ are said so at the top. */
static void diff_checksum(void **state)
{
	struct st_set a, b;
	struct st_opts o = opts(ST_SORT_COUNT, ST_LEVEL_ALL);
	char *out;

	(void)state;
	load_ok("run-exit.json", &a);
	load_ok("flat-128M.json", &b);
	out = render(st_text, &o, &a, &b);
	assert_non_null(strstr(out, "only in A"));
	assert_non_null(strstr(out, "only in B"));
	free(out);
	st_set_free(&b);
	load_ok("run-smp4.json", &b);
	free(a.sums[0]->checksum);
	a.sums[0]->checksum = strdup("0x0000000000000001");
	b.sums[0]->checksum = strdup("0x0000000000000002");
	out = render(st_text, &o, &a, &b);
	assert_non_null(strstr(out, "DIFFER: A 0x0000000000000001 B 0x0000000000000002"));
	free(out);
	st_set_free(&a);
	st_set_free(&b);
}

static void all_within(const char *out)
{
	for (const char *l = out; *l;) {
		size_t n = strcspn(l, "\n");

		if (n > ST_WIDTH)
			fail_msg("%zu columns: %.*s", n, (int)n, l);
		for (size_t i = 0; i < n; i++)
			assert_true(l[i] >= 0x20 && l[i] < 0x7f);
		l += n + (l[n] == '\n');
	}
}

static void width(void **state)
{
	static const char *const docs[] = {
		"run-exit.json", "run-smp4.json", "flat-128M.json", "nested-shadow-80M.json",
		"nested-trace.json", "dir",
	};
	struct st_set s[6];
	int nd = sizeof(docs) / sizeof(docs[0]);

	(void)state;
	for (int i = 0; i < nd; i++)
		load_ok(docs[i], &s[i]);
	for (int sort = 0; sort < 2; sort++)
		for (int lv = -1; lv <= 2; lv++) {
			struct st_opts o = opts(sort, lv);

			for (int i = 0; i < nd; i++)
				for (int k = -1; k < nd; k++) {
					char *out = render(st_text, &o, &s[i], k < 0 ? NULL : &s[k]);

					all_within(out);
					free(out);
				}
		}
	for (int i = 0; i < nd; i++)
		st_set_free(&s[i]);
}

/* A document with long and unprintable names: cut with the mark, and
 * nothing unprintable reaches the terminal. */
static void long_names(void **state)
{
	char path[] = "/tmp/test_stat.XXXXXX", err[1024];
	const char *doc =
		"{\"schema\": \"nestlab-run/1\", \"outcome\": \"exited\\u001b[31m\","
		" \"time\": {\"wall_ns\": 5},"
		" \"exits\": {\"by_reason\": {"
		"\"A_REASON_NAME_FAR_LONGER_THAN_ANY_COLUMN_COULD_HOLD_AT_ALL\": {\"count\": 1, \"total_ns\": 10, \"max_ns\": 10},"
		"\"tab\\there\": {\"count\": 3e300, \"total_ns\": 1e300, \"max_ns\": 1e300}}},"
		" \"kvm_stats\": {\"vm\": {\"a_counter_name_that_goes_on_and_on_and_on_past_its_column\": 12345678901234567890}}}";
	struct st_set s;
	struct st_opts o = opts(ST_SORT_TIME, ST_LEVEL_ALL);
	char *out;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	assert_int_equal(st_load(path, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	out = render(st_text, &o, &s, NULL);
	all_within(out);
	assert_non_null(strstr(out, "A_REASON_NAME_FAR_LONGE~ "));
	assert_non_null(strstr(out, "tab?here"));
	free(out);
	o.format = ST_JSON;
	out = render(st_json, &o, &s, NULL);
	{
		struct jr_doc d;
		char why[200];

		assert_int_equal(jr_parse(out, strlen(out), &d, why, sizeof(why)), 0);
		jr_free(&d);
	}
	free(out);
	out = render(st_text, &o, &s, &s);
	all_within(out);
	free(out);
	st_set_free(&s);
	unlink(path);
}

static void json_valid(void **state)
{
	struct st_set a, b;
	struct st_opts o = opts(ST_SORT_COUNT, ST_LEVEL_ALL);
	struct jr_doc d;
	char *out, why[200], buf[64];
	int n;

	(void)state;
	o.format = ST_JSON;
	load_ok("nested-trace.json", &a);
	load_ok("dir", &b);
	out = render(st_json, &o, &a, NULL);
	assert_int_equal(jr_parse(out, strlen(out), &d, why, sizeof(why)), 0);
	assert_true(jr_streq(&d, jr_get(&d, 0, "schema"), "nestlab-stat/1"));
	assert_true(jr_streq(&d, jr_get(&d, 0, "mode"), "single"));
	n = jr_get(&d, 0, "sections");
	assert_int_equal(d.n[n].count, 7);
	n = jr_path(&d, 0, "vms");
	assert_int_equal(d.n[n].count, 3);
	n = d.n[n].child;   /* L1 */
	assert_true(jr_type(&d, jr_get(&d, n, "checksum")) == JR_NULL);
	jr_string(&d, jr_get(&d, n, "vm"), buf, sizeof(buf));
	assert_string_equal(buf, "L1");
	jr_free(&d);
	free(out);
	out = render(st_json, &o, &a, &b);
	assert_int_equal(jr_parse(out, strlen(out), &d, why, sizeof(why)), 0);
	assert_true(jr_streq(&d, jr_get(&d, 0, "mode"), "diff"));
	n = jr_get(&d, 0, "inputs");
	assert_int_equal(d.n[n].count, 2);
	n = d.n[d.n[n].child].next;   /* the directory */
	assert_true(d.n[jr_get(&d, n, "documents")].num == 2);
	assert_int_equal(d.n[jr_get(&d, n, "skipped")].count, 1);
	jr_free(&d);
	free(out);
	st_set_free(&a);
	st_set_free(&b);
}

/* Fields of one CSV line, quotes understood. */
static int csv_fields(const char *l, size_t n, char *first, size_t fl)
{
	int f = 1;
	bool q = false;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (l[i] == '"')
			q = !q;
		else if (l[i] == ',' && !q)
			f++;
		else if (f == 1 && k + 1 < fl)
			first[k++] = l[i];
	}
	first[k] = '\0';
	return f;
}

static void csv_shape(const char *out, int want_tables)
{
	char head[64], sec[64];
	int cols = 0, tables = 0, rows = 0;

	for (const char *l = out; *l;) {
		size_t n = strcspn(l, "\n");

		if (!n) {
			cols = 0;
		} else if (!cols) {
			cols = csv_fields(l, n, head, sizeof(head));
			assert_string_equal(head, "section");
			tables++;
			sec[0] = '\0';
		} else {
			char first[64];

			assert_int_equal(csv_fields(l, n, first, sizeof(first)), cols);
			if (!sec[0])
				snprintf(sec, sizeof(sec), "%s", first);
			assert_string_equal(first, sec);   /* one section per table */
			rows++;
		}
		l += n + (l[n] == '\n');
	}
	assert_int_equal(tables, want_tables);
	assert_true(rows > 0);
}

static void csv(void **state)
{
	struct st_set a, b;
	struct st_opts o = opts(ST_SORT_COUNT, ST_LEVEL_ALL);
	char *out;

	(void)state;
	o.format = ST_CSV;
	load_ok("nested-trace.json", &a);
	load_ok("run-exit.json", &b);
	out = render(st_csv, &o, &a, NULL);
	csv_shape(out, 4);   /* summary, exits, values, multiplication */
	assert_non_null(strstr(out, "\nmultiplication,l0,l0_trace,multiplication,PF excp,7891,16.2,14,41,"));
	free(out);
	out = render(st_csv, &o, &b, NULL);
	csv_shape(out, 3);
	free(out);
	out = render(st_csv, &o, &b, &a);
	csv_shape(out, 4);
	free(out);
	o.level = 2;
	out = render(st_csv, &o, &a, NULL);
	csv_shape(out, 2);   /* the summary, and the L2s' own values */
	assert_null(strstr(out, "\nexits,"));
	free(out);
	st_set_free(&a);
	st_set_free(&b);
}

static void levels(void **state)
{
	struct st_set s;
	struct st_opts o = opts(ST_SORT_COUNT, 2);
	char *out;

	(void)state;
	load_ok("nested-trace.json", &s);
	out = render(st_text, &o, &s, NULL);
	assert_non_null(strstr(out, "The workload's result"));
	assert_null(strstr(out, "Userspace exits"));
	assert_null(strstr(out, "[l0]"));
	free(out);
	o.level = 0;
	out = render(st_text, &o, &s, NULL);
	assert_non_null(strstr(out, "Exit multiplication"));
	assert_null(strstr(out, "[l1]"));
	free(out);
	st_set_free(&s);
	load_ok("run-exit.json", &s);   /* nothing at L2 in a flat run */
	out = render(st_text, &o, &s, NULL);
	free(out);
	o.level = 2;
	out = render(st_text, &o, &s, NULL);
	assert_non_null(strstr(out, "(no tables at level l2)"));
	free(out);
	st_set_free(&s);
}

/* ---- bad input ---- */

static void bad_input(void **state)
{
	char p[PATHLEN], err[1024], dir[] = "/tmp/test_stat.XXXXXX", f[PATHLEN + 32];
	struct st_set s;

	(void)state;
	assert_int_equal(load_err(fx(p, "no-such.json"), ST_DOC_MAX, err), -ENOENT);
	assert_non_null(strstr(err, "no-such.json"));
	assert_int_equal(load_err(fx(p, "bad"), ST_DOC_MAX, err), -ENODATA);
	assert_non_null(strstr(err, "no result documents among its 3 .json files"));
	assert_int_equal(load_err(fx(p, "bad/truncated.json"), ST_DOC_MAX, err), -EINVAL);
	assert_non_null(strstr(err, "not JSON: byte"));
	assert_int_equal(load_err(fx(p, "bad/unknown-schema.json"), ST_DOC_MAX, err), -EINVAL);
	assert_non_null(strstr(err, "schema \"nestlab-future/9\""));
	assert_int_equal(load_err(fx(p, "bad/array.json"), ST_DOC_MAX, err), -EINVAL);
	assert_non_null(strstr(err, "not a result document"));
	/* too large for the bound */
	assert_int_equal(load_err(fx(p, "nested-trace.json"), 4096, err), -EFBIG);
	assert_non_null(strstr(err, "larger than the 4096"));
	/* the same bound in a directory: skipped, so none is left */
	assert_int_equal(load_err(fx(p, "dir"), 4096, err), -ENODATA);
	/* an empty directory, a FIFO (refused, not waited on), one in a directory */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(load_err(dir, ST_DOC_MAX, err), -ENODATA);
	assert_non_null(strstr(err, "without .json files"));
	snprintf(f, sizeof(f), "%s/fifo.json", dir);
	assert_int_equal(mkfifo(f, 0600), 0);
	assert_int_equal(load_err(f, ST_DOC_MAX, err), -EINVAL);
	assert_non_null(strstr(err, "is not a regular file"));
	assert_int_equal(load_err(dir, ST_DOC_MAX, err), -ENODATA);
	assert_non_null(strstr(err, "is not a regular file"));
	/* a document beside the FIFO is read, the FIFO noted */
	snprintf(f, sizeof(f), "%s/run.json", dir);
	assert_int_equal(symlink(fx(p, "run-exit.json"), f), 0);
	assert_int_equal(st_load(dir, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	assert_int_equal(s.ndocs, 1);
	assert_int_equal(s.nnotes, 1);
	assert_non_null(strstr(s.notes[0], "fifo.json: is not a regular file"));
	st_set_free(&s);
	unlink(f);
	snprintf(f, sizeof(f), "%s/fifo.json", dir);
	unlink(f);
	rmdir(dir);
}

/* Members of the wrong type are passed over, not trusted. */
static void wrong_types(void **state)
{
	char path[] = "/tmp/test_stat.XXXXXX", err[1024];
	const char *doc =
		"{\"schema\": \"nestlab-nested/1\", \"request\": [], \"l0_view\": {\"exits\": \"x\","
		" \"kvm_stats\": {\"vm\": [1], \"vcpus\": {\"id\": 1}}, \"time\": {\"wall_ns\": \"5\"}},"
		" \"l0_trace\": {\"processes\": [1, {\"comm\": null, \"events\": {\"kvm_exit\": {\"npf\": 3}}}],"
		"   \"multiplication\": {\"by_reason\": [1, {\"reason\": 2}, {\"reason\": \"npf\"}],"
		"   \"handled_by_l0_alone\": [1]}},"
		" \"l1\": {\"l2\": [null, 1, {\"index\": -4, \"result\": {\"exits\": {\"by_reason\": {\"IO\": {\"count\": \"1\"}}}},"
		"   \"exit_trace\": {\"events\": null}}]}}";
	struct st_set s;
	struct st_opts o = opts(ST_SORT_TIME, ST_LEVEL_ALL);
	char *out;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	assert_int_equal(st_load(path, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	out = render(st_text, &o, &s, NULL);
	all_within(out);
	free(out);
	o.format = ST_JSON;
	out = render(st_json, &o, &s, NULL);
	{
		struct jr_doc d;
		char why[200];

		assert_int_equal(jr_parse(out, strlen(out), &d, why, sizeof(why)), 0);
		jr_free(&d);
	}
	free(out);
	out = render(st_csv, &o, &s, &s);
	free(out);
	st_set_free(&s);
	unlink(path);
}

/* .l0_trace in both shapes: every process (two of one name, one with its
 * own multiplication from a reservoir), and one thread group. */
static void l0_trace_shapes(void **state)
{
	char path[] = "/tmp/test_stat.XXXXXX", err[1024];
	const char *doc =
		"{\"schema\": \"nestlab-run/1\", \"l0_trace\": {\"processes\": ["
		"{\"comm\": \"nestlab\", \"events\": {\"kvm_exit\": {\"npf\": {\"count\": 2, \"untimed\": 0, \"total_ns\": 4, \"max_ns\": 3}}},"
		" \"multiplication\": {\"l2_exits_reflected\": 1, \"by_reason\": [{\"reason\": \"npf\", \"count\": 1,"
		"  \"percentiles\": \"reservoir\", \"l0_exits\": {\"mean\": 3, \"p50\": 3, \"p99\": 3, \"max\": 3}}]}},"
		"{\"comm\": \"nestlab\", \"events\": {\"kvm_exit\": {\"io\": {\"count\": 1, \"untimed\": 1, \"total_ns\": 0, \"max_ns\": 0}}}}]}}";
	const char *tgid =
		"{\"schema\": \"nestlab-run/1\", \"l0_trace\": {\"tgid\": 5, \"clock\": \"mono\", \"lost_events\": 7,"
		" \"events\": {\"kvm_exit\": {\"hlt\": {\"count\": 1, \"untimed\": 1, \"total_ns\": 0, \"max_ns\": 0}}}}}";
	struct st_set s;
	struct st_opts o = opts(ST_SORT_COUNT, 0);
	const struct st_table *t;
	char *out;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	assert_int_equal(st_load(path, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	assert_non_null(row(tab(&s, "l0_trace", "nestlab/kvm_exit"), "npf"));
	assert_non_null(row(tab(&s, "l0_trace", "nestlab#2/kvm_exit"), "io"));
	t = tab(&s, "l0_trace", "nestlab/multiplication");
	assert_true(t->sampled && t->mh[ST_MH_REFLECTED] == 1);
	assert_true(isnan(row(t, "npf")->l1ns.mean));
	out = render(st_text, &o, &s, NULL);
	all_within(out);
	assert_non_null(strstr(out, "from a reservoir sample"));
	/* a time never recorded is "-", not 0 */
	assert_non_null(strstr(out, "  io                                1    100.00%          -            -            -        1\n"));
	free(out);
	st_set_free(&s);

	assert_int_equal(truncate(path, 0), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, tgid, strlen(tgid)), (ssize_t)strlen(tgid));
	close(fd);
	assert_int_equal(st_load(path, ST_DOC_MAX, &s, err, sizeof(err)), 0);
	t = tab(&s, "l0_trace", "kvm_exit");
	assert_true(t->lost == 7);
	assert_string_equal(t->clock, "mono");
	out = render(st_text, &o, &s, NULL);
	assert_non_null(strstr(out, "7 lost events (counts are lower bounds)"));
	free(out);
	st_set_free(&s);
	unlink(path);
}

static int parse(struct st_opts *o, char *err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, err);
	argv[argc++] = "stat";
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return st_parse(argc, argv, o, err, 256);
}

static void options(void **state)
{
	struct st_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, "a.json", NULL), 0);
	assert_int_equal(o.ndocs, 1);
	assert_int_equal(o.format, ST_TEXT);
	assert_int_equal(o.sort, ST_SORT_COUNT);
	assert_int_equal(o.level, ST_LEVEL_ALL);
	assert_int_equal(parse(&o, err, "--json", "--sort", "time", "--level=l1", "a", "b", NULL), 0);
	assert_int_equal(o.format, ST_JSON);
	assert_int_equal(o.sort, ST_SORT_TIME);
	assert_int_equal(o.level, 1);
	assert_int_equal(o.ndocs, 2);
	assert_string_equal(o.doc[1], "b");
	assert_int_equal(parse(&o, err, "a", "--csv", "--sort=count", "--level", "all", NULL), 0);
	assert_int_equal(o.format, ST_CSV);
	assert_int_equal(parse(&o, err, "--", "--json", NULL), 0);
	assert_string_equal(o.doc[0], "--json");
	assert_int_equal(parse(&o, err, "--help", NULL), 1);
	assert_int_equal(parse(&o, err, "a", "-h", NULL), 1);
#define BAD(msg, ...) do { \
		assert_int_equal(parse(&o, err, __VA_ARGS__, NULL), -EINVAL); \
		assert_non_null(strstr(err, msg)); \
	} while (0)
	BAD("no document", "--json");
	BAD("at most two", "a", "b", "c");
	BAD("exclude", "--json", "--csv", "a");
	BAD("count or time", "--sort", "size", "a");
	BAD("needs a value", "a", "--sort");
	BAD("l0, l1, l2 or all", "--level", "l3", "a");
	BAD("unknown option '--frob'", "--frob", "a");
	BAD("unknown option '-x'", "-x", "a");
#undef BAD
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_doc),
		cmocka_unit_test(nested_doc),
		cmocka_unit_test(directory),
		cmocka_unit_test(mult_merge),
		cmocka_unit_test(shares),
		cmocka_unit_test(shares_text),
		cmocka_unit_test(sort_order),
		cmocka_unit_test(diff),
		cmocka_unit_test(diff_checksum),
		cmocka_unit_test(width),
		cmocka_unit_test(long_names),
		cmocka_unit_test(json_valid),
		cmocka_unit_test(csv),
		cmocka_unit_test(levels),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(l0_trace_shapes),
		cmocka_unit_test(options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
