// SPDX-License-Identifier: MIT
/*
 * nestlab stat's model (stat.h): find-or-add by id, the merge rules that
 * make a directory's documents one set, and the walks the three outputs
 * share, so that text, JSON and CSV cannot disagree on which rows exist
 * or in which order they come.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

const char *const st_mh_names[ST_MH_N] = {
	"lost_events", "l2_exits_reflected", "intervals_closed", "intervals_closed_at_trace_end",
	"intervals_unclosed", "intervals_dropped_lost", "l0_exits_total", "l0_exits_in_intervals",
};

char *st_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* Room for one more element in *p (n used of *cap). */
static int grow(void *p, int *cap, int n, size_t size)
{
	void **pp = p;
	int ncap;
	void *np;

	if (n < *cap)
		return 0;
	if (*cap > (1 << 28))
		return -ENOMEM;
	ncap = *cap ? 2 * *cap : 8;
	if (!(np = realloc(*pp, (size_t)ncap * size)))
		return -ENOMEM;
	*pp = np;
	*cap = ncap;
	return 0;
}

static void kv_free(struct st_kv *kv, int n)
{
	for (int i = 0; i < n; i++)
		free(kv[i].name);
	free(kv);
}

static void tab_free(struct st_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nrows; i++) {
		free(t->rows[i].name);
		kv_free(t->rows[i].l0r, t->rows[i].nl0r);
	}
	free(t->rows);
	kv_free(t->alone, t->nalone);
	free(t->id);
	free(t->title);
	free(t->clock);
	free(t);
}

void st_set_free(struct st_set *s)
{
	for (int i = 0; i < s->nsums; i++) {
		free(s->sums[i]->id);
		free(s->sums[i]->outcome);
		free(s->sums[i]->checksum);
		free(s->sums[i]);
	}
	for (int i = 0; i < s->nsecs; i++) {
		struct st_sec *c = s->secs[i];

		for (int k = 0; k < c->ntabs; k++)
			tab_free(c->tabs[k]);
		free(c->tabs);
		free(c->id);
		free(c->title);
		free(c);
	}
	for (int i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->sums);
	free(s->secs);
	free(s->path);
	free(s->schema);
	free(s->desc);
	memset(s, 0, sizeof(*s));
}

struct st_sum *st_sum_find(const struct st_set *s, const char *id)
{
	for (int i = 0; i < s->nsums; i++)
		if (!strcmp(s->sums[i]->id, id))
			return s->sums[i];
	return NULL;
}

struct st_sum *st_sum_get(struct st_set *s, const char *id)
{
	struct st_sum *m = st_sum_find(s, id);

	if (m)
		return m;
	if (grow(&s->sums, &s->csums, s->nsums, sizeof(*s->sums)) < 0 ||
	    !(m = calloc(1, sizeof(*m))))
		return NULL;
	if (!(m->id = st_strdup(id))) {
		free(m);
		return NULL;
	}
	m->wall_ns = m->workload_ns = NAN;
	s->sums[s->nsums++] = m;
	return m;
}

struct st_sec *st_sec_find(const struct st_set *s, const char *id)
{
	for (int i = 0; i < s->nsecs; i++)
		if (!strcmp(s->secs[i]->id, id))
			return s->secs[i];
	return NULL;
}

struct st_sec *st_sec_get(struct st_set *s, const char *id, const char *title, int level)
{
	struct st_sec *c = st_sec_find(s, id);

	if (c)
		return c;
	if (grow(&s->secs, &s->csecs, s->nsecs, sizeof(*s->secs)) < 0 ||
	    !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->id = st_strdup(id);
	c->title = st_strdup(title);
	if (!c->id || !c->title) {
		free(c->id);
		free(c->title);
		free(c);
		return NULL;
	}
	c->level = level;
	s->secs[s->nsecs++] = c;
	return c;
}

struct st_table *st_tab_find(const struct st_sec *sec, const char *id)
{
	for (int i = 0; i < sec->ntabs; i++)
		if (!strcmp(sec->tabs[i]->id, id))
			return sec->tabs[i];
	return NULL;
}

struct st_table *st_tab_get(struct st_sec *sec, enum st_kind kind, const char *id,
			    const char *title)
{
	struct st_table *t = st_tab_find(sec, id);

	if (t)
		return t->kind == kind ? t : NULL;
	if (grow(&sec->tabs, &sec->cap, sec->ntabs, sizeof(*sec->tabs)) < 0 ||
	    !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->kind = kind;
	t->id = st_strdup(id);
	t->title = st_strdup(title);
	if (!t->id || !t->title) {
		tab_free(t);
		return NULL;
	}
	sec->tabs[sec->ntabs++] = t;
	return t;
}

struct st_row *st_row_get(struct st_table *t, const char *name)
{
	struct st_row *r;

	for (int i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	if (grow(&t->rows, &t->cap, t->nrows, sizeof(*t->rows)) < 0)
		return NULL;
	r = &t->rows[t->nrows];
	memset(r, 0, sizeof(*r));
	if (!(r->name = st_strdup(name)))
		return NULL;
	r->l0x = r->l0ns = r->l1ns = (struct st_dist){ NAN, NAN, NAN, NAN };
	t->nrows++;
	return r;
}

int st_kv_add(struct st_kv **kv, int *nkv, const char *name, double n)
{
	struct st_kv *nk;

	for (int i = 0; i < *nkv; i++)
		if (!strcmp((*kv)[i].name, name)) {
			(*kv)[i].n += n;
			return 0;
		}
	if (*nkv >= (1 << 20) || !(nk = realloc(*kv, (size_t)(*nkv + 1) * sizeof(*nk))))
		return -ENOMEM;
	*kv = nk;
	if (!(nk[*nkv].name = st_strdup(name)))
		return -ENOMEM;
	nk[(*nkv)++].n = n;
	return 0;
}

void st_row_merge_exits(struct st_row *r, double count, double total_ns,
			double max_ns, double untimed)
{
	r->count += count;
	r->total_ns += total_ns;
	r->untimed += untimed;
	if (!r->docs || max_ns > r->max_ns)
		r->max_ns = max_ns;
	r->docs++;
}

/* Peaks (KVM's max_mmu_rmap_size, ...) do not add up across runs: the
 * largest is what a sum of runs would have seen. */
void st_row_merge_value(struct st_row *r, double v)
{
	if (!strncmp(r->name, "max_", 4))
		r->count = !r->docs || v > r->count ? v : r->count;
	else
		r->count += v;
	r->docs++;
}

/* Means weighted by count; a percentile or maximum of the union is at
 * most the largest of the parts, so that is kept (docs/stat.md). */
static void dist_merge(struct st_dist *d, double c0, const struct st_dist *e, double c1)
{
	double w = c0 + c1;

	if (!isnan(d->mean) || !isnan(e->mean))
		d->mean = isnan(d->mean) ? e->mean : isnan(e->mean) ? d->mean :
			  w > 0 ? (d->mean * c0 + e->mean * c1) / w : fmax(d->mean, e->mean);
	d->p50 = fmax(d->p50, e->p50);   /* fmax ignores a NAN side */
	d->p99 = fmax(d->p99, e->p99);
	d->max = fmax(d->max, e->max);
}

void st_row_merge_mult(struct st_row *r, double count, const struct st_dist *l0x,
		       const struct st_dist *l0ns, const struct st_dist *l1ns)
{
	double c0 = r->count;

	dist_merge(&r->l0x, c0, l0x, count);
	dist_merge(&r->l0ns, c0, l0ns, count);
	dist_merge(&r->l1ns, c0, l1ns, count);
	r->count += count;
	r->docs++;
}

int st_note(struct st_set *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	char *n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (grow(&s->notes, &s->cnotes, s->nnotes, sizeof(*s->notes)) < 0 ||
	    !(n = st_strdup(buf)))
		return -ENOMEM;
	s->notes[s->nnotes++] = n;
	return 0;
}

double st_mean_ns(const struct st_row *r)
{
	double timed = r->count - r->untimed;

	return timed > 0 ? r->total_ns / timed : NAN;
}

double st_tab_count(const struct st_table *t)
{
	double c = 0;

	for (int i = 0; t && i < t->nrows; i++)
		c += t->rows[i].count;
	return c;
}

double st_tab_ns(const struct st_table *t)
{
	double c = 0;

	for (int i = 0; t && i < t->nrows; i++)
		c += t->rows[i].total_ns;
	return c;
}

double st_ratio(double a, double b)
{
	return a != 0 && isfinite(a) && isfinite(b) ? b / a : NAN;
}

double st_pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : NAN;
}

const char *st_level_name(int level)
{
	static const char *const n[] = { "l0", "l1", "l2" };

	return level >= 0 && level <= 2 ? n[level] : "l?";
}

const char *st_kind_name(enum st_kind k)
{
	return k == ST_EXITS ? "exits" : k == ST_VALUES ? "values" : "multiplication";
}

/* ---- order ---- */

struct sort_ctx {
	enum st_sort sort;
	enum st_kind kind;
};

/* What "largest" means for a row: a value's size, or count or time. */
static double key_of(const struct st_row *r, const struct sort_ctx *c)
{
	double t;

	if (!r)
		return -INFINITY;
	switch (c->kind) {
	case ST_VALUES:
		return fabs(r->count);
	case ST_MULT:
		if (c->sort == ST_SORT_COUNT)
			return r->count;
		t = (isnan(r->l0ns.mean) ? 0 : r->l0ns.mean) + (isnan(r->l1ns.mean) ? 0 : r->l1ns.mean);
		return r->count * t;
	default:
		return c->sort == ST_SORT_TIME ? r->total_ns : r->count;
	}
}

static int by_key(const struct st_pair *x, const struct st_pair *y, const struct sort_ctx *c)
{
	double kx = fmax(key_of(x->a, c), key_of(x->b, c));
	double ky = fmax(key_of(y->a, c), key_of(y->b, c));
	const char *nx = x->a ? x->a->name : x->b->name;
	const char *ny = y->a ? y->a->name : y->b->name;

	if (kx != ky && !(isnan(kx) && isnan(ky)))
		return isnan(kx) || kx < ky ? 1 : -1;
	/* equal times (none recorded): the larger count first */
	kx = fmax(x->a ? x->a->count : -INFINITY, x->b ? x->b->count : -INFINITY);
	ky = fmax(y->a ? y->a->count : -INFINITY, y->b ? y->b->count : -INFINITY);
	if (c->kind != ST_VALUES && kx != ky)
		return kx < ky ? 1 : -1;
	return strcmp(nx, ny);
}

/* An insertion sort: tables are short, and qsort has no context argument. */
static void sort_pairs(struct st_pair *p, int n, const struct sort_ctx *c)
{
	for (int i = 1; i < n; i++) {
		struct st_pair x = p[i];
		int k = i;

		for (; k > 0 && by_key(&p[k - 1], &x, c) > 0; k--)
			p[k] = p[k - 1];
		p[k] = x;
	}
}

int st_join(const struct st_table *a, const struct st_table *b, enum st_sort sort,
	    struct st_pair **out, int *n)
{
	int na = a ? a->nrows : 0, nb = b ? b->nrows : 0, k = 0;
	struct sort_ctx c = { sort, a ? a->kind : b ? b->kind : ST_VALUES };
	struct st_pair *p;

	*out = NULL;
	*n = 0;
	if (!(p = calloc((size_t)na + (size_t)nb + 1, sizeof(*p))))
		return -ENOMEM;
	for (int i = 0; i < na; i++)
		p[k++].a = &a->rows[i];
	for (int i = 0; i < nb; i++) {
		int j = 0;

		while (j < na && strcmp(a->rows[j].name, b->rows[i].name))
			j++;
		if (j < na)
			p[j].b = &b->rows[i];
		else
			p[k++].b = &b->rows[i];
	}
	sort_pairs(p, k, &c);
	*out = p;
	*n = k;
	return 0;
}

int st_each_sec(const struct st_set *a, const struct st_set *b, int level,
		st_sec_fn fn, void *ctx)
{
	int r;

	for (int i = 0; i < a->nsecs; i++) {
		const struct st_sec *x = a->secs[i];

		const struct st_sec *y = b ? st_sec_find(b, x->id) : NULL;

		/* a section without tables (a guest that measured nothing) is left out */
		if ((level != ST_LEVEL_ALL && x->level != level) || !(x->ntabs + (y ? y->ntabs : 0)))
			continue;
		if ((r = fn(ctx, x, y)) < 0)
			return r;
	}
	for (int i = 0; b && i < b->nsecs; i++) {
		const struct st_sec *y = b->secs[i];

		if ((level != ST_LEVEL_ALL && y->level != level) || st_sec_find(a, y->id) || !y->ntabs)
			continue;
		if ((r = fn(ctx, NULL, y)) < 0)
			return r;
	}
	return 0;
}

int st_each_tab(const struct st_sec *a, const struct st_sec *b, st_tab_fn fn, void *ctx)
{
	int r;

	for (int i = 0; a && i < a->ntabs; i++) {
		const struct st_table *y = b ? st_tab_find(b, a->tabs[i]->id) : NULL;

		if (y && y->kind != a->tabs[i]->kind)
			y = NULL;
		if ((r = fn(ctx, a->tabs[i], y)) < 0)
			return r;
	}
	for (int i = 0; b && i < b->ntabs; i++) {
		const struct st_table *x = a ? st_tab_find(a, b->tabs[i]->id) : NULL;

		if (x && x->kind == b->tabs[i]->kind)
			continue;
		if ((r = fn(ctx, NULL, b->tabs[i])) < 0)
			return r;
	}
	return 0;
}

int st_each_sum(const struct st_set *a, const struct st_set *b, st_sum_fn fn, void *ctx)
{
	int r;

	for (int i = 0; i < a->nsums; i++)
		if ((r = fn(ctx, a->sums[i], b ? st_sum_find(b, a->sums[i]->id) : NULL)) < 0)
			return r;
	for (int i = 0; b && i < b->nsums; i++)
		if (!st_sum_find(a, b->sums[i]->id) && (r = fn(ctx, NULL, b->sums[i])) < 0)
			return r;
	return 0;
}

int st_top_reasons(const struct st_row *r, const struct st_kv **out, int max)
{
	int n = 0;

	/* a selection of the max largest: the lists are a handful long */
	for (int i = 0; i < r->nl0r; i++) {
		const struct st_kv *x = &r->l0r[i];
		int k = n < max ? n++ : max;

		if (k == max && (max == 0 || x->n <= out[max - 1]->n))
			continue;
		if (k == max)
			k = max - 1;
		for (; k > 0 && (out[k - 1]->n < x->n ||
				 (out[k - 1]->n == x->n && strcmp(out[k - 1]->name, x->name) > 0)); k--)
			out[k] = out[k - 1];
		out[k] = x;
	}
	return n;
}
