// SPDX-License-Identifier: MIT
/*
 * ktrace_nest.c: exit multiplication, from L0's trace of an L1 running an
 * L2 (ktrace.h, docs/exit-multiplication.md). Which L0 exits each L2
 * exit reflected to L1 cost, and how the time of that round trip splits
 * between L0 and L1. Fed by the parser (kt_feed_locked calls
 * kt_nest_feed after each event), so it is as pure as the parser: no I/O.
 *
 * Per vCPU thread, a small state machine:
 *   IDLE --inject--> OPEN --vmenter--> CLOSING --kvm_entry--> IDLE
 * Every kvm_exit while OPEN is one of the interval's L0 exits. The exit
 * that carries L1's VMRUN/VMRESUME comes before kvm_nested_vmenter (KVM
 * traces the exit, then emulates the instruction), so it is counted while
 * OPEN, and the interval waits in CLOSING for the kvm_entry that ends that
 * exit's handling: the L2 runs again only from there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ktrace_state.h"

/* A uniform draw in [0, n) for the reservoir; the slight modulo bias is
 * far below what a percentile estimate can tell. */
static uint64_t rng_below(struct ktrace *t, uint64_t n)
{
	uint64_t x = t->nest_rng ? t->nest_rng : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->nest_rng = x;
	return (x * 0x2545f4914f6cdd1dull) % n;
}

static unsigned int cap_of(const struct ktrace *t)
{
	return t->nest_cap ? t->nest_cap : KT_NEST_CAP;
}

/* The interval's l0 time at `end` when its in-flight exit has no entry
 * (cut by the trace's end or by an event that cannot come before it). */
static uint64_t l0_until(const struct kt_nest_thr *n, uint64_t end)
{
	uint64_t l0 = n->l0;

	if (n->in_exit && end >= n->exit_ts)
		l0 += end - n->exit_ts;
	return l0;
}

static void sample_of(const struct kt_nest_thr *n, uint64_t end,
		      struct kt_nest_sample *s)
{
	uint64_t total = end >= n->t_open ? end - n->t_open : 0;

	s->n_l0 = n->n_l0;
	s->l0 = l0_until(n, end);
	/* clock skew between CPUs can make the parts exceed the whole */
	s->l1 = total > s->l0 ? total - s->l0 : 0;
}

static void keep_sample(struct ktrace *t, struct kt_nest_reason *r,
			const struct kt_nest_sample *s)
{
	unsigned int cap = cap_of(t);
	uint64_t k;

	if (r->ns < cap) {
		/* out of memory: the percentiles come from fewer samples */
		if (!kt_grow((void **)&r->s, &r->caps, r->ns + 1, sizeof(*r->s)))
			r->s[r->ns++] = *s;
		return;
	}
	/* Algorithm R: the count-th interval replaces a kept one with
	 * probability cap/count, so the kept ones stay a uniform sample */
	k = rng_below(t, r->count);
	if (k < r->ns)
		r->s[k] = *s;
}

static int finalize(struct ktrace *t, struct kt_thread *th, uint64_t end)
{
	struct kt_nest_thr *n = &th->nest;
	struct kt_nest_proc *np = &t->procs[n->proc].nest;
	struct kt_nest_reason *r = &np->r[n->reason];
	struct kt_nest_sample s;
	int ret = 0;

	sample_of(n, end, &s);
	if (t->tl)
		kt_tl_interval(t, th, n->t_open, end, &s);
	r->count++;
	r->sum_n += s.n_l0;
	r->sum_l0 += s.l0;
	r->sum_l1 += s.l1;
	if (s.n_l0 > r->max_n)
		r->max_n = s.n_l0;
	if (s.l0 > r->max_l0)
		r->max_l0 = s.l0;
	if (s.l1 > r->max_l1)
		r->max_l1 = s.l1;
	keep_sample(t, r, &s);
	if (n->ncnt > r->nl0r) {
		unsigned int cap = r->nl0r;

		if (kt_grow((void **)&r->l0r, &cap, n->ncnt, sizeof(*r->l0r)))
			ret = -ENOMEM;
		else
			r->nl0r = cap;
	}
	for (unsigned int i = 0; i < n->ncnt && i < r->nl0r; i++)
		r->l0r[i] += n->cnt[i];
	np->closed++;
	np->l0_in += s.n_l0;
	n->phase = KN_IDLE;
	return ret;
}

/* An interval that cannot be finished: counted, not attributed. */
static void abandon(struct ktrace *t, struct kt_nest_thr *n, bool lost)
{
	if (n->phase == KN_IDLE)
		return;
	if (lost)
		t->procs[n->proc].nest.dropped++;
	else
		t->procs[n->proc].nest.unclosed++;
	n->phase = KN_IDLE;
}

static int open_interval(struct ktrace *t, struct kt_thread *th, uint64_t ts, int ri)
{
	struct kt_nest_thr *n = &th->nest;
	struct kt_nest_proc *np = &t->procs[n->proc].nest;
	unsigned int cap = np->nr;

	np->reflected++;
	if (ri < 0)
		return 0;
	/* the reason's entry exists before the interval does, so that
	 * closing it needs no allocation */
	if (kt_grow((void **)&np->r, &cap, (unsigned int)ri + 1, sizeof(*np->r)))
		return -ENOMEM;
	np->nr = cap;
	n->phase = KN_OPEN;
	n->reason = (unsigned int)ri;
	n->t_open = ts;
	n->l0 = 0;
	n->n_l0 = 0;
	if (n->cnt)
		memset(n->cnt, 0, (size_t)n->ncnt * sizeof(*n->cnt));
	/* L0 still handles the exit it reflects until it enters L1: its time */
	n->in_exit = true;
	n->exit_ts = ts;
	return 0;
}

static int count_l0_exit(struct kt_nest_thr *n, int ri)
{
	n->n_l0++;
	if (ri < 0)
		return 0;
	if ((unsigned int)ri >= n->ncnt) {
		unsigned int cap = n->ncnt;

		if (kt_grow((void **)&n->cnt, &cap, (unsigned int)ri + 1, sizeof(*n->cnt)))
			return -ENOMEM;
		n->ncnt = cap;
	}
	n->cnt[ri]++;
	return 0;
}

static int count_alone(struct ktrace *t, struct kt_nest_thr *n)
{
	struct kt_nest_proc *np = &t->procs[n->proc].nest;

	n->l2x = false;
	if (n->l2x_reason >= np->nalone) {
		unsigned int cap = np->nalone;

		if (kt_grow((void **)&np->alone, &cap, n->l2x_reason + 1,
			     sizeof(*np->alone)))
			return -ENOMEM;
		np->nalone = cap;
	}
	np->alone[n->l2x_reason]++;
	return 0;
}

int kt_nest_feed(struct ktrace *t, struct kt_thread *th, enum kt_event ev,
		 uint64_t ts, int ri)
{
	struct kt_nest_thr *n = &th->nest;
	int r = 0;

	if (!n->init || n->proc != th->proc) {
		/* a new thread, or its tid now belongs to another process:
		 * what it had open was the old process's and never ended */
		if (n->init) {
			abandon(t, n, false);
			if (t->tl)
				kt_tl_reset_thread(t, th, false);
		}
		n->init = true;
		n->proc = th->proc;
		n->phase = KN_IDLE;
		n->in_exit = false;
		n->l2x = false;
	}
	if (t->tl)
		kt_tl_event(t, th, ev, ts, ri);
	n->last = ts;

	switch (ev) {
	case KT_EXIT:
		/* an exit before the closing entry: that entry was never traced
		 * (nothing else can come first), so the interval ends here */
		if (n->phase == KN_CLOSING)
			r = finalize(t, th, ts);
		if (n->phase == KN_OPEN)
			r = count_l0_exit(n, ri);
		n->in_exit = true;
		n->exit_ts = ts;
		break;
	case KT_ENTRY:
		if (n->phase != KN_IDLE && n->in_exit && ts >= n->exit_ts)
			n->l0 += ts - n->exit_ts;
		n->in_exit = false;
		if (n->phase == KN_CLOSING)
			r = finalize(t, th, ts);
		if (n->l2x && !r)
			r = count_alone(t, n);
		break;
	case KT_NESTED_VMEXIT:
		/* L2 exits: if L1's entry into it is still to be closed, KVM
		 * went back to L2 without a kvm_entry we saw; if the interval
		 * is still open, its kvm_nested_vmenter was missed */
		if (n->phase == KN_CLOSING)
			r = finalize(t, th, ts);
		else
			abandon(t, n, false);
		n->l2x = ri >= 0;
		n->l2x_reason = ri >= 0 ? (unsigned int)ri : 0;
		break;
	case KT_NESTED_VMEXIT_INJECT:
		/* e.g. an interrupt for L1 right after the emulated VMRUN: the
		 * previous interval ends where this one starts */
		if (n->phase == KN_CLOSING)
			r = finalize(t, th, ts);
		else
			abandon(t, n, false);
		n->l2x = false;
		if (!r)
			r = open_interval(t, th, ts, ri);
		break;
	case KT_NESTED_VMENTER:
		if (n->phase == KN_OPEN)
			n->phase = KN_CLOSING;
		break;
	default:
		break;
	}
	return r;
}

void kt_nest_drop(struct ktrace *t)
{
	for (unsigned int i = 0; i < t->nthr; i++) {
		struct kt_nest_thr *n = &t->thr[i].nest;

		if (!n->init)
			continue;
		abandon(t, n, true);
		n->in_exit = false;
		n->l2x = false;
	}
	if (t->tl)
		kt_tl_drop(t);
}

void kt_nest_free(struct ktrace *t)
{
	kt_tl_free(t);
	for (unsigned int i = 0; i < t->nthr; i++)
		free(t->thr[i].nest.cnt);
	for (unsigned int i = 0; i < t->nprocs; i++) {
		struct kt_nest_proc *np = &t->procs[i].nest;

		for (unsigned int k = 0; k < np->nr; k++) {
			free(np->r[k].s);
			free(np->r[k].l0r);
		}
		free(np->r);
		free(np->alone);
	}
}

/* ---- reading out ---- */

/* The threads of process pi whose interval the trace's end cut after
 * kvm_nested_vmenter: counted as closed at their last event. */
static bool closing_at_end(const struct kt_thread *th, unsigned int pi)
{
	return th->nest.init && th->nest.proc == pi && th->nest.phase == KN_CLOSING;
}

void kt_nest_totals_locked(const struct ktrace *t, unsigned int pi,
			   struct kt_nest_totals *s)
{
	const struct kt_nest_proc *np = &t->procs[pi].nest;

	s->reflected = np->reflected;
	s->closed = np->closed;
	s->closed_at_end = 0;
	s->unclosed = np->unclosed;
	s->dropped = np->dropped;
	s->l0_in = np->l0_in;
	for (unsigned int i = 0; i < t->nthr; i++) {
		const struct kt_nest_thr *n = &t->thr[i].nest;

		if (closing_at_end(&t->thr[i], pi)) {
			s->closed++;
			s->closed_at_end++;
			s->l0_in += n->n_l0;
		} else if (n->init && n->proc == pi && n->phase == KN_OPEN) {
			s->unclosed++;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of them at or below. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned int p)
{
	size_t k = (n * p + 99) / 100;

	return n ? v[k ? k - 1 : 0] : 0;
}

static void dist(const struct ktrace *t, uint64_t *v, size_t n, uint64_t sum,
		 uint64_t count, uint64_t max, bool ns, struct kt_dist *d)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	d->p50 = pct(v, n, 50);
	d->p99 = pct(v, n, 99);
	d->max = max;
	if (ns) {
		d->p50 = kt_to_ns(t, d->p50);
		d->p99 = kt_to_ns(t, d->p99);
		d->max = kt_to_ns(t, d->max);
		sum = kt_to_ns(t, sum);
	}
	d->mean = count ? (double)sum / (double)count : 0;
}

int kt_nest_stat_locked(const struct ktrace *t, unsigned int pi, unsigned int rix,
			struct kt_nest_stat *s)
{
	const struct kt_nest_reason *r = &t->procs[pi].nest.r[rix];
	uint64_t sum[3] = { r->sum_n, r->sum_l0, r->sum_l1 };
	uint64_t max[3] = { r->max_n, r->max_l0, r->max_l1 };
	struct kt_dist *d[3] = { &s->n_l0_exits, &s->l0_ns, &s->l1_ns };
	size_t n = r->ns, extra = 0, k;
	uint64_t *v;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < t->nthr; i++)
		if (closing_at_end(&t->thr[i], pi) && t->thr[i].nest.reason == rix)
			extra++;
	s->count = r->count + extra;
	s->samples = n + extra;
	if (!s->count)
		return -ENOENT;
	v = malloc((n + extra ? n + extra : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int m = 0; m < 3; m++) {
		uint64_t sm = sum[m], mx = max[m];

		for (k = 0; k < n; k++)
			v[k] = m == 0 ? r->s[k].n_l0 : m == 1 ? r->s[k].l0 : r->s[k].l1;
		for (unsigned int i = 0; i < t->nthr; i++) {
			const struct kt_thread *th = &t->thr[i];
			struct kt_nest_sample x;
			uint64_t val;

			if (!closing_at_end(th, pi) || th->nest.reason != rix)
				continue;
			sample_of(&th->nest, th->nest.last, &x);
			val = m == 0 ? x.n_l0 : m == 1 ? x.l0 : x.l1;
			v[k++] = val;
			sm += val;
			if (val > mx)
				mx = val;
		}
		dist(t, v, k, sm, s->count, mx, m > 0, d[m]);
	}
	free(v);
	return 0;
}

void kt_nest_sample_at_end(const struct kt_thread *th, struct kt_nest_sample *s)
{
	sample_of(&th->nest, th->nest.last, s);
}

uint64_t kt_nest_closed_locked(const struct ktrace *t, unsigned int pi,
			       unsigned int rix)
{
	uint64_t c = rix < t->procs[pi].nest.nr ? t->procs[pi].nest.r[rix].count : 0;

	for (unsigned int i = 0; i < t->nthr; i++)
		if (closing_at_end(&t->thr[i], pi) && t->thr[i].nest.reason == rix)
			c++;
	return c;
}

uint64_t kt_nest_l0r_locked(const struct ktrace *t, unsigned int pi,
			    unsigned int rix, unsigned int l0ri)
{
	const struct kt_nest_reason *r = &t->procs[pi].nest.r[rix];
	uint64_t c = l0ri < r->nl0r ? r->l0r[l0ri] : 0;

	for (unsigned int i = 0; i < t->nthr; i++) {
		const struct kt_nest_thr *n = &t->thr[i].nest;

		if (closing_at_end(&t->thr[i], pi) && n->reason == rix && l0ri < n->ncnt)
			c += n->cnt[l0ri];
	}
	return c;
}

uint64_t kt_nest_alone_locked(const struct ktrace *t, unsigned int pi,
			      unsigned int ri)
{
	const struct kt_nest_proc *np = &t->procs[pi].nest;

	return ri < np->nalone ? np->alone[ri] : 0;
}

int kt_nest_get(const struct ktrace *ct, int tgid, const char *l2_reason,
		struct kt_nest_stat *s)
{
	struct ktrace *t = (struct ktrace *)ct;
	int r = -ENOENT, pi;

	if (!t || !l2_reason || !s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&t->lock);
	pi = kt_find_proc(t, tgid);
	if (pi >= 0) {
		const struct kt_ev *ev = &t->procs[pi].ev[KT_NESTED_VMEXIT_INJECT];

		for (unsigned int k = 0; k < ev->n && k < t->procs[pi].nest.nr; k++)
			if (!strcmp(ev->r[k].name, l2_reason)) {
				r = kt_nest_stat_locked(t, (unsigned int)pi, k, s);
				break;
			}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}
