// SPDX-License-Identifier: MIT
/*
 * ktrace_timeline.c: the trace as a Chrome trace-event timeline for
 * Perfetto or chrome://tracing (ktrace.h, docs/exit-multiplication.md),
 * streamed to a FILE while the parser is fed, so a long trace needs no
 * memory beyond a few values per thread. Its only I/O is that FILE.
 *
 * Slices are "X" (complete) events, written when they end: a slice's
 * level is often known only then (a kvm_exit is L2's when
 * kvm_nested_vmexit follows it), and one event per slice halves the file
 * against "B"/"E" pairs. Each track (pid = level, tid = vCPU thread) gets
 * its slices in time order and without overlap: a slice that starts
 * before the previous one on its track ended (the TSC of two CPUs a
 * little apart) starts where that one ended instead (slices_clamped).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ktrace_state.h"

struct kt_timeline {
	FILE *f;
	uint64_t max, written, dropped;
	int only_tgid;
	bool have_first;
	uint64_t first;           /* clock units: time 0 of the timeline */
	uint64_t unended, lost, clamped;
};

static const char *const proc_name[KT_TL_NTRACKS] = {
	"L0: exit handling", "L1", "L2", "L1 handling L2 exits",
};
static const char *const thread_name[KT_TL_NTRACKS] = {
	"L0 vCPU", "L1 vCPU", "L2 vCPU", "L1 handling L2 exits, vCPU",
};

/* ns as microseconds with three decimals: exact, no floating point */
static void put_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03u", ns / 1000, (unsigned int)(ns % 1000));
}

static bool wanted(const struct ktrace *t, const struct kt_thread *th)
{
	return t->tl->only_tgid < 0 || t->procs[th->proc].tgid == t->tl->only_tgid;
}

static uint64_t rel(const struct ktrace *t, uint64_t ts)
{
	return ts >= t->tl->first ? kt_to_ns(t, ts - t->tl->first) : 0;
}

/* Whether one more event fits; the ones that do not are counted. */
static bool room(struct kt_timeline *tl)
{
	if (tl->max && tl->written >= tl->max) {
		tl->dropped++;
		return false;
	}
	fputs(tl->written ? ",\n" : "\n", tl->f);
	tl->written++;
	return true;
}

static void meta(struct kt_timeline *tl, int pid, int tid, const char *what,
		 const char *name, int num)
{
	if (!room(tl))
		return;
	fprintf(tl->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s\",\"args\":{",
		pid, tid, what);
	if (name && num >= 0)
		fprintf(tl->f, "\"name\":\"%s %d\"}}", name, num);
	else if (name)
		fprintf(tl->f, "\"name\":\"%s\"}}", name);
	else
		fprintf(tl->f, "\"sort_index\":%d}}", pid);
}

/*
 * Starts the X event of [s, e) (clock units) on track k of th, up to its
 * "name": member's value; false when it is not written (no room). in:
 * the relative [start, end] of the slice it nests in (written just
 * before, on the same track), or NULL for one of the track's own.
 */
static bool x_begin(struct ktrace *t, struct kt_thread *th, enum kt_tl_track k,
		    uint64_t s, uint64_t e, const uint64_t *in, uint64_t *placed)
{
	struct kt_timeline *tl = t->tl;
	struct kt_tl_thr *x = &th->tl;
	uint64_t rs = rel(t, s), re = rel(t, e);

	if (in) {
		if (rs < in[0])
			rs = in[0];
		if (re > in[1])
			re = in[1];
		if (re < rs)
			rs = re;
	} else {
		if (rs < x->tr_end[k]) {
			rs = x->tr_end[k];
			tl->clamped++;
		}
		if (re < rs)
			re = rs;
		x->tr_end[k] = re;
	}
	if (placed) {
		placed[0] = rs;
		placed[1] = re;
	}
	if (!(x->meta & (1u << k))) {
		x->meta |= 1u << k;
		meta(tl, (int)k + 1, th->tid, "thread_name", thread_name[k], th->tid);
	}
	if (!room(tl))
		return false;
	fprintf(tl->f, "{\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":", (int)k + 1, th->tid);
	put_us(tl->f, rs);
	fputs(",\"dur\":", tl->f);
	put_us(tl->f, re - rs);
	fputs(",\"name\":", tl->f);
	return true;
}

static void run_slice(struct ktrace *t, struct kt_thread *th, bool l2)
{
	enum kt_tl_track k = l2 ? KT_TL_L2 : KT_TL_L1;

	th->tl.prun = false;
	if (x_begin(t, th, k, th->tl.prun_ts, th->tl.prun_end, NULL, NULL))
		fprintf(t->tl->f, "\"%s running\",\"args\":{\"level\":\"%s\"}}",
			l2 ? "L2" : "L1", l2 ? "L2" : "L1");
}

/* "KVM_EXIT_IO (2)" -> "userspace: KVM_EXIT_IO" */
static void us_name(FILE *f, const char *reason)
{
	const char *p = strstr(reason, " (");
	char name[KT_REASON_MAX + 16];

	snprintf(name, sizeof(name), "userspace: %.*s",
		 (int)(p ? (size_t)(p - reason) : strlen(reason)), reason);
	json_put_escaped(f, name, sizeof(name));
}

static void us_slice(struct ktrace *t, struct kt_thread *th, uint64_t end,
		     const uint64_t *in)
{
	if (!x_begin(t, th, KT_TL_L0, th->tl.us_ts, end, in, NULL))
		return;
	us_name(t->tl->f, th->tl.us_reason);
	fputs(",\"args\":{\"reason\":", t->tl->f);
	json_put_escaped(t->tl->f, th->tl.us_reason, sizeof(th->tl.us_reason));
	fputs("}}", t->tl->f);
}

static void exit_slice(struct ktrace *t, struct kt_thread *th, uint64_t end)
{
	struct kt_tl_thr *x = &th->tl;
	const struct kt_ev *ex = &t->procs[th->proc].ev[KT_EXIT];
	const char *reason = x->exit_reason < ex->n ? ex->r[x->exit_reason].name : "?";
	uint64_t placed[2];

	if (x_begin(t, th, KT_TL_L0, x->exit_ts, end, NULL, placed)) {
		json_put_escaped(t->tl->f, reason, KT_REASON_MAX);
		fprintf(t->tl->f, ",\"args\":{\"level\":\"%s\",\"reason\":",
			x->exit_l2 ? "L2" : "L1");
		json_put_escaped(t->tl->f, reason, KT_REASON_MAX);
		fputs("}}", t->tl->f);
	}
	/* after its parent, so that the track's ts stay in order */
	if (x->us_open)
		us_slice(t, th, end, placed);
}

void kt_tl_event(struct ktrace *t, struct kt_thread *th, enum kt_event ev,
		 uint64_t ts, int ri)
{
	struct kt_timeline *tl = t->tl;
	struct kt_tl_thr *x = &th->tl;

	if (!wanted(t, th))
		return;
	if (!tl->have_first) {
		tl->have_first = true;
		tl->first = ts;
	}
	/* the run the last kvm_exit ended was L2's when KVM says the exit
	 * came from guest mode, which it does first of all */
	if (x->prun)
		run_slice(t, th, ev == KT_NESTED_VMEXIT);

	switch (ev) {
	case KT_EXIT:
		tl->unended += x->exit_open + x->us_open;
		x->us_open = false;
		if (x->run_open) {
			x->prun = true;
			x->prun_ts = x->run_ts;
			x->prun_end = ts;
			x->run_open = false;
		}
		x->exit_open = true;
		x->exit_ts = ts;
		x->exit_reason = ri >= 0 ? (unsigned int)ri : UINT32_MAX;
		x->exit_l2 = false;
		break;
	case KT_ENTRY:
		if (x->exit_open)
			exit_slice(t, th, ts);
		else if (x->us_open)   /* KVM_RUN returned before the guest ran */
			us_slice(t, th, ts, NULL);
		x->exit_open = false;
		x->us_open = false;
		tl->unended += x->run_open;
		x->run_open = true;
		x->run_ts = ts;
		break;
	case KT_NESTED_VMEXIT:
		x->exit_l2 = true;
		x->guest = true;
		break;
	case KT_NESTED_VMEXIT_INJECT:
		x->guest = false;
		break;
	case KT_NESTED_VMENTER:
		x->guest = true;
		break;
	default:
		break;
	}
}

void kt_tl_userspace(struct ktrace *t, int tid, int tgid, uint64_t ts, const char *msg)
{
	struct kt_thread *th = NULL;
	struct kt_tl_thr *x;
	const char *r;

	/* only threads the tables know: this line alone must not add one */
	for (unsigned int i = 0; i < t->nthr && !th; i++)
		if (t->thr[i].tid == tid)
			th = &t->thr[i];
	if (!th || (tgid >= 0 && t->procs[th->proc].tgid != tgid) || !wanted(t, th))
		return;
	x = &th->tl;
	if (!t->tl->have_first) {
		t->tl->have_first = true;
		t->tl->first = ts;
	}
	if (x->prun)
		run_slice(t, th, false);
	/* KVM_RUN may return more than once before the next entry (signals):
	 * the slice runs from the first return */
	if (x->us_open)
		return;
	x->us_open = true;
	x->us_ts = ts;
	r = strstr(msg, "reason");
	r = r ? r + 6 : msg;
	while (*r == ' ' || *r == ':')
		r++;
	snprintf(x->us_reason, sizeof(x->us_reason), "%s", *r ? r : "unknown");
}

void kt_tl_interval(struct ktrace *t, struct kt_thread *th, uint64_t start,
		    uint64_t end, const struct kt_nest_sample *s)
{
	const struct kt_ev *iv = &t->procs[th->proc].ev[KT_NESTED_VMEXIT_INJECT];
	const char *reason = th->nest.reason < iv->n ? iv->r[th->nest.reason].name : "?";
	char name[KT_REASON_MAX + 16];
	FILE *f = t->tl->f;

	if (!wanted(t, th) || !x_begin(t, th, KT_TL_HANDLING, start, end, NULL, NULL))
		return;
	snprintf(name, sizeof(name), "L2 exit: %s", reason);
	json_put_escaped(f, name, sizeof(name));
	fputs(",\"args\":{\"reason\":", f);
	json_put_escaped(f, reason, KT_REASON_MAX);
	fprintf(f, ",\"n_l0_exits\":%" PRIu32 ",\"l0_ns\":%" PRIu64 ",\"l1_ns\":%" PRIu64 "}}",
		s->n_l0, kt_to_ns(t, s->l0), kt_to_ns(t, s->l1));
}

/* What th had open is abandoned: events were lost (lost) or its tid went
 * to another process. The tracks keep where they are. */
void kt_tl_reset_thread(struct ktrace *t, struct kt_thread *th, bool lost)
{
	struct kt_tl_thr *x = &th->tl;
	uint64_t n = (uint64_t)x->run_open + x->exit_open + x->us_open + x->prun;

	if (lost)
		t->tl->lost += n;
	else
		t->tl->unended += n;
	x->run_open = x->exit_open = x->us_open = x->prun = false;
	x->guest = false;
}

void kt_tl_drop(struct ktrace *t)
{
	for (unsigned int i = 0; i < t->nthr; i++)
		kt_tl_reset_thread(t, &t->thr[i], true);
}

void kt_tl_free(struct ktrace *t)
{
	free(t->tl);
	t->tl = NULL;
}

int kt_timeline_open(struct ktrace *t, FILE *f, uint64_t max_events, int only_tgid)
{
	struct kt_timeline *tl;

	if (!t || !f)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	if (t->tl) {
		pthread_mutex_unlock(&t->lock);
		return -EBUSY;
	}
	tl = calloc(1, sizeof(*tl));
	if (!tl) {
		pthread_mutex_unlock(&t->lock);
		return -ENOMEM;
	}
	tl->f = f;
	tl->max = max_events;
	tl->only_tgid = only_tgid;
	for (unsigned int i = 0; i < t->nthr; i++)
		memset(&t->thr[i].tl, 0, sizeof(t->thr[i].tl));
	fputs("{\"traceEvents\":[", f);
	for (int k = 0; k < KT_TL_NTRACKS; k++) {
		meta(tl, k + 1, 0, "process_name", proc_name[k], -1);
		meta(tl, k + 1, 0, "process_sort_index", NULL, -1);
	}
	t->tl = tl;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int kt_timeline_close(struct ktrace *t)
{
	struct kt_timeline *tl;
	int r;

	if (!t)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	tl = t->tl;
	if (!tl) {
		pthread_mutex_unlock(&t->lock);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->nthr; i++) {
		struct kt_thread *th = &t->thr[i];
		struct kt_tl_thr *x = &th->tl;

		if (!wanted(t, th))
			continue;
		/* ended, but no event after its exit said whose it was */
		if (x->prun)
			run_slice(t, th, x->guest);
		tl->unended += (uint64_t)x->run_open + x->exit_open + x->us_open;
		if (th->nest.init && th->nest.phase == KN_CLOSING) {
			struct kt_nest_sample s;

			kt_nest_sample_at_end(th, &s);
			kt_tl_interval(t, th, th->nest.t_open, th->nest.last, &s);
		} else if (th->nest.init && th->nest.phase == KN_OPEN) {
			tl->unended++;
		}
	}
	fputs("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":", tl->f);
	json_put_escaped(tl->f, t->clock, sizeof(t->clock));
	if (t->ts_kind == TS_TICKS && t->tsc_hz)
		fprintf(tl->f, ",\"tsc_hz\":%" PRIu64, t->tsc_hz);
	else
		fputs(",\"tsc_hz\":null", tl->f);
	if (tl->only_tgid >= 0)
		fprintf(tl->f, ",\"tgid\":%d", tl->only_tgid);
	else
		fputs(",\"tgid\":null", tl->f);
	fprintf(tl->f, ",\"events_written\":%" PRIu64 ",\"events_dropped\":%" PRIu64
		",\"max_events\":%" PRIu64, tl->written, tl->dropped, tl->max);
	if (tl->have_first)
		fprintf(tl->f, ",\"first_ts_ns\":%" PRIu64, kt_to_ns(t, tl->first));
	else
		fputs(",\"first_ts_ns\":null", tl->f);
	fprintf(tl->f, ",\"slices_unended\":%" PRIu64 ",\"slices_lost\":%" PRIu64
		",\"slices_clamped\":%" PRIu64 "}}\n", tl->unended, tl->lost, tl->clamped);
	r = fflush(tl->f) || ferror(tl->f) ? -EIO : 0;
	kt_tl_free(t);
	pthread_mutex_unlock(&t->lock);
	return r;
}
