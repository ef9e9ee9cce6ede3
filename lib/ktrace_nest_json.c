// SPDX-License-Identifier: MIT
/*
 * ktrace_nest_json.c: the exit-multiplication attribution of one thread
 * group as JSON (ktrace.h's kt_json_nest; the schema is there and in
 * docs/exit-multiplication.md), through lib/json.c's writer.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ktrace_state.h"

struct named {
	const char *name;
	uint64_t count;
	unsigned int ix;
};

/* descending count, then name: the order of ktrace_json.c's tables */
static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The n entries of reason table r whose count (count(ix)) is not 0, sorted;
 * NULL with *k 0 when there are none or no memory. */
static struct named *sorted(const struct kt_reason *r, unsigned int n,
			    uint64_t (*count)(const struct ktrace *, unsigned int,
					      unsigned int, unsigned int),
			    const struct ktrace *t, unsigned int pi, unsigned int arg,
			    size_t *k)
{
	struct named *v = malloc((n ? n : 1) * sizeof(*v));

	*k = 0;
	if (!v)
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t c = count(t, pi, arg, i);

		if (c)
			v[(*k)++] = (struct named){ r[i].name, c, i };
	}
	qsort(v, *k, sizeof(*v), cmp_named);
	return v;
}

static uint64_t alone_of(const struct ktrace *t, unsigned int pi, unsigned int arg,
			 unsigned int i)
{
	(void)arg;
	return kt_nest_alone_locked(t, pi, i);
}

static uint64_t l0r_of(const struct ktrace *t, unsigned int pi, unsigned int rix,
		       unsigned int i)
{
	return kt_nest_l0r_locked(t, pi, rix, i);
}

static uint64_t closed_of(const struct ktrace *t, unsigned int pi, unsigned int arg,
			  unsigned int i)
{
	(void)arg;
	return kt_nest_closed_locked(t, pi, i);
}

static void json_counts(struct json *j, const char *key, struct named *v, size_t n)
{
	json_obj(j, key);
	for (size_t i = 0; i < n; i++)
		json_u64(j, v[i].name, v[i].count);
	json_end_obj(j);
}

static void json_dist(struct json *j, const char *key, const struct kt_dist *d)
{
	json_obj(j, key);
	json_dbl(j, "mean", d->mean);
	json_u64(j, "p50", d->p50);
	json_u64(j, "p99", d->p99);
	json_u64(j, "max", d->max);
	json_end_obj(j);
}

static void json_reason(const struct ktrace *t, struct json *j, unsigned int pi,
			const struct named *r)
{
	const struct kt_ev *ex = &t->procs[pi].ev[KT_EXIT];
	struct kt_nest_stat s;
	struct named *v;
	size_t n;

	if (kt_nest_stat_locked(t, pi, r->ix, &s))
		return;
	json_obj(j, NULL);
	json_str(j, "reason", r->name);
	json_u64(j, "count", s.count);
	json_u64(j, "samples", s.samples);
	json_str(j, "percentiles", s.samples == s.count ? "exact" : "reservoir");
	json_dist(j, "l0_exits", &s.n_l0_exits);
	json_dist(j, "l0_ns", &s.l0_ns);
	json_dist(j, "l1_ns", &s.l1_ns);
	v = sorted(ex->r, ex->n, l0r_of, t, pi, r->ix, &n);
	json_counts(j, "l0_exit_reasons", v, n);
	free(v);
	json_end_obj(j);
}

void kt_json_nest(const struct ktrace *ct, struct json *j, const char *key, int tgid)
{
	struct ktrace *t = (struct ktrace *)ct;
	struct kt_nest_totals s = { 0 };
	struct named *v = NULL;
	unsigned int pi = 0;
	size_t n = 0;
	int i;

	if (!t || !j)
		return;
	pthread_mutex_lock(&t->lock);
	i = kt_find_proc(t, tgid);
	if (i >= 0) {
		pi = (unsigned int)i;
		kt_nest_totals_locked(t, pi, &s);
	}
	json_obj(j, key);
	json_i64(j, "tgid", tgid);
	json_str(j, "clock", t->clock);
	json_u64(j, "lost_events", kt_lost(t));
	json_u64(j, "l2_exits_reflected", s.reflected);
	json_u64(j, "intervals_closed", s.closed);
	json_u64(j, "intervals_closed_at_trace_end", s.closed_at_end);
	json_u64(j, "intervals_unclosed", s.unclosed);
	json_u64(j, "intervals_dropped_lost", s.dropped);
	json_u64(j, "l0_exits_total", i >= 0 ? t->procs[pi].ev[KT_EXIT].count : 0);
	json_u64(j, "l0_exits_in_intervals", s.l0_in);
	json_u64(j, "sample_cap", t->nest_cap ? t->nest_cap : KT_NEST_CAP);
	if (i >= 0) {
		const struct kt_ev *nv = &t->procs[pi].ev[KT_NESTED_VMEXIT];

		v = sorted(nv->r, nv->n, alone_of, t, pi, 0, &n);
	}
	json_counts(j, "handled_by_l0_alone", v, n);
	free(v);
	v = NULL;
	n = 0;
	json_arr(j, "by_reason");
	if (i >= 0) {
		const struct kt_ev *iv = &t->procs[pi].ev[KT_NESTED_VMEXIT_INJECT];

		v = sorted(iv->r, iv->n, closed_of, t, pi, 0, &n);
		for (size_t k = 0; k < n; k++)
			json_reason(t, j, pi, &v[k]);
		free(v);
	}
	json_end_arr(j);
	json_end_obj(j);
	pthread_mutex_unlock(&t->lock);
}
