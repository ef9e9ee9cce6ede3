// SPDX-License-Identifier: MIT
/* Unit tests of lib/ktrace_nest.c's exit-multiplication attribution, its
 * JSON (lib/ktrace_nest_json.c) and lib/ktrace_timeline.c's Chrome
 * trace-event timeline: L0's view of an L1 running an L2 in SVM and VMX
 * formats, intervals the trace cuts or never closes, two vCPU threads
 * interleaved, lost events, L2 exits L0 handled alone, percentiles of a
 * known distribution and beyond the sample cap, and the timeline read
 * back with lib/jsonread.c (valid, per-track ordered, bounded). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "jsonread.h"
#include "ktrace.h"
#include "ktrace_state.h"   /* nest_cap: the reservoir with a small cap */

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* L0's trace of L1 (nestlab, tgid 1234) running an L2 on vCPU thread
 * 1240, SVM, Linux 6.1, trace clock with microseconds. Two L2 exits
 * reflected to L1 (npf: L1 makes io, vmload and vmrun exits; interrupt:
 * vmrun only), one L2 npf L0 handles alone. */
static const char *const svm[] = {
	"     nestlab-1240    (   1234) [001] d..2.  2761.445823: kvm_exit: vcpu 0 reason npf rip 0x401000 info1 0x0000000100000004 info2 0x0000000000601000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445830: kvm_nested_vmexit: vcpu 0 reason npf rip 0x401000 info1 0x0000000100000004 info2 0x0000000000601000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445833: kvm_nested_vmexit_inject: reason: npf ext_inf1: 0x0000000100000004 ext_inf2: 0x0000000000601000 ext_int: 0x00000000 ext_int_err: 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445840: kvm_entry: vcpu 0, rip 0xffffffff81234567",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445850: kvm_exit: vcpu 0 reason io rip 0xffffffff81234570 info1 0x00000000010003f9 info2 0xffffffff81234572 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445853: kvm_entry: vcpu 0, rip 0xffffffff81234572",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445860: kvm_exit: vcpu 0 reason vmload rip 0xffffffffa0123450 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445862: kvm_entry: vcpu 0, rip 0xffffffffa0123453",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445880: kvm_exit: vcpu 0 reason vmrun rip 0xffffffffa0123456 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445890: kvm_nested_vmenter: rip: 0xffffffffa0123456 vmcb: 0x0000000012345000 nested_rip: 0x401000 int_ctl: 0x00000000 event_inj: 0x00000000 nested_npt: on guest_cr3: 0x0000000000123000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.445900: kvm_entry: vcpu 0, rip 0x401000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446000: kvm_exit: vcpu 0 reason npf rip 0x401010 info1 0x0000000200000006 info2 0x0000000000702000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446002: kvm_nested_vmexit: vcpu 0 reason npf rip 0x401010 info1 0x0000000200000006 info2 0x0000000000702000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446010: kvm_entry: vcpu 0, rip 0x401010",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446100: kvm_exit: vcpu 0 reason interrupt rip 0x401020 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446101: kvm_nested_vmexit: vcpu 0 reason interrupt rip 0x401020 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446102: kvm_nested_intr_vmexit: rip: 0x0000000000401020",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446103: kvm_nested_vmexit_inject: reason: interrupt ext_inf1: 0x0000000000000000 ext_inf2: 0x0000000000000000 ext_int: 0x00000000 ext_int_err: 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446110: kvm_entry: vcpu 0, rip 0xffffffff81000100",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446150: kvm_exit: vcpu 0 reason vmrun rip 0xffffffffa0123456 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446155: kvm_nested_vmenter: rip: 0xffffffffa0123456 vmcb: 0x0000000012345000 nested_rip: 0x401020 int_ctl: 0x00000000 event_inj: 0x00000000 nested_npt=y nested_cr3: 0x0000000000123000",
	"     nestlab-1240    (   1234) [001] d..2.  2761.446165: kvm_entry: vcpu 0, rip 0x401020",
};
/* svm[5]'s io exit went to L0's nestlab in userspace: the timeline alone
 * reads this line, put before svm[5] */
static const char *const svm_us =
	"     nestlab-1240    (   1234) [001] .....  2761.445851: kvm_userspace_exit: reason KVM_EXIT_IO (2)";

/* The same shape on Intel (VMX names), x86-tsc at 2 GHz: one tick is
 * 0.5 ns. An EPT_VIOLATION reflected (L1 reads an MSR, then VMRESUME),
 * an EXTERNAL_INTERRUPT and an EPT_VIOLATION L0 handles alone. */
static const char *const vmx[] = {
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000000: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0x401000 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000020: kvm_nested_vmexit: vcpu 0 reason EPT_VIOLATION rip 0x401000 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000040: kvm_nested_vmexit_inject: reason: EPT_VIOLATION ext_inf1: 0x0000000000000181 ext_inf2: 0x0000000000000000 ext_int: 0x00000000 ext_int_err: 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000100: kvm_entry: vcpu 0, rip 0xffffffffa0200000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000300: kvm_exit: vcpu 0 reason MSR_READ rip 0xffffffffa0200010 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000340: kvm_entry: vcpu 0, rip 0xffffffffa0200012",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000500: kvm_exit: vcpu 0 reason VMRESUME rip 0xffffffffa0200020 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000560: kvm_nested_vmenter: rip: 0xffffffffa0200020 vmcs: 0x0000000004a3c000 nested_rip: 0x401000 int_ctl: 0x00000000 event_inj: 0x00000000 nested_ept=y nested_eptp: 0x000000000123405e",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10000600: kvm_entry: vcpu 0, rip 0x401000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10001000: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0x401008 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x800000ec error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10001010: kvm_nested_vmexit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0x401008 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x800000ec error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10001200: kvm_entry: vcpu 0, rip 0x401008",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10002000: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0x401010 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10002010: kvm_nested_vmexit: vcpu 0 reason EPT_VIOLATION rip 0x401010 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"       CPU 0/KVM-2001    (   2000) [003] d..2. 10002100: kvm_entry: vcpu 0, rip 0x401010",
};

static struct ktrace *mk(const char *clock, uint64_t hz)
{
	struct ktrace *t = NULL;
	char err[128] = "";

	assert_int_equal(kt_new(&t, clock, hz, err, sizeof(err)), 0);
	return t;
}

static void feed(struct ktrace *t, const char *line, int want)
{
	int r = kt_feed_line(t, line);

	if (r != want)
		fail_msg("%d, not %d: %s", r, want, line);
}

static void feed_all(struct ktrace *t, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed(t, l[i], 1);
}

/* One line of thread tid of process 1234 at tick ts (x86-tsc). */
static void feedf(struct ktrace *t, int tid, uint64_t ts, const char *ev,
		  const char *fmt, ...)
{
	char line[512], msg[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "     nestlab-%d    (   1234) [001] d..2. %llu: %s: %s",
		     tid, (unsigned long long)ts, ev, msg);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	feed(t, line, 1);
}

static void l0_exit(struct ktrace *t, int tid, uint64_t ts, const char *reason)
{
	feedf(t, tid, ts, "kvm_exit", "vcpu 0 reason %s rip 0x1000 info1 0x0 info2 0x0 "
	      "intr_info 0x0 error_code 0x0", reason);
}

static void entry(struct ktrace *t, int tid, uint64_t ts)
{
	feedf(t, tid, ts, "kvm_entry", "vcpu 0, rip 0x1000");
}

static void l2_exit(struct ktrace *t, int tid, uint64_t ts, const char *reason)
{
	feedf(t, tid, ts, "kvm_nested_vmexit", "vcpu 0 reason %s rip 0x401000 info1 0x0 "
	      "info2 0x0 intr_info 0x0 error_code 0x0", reason);
}

static void inject(struct ktrace *t, int tid, uint64_t ts, const char *reason)
{
	feedf(t, tid, ts, "kvm_nested_vmexit_inject", "reason: %s ext_inf1: 0x0 ext_inf2: "
	      "0x0 ext_int: 0x00000000 ext_int_err: 0x00000000", reason);
}

static void vmenter(struct ktrace *t, int tid, uint64_t ts)
{
	feedf(t, tid, ts, "kvm_nested_vmenter", "rip: 0xffffffffa0123456 vmcb: 0x12345000 "
	      "nested_rip: 0x401000 int_ctl: 0x00000000 event_inj: 0x00000000 nested_npt: on");
}

/* ---- the JSON ---- */

static char *nest_json(const struct ktrace *t, int tgid, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, at = 0;
	const char *why;
	struct json j;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	json_begin(&j, f);
	kt_json_nest(t, &j, NULL, tgid);
	json_finish(&j);
	assert_int_equal(fclose(f), 0);
	why = json_check(buf, n, &at);
	if (why)
		fail_msg("bad JSON at %zu: %s\n%s", at, why, buf);
	if (len)
		*len = n;
	return buf;
}

struct doc {
	char *text;
	struct jr_doc d;
};

static void parse(struct doc *x, char *text, size_t len)
{
	char err[128];

	x->text = text;
	if (jr_parse(text, len, &x->d, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
}

static void unparse(struct doc *x)
{
	jr_free(&x->d);
	free(x->text);
}

static double num(const struct doc *x, int node, const char *path)
{
	int v = jr_path(&x->d, node, path);

	if (jr_type(&x->d, v) != JR_NUMBER)
		fail_msg("%s is not a number in\n%s", path, x->text);
	return x->d.n[v].num;
}

static void want(const struct doc *x, int node, const char *path, double v)
{
	double got = num(x, node, path);

	if (got != v)
		fail_msg("%s: %.9g, not %.9g in\n%s", path, got, v, x->text);
}

/* The entry of by_reason for reason, or fail. */
static int reason_of(const struct doc *x, const char *reason)
{
	int a = jr_get(&x->d, 0, "by_reason");

	assert_int_equal(jr_type(&x->d, a), JR_ARRAY);
	for (int e = x->d.n[a].child; e >= 0; e = x->d.n[e].next)
		if (jr_streq(&x->d, jr_get(&x->d, e, "reason"), reason))
			return e;
	fail_msg("no %s in by_reason of\n%s", reason, x->text);
	return -1;
}

/* The members of object node in order, "a=1,b=2". */
static void members(const struct doc *x, int node, char *out, size_t n)
{
	size_t k = 0;

	out[0] = 0;
	assert_int_equal(jr_type(&x->d, node), JR_OBJECT);
	for (int m = x->d.n[node].child; m >= 0; m = x->d.n[m].next)
		k += (size_t)snprintf(out + k, n - k, "%s%.*s=%.0f", k ? "," : "",
				      (int)x->d.n[m].key_len, x->text + x->d.n[m].key_off,
				      x->d.n[m].num);
	assert_true(k < n);
}

static void want_members(const struct doc *x, int node, const char *path, const char *w)
{
	char got[512];

	members(x, jr_path(&x->d, node, path), got, sizeof(got));
	if (strcmp(got, w))
		fail_msg("%s: %s, not %s", path, got, w);
}

/* The attribution of tgid, checked to be valid JSON and to keep the
 * invariant: no more L0 exits inside intervals than L0 exits. */
static void nest_doc(const struct ktrace *t, int tgid, struct doc *x)
{
	size_t len;
	char *s = nest_json(t, tgid, &len);

	parse(x, s, len);
	want(x, 0, "tgid", tgid);
	if (num(x, 0, "l0_exits_in_intervals") > num(x, 0, "l0_exits_total"))
		fail_msg("more L0 exits in intervals than L0 exits:\n%s", s);
	if (num(x, 0, "intervals_closed") + num(x, 0, "intervals_unclosed") +
	    num(x, 0, "intervals_dropped_lost") != num(x, 0, "l2_exits_reflected"))
		fail_msg("intervals do not add up to the reflected exits:\n%s", s);
}

static void want_dist(const struct doc *x, int e, const char *key, double mean,
		      double p50, double p99, double max)
{
	char p[64];

	snprintf(p, sizeof(p), "%s.mean", key);
	want(x, e, p, mean);
	snprintf(p, sizeof(p), "%s.p50", key);
	want(x, e, p, p50);
	snprintf(p, sizeof(p), "%s.p99", key);
	want(x, e, p, p99);
	snprintf(p, sizeof(p), "%s.max", key);
	want(x, e, p, max);
}

/* ---- attribution ---- */

static void test_svm(void **state)
{
	struct ktrace *t = mk("global", 0);
	struct kt_nest_stat s;
	struct doc x;
	int e;

	(void)state;
	feed_all(t, svm, N(svm));
	nest_doc(t, 1234, &x);
	assert_true(jr_streq(&x.d, jr_get(&x.d, 0, "clock"), "global"));
	want(&x, 0, "lost_events", 0);
	want(&x, 0, "l2_exits_reflected", 2);
	want(&x, 0, "intervals_closed", 2);
	want(&x, 0, "intervals_closed_at_trace_end", 0);
	want(&x, 0, "intervals_unclosed", 0);
	want(&x, 0, "intervals_dropped_lost", 0);
	want(&x, 0, "l0_exits_total", 7);
	want(&x, 0, "l0_exits_in_intervals", 4);
	want(&x, 0, "sample_cap", 1 << 20);
	want_members(&x, 0, "handled_by_l0_alone", "npf=1");
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "by_reason")].count, 2);
	/* npf: inject 833 -> kvm_entry 900 = 67 us; L0: 833->840 (the
	 * reflection), io 3, vmload 2, vmrun 880->900: 32 us */
	e = reason_of(&x, "npf");
	want(&x, e, "count", 1);
	want(&x, e, "samples", 1);
	assert_true(jr_streq(&x.d, jr_get(&x.d, e, "percentiles"), "exact"));
	want_dist(&x, e, "l0_exits", 3, 3, 3, 3);
	want_dist(&x, e, "l0_ns", 32000, 32000, 32000, 32000);
	want_dist(&x, e, "l1_ns", 35000, 35000, 35000, 35000);
	want_members(&x, e, "l0_exit_reasons", "io=1,vmload=1,vmrun=1");
	/* interrupt: 103 -> 165 = 62 us, L0 7 + vmrun 15 */
	e = reason_of(&x, "interrupt");
	want_dist(&x, e, "l0_exits", 1, 1, 1, 1);
	want_dist(&x, e, "l0_ns", 22000, 22000, 22000, 22000);
	want_dist(&x, e, "l1_ns", 40000, 40000, 40000, 40000);
	want_members(&x, e, "l0_exit_reasons", "vmrun=1");
	unparse(&x);

	assert_int_equal(kt_nest_get(t, 1234, "npf", &s), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.l1_ns.p99, 35000);
	assert_int_equal(kt_nest_get(t, 1234, "io", &s), -ENOENT);
	assert_int_equal(kt_nest_get(t, 99, "npf", &s), -ENOENT);
	assert_int_equal(kt_nest_get(t, 1234, NULL, &s), -EINVAL);
	/* the existing tables are as before */
	{
		struct kt_stat k;

		assert_int_equal(kt_get(t, 1234, KT_EXIT, "vmrun", &k), 0);
		assert_int_equal(k.count, 2);
		assert_int_equal(k.total_ns, 20000 + 15000);
	}
	kt_free(t);
}

static void test_vmx(void **state)
{
	struct ktrace *t = mk("x86-tsc", 2000000000u);
	struct doc x;
	int e;

	(void)state;
	feed_all(t, vmx, N(vmx));
	nest_doc(t, 2000, &x);
	want(&x, 0, "l2_exits_reflected", 1);
	want(&x, 0, "intervals_closed", 1);
	want(&x, 0, "l0_exits_total", 5);
	want(&x, 0, "l0_exits_in_intervals", 2);
	want_members(&x, 0, "handled_by_l0_alone", "EPT_VIOLATION=1,EXTERNAL_INTERRUPT=1");
	/* 40 -> 600: 560 ticks, 280 ns; L0: 60 + 40 + 100 ticks, 100 ns */
	e = reason_of(&x, "EPT_VIOLATION");
	want_dist(&x, e, "l0_exits", 2, 2, 2, 2);
	want_dist(&x, e, "l0_ns", 100, 100, 100, 100);
	want_dist(&x, e, "l1_ns", 180, 180, 180, 180);
	want_members(&x, e, "l0_exit_reasons", "MSR_READ=1,VMRESUME=1");
	unparse(&x);
	/* nothing for a process that did nothing */
	nest_doc(t, 4321, &x);
	want(&x, 0, "l0_exits_total", 0);
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "by_reason")].count, 0);
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "handled_by_l0_alone")].count, 0);
	unparse(&x);
	kt_free(t);
}

/* The trace ends while L1 handles an L2 exit: not attributed. */
static void test_ends_open(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct doc x;

	(void)state;
	l0_exit(t, 1240, 100, "npf");
	l2_exit(t, 1240, 101, "npf");
	inject(t, 1240, 102, "npf");
	entry(t, 1240, 110);
	l0_exit(t, 1240, 200, "msr");
	entry(t, 1240, 210);
	nest_doc(t, 1234, &x);
	want(&x, 0, "l2_exits_reflected", 1);
	want(&x, 0, "intervals_closed", 0);
	want(&x, 0, "intervals_unclosed", 1);
	want(&x, 0, "l0_exits_in_intervals", 0);
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "by_reason")].count, 0);
	unparse(&x);
	kt_free(t);
}

/* The trace ends between kvm_nested_vmenter and its kvm_entry: closed
 * with what there is; feeding on replaces that with the real close. */
static void test_ends_closing(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct kt_nest_stat s;
	struct doc x;

	(void)state;
	l0_exit(t, 1240, 100, "npf");
	l2_exit(t, 1240, 101, "npf");
	inject(t, 1240, 102, "npf");
	entry(t, 1240, 110);
	l0_exit(t, 1240, 200, "vmrun");
	vmenter(t, 1240, 230);
	nest_doc(t, 1234, &x);
	want(&x, 0, "intervals_closed", 1);
	want(&x, 0, "intervals_closed_at_trace_end", 1);
	want(&x, 0, "l0_exits_in_intervals", 1);
	/* 102 -> 230; L0 8 + 30 (vmrun to the last event) */
	want_dist(&x, reason_of(&x, "npf"), "l0_ns", 38, 38, 38, 38);
	want_dist(&x, reason_of(&x, "npf"), "l1_ns", 90, 90, 90, 90);
	want_members(&x, reason_of(&x, "npf"), "l0_exit_reasons", "vmrun=1");
	unparse(&x);
	entry(t, 1240, 260);
	assert_int_equal(kt_nest_get(t, 1234, "npf", &s), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.l0_ns.max, 68);
	assert_int_equal(s.l1_ns.max, 90);
	nest_doc(t, 1234, &x);
	want(&x, 0, "intervals_closed_at_trace_end", 0);
	unparse(&x);
	kt_free(t);
}

/* A new inject before the open interval's vmenter: the first is counted
 * as unclosed and not attributed; the second stands on its own. */
static void test_inject_before_vmenter(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct kt_nest_stat s;
	struct doc x;

	(void)state;
	l0_exit(t, 1240, 100, "npf");
	l2_exit(t, 1240, 101, "npf");
	inject(t, 1240, 102, "npf");
	entry(t, 1240, 110);
	l0_exit(t, 1240, 200, "msr");
	inject(t, 1240, 202, "io");
	entry(t, 1240, 210);
	l0_exit(t, 1240, 300, "vmrun");
	vmenter(t, 1240, 301);
	entry(t, 1240, 310);
	nest_doc(t, 1234, &x);
	want(&x, 0, "l2_exits_reflected", 2);
	want(&x, 0, "intervals_closed", 1);
	want(&x, 0, "intervals_unclosed", 1);
	want(&x, 0, "l0_exits_in_intervals", 1);
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "by_reason")].count, 1);
	unparse(&x);
	assert_int_equal(kt_nest_get(t, 1234, "npf", &s), -ENOENT);
	assert_int_equal(kt_nest_get(t, 1234, "io", &s), 0);
	assert_int_equal(s.n_l0_exits.max, 1);
	assert_int_equal(s.l0_ns.max, 8 + 10);
	assert_int_equal(s.l1_ns.max, 108 - 18);
	kt_free(t);
}

/* Line k of lines[], of thread tid of process 1234 at tick ts. */
static void put_line(char (*lines)[256], size_t *k, int tid, uint64_t ts, const char *ev,
		     const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(lines[*k], 256, "     nestlab-%d    (   1234) [00%d] d..2. %llu: %s: %s",
		     tid, tid & 3, (unsigned long long)ts, ev, msg);
	assert_true(n > 0 && n < 256);
	++*k;
}

/* One vCPU thread's lines: n reflected L2 exits, the k-th with k L1
 * exits, and an L2 exit L0 handles alone between them; t0 shifts it. */
static void vcpu_lines(char lines[][256], size_t *n, int tid, uint64_t t0)
{
	uint64_t ts = t0;
	size_t k = 0;

#define LINE(ev, ...) put_line(lines, &k, tid, ts, ev, __VA_ARGS__)
	for (int i = 1; i <= 3; i++) {
		const char *r = i == 2 ? "io" : "npf";

		LINE("kvm_exit", "vcpu 0 reason %s rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0", r);
		ts += 3;
		LINE("kvm_nested_vmexit", "vcpu 0 reason %s rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0", r);
		ts += 3;
		LINE("kvm_nested_vmexit_inject", "reason: %s ext_inf1: 0x0 ext_inf2: 0x0 ext_int: 0x0 ext_int_err: 0x0", r);
		ts += 10 * (uint64_t)i;
		LINE("kvm_entry", "vcpu 0, rip 0x2");
		for (int m = 0; m < i; m++) {
			ts += 100;
			LINE("kvm_exit", "vcpu 0 reason %s rip 0x2 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0",
			     m ? "msr" : "cpuid");
			ts += 7;
			LINE("kvm_entry", "vcpu 0, rip 0x2");
		}
		ts += 50;
		LINE("kvm_exit", "vcpu 0 reason vmrun rip 0x3 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0");
		ts += 2;
		LINE("kvm_nested_vmenter", "rip: 0x3 vmcb: 0x0 nested_rip: 0x1 int_ctl: 0x0 event_inj: 0x0 nested_npt: on");
		ts += 9;
		LINE("kvm_entry", "vcpu 0, rip 0x1");
		ts += 1000;
		LINE("kvm_exit", "vcpu 0 reason npf rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0");
		ts += 1;
		LINE("kvm_nested_vmexit", "vcpu 0 reason npf rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0");
		ts += 20;
		LINE("kvm_entry", "vcpu 0, rip 0x1");
		ts += 500;
	}
#undef LINE
	*n = k;
}

/* Two vCPU threads of one process, their lines interleaved one by one,
 * give what they give fed one thread after the other. */
static void test_interleaved(void **state)
{
	static char a[64][256], b[64][256];
	struct ktrace *t1 = mk("x86-tsc", 1000000000u), *t2 = mk("x86-tsc", 1000000000u);
	size_t na, nb, i;
	char *j1, *j2;
	struct doc x;

	(void)state;
	vcpu_lines(a, &na, 1240, 1000);
	vcpu_lines(b, &nb, 1241, 1005);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		feed(t1, a[i], 1);
		feed(t1, b[i], 1);
	}
	for (i = 0; i < na; i++)
		feed(t2, a[i], 1);
	for (i = 0; i < nb; i++)
		feed(t2, b[i], 1);
	j1 = nest_json(t1, 1234, NULL);
	j2 = nest_json(t2, 1234, NULL);
	assert_string_equal(j1, j2);
	free(j2);
	parse(&x, j1, strlen(j1));
	want(&x, 0, "l2_exits_reflected", 6);
	want(&x, 0, "intervals_closed", 6);
	want(&x, 0, "l0_exits_in_intervals", 2 * (2 + 3 + 4));
	want(&x, 0, "l0_exits_total", 2 * (3 + 6 + 3 + 3));
	want_members(&x, 0, "handled_by_l0_alone", "npf=6");
	want(&x, reason_of(&x, "npf"), "count", 4);
	want(&x, reason_of(&x, "io"), "count", 2);
	want_members(&x, reason_of(&x, "npf"), "l0_exit_reasons", "cpuid=4,msr=4,vmrun=4");
	/* npf: i = 1 and 3: 2 and 4 L0 exits; L0 10i + 7i + 11 ns */
	want_dist(&x, reason_of(&x, "npf"), "l0_exits", 3, 2, 4, 4);
	want_dist(&x, reason_of(&x, "npf"), "l0_ns", (28 + 62) / 2.0, 28, 62, 62);
	want_dist(&x, reason_of(&x, "io"), "l1_ns", 250, 250, 250, 250);
	unparse(&x);
	kt_free(t1);
	kt_free(t2);
}

/* Events lost in the middle of an interval: dropped, never attributed
 * across the gap; the next interval counts from its own inject. */
static void test_lost(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct kt_nest_stat s;
	struct doc x;

	(void)state;
	l0_exit(t, 1240, 100, "npf");
	l2_exit(t, 1240, 101, "npf");
	inject(t, 1240, 102, "npf");
	entry(t, 1240, 110);
	l0_exit(t, 1240, 200, "msr");
	feed(t, "CPU:1 [LOST 12 EVENTS]", 0);
	entry(t, 1240, 900);
	l0_exit(t, 1240, 1000, "msr");
	entry(t, 1240, 1010);
	l0_exit(t, 1240, 1100, "vmrun");
	vmenter(t, 1240, 1101);
	entry(t, 1240, 1110);
	/* and an L2 exit whose kvm_entry is among the lost */
	l0_exit(t, 1240, 2000, "npf");
	l2_exit(t, 1240, 2001, "npf");
	feed(t, "CPU:1 [LOST 3 EVENTS]", 0);
	entry(t, 1240, 2100);
	nest_doc(t, 1234, &x);
	want(&x, 0, "lost_events", 15);
	want(&x, 0, "l2_exits_reflected", 1);
	want(&x, 0, "intervals_dropped_lost", 1);
	want(&x, 0, "intervals_closed", 0);
	want(&x, 0, "l0_exits_in_intervals", 0);
	assert_int_equal(x.d.n[jr_get(&x.d, 0, "handled_by_l0_alone")].count, 0);
	unparse(&x);

	l0_exit(t, 1240, 3000, "interrupt");
	l2_exit(t, 1240, 3001, "interrupt");
	inject(t, 1240, 3002, "interrupt");
	entry(t, 1240, 3010);
	l0_exit(t, 1240, 3100, "vmrun");
	vmenter(t, 1240, 3101);
	entry(t, 1240, 3120);
	assert_int_equal(kt_nest_get(t, 1234, "interrupt", &s), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.n_l0_exits.max, 1);
	assert_int_equal(s.l0_ns.max, 8 + 20);
	nest_doc(t, 1234, &x);
	want(&x, 0, "intervals_dropped_lost", 1);
	want(&x, 0, "l0_exits_in_intervals", 1);
	unparse(&x);
	kt_free(t);
}

/* L2 exits L0 handles alone, by reason; an inject makes one reflected;
 * a tid that moves to another process starts afresh. */
static void test_alone_and_reuse(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct doc x;

	(void)state;
	for (int i = 0; i < 5; i++) {
		l0_exit(t, 1240, 100 + 10 * (uint64_t)i, i < 3 ? "npf" : "interrupt");
		l2_exit(t, 1240, 101 + 10 * (uint64_t)i, i < 3 ? "npf" : "interrupt");
		entry(t, 1240, 105 + 10 * (uint64_t)i);
	}
	l0_exit(t, 1240, 200, "npf");
	l2_exit(t, 1240, 201, "npf");
	inject(t, 1240, 202, "npf");
	entry(t, 1240, 210);
	/* tid 1240 now belongs to process 77: 1234's interval never closes */
	feed(t, "     other-1240    (     77) [001] d..2. 300: kvm_exit: vcpu 0 reason vmrun rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0", 1);
	feed(t, "     other-1240    (     77) [001] d..2. 301: kvm_nested_vmenter: rip: 0x3 vmcb: 0x0 nested_rip: 0x1 int_ctl: 0x0 event_inj: 0x0 nested_npt: on", 1);
	feed(t, "     other-1240    (     77) [001] d..2. 310: kvm_entry: vcpu 0, rip 0x1", 1);
	nest_doc(t, 1234, &x);
	want_members(&x, 0, "handled_by_l0_alone", "npf=3,interrupt=2");
	want(&x, 0, "intervals_unclosed", 1);
	want(&x, 0, "intervals_closed", 0);
	unparse(&x);
	nest_doc(t, 77, &x);
	want(&x, 0, "l2_exits_reflected", 0);
	want(&x, 0, "intervals_closed", 0);
	want(&x, 0, "l0_exits_in_intervals", 0);
	unparse(&x);
	kt_free(t);
}

/* Interval k (1..100) has k L0 exits of 10 ns, k L1 runs of 100 ns and
 * 5 ns of reflection: L0 5 + 10k, L1 100k. Fed in a shuffled order. */
static void feed_known(struct ktrace *t)
{
	uint64_t ts = 1000;

	for (int i = 0; i < 100; i++) {
		int k = (i * 37) % 100 + 1;

		l0_exit(t, 1240, ts, "npf");
		l2_exit(t, 1240, ts + 1, "npf");
		inject(t, 1240, ts += 2, "npf");
		entry(t, 1240, ts += 5);
		for (int m = 0; m < k; m++) {
			ts += 100;
			if (m == k - 1) {
				l0_exit(t, 1240, ts, "vmrun");
				vmenter(t, 1240, ts + 5);
			} else {
				l0_exit(t, 1240, ts, "msr");
			}
			entry(t, 1240, ts += 10);
		}
		ts += 1000;
	}
}

static void test_percentiles(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct doc x;
	int e;

	(void)state;
	feed_known(t);
	nest_doc(t, 1234, &x);
	e = reason_of(&x, "npf");
	want(&x, e, "count", 100);
	want(&x, e, "samples", 100);
	assert_true(jr_streq(&x.d, jr_get(&x.d, e, "percentiles"), "exact"));
	/* nearest rank: p50 is the 50th of 100, p99 the 99th */
	want_dist(&x, e, "l0_exits", 50.5, 50, 99, 100);
	want_dist(&x, e, "l0_ns", 510, 505, 995, 1005);
	want_dist(&x, e, "l1_ns", 5050, 5000, 9900, 10000);
	want_members(&x, e, "l0_exit_reasons", "msr=4950,vmrun=100");
	want(&x, 0, "l0_exits_in_intervals", 5050);
	want(&x, 0, "l0_exits_total", 5150);
	unparse(&x);
	kt_free(t);
}

/* Beyond the sample cap: counts, means and maxima stay exact, the
 * percentiles come from a reservoir of cap intervals, and say so. */
static void test_reservoir(void **state)
{
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	struct kt_nest_stat s;
	struct doc x;
	int e;

	(void)state;
	t->nest_cap = 16;
	feed_known(t);
	nest_doc(t, 1234, &x);
	want(&x, 0, "sample_cap", 16);
	e = reason_of(&x, "npf");
	want(&x, e, "count", 100);
	want(&x, e, "samples", 16);
	assert_true(jr_streq(&x.d, jr_get(&x.d, e, "percentiles"), "reservoir"));
	want(&x, e, "l0_exits.mean", 50.5);
	want(&x, e, "l0_exits.max", 100);
	want(&x, e, "l1_ns.max", 10000);
	unparse(&x);
	assert_int_equal(kt_nest_get(t, 1234, "npf", &s), 0);
	assert_true(s.n_l0_exits.p50 >= 1 && s.n_l0_exits.p50 <= s.n_l0_exits.p99);
	assert_true(s.n_l0_exits.p99 <= 100);
	/* every kept sample is a real interval: L0 = 5 + 10 n, L1 = 100 n */
	assert_int_equal(s.l1_ns.p50 % 100, 0);
	assert_int_equal(s.l0_ns.p50 % 10, 5);
	kt_free(t);
}

/* ---- the timeline ---- */

struct track {
	int pid, tid;
	double ts, end;
	int n;
};

/* The timeline of t, closed: valid JSON, every X event's track in time
 * order without overlap (a nested slice inside its parent), otherData's
 * count equal to the events there. Returns the number of events. */
static int timeline_doc(struct ktrace *t, char *buf, size_t len, struct doc *x)
{
	struct track tr[16];
	int ntr = 0, ev, count = 0, e;

	(void)t;
	parse(x, buf, len);
	assert_true(jr_streq(&x->d, jr_get(&x->d, 0, "displayTimeUnit"), "ns"));
	ev = jr_get(&x->d, 0, "traceEvents");
	assert_int_equal(jr_type(&x->d, ev), JR_ARRAY);
	for (e = x->d.n[ev].child; e >= 0; e = x->d.n[e].next, count++) {
		int pid = (int)num(x, e, "pid"), tid = (int)num(x, e, "tid"), k;
		double ts, dur;

		if (jr_streq(&x->d, jr_get(&x->d, e, "ph"), "M"))
			continue;
		assert_true(jr_streq(&x->d, jr_get(&x->d, e, "ph"), "X"));
		assert_true(pid >= 1 && pid <= 4);
		ts = num(x, e, "ts");
		dur = num(x, e, "dur");
		assert_true(dur >= 0);
		for (k = 0; k < ntr; k++)
			if (tr[k].pid == pid && tr[k].tid == tid)
				break;
		if (k == ntr) {
			assert_true(ntr < 16);
			tr[ntr++] = (struct track){ pid, tid, ts, ts + dur, 1 };
			continue;
		}
		if (ts < tr[k].ts)
			fail_msg("track %d/%d: ts %.3f before %.3f", pid, tid, ts, tr[k].ts);
		/* after the last one, or inside it */
		if (ts < tr[k].end && ts + dur > tr[k].end + 1e-9)
			fail_msg("track %d/%d: %.3f+%.3f overlaps up to %.3f", pid, tid,
				 ts, dur, tr[k].end);
		tr[k].ts = ts;
		if (ts + dur > tr[k].end)
			tr[k].end = ts + dur;
		tr[k].n++;
	}
	want(x, 0, "otherData.events_written", count);
	return count;
}

/* The X events of pid named name (NULL: all), and the first one's node. */
static int slices(const struct doc *x, int pid, const char *name, int *first)
{
	int ev = jr_get(&x->d, 0, "traceEvents"), n = 0;

	if (first)
		*first = -1;
	for (int e = x->d.n[ev].child; e >= 0; e = x->d.n[e].next) {
		if (!jr_streq(&x->d, jr_get(&x->d, e, "ph"), "X") ||
		    (int)num(x, e, "pid") != pid ||
		    (name && !jr_streq(&x->d, jr_get(&x->d, e, "name"), name)))
			continue;
		if (first && *first < 0)
			*first = e;
		n++;
	}
	return n;
}

static void feed_svm_us(struct ktrace *t)
{
	for (size_t i = 0; i < N(svm); i++) {
		if (i == 5)
			feed(t, svm_us, 0);
		feed(t, svm[i], 1);
	}
}

static void test_timeline(void **state)
{
	struct ktrace *t = mk("global", 0), *plain = mk("global", 0);
	char *buf = NULL, *a, *b;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct doc x;
	int e, n;

	(void)state;
	assert_non_null(f);
	assert_int_equal(kt_timeline_open(t, NULL, 0, -1), -EINVAL);
	assert_int_equal(kt_timeline_close(t), -EINVAL);
	assert_int_equal(kt_timeline_open(t, f, 0, 1234), 0);
	assert_int_equal(kt_timeline_open(t, f, 0, 1234), -EBUSY);
	feed_svm_us(t);
	/* another process: not on this timeline */
	feed(t, "     qemu-4001    (   4000) [002] d..2.  2761.445900: kvm_exit: vcpu 0 reason hlt rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0", 1);
	feed(t, "     qemu-4001    (   4000) [002] d..2.  2761.446900: kvm_entry: vcpu 0, rip 0x1", 1);
	assert_int_equal(kt_timeline_close(t), 0);
	assert_int_equal(fclose(f), 0);

	n = timeline_doc(t, buf, len, &x);
	/* 8 process, 4 thread metadata; 7 exits, 1 userspace, 4 L1 runs,
	 * 2 L2 runs, 2 intervals; the last L2 run has no end */
	assert_int_equal(n, 8 + 4 + 8 + 4 + 2 + 2);
	want(&x, 0, "otherData.events_dropped", 0);
	want(&x, 0, "otherData.max_events", 0);
	want(&x, 0, "otherData.slices_unended", 1);
	want(&x, 0, "otherData.tgid", 1234);
	want(&x, 0, "otherData.first_ts_ns", 2761445823000.0);
	assert_true(jr_streq(&x.d, jr_path(&x.d, 0, "otherData.clock"), "global"));
	assert_int_equal(slices(&x, 1, NULL, NULL), 8);
	assert_int_equal(slices(&x, 2, "L1 running", NULL), 4);
	assert_int_equal(slices(&x, 3, "L2 running", NULL), 2);
	assert_int_equal(slices(&x, 4, NULL, NULL), 2);
	/* the L2 npf L0 handled alone, on the L0 track, as L2's exit */
	assert_int_equal(slices(&x, 1, "npf", &e), 2);
	want(&x, e, "tid", 1240);
	want(&x, e, "ts", 0);
	want(&x, e, "dur", 17);
	assert_true(jr_streq(&x.d, jr_path(&x.d, e, "args.level"), "L2"));
	assert_int_equal(slices(&x, 1, "vmrun", &e), 2);
	assert_true(jr_streq(&x.d, jr_path(&x.d, e, "args.level"), "L1"));
	/* the io exit (850 -> 853) and its userspace part (851 -> 853) */
	assert_int_equal(slices(&x, 1, "io", &e), 1);
	want(&x, e, "ts", 27);
	want(&x, e, "dur", 3);
	assert_int_equal(slices(&x, 1, "userspace: KVM_EXIT_IO", &e), 1);
	want(&x, e, "ts", 28);
	want(&x, e, "dur", 2);
	assert_true(jr_streq(&x.d, jr_path(&x.d, e, "args.reason"), "KVM_EXIT_IO (2)"));
	/* the interval: inject 833 -> entry 900 */
	assert_int_equal(slices(&x, 4, "L2 exit: npf", &e), 1);
	want(&x, e, "ts", 10);
	want(&x, e, "dur", 67);
	want(&x, e, "args.n_l0_exits", 3);
	want(&x, e, "args.l0_ns", 32000);
	/* L2 runs: 900 -> 1000 and 1010 -> 1100 */
	assert_int_equal(slices(&x, 3, "L2 running", &e), 2);
	want(&x, e, "ts", 77);
	want(&x, e, "dur", 100);
	unparse(&x);

	/* the userspace line leaves the tables as they were */
	feed_all(plain, svm, N(svm));
	a = nest_json(plain, 1234, NULL);
	b = nest_json(t, 1234, NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	{
		struct kt_stat s1, s2;

		assert_int_equal(kt_get(plain, 1234, KT_EXIT, NULL, &s1), 0);
		assert_int_equal(kt_get(t, 1234, KT_EXIT, NULL, &s2), 0);
		assert_memory_equal(&s1, &s2, sizeof(s1));
	}
	/* without a timeline it is skipped, and makes no process */
	feed(plain, "     other-5001    (   5000) [001] .....  2761.446200: kvm_userspace_exit: reason KVM_EXIT_IO (2)", 0);
	assert_int_equal(kt_get(plain, 5000, KT_EXIT, NULL, &(struct kt_stat){ 0 }), -ENOENT);
	kt_free(plain);
	kt_free(t);
}

/* At most max_events; the rest counted; valid JSON all the same. */
static void test_timeline_bound(void **state)
{
	struct ktrace *t = mk("global", 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct doc x;

	(void)state;
	assert_non_null(f);
	assert_int_equal(kt_timeline_open(t, f, 10, -1), 0);
	feed_svm_us(t);
	assert_int_equal(kt_timeline_close(t), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(timeline_doc(t, buf, len, &x), 10);
	want(&x, 0, "otherData.events_written", 10);
	want(&x, 0, "otherData.events_dropped", 28 - 10);
	want(&x, 0, "otherData.max_events", 10);
	unparse(&x);
	kt_free(t);
}

/* Two vCPUs interleaved, lost events, a trace cut while closing: every
 * track still in order, the cut interval written, the lost slices
 * counted. */
static void test_timeline_threads(void **state)
{
	static char a[64][256], b[64][256];
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	char *buf = NULL;
	size_t len = 0, na, nb;
	FILE *f = open_memstream(&buf, &len);
	struct doc x;

	(void)state;
	assert_non_null(f);
	vcpu_lines(a, &na, 1240, 1000);
	vcpu_lines(b, &nb, 1241, 1005);
	assert_int_equal(kt_timeline_open(t, f, 0, -1), 0);
	for (size_t i = 0; i < na; i++) {
		feed(t, a[i], 1);
		feed(t, b[i], 1);
		if (i == na / 2)
			feed(t, "CPU:0 [LOST 12 EVENTS]", 0);
	}
	inject(t, 1240, 100000, "npf");
	entry(t, 1240, 100010);
	l0_exit(t, 1240, 100100, "vmrun");
	vmenter(t, 1240, 100101);
	assert_int_equal(kt_timeline_close(t), 0);
	assert_int_equal(fclose(f), 0);
	timeline_doc(t, buf, len, &x);
	assert_true(num(&x, 0, "otherData.slices_lost") >= 1);
	want(&x, 0, "otherData.events_dropped", 0);
	/* 6 intervals less the two the loss cut, and the one cut by the end */
	assert_int_equal(slices(&x, 4, NULL, NULL), 6 - 2 + 1);
	unparse(&x);
	kt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm),
		cmocka_unit_test(test_vmx),
		cmocka_unit_test(test_ends_open),
		cmocka_unit_test(test_ends_closing),
		cmocka_unit_test(test_inject_before_vmenter),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_alone_and_reuse),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_reservoir),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_timeline_bound),
		cmocka_unit_test(test_timeline_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
