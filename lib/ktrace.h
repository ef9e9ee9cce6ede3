/* SPDX-License-Identifier: MIT */
/*
 * ktrace: KVM exit tables from tracefs, like `perf kvm stat`
 * (docs/exit-tracing.md). Static libc and pthreads only; used by l1-shim
 * (L1's KVM running L2s) and by the testbed's /init (L0's KVM running L1).
 * Three files: lib/ktrace_parse.c (the parser and the tables, no I/O: this
 * header), lib/ktrace_json.c (the tables as JSON: this header) and
 * l1-shim/tracefs.c (live tracing, kt_start and kt_stop: tracefs.h). The
 * parser also drives lib/ktrace_nest.c (exit multiplication, no I/O; its
 * JSON in lib/ktrace_nest_json.c) and lib/ktrace_timeline.c (a Chrome
 * trace-event timeline into a FILE), both declared at the end.
 *
 * kt_start() sets tracefs up (record-tgid, a per-CPU buffer, the trace
 * clock), enables the KVM events this kernel has (their names differ
 * between versions, so it looks under events/kvm/ at run time) and starts a
 * thread that reads trace_pipe and aggregates as it goes, so the buffer does
 * not overflow on long runs. kt_stop() disables the events, drains what is
 * left, joins the thread and puts tracefs back as it was. Aggregation: per
 * thread group (tgid, with its comm), per event, per exit reason: count,
 * and for kvm_exit the handling time, from the kvm_exit line to the next
 * kvm_entry line of the same thread (what perf kvm stat calls exit
 * handling time; an exit with no entry after it is counted, not timed).
 *
 * Every function returns 0 (or what it says) or a negative errno, and never
 * exits; kt_start() puts a one-line reason into err. Not thread-safe except
 * as stated: one thread calls kt_start/kt_stop/kt_free; the kt_json_* and
 * kt_get calls may come from any thread at any time (they lock).
 */
#ifndef KTRACE_H
#define KTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ktrace;
struct json;     /* lib/json.c's streaming writer (lib/json.h) */

/* The events ktrace knows. The JSON names are these, whatever the kernel
 * calls them (kvm_nested_vmrun, in older kernels, is KT_NESTED_VMENTER). */
enum kt_event {
	KT_EXIT,                  /* kvm_exit: reason, timed */
	KT_ENTRY,                 /* kvm_entry: count; ends the exit before it */
	KT_NESTED_VMEXIT,         /* kvm_nested_vmexit: reason, count */
	KT_NESTED_VMEXIT_INJECT,  /* kvm_nested_vmexit_inject: reason, count */
	KT_NESTED_VMENTER,        /* kvm_nested_vmenter / kvm_nested_vmrun:
	                             count by nested paging "on"/"off" */
	KT_NESTED_INTR_VMEXIT,    /* kvm_nested_intr_vmexit: count */
	KT_NEVENTS
};
const char *kt_event_name(enum kt_event e);

/* Frees t (stopping a live one first, as kt_stop does). NULL is fine. */
void kt_free(struct ktrace *t);

/* A parser without tracefs, for tests and saved traces: clock is the trace
 * clock's name ("x86-tsc", "mono", ...); tsc_hz converts integer timestamps
 * (counter clocks) to ns and must be > 0 for "x86-tsc". Timestamps with a
 * fraction ("123.456789") are seconds. */
int kt_new(struct ktrace **t, const char *clock, uint64_t tsc_hz,
	   char *err, size_t errlen);

/* Feeds one line of trace_pipe output (with or without its newline).
 * Returns 1 when it was a KVM event ktrace counts, 0 when it was something
 * else to skip (comments, blank lines, other events, "CPU:N [LOST M
 * EVENTS]", which adds M to the lost events), -EINVAL when it could not be
 * parsed (counted as unparsed_lines in the JSON). Pure: no I/O. */
int kt_feed_line(struct ktrace *t, const char *line);

/* One table entry. For KT_EXIT: count, untimed (no kvm_entry followed),
 * total_ns and max_ns over the timed ones. Other events: count only. */
struct kt_stat {
	uint64_t count, untimed, total_ns, max_ns;
};
/* The stat of (tgid, event, reason); reason NULL sums every reason of
 * that event. For KT_NESTED_VMENTER the reasons are "on", "off" and
 * "unknown" (nested paging). -ENOENT when there is no such entry. */
int kt_get(const struct ktrace *t, int tgid, enum kt_event e,
	   const char *reason, struct kt_stat *s);
/* Lost events (all processes): the kernel's per-CPU overrun and dropped
 * counters across the run, or the [LOST N EVENTS] lines, whichever is more. */
uint64_t kt_lost(const struct ktrace *t);

/* The table of one thread group as member `key` of the enclosing object
 * (key NULL inside an array), always an object, even when tgid caused no
 * events (then its events are all zero):
 *   {"tgid":123,"comm":"nestlab","threads":1,"clock":"x86-tsc",
 *    "lost_events":0,"exits":N,"exits_untimed":N,"exit_ns":N,
 *    "events":{"kvm_exit":{"npf":{"count":..,"untimed":..,"total_ns":..,
 *    "max_ns":..},...},"kvm_entry":{"count":..},
 *    "kvm_nested_vmexit":{"npf":{"count":..},...},
 *    "kvm_nested_vmexit_inject":{...},
 *    "kvm_nested_vmenter":{"count":..,"npt_on":..,"npt_off":..},
 *    "kvm_nested_intr_vmexit":{"count":..}}}
 * reasons in descending count order; only the events that were traced. */
void kt_json_tgid(const struct ktrace *t, struct json *j, const char *key,
		  int tgid);
/* Every thread group that caused KVM events, with the trace's settings:
 *   {"tracefs":"/sys/kernel/tracing","clock":"x86-tsc","tsc_hz":N,
 *    "tsc_hz_calibrated":N,"buffer_size_kb":4096,"record_tgid":true,
 *    "events_traced":["kvm_exit",...],"wall_ns":N,"lost_events":N,
 *    "lines":N,"unparsed_lines":N,"processes":[{tgid object},...]}
 * processes by descending kvm_exit count. */
void kt_json_all(const struct ktrace *t, struct json *j, const char *key);

/*
 * ---- Exit multiplication (lib/ktrace_nest.c, docs/exit-multiplication.md) ----
 * From L0's trace of an L1 that runs an L2, per vCPU thread: an interval
 * opens at kvm_nested_vmexit_inject (L0 reflects an L2 exit to L1) and
 * closes at the kvm_entry after L1's kvm_nested_vmenter; every kvm_exit
 * in it (L1's vmrun/VMRESUME that ends it included) is an L0 exit that
 * one L2 exit cost. Per interval: n_l0_exits; l0_ns, L0's time (those
 * exits' kvm_exit->kvm_entry, plus the reflected exit's own handling from
 * the inject to the first kvm_entry into L1); l1_ns, the rest of the
 * interval (inject -> closing kvm_entry). Always on: the parser keeps it
 * for every thread group. A [LOST N EVENTS] abandons the open intervals.
 */

/* Over the intervals of one L2 reason: mean and max (exact) and
 * nearest-rank percentiles (exact up to 1 << 20 intervals per process and
 * reason, then from a uniform reservoir of that many). Times in ns. */
struct kt_dist {
	double mean;
	uint64_t p50, p99, max;
};
struct kt_nest_stat {
	uint64_t count;           /* closed intervals (those the trace's end cut
	                             while closing included) */
	uint64_t samples;         /* behind the percentiles: count, or the cap */
	struct kt_dist n_l0_exits, l0_ns, l1_ns;
};
/* The intervals of (tgid, L2 reason), e.g. "npf" or "EPT_VIOLATION":
 * 0, -ENOENT when there is none, -EINVAL, -ENOMEM. */
int kt_nest_get(const struct ktrace *t, int tgid, const char *l2_reason,
		struct kt_nest_stat *s);

/* The attribution of one thread group as member `key` (NULL inside an
 * array), always an object (zeros when tgid caused nothing):
 *   {"tgid":N,"clock":"x86-tsc","lost_events":N,
 *    "l2_exits_reflected":N,          kvm_nested_vmexit_inject lines
 *    "intervals_closed":N,            with their kvm_entry, or cut by the
 *                                     trace's end after kvm_nested_vmenter
 *    "intervals_closed_at_trace_end":N,   of those, the ones cut
 *    "intervals_unclosed":N,          no kvm_nested_vmenter before the next
 *                                     L2 exit or the end
 *    "intervals_dropped_lost":N,      abandoned at a [LOST N EVENTS]
 *    "l0_exits_total":N,"l0_exits_in_intervals":N,
 *    "sample_cap":1048576,
 *    "handled_by_l0_alone":{"npf":N,...},  kvm_nested_vmexit then
 *                                     kvm_entry, no inject
 *    "by_reason":[{"reason":"npf","count":N,"samples":N,
 *        "percentiles":"exact"|"reservoir",
 *        "l0_exits":{"mean":x,"p50":n,"p99":n,"max":n},
 *        "l0_ns":{...},"l1_ns":{...},
 *        "l0_exit_reasons":{"vmrun":N,"msr":N,...}},...]}
 * by_reason by descending count (reasons with a closed interval only),
 * handled_by_l0_alone and l0_exit_reasons by descending count; equal
 * counts by name. */
void kt_json_nest(const struct ktrace *t, struct json *j, const char *key,
		  int tgid);

/*
 * ---- Timeline (lib/ktrace_timeline.c) ----
 * The trace as Chrome trace-event JSON for ui.perfetto.dev or
 * chrome://tracing, written to f while the lines are fed:
 *   {"traceEvents":[{"ph":"M",...},{"ph":"X","pid":P,"tid":TID,
 *    "ts":12.345,"dur":0.678,"name":"npf","args":{...}},...],
 *    "displayTimeUnit":"ns","otherData":{"clock":"x86-tsc",
 *    "events_written":N,"events_dropped":N,"max_events":N,
 *    "first_ts_ns":N,...}}
 * ts and dur in microseconds from the first event, in L0's trace clock.
 * One process per level, tid = the vCPU thread's: pid 1 "L0" (each
 * kvm_exit->kvm_entry, named by reason, args level and reason, with the
 * kvm_userspace_exit->kvm_entry part inside it), pid 2 "L1" ("L1
 * running": kvm_entry into L1 -> kvm_exit), pid 3 "L2" ("L2 running"),
 * pid 4 "L1 handling L2 exits" (each interval, "L2 exit: REASON", args
 * n_l0_exits). Slices that never end are not written (counted).
 *
 * kt_timeline_open, before feeding: only_tgid's threads (all when < 0);
 * at most max_events events (0: no limit), the others counted as
 * dropped. -EINVAL, -EBUSY (one is open), -ENOMEM. kt_timeline_close
 * writes what the end left (intervals cut while closing), otherData and
 * the closing brackets, so the file is valid JSON however many events were
 * dropped; it flushes f but does not close it (the caller's). 0, -EINVAL
 * (none open), -EIO (a write failed). kt_free without kt_timeline_close
 * leaves f unfinished.
 */
int kt_timeline_open(struct ktrace *t, FILE *f, uint64_t max_events, int only_tgid);
int kt_timeline_close(struct ktrace *t);

#endif /* KTRACE_H */
