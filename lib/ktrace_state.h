/* SPDX-License-Identifier: MIT */
/*
 * ktrace_state.h: the inside of struct ktrace (ktrace.h), for the files
 * that make it up and nothing else: lib/ktrace_parse.c (the parser and its
 * tables), lib/ktrace_json.c (the tables as JSON) and l1-shim/tracefs.c
 * (live tracing: tracefs set-up and the reader thread that feeds the
 * parser).
 *
 * and the exit-multiplication attribution (lib/ktrace_nest.c, its JSON
 * lib/ktrace_nest_json.c) and the timeline (lib/ktrace_timeline.c) that
 * the parser drives.
 *
 * Times are kept in the trace clock's own units (TSC ticks, or ns for the
 * clocks printed as seconds) and turned into ns only when read out
 * (kt_to_ns), with the TSC rate measured over the run.
 */
#ifndef KTRACE_STATE_H
#define KTRACE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktrace.h"

#define KT_REASON_MAX 40
#define KT_COMM_MAX 24

enum ts_kind { TS_UNKNOWN, TS_NS, TS_TICKS };

/* ---- exit multiplication (lib/ktrace_nest.c, docs/exit-multiplication.md) ----
 * An interval is one L2 exit that L0 reflected to L1, from its
 * kvm_nested_vmexit_inject to the kvm_entry that follows L1's next
 * kvm_nested_vmenter: the L0 exits in it are the ones that L2 exit cost. */

/* Per-interval values kept for the percentiles, in clock units. */
struct kt_nest_sample {
	uint64_t l0, l1;
	uint32_t n_l0;
};

/* Closed intervals of one (process, L2 reason). The reason is the
 * process's KT_NESTED_VMEXIT_INJECT reason of the same index. Sums and
 * maxima cover every interval; s[] holds every one up to the cap
 * (struct ktrace's nest_cap), then a uniform reservoir of cap of them (Algorithm R), so
 * percentiles are exact up to the cap and estimates beyond it. */
struct kt_nest_reason {
	uint64_t count;
	uint64_t sum_n, sum_l0, sum_l1, max_n, max_l0, max_l1;
	struct kt_nest_sample *s;
	unsigned int ns, caps;
	uint64_t *l0r;            /* L0 exits by the process's KT_EXIT reason index */
	unsigned int nl0r;
};

struct kt_nest_proc {
	uint64_t reflected, closed, unclosed, dropped, l0_in;
	struct kt_nest_reason *r; /* by KT_NESTED_VMEXIT_INJECT reason index */
	unsigned int nr;
	uint64_t *alone;          /* by KT_NESTED_VMEXIT reason index */
	unsigned int nalone;
};

enum kt_nest_phase {
	KN_IDLE,                  /* no interval */
	KN_OPEN,                  /* injected: L1 handles the L2 exit */
	KN_CLOSING,               /* L1 entered L2 again: ends at the next kvm_entry */
};

struct kt_nest_thr {
	bool init;                /* proc below is set */
	unsigned int proc;        /* the process this state belongs to (tid reuse) */
	enum kt_nest_phase phase;
	unsigned int reason;      /* KT_NESTED_VMEXIT_INJECT reason index */
	uint64_t t_open, last;    /* the inject; the thread's last event */
	uint64_t l0;              /* L0 time in the interval so far */
	uint32_t n_l0;
	bool in_exit;             /* L0 handles an exit: l0 runs from exit_ts */
	uint64_t exit_ts;
	uint32_t *cnt;            /* this interval's L0 exits by KT_EXIT reason */
	unsigned int ncnt;
	bool l2x;                 /* a kvm_nested_vmexit, neither injected nor entered yet */
	unsigned int l2x_reason;  /* its KT_NESTED_VMEXIT reason index */
};

/* ---- the timeline (lib/ktrace_timeline.c) ---- */
enum kt_tl_track { KT_TL_L0, KT_TL_L1, KT_TL_L2, KT_TL_HANDLING, KT_TL_NTRACKS };

struct kt_tl_thr {
	unsigned int meta;        /* bit per track: its thread_name is out */
	bool guest;               /* guess of guest mode (L2), for the end only */
	bool run_open, exit_open, exit_l2, us_open, prun;
	unsigned int exit_reason; /* KT_EXIT reason index */
	uint64_t run_ts, exit_ts, us_ts, prun_ts, prun_end;   /* clock units */
	char us_reason[KT_REASON_MAX];
	uint64_t tr_end[KT_TL_NTRACKS];   /* relative ns: where each track is */
};

struct kt_reason {
	char name[KT_REASON_MAX];
	uint64_t count, untimed, total, max;   /* total, max: clock units */
};

struct kt_ev {
	uint64_t count;
	unsigned int n, cap;
	struct kt_reason *r;
};

struct kt_proc {
	int tgid;
	char comm[KT_COMM_MAX];
	bool comm_leader;         /* comm came from the thread with tid == tgid */
	unsigned int threads;
	struct kt_ev ev[KT_NEVENTS];
	struct kt_nest_proc nest;
};

struct kt_thread {
	int tid;
	unsigned int proc;        /* index into procs */
	bool pending;             /* a kvm_exit waits for its kvm_entry */
	unsigned int reason;      /* its index in proc's KT_EXIT reasons */
	uint64_t ts;
	struct kt_nest_thr nest;
	struct kt_tl_thr tl;
};

/* Names under events/kvm/, in order of preference per event
 * (lib/ktrace_parse.c): the parser matches lines by them, tracefs.c
 * enables those this kernel has. */
struct kt_ev_name {
	const char *name;
	enum kt_event ev;
};
#define KT_N_EV_NAMES 7
extern const struct kt_ev_name kt_ev_names[KT_N_EV_NAMES];

struct ktrace {
	pthread_mutex_t lock;

	/* what is traced and how (set by kt_new, or by kt_start from tracefs) */
	char dir[64];             /* tracefs; "" for a parser-only ktrace */
	char clock[16];
	uint64_t tsc_hz, tsc_hz_cal;
	unsigned int traced;      /* bit per enum kt_event */
	/* tracefs names enabled, "" ends: those of kt_ev_names, and
	 * kvm_userspace_exit for a timeline (kt_start_timeline) */
	char names[KT_N_EV_NAMES + 1][32];
	unsigned int nnames;
	long buffer_kb;           /* -1 unknown */
	bool record_tgid, live;

	/* the parser's state */
	enum ts_kind ts_kind;
	unsigned int frac_digits; /* of second-based timestamps */
	struct kt_proc *procs;
	unsigned int nprocs, capprocs;
	struct kt_thread *thr;
	unsigned int nthr, capthr, last_thr;
	uint64_t lines, unparsed, lost_annot, lost_stats, lost_stats0;
	bool lost_unknown;

	/* exit multiplication: samples kept per (process, L2 reason), 0 for
	 * KT_NEST_CAP; the reservoir's generator (xorshift64*, fixed seed, so
	 * a trace always gives the same JSON) */
	unsigned int nest_cap;
	uint64_t nest_rng;
	/* the timeline, while kt_timeline_open'ed */
	struct kt_timeline *tl;

	/* the reader (l1-shim/tracefs.c) */
	pthread_t reader;
	bool reader_on, stopped;
	atomic_bool stopping;
	int pipe_fd;
	int err;                  /* first error met after kt_start */
	char errmsg[160];

	int cpu_max;              /* highest per_cpu/cpuN (-1: not listed yet) */

	/* tracefs settings to put back (l1-shim/tracefs.c) */
	char old_on[8], old_clock[16], old_tgid[8];
	long old_kb;
	char old_enable[KT_N_EV_NAMES + 1][4];

	/* run clocks: monotonic ns and TSC at start and stop */
	uint64_t mono0, mono1, tsc0, tsc1;

	/* Set by kt_start, NULL in a parser-only ktrace: the live part of
	 * kt_free, and the tgid of a line that has none (the parser itself
	 * does no I/O). */
	int (*stop)(struct ktrace *t);
	int (*tgid_of)(int pid);
};

struct ktrace *kt_alloc(void);
/* Grows the zeroed array *p of *cap elements of size to hold need. */
int kt_grow(void **p, unsigned int *cap, unsigned int need, size_t size);
/* kt_feed_line without the lock: the caller holds t->lock. */
int kt_feed_locked(struct ktrace *t, const char *line);
/* The index of tgid in t->procs, or -1. */
int kt_find_proc(const struct ktrace *t, int tgid);
/* A duration or timestamp in clock units, in ns. */
uint64_t kt_to_ns(const struct ktrace *t, uint64_t v);
#define KT_NEST_CAP (1u << 20)
/* After kt_feed_locked parsed an event of thread th (ri: its reason index
 * in th's process's table of ev, -1 for events without one): the
 * attribution, and the timeline when open. 0 or -ENOMEM. */
int kt_nest_feed(struct ktrace *t, struct kt_thread *th, enum kt_event ev,
		 uint64_t ts, int ri);
/* Events were lost: every open interval (and timeline slice) is abandoned. */
void kt_nest_drop(struct ktrace *t);
/* kt_free's part for the attribution and the timeline. */
void kt_nest_free(struct ktrace *t);

/* What lib/ktrace_nest_json.c reads, with what the end of the trace left
 * open counted as it stands (the caller holds t->lock). */
struct kt_nest_totals {
	uint64_t reflected, closed, closed_at_end, unclosed, dropped, l0_in;
};
void kt_nest_totals_locked(const struct ktrace *t, unsigned int pi,
			   struct kt_nest_totals *s);
/* kt_nest_get of L2 reason index rix (< the process's nest.nr). */
int kt_nest_stat_locked(const struct ktrace *t, unsigned int pi, unsigned int rix,
			struct kt_nest_stat *s);
/* th's interval (KN_CLOSING) as the trace's end leaves it: closed at
 * th's last event. */
void kt_nest_sample_at_end(const struct kt_thread *th, struct kt_nest_sample *s);
/* Closed intervals of L2 reason rix (any index). */
uint64_t kt_nest_closed_locked(const struct ktrace *t, unsigned int pi,
			       unsigned int rix);
/* L0 exits of KT_EXIT reason l0ri in the intervals of L2 reason rix. */
uint64_t kt_nest_l0r_locked(const struct ktrace *t, unsigned int pi,
			    unsigned int rix, unsigned int l0ri);
/* L2 exits of KT_NESTED_VMEXIT reason ri that L0 handled alone. */
uint64_t kt_nest_alone_locked(const struct ktrace *t, unsigned int pi,
			      unsigned int ri);

/* lib/ktrace_timeline.c, driven by kt_nest_feed (t->tl is set) */
void kt_tl_event(struct ktrace *t, struct kt_thread *th, enum kt_event ev,
		 uint64_t ts, int ri);
/* A closed interval of th (its values in s), for the "L1 handling L2
 * exits" track. */
void kt_tl_interval(struct ktrace *t, struct kt_thread *th, uint64_t start,
		    uint64_t end, const struct kt_nest_sample *s);
/* A kvm_userspace_exit line (msg: its message) of a known thread. */
void kt_tl_userspace(struct ktrace *t, int tid, int tgid, uint64_t ts,
		     const char *msg);
void kt_tl_reset_thread(struct ktrace *t, struct kt_thread *th, bool lost);
void kt_tl_drop(struct ktrace *t);
void kt_tl_free(struct ktrace *t);

/* snprintf into err[0..n) when err and n. */
void kt_seterr(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* KTRACE_STATE_H */
