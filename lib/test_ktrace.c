// SPDX-License-Identifier: MIT
/* Unit tests of lib/ktrace_parse.c's parser and lib/ktrace_json.c's JSON
 * (no tracefs needed; l1-shim/test_tracefs.c has tracefs.c's part):
 * real trace_pipe lines of Linux 6.1 (captured in the testbed), both trace
 * clocks, SVM and VMX reason names, exits without entries, interleaved
 * threads of two processes, the nested events in each format, lost-event
 * notes and garbage. */
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
#include "ktrace.h"

/* kvmcheck at L0 in the testbed (Debian 6.1.0, SVM, trace_clock x86-tsc) */
static const char *const svm_tsc[] = {
	"        kvmcheck-88      (     88) [001] d..1.   9924795285: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .N...   9940920171: kvm_exit: vcpu 0 reason interrupt rip 0x8000 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9942433957: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .....   9942552915: kvm_exit: vcpu 0 reason npf rip 0x8000 info1 0x0000000200000006 info2 0x0000000000001000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9949376053: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .....   9949500839: kvm_exit: vcpu 0 reason npf rip 0x8000 info1 0x0000000200000006 info2 0x0000000000002000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9949629343: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .....   9949705381: kvm_exit: vcpu 0 reason npf rip 0x8000 info1 0x0000000200000006 info2 0x0000000000003000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9949751289: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .....   9949818037: kvm_exit: vcpu 0 reason npf rip 0x8000 info1 0x0000000100000014 info2 0x0000000000008000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9949879339: kvm_entry: vcpu 0, rip 0x8000",
	"        kvmcheck-88      (     88) [001] .....   9950113395: kvm_exit: vcpu 0 reason io rip 0x8002 info1 0x0000000000100010 info2 0x0000000000008004 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9962672339: kvm_entry: vcpu 0, rip 0x8004",
	"        kvmcheck-88      (     88) [001] .....   9962834395: kvm_exit: vcpu 0 reason io rip 0x8006 info1 0x0000000000100010 info2 0x0000000000008008 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9971195795: kvm_entry: vcpu 0, rip 0x8008",
	"        kvmcheck-88      (     88) [001] .....   9971345707: kvm_exit: vcpu 0 reason npf rip 0x8008 info1 0x0000000100000006 info2 0x0000000000009000 intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9975115703: kvm_entry: vcpu 0, rip 0x8008",
	"        kvmcheck-88      (     88) [001] .....   9975222453: kvm_exit: vcpu 0 reason io rip 0x8018 info1 0x0000000000110040 info2 0x000000000000801a intr_info 0x00000000 error_code 0x00000000",
	"        kvmcheck-88      (     88) [001] d..1.   9975748819: kvm_entry: vcpu 0, rip 0x801a",
	"        kvmcheck-88      (     88) [001] .....   9975841323: kvm_exit: vcpu 0 reason hlt rip 0x801a info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct ktrace *mk(const char *clock, uint64_t hz)
{
	struct ktrace *t = NULL;
	char err[128] = "";

	assert_int_equal(kt_new(&t, clock, hz, err, sizeof(err)), 0);
	assert_non_null(t);
	return t;
}

static void feed_all(struct ktrace *t, const char *const *l, size_t n, int want)
{
	for (size_t i = 0; i < n; i++) {
		int r = kt_feed_line(t, l[i]);

		if (r != want)
			fail_msg("line %zu: %d, not %d: %s", i, r, want, l[i]);
	}
}

static void check(const struct ktrace *t, int tgid, enum kt_event e, const char *reason,
		  uint64_t count, uint64_t untimed, uint64_t total, uint64_t max)
{
	struct kt_stat s;

	if (kt_get(t, tgid, e, reason, &s))
		fail_msg("no %d/%s/%s", tgid, kt_event_name(e), reason ? reason : "*");
	if (s.count != count || s.untimed != untimed || s.total_ns != total || s.max_ns != max)
		fail_msg("%d/%s/%s: count %llu untimed %llu total %llu max %llu, want "
			 "%llu %llu %llu %llu", tgid, kt_event_name(e), reason ? reason : "*",
			 (unsigned long long)s.count, (unsigned long long)s.untimed,
			 (unsigned long long)s.total_ns, (unsigned long long)s.max_ns,
			 (unsigned long long)count, (unsigned long long)untimed,
			 (unsigned long long)total, (unsigned long long)max);
}

/* The JSON of kt_json_all (all) or kt_json_tgid, checked to be one JSON
 * value, then without the writer's newlines and indentation. */
static char *json_of(const struct ktrace *t, int tgid, bool all)
{
	char *buf = NULL, *c;
	size_t len = 0, at = 0, k = 0;
	const char *why;
	struct json j;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_begin(&j, f);
	if (all) {
		kt_json_all(t, &j, NULL);
	} else {
		json_obj(&j, NULL);
		kt_json_tgid(t, &j, "exit_trace", tgid);
		json_end_obj(&j);
	}
	json_finish(&j);
	assert_int_equal(fclose(f), 0);
	why = json_check(buf, len, &at);
	if (why)
		fail_msg("bad JSON at %zu: %s\n%s", at, why, buf);
	c = malloc(len + 1);
	assert_non_null(c);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			while (i + 1 < len && buf[i + 1] == ' ')
				i++;
			continue;
		}
		c[k++] = buf[i];
	}
	c[k] = 0;
	free(buf);
	return c;
}

static void has(const char *json, const char *s)
{
	if (!strstr(json, s))
		fail_msg("missing %s in\n%s", s, json);
}

static void before(const char *json, const char *a, const char *b)
{
	const char *x = strstr(json, a), *y = strstr(json, b);

	if (!x || !y || x > y)
		fail_msg("%s not before %s in\n%s", a, b, json);
}

/* Real SVM lines, x86-tsc at 2 GHz: one tick is 0.5 ns. The expected
 * values were computed from the same lines with an independent script. */
static void test_svm_tsc(void **state)
{
	struct ktrace *t = mk("x86-tsc", 2000000000u);
	char *js;

	(void)state;
	feed_all(t, svm_tsc, N(svm_tsc), 1);
	check(t, 88, KT_EXIT, "npf", 5, 0, 5414424, 3411569);
	check(t, 88, KT_EXIT, "io", 3, 0, 10723355, 6279472);
	check(t, 88, KT_EXIT, "interrupt", 1, 0, 756893, 756893);
	/* the last exit has no kvm_entry after it: counted, not timed */
	check(t, 88, KT_EXIT, "hlt", 1, 1, 0, 0);
	check(t, 88, KT_EXIT, NULL, 10, 1, 5414424 + 10723355 + 756893, 6279472);
	check(t, 88, KT_ENTRY, NULL, 10, 0, 0, 0);
	assert_int_equal(kt_lost(t), 0);

	js = json_of(t, 88, false);
	has(js, "\"exit_trace\": {\"tgid\": 88,\"comm\": \"kvmcheck\",\"threads\": 1,"
		"\"clock\": \"x86-tsc\",\"lost_events\": 0,\"exits\": 10,\"exits_untimed\": 1,"
		"\"exit_ns\": 16894672,");
	has(js, "\"npf\": {\"count\": 5,\"untimed\": 0,\"total_ns\": 5414424,\"max_ns\": 3411569}");
	has(js, "\"hlt\": {\"count\": 1,\"untimed\": 1,\"total_ns\": 0,\"max_ns\": 0}");
	has(js, "\"kvm_entry\": {\"count\": 10}");
	has(js, "\"kvm_nested_vmenter\": {\"count\": 0,\"npt_on\": 0,\"npt_off\": 0,\"npt_unknown\": 0}");
	/* descending count; equal counts by name */
	before(js, "\"npf\"", "\"io\"");
	before(js, "\"io\"", "\"hlt\"");
	before(js, "\"hlt\"", "\"interrupt\"");
	free(js);

	js = json_of(t, 0, true);
	has(js, "\"tracefs\": null,\"clock\": \"x86-tsc\",\"tsc_hz\": 2000000000,");
	has(js, "\"resolution_ns\": 0.5,");
	has(js, "\"lines\": 20,\"unparsed_lines\": 0,");
	has(js, "\"processes\": [{\"tgid\": 88,");
	free(js);
	kt_free(t);
}

/* mono: seconds with microseconds; VMX names; two processes, one with
 * two vCPU threads whose exits and entries interleave. */
static void test_vmx_mono_threads(void **state)
{
	static const char *const l[] = {
		/* the vCPU thread first: the comm is still the leader's */
		"       CPU 1/KVM-301     (    300) [001] .....   100.000002: kvm_exit: vcpu 1 reason IO_INSTRUCTION rip 0xffffffff81002000 info1 0x0000000003f80008 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-300     (    300) [000] .....   100.000001: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0xffffffff81001000 info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-300     (    300) [000] d..1.   100.000011: kvm_entry: vcpu 0, rip 0xffffffff81001000",
		"           qemu-400      (    400) [000] .....   100.000020: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0x1000 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x800000ec error_code 0x00000000",
		"       CPU 1/KVM-301     (    300) [001] d..1.   100.000032: kvm_entry: vcpu 1, rip 0xffffffff81002002",
		"       CPU 1/KVM-301     (    300) [001] .....   100.000041: kvm_exit: vcpu 1 reason IO_INSTRUCTION rip 0xffffffff81002002 info1 0x0000000003f80008 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"           qemu-400      (    400) [000] d..1.   100.000025: kvm_entry: vcpu 0, rip 0x1000",
		/* a second entry without an exit between: times nothing */
		"           qemu-400      (    400) [000] d..1.   100.000090: kvm_entry: vcpu 0, rip 0x1000",
		"       CPU 1/KVM-301     (    300) [001] d..1.   100.000043: kvm_entry: vcpu 1, rip 0xffffffff81002004",
		"         nestlab-300     (    300) [000] .....   100.000050: kvm_exit: vcpu 0 reason INVALID_STATE FAILED_VMENTRY rip 0x0 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
	};
	struct ktrace *t = mk("mono", 0);
	char *js;

	(void)state;
	feed_all(t, l, N(l), 1);
	check(t, 300, KT_EXIT, "EPT_VIOLATION", 1, 0, 10000, 10000);
	check(t, 300, KT_EXIT, "IO_INSTRUCTION", 2, 0, 32000, 30000);
	check(t, 300, KT_EXIT, "INVALID_STATE FAILED_VMENTRY", 1, 1, 0, 0);
	check(t, 400, KT_EXIT, "EXTERNAL_INTERRUPT", 1, 0, 5000, 5000);
	check(t, 300, KT_ENTRY, NULL, 3, 0, 0, 0);
	check(t, 400, KT_ENTRY, NULL, 2, 0, 0, 0);
	assert_int_equal(kt_get(t, 400, KT_EXIT, "IO_INSTRUCTION", &(struct kt_stat){ 0 }), -ENOENT);
	assert_int_equal(kt_get(t, 999, KT_EXIT, NULL, &(struct kt_stat){ 0 }), -ENOENT);

	js = json_of(t, 300, false);
	/* the comm of the thread group leader, not of the vCPU thread */
	has(js, "{\"tgid\": 300,\"comm\": \"nestlab\",\"threads\": 2,\"clock\": \"mono\",");
	has(js, "\"IO_INSTRUCTION\": {\"count\": 2,\"untimed\": 0,\"total_ns\": 32000,\"max_ns\": 30000}");
	before(js, "\"IO_INSTRUCTION\"", "\"EPT_VIOLATION\"");
	free(js);
	js = json_of(t, 0, true);
	has(js, "\"clock\": \"mono\",\"tsc_hz\": null,\"tsc_hz_calibrated\": null,"
		"\"resolution_ns\": 1000,");
	/* by descending exits: 300 (4) before 400 (1) */
	before(js, "\"tgid\": 300", "\"tgid\": 400");
	has(js, "\"comm\": \"qemu\"");
	free(js);
	kt_free(t);
}

/* L0's view of an L1 running an L2: the nested events in the formats of
 * Debian's 6.1 (nested_npt=y), mainline 6.1 (nested_npt: off) and the
 * kvm_nested_vmrun / kvm_nested_vmexit of older (5.x) kernels. */
static void test_nested(void **state)
{
	static const char *const l[] = {
		"         nestlab-500     (    500) [000] .....         1000: kvm_exit: vcpu 0 reason vmrun rip 0xffffffffc0a01234 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         1100: kvm_nested_vmenter: rip: 0xffffffffc0a01234 vmcb: 0x0000000004a3c000 nested_rip: 0x0000000000100000 int_ctl: 0x01000000 event_inj: 0x00000000 nested_npt=y nested_cr3: 0x0000000012345000",
		"         nestlab-500     (    500) [000] d..1.         1500: kvm_entry: vcpu 0, rip 0x100000",
		"         nestlab-500     (    500) [000] .....         2000: kvm_exit: vcpu 0 reason npf rip 0x100010 info1 0x0000000100000014 info2 0x0000000000200000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         2010: kvm_nested_vmexit: vcpu 0 reason npf rip 0x100010 info1 0x0000000100000014 info2 0x0000000000200000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         2020: kvm_nested_vmexit_inject: reason: npf ext_inf1: 0x0000000100000014 ext_inf2: 0x0000000000200000 ext_int: 0x00000000 ext_int_err: 0x00000000",
		"         nestlab-500     (    500) [000] d..1.         2600: kvm_entry: vcpu 0, rip 0xffffffffc0a01237",
		"         nestlab-500     (    500) [000] .....         3000: kvm_exit: vcpu 0 reason vmrun rip 0xffffffffc0a01234 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         3001: kvm_nested_vmenter: rip: 0xffffffffc0a01234 vmcb: 0x0000000004a3c000 nested_rip: 0x0000000000100010 int_ctl: 0x01000000 event_inj: 0x00000000 nested_npt: off",
		"         nestlab-500     (    500) [000] d..1.         3005: kvm_entry: vcpu 0, rip 0x100010",
		"         nestlab-500     (    500) [000] .....         3500: kvm_exit: vcpu 0 reason interrupt rip 0x100020 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         3501: kvm_nested_vmexit: vcpu 0 reason interrupt rip 0x100020 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-500     (    500) [000] .....         3502: kvm_nested_intr_vmexit: rip: 0x0000000000100020",
		"         nestlab-500     (    500) [000] .....         3503: kvm_nested_vmexit_inject: reason: interrupt ext_inf1: 0x0000000000000000 ext_inf2: 0x0000000000000000 ext_int: 0x00000000 ext_int_err: 0x00000000",
		"         nestlab-500     (    500) [000] d..1.         3600: kvm_entry: vcpu 0, rip 0xffffffffc0a01237",
		/* older (5.x) kernels */
		"         nestlab-500     (    500) [000] .....         4000: kvm_nested_vmrun: rip: 0xffffffffc0a01234 vmcb: 0x0000000004a3c000 nrip: 0x0000000000100030 int_ctl: 0x01000000 event_inj: 0x00000000 npt: on",
		"         nestlab-500     (    500) [000] .....         4100: kvm_nested_vmexit: rip: 0x0000000000100040 reason: io ext_inf1: 0x0000000000700210 ext_inf2: 0x0000000000100042 ext_int: 0x00000000 ext_int_err: 0x00000000",
		/* VMX */
		"         nestlab-500     (    500) [000] .....         4200: kvm_nested_vmenter: rip: 0xffffffffc0a01234 vmcs: 0x0000000004a3c000 nested_rip: 0x0000000000100050 int_ctl: 0x00000000 event_inj: 0x00000000 nested_ept=n guest_cr3: 0x0000000000001000",
	};
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	char *js;

	(void)state;
	feed_all(t, l, N(l), 1);
	check(t, 500, KT_EXIT, "vmrun", 2, 0, 505, 500);
	check(t, 500, KT_EXIT, "npf", 1, 0, 600, 600);
	check(t, 500, KT_EXIT, "interrupt", 1, 0, 100, 100);
	check(t, 500, KT_NESTED_VMEXIT, "npf", 1, 0, 0, 0);
	check(t, 500, KT_NESTED_VMEXIT, "interrupt", 1, 0, 0, 0);
	check(t, 500, KT_NESTED_VMEXIT, "io", 1, 0, 0, 0);
	check(t, 500, KT_NESTED_VMEXIT_INJECT, NULL, 2, 0, 0, 0);
	check(t, 500, KT_NESTED_VMENTER, "on", 2, 0, 0, 0);
	check(t, 500, KT_NESTED_VMENTER, "off", 2, 0, 0, 0);
	check(t, 500, KT_NESTED_INTR_VMEXIT, NULL, 1, 0, 0, 0);

	js = json_of(t, 500, false);
	has(js, "\"kvm_nested_vmenter\": {\"count\": 4,\"npt_on\": 2,\"npt_off\": 2,\"npt_unknown\": 0}");
	has(js, "\"kvm_nested_vmexit\": {\"interrupt\": {\"count\": 1},\"io\": {\"count\": 1},"
		"\"npf\": {\"count\": 1}}");
	has(js, "\"kvm_nested_vmexit_inject\": {\"interrupt\": {\"count\": 1},\"npf\": {\"count\": 1}}");
	has(js, "\"kvm_nested_intr_vmexit\": {\"count\": 1}");
	has(js, "\"vmrun\": {\"count\": 2,\"untimed\": 0,\"total_ns\": 505,\"max_ns\": 500}");
	free(js);
	kt_free(t);
}

/* Lines without the tgid column (record-tgid off, older kernels) or with
 * an unknown tgid, comms with dashes and spaces, older kvm_exit formats,
 * SVM exception names with a space. */
static void test_formats(void **state)
{
	static const char *const l[] = {
		" qemu-system-x86-4242  [003] ....  5302.127445: kvm_exit: reason IO_INSTRUCTION rip 0xffffffff8104f3a6 info 1f80040 0",
		" qemu-system-x86-4242  [003] ....  5302.127450: kvm_entry: vcpu 0",
		"           <...>-77      (-------) [001] d..1.  5302.200000: kvm_exit: vcpu 0 reason PF excp rip 0x401000 info1 0x0000000000000004 info2 0x0000000000402000 intr_info 0x00000000 error_code 0x00000000",
		"         nestlab-77      (     77) [001] d..1.  5302.200007: kvm_entry: vcpu 0, rip 0x401000",
		"  a-b c-9-78      (     77) [000] .....  5302.300000: kvm_exit: vcpu 1 reason 0x7b rip 0x0 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0",
		"  a-b c-9-78      (     77) [000] .....  5302.300002: kvm_entry: vcpu 1, rip 0x0[immediate exit]",
	};
	struct ktrace *t = mk("global", 0);
	char *js;

	(void)state;
	feed_all(t, l, N(l), 1);
	check(t, 4242, KT_EXIT, "IO_INSTRUCTION", 1, 0, 5000, 5000);
	check(t, 77, KT_EXIT, "PF excp", 1, 0, 7000, 7000);
	check(t, 77, KT_EXIT, "0x7b", 1, 0, 2000, 2000);
	js = json_of(t, 4242, false);
	has(js, "\"tgid\": 4242,\"comm\": \"qemu-system-x86\",\"threads\": 1,");
	free(js);
	js = json_of(t, 77, false);
	has(js, "\"tgid\": 77,\"comm\": \"nestlab\",\"threads\": 2,");
	free(js);
	kt_free(t);
}

/* [LOST N EVENTS]: counted; the exits waiting for their kvm_entry stay
 * untimed, since their entries may be among the lost. */
static void test_lost(void **state)
{
	static const char *const l[] = {
		"         nestlab-600     (    600) [000] .....         1000: kvm_exit: vcpu 0 reason msr rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0",
		"CPU:0 [LOST 42 EVENTS]",
		"         nestlab-600     (    600) [000] d..1.         9000: kvm_entry: vcpu 0, rip 0x3",
		"         nestlab-600     (    600) [000] .....         9100: kvm_exit: vcpu 0 reason msr rip 0x3 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0",
		"CPU:1 [LOST 8 EVENTS]",
		"CPU:1 [LOST EVENTS]",
	};
	struct ktrace *t = mk("x86-tsc", 1000000000u);
	char *js;

	(void)state;
	assert_int_equal(kt_feed_line(t, l[0]), 1);
	assert_int_equal(kt_feed_line(t, l[1]), 0);
	assert_int_equal(kt_feed_line(t, l[2]), 1);
	assert_int_equal(kt_feed_line(t, l[3]), 1);
	assert_int_equal(kt_feed_line(t, l[4]), 0);
	check(t, 600, KT_EXIT, "msr", 2, 2, 0, 0);
	assert_int_equal(kt_lost(t), 50);
	js = json_of(t, 0, true);
	has(js, "\"lost_events\": 50,\"lost_events_uncounted\": false,");
	free(js);
	assert_int_equal(kt_feed_line(t, l[5]), 0);
	js = json_of(t, 600, false);
	has(js, "\"lost_events\": 50,");
	free(js);
	js = json_of(t, 0, true);
	has(js, "\"lost_events_uncounted\": true,");
	free(js);
	kt_free(t);
}

/* Garbage is refused and counted, never counted as an event; other
 * events and comments are skipped. */
static void test_garbage(void **state)
{
	static const char *const skip[] = {
		"",
		"\n",
		"# tracer: nop",
		"#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION",
		"         nestlab-1       (      1) [000] .....   12.500000: sched_switch: prev_comm=nestlab prev_pid=1",
		"         nestlab-1       (      1) [000] .....   12.500001: kvm_pio: pio_write at 0x3f8 size 1 count 1 val 0x41",
	};
	static const char *const bad[] = {
		"garbage without structure",
		"nestlab-1 (1) [000] ..... notanumber: kvm_exit: vcpu 0 reason io rip 0x0",
		"nestlab-1 (1) [000] ..... 12.5 kvm_exit reason io",
		"[000] ..... 12.500000: kvm_exit: vcpu 0 reason io rip 0x0",
		"nestlab (1) [000] ..... 12.500000: kvm_exit: vcpu 0 reason io rip 0x0",
		"        kvmcheck-88      (     88) [001] d..1.   99",
		"        kvmcheck-88      (     88) [001] d..1.   9924795285",
		"        kvmcheck-88      (   x88) [001] .....   9924795285: kvm_exit: vcpu 0 reason io rip 0x0",
		/* a counter timestamp once seconds were seen: not comparable */
		"         nestlab-1       (      1) [000] .....   12345678: kvm_exit: vcpu 0 reason io rip 0x0",
	};
	static const char *good =
		"         nestlab-1       (      1) [000] .....   12.500002: kvm_exit: vcpu 0 reason io rip 0x0 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0";
	struct ktrace *t = mk("mono", 0);
	struct kt_stat s;
	char *js;

	(void)state;
	feed_all(t, skip, N(skip), 0);
	assert_int_equal(kt_feed_line(t, good), 1);
	feed_all(t, bad, N(bad), -EINVAL);
	assert_int_equal(kt_feed_line(NULL, good), -EINVAL);
	assert_int_equal(kt_feed_line(t, NULL), -EINVAL);
	check(t, 1, KT_EXIT, NULL, 1, 1, 0, 0);
	assert_int_equal(kt_get(t, 88, KT_EXIT, NULL, &s), -ENOENT);
	js = json_of(t, 0, true);
	has(js, "\"lines\": 16,\"unparsed_lines\": 9,");
	free(js);
	/* a thread group that caused nothing: still an object, all zero */
	js = json_of(t, 12345, false);
	has(js, "\"exit_trace\": {\"tgid\": 12345,\"comm\": null,\"threads\": 0,\"clock\": \"mono\","
		"\"lost_events\": 0,\"exits\": 0,\"exits_untimed\": 0,\"exit_ns\": 0,"
		"\"events\": {\"kvm_exit\": {},\"kvm_entry\": {\"count\": 0},");
	free(js);
	kt_free(t);
}

static void test_new_args(void **state)
{
	struct ktrace *t = (struct ktrace *)1;
	char err[128] = "";

	(void)state;
	assert_int_equal(kt_new(&t, "x86-tsc", 0, err, sizeof(err)), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(err, "TSC rate"));
	assert_int_equal(kt_new(&t, "", 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(kt_new(NULL, "mono", 0, err, sizeof(err)), -EINVAL);
	kt_free(NULL);
	assert_string_equal(kt_event_name(KT_NESTED_VMENTER), "kvm_nested_vmenter");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm_tsc),
		cmocka_unit_test(test_vmx_mono_threads),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_new_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
