/* SPDX-License-Identifier: MIT */
/*
 * ktrace_state.h: the inside of struct ktrace (ktrace.h), for the files
 * that make it up and nothing else: lib/ktrace_parse.c (the parser and its
 * tables), lib/ktrace_json.c (the tables as JSON) and l1-shim/tracefs.c
 * (live tracing: tracefs set-up and the reader thread that feeds the
 * parser).
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
};

struct kt_thread {
	int tid;
	unsigned int proc;        /* index into procs */
	bool pending;             /* a kvm_exit waits for its kvm_entry */
	unsigned int reason;      /* its index in proc's KT_EXIT reasons */
	uint64_t ts;
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
	char names[KT_N_EV_NAMES][32];   /* tracefs names enabled, "" ends */
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

	/* the reader (l1-shim/tracefs.c) */
	pthread_t reader;
	bool reader_on, stopped;
	atomic_bool stopping;
	int pipe_fd;
	int err;                  /* first error met after kt_start */
	char errmsg[160];

	/* tracefs settings to put back (l1-shim/tracefs.c) */
	char old_on[8], old_clock[16], old_tgid[8];
	long old_kb;
	char old_enable[KT_N_EV_NAMES][4];

	/* run clocks: monotonic ns and TSC at start and stop */
	uint64_t mono0, mono1, tsc0, tsc1;

	/* Set by kt_start, NULL in a parser-only ktrace: the live part of
	 * kt_free, and the tgid of a line that has none (the parser itself
	 * does no I/O). */
	int (*stop)(struct ktrace *t);
	int (*tgid_of)(int pid);
};

struct ktrace *kt_alloc(void);
/* kt_feed_line without the lock: the caller holds t->lock. */
int kt_feed_locked(struct ktrace *t, const char *line);
/* The index of tgid in t->procs, or -1. */
int kt_find_proc(const struct ktrace *t, int tgid);
/* A duration or timestamp in clock units, in ns. */
uint64_t kt_to_ns(const struct ktrace *t, uint64_t v);
/* snprintf into err[0..n) when err and n. */
void kt_seterr(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* KTRACE_STATE_H */
