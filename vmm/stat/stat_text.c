// SPDX-License-Identifier: MIT
/*
 * nestlab stat's plain text (docs/stat.md): the tables as `perf kvm stat
 * report` and kvm_stat lay them out, or two documents side by side. Every
 * line passes through line(), which keeps it printable and within
 * ST_WIDTH columns, so no name or path in a document can break the
 * layout or a terminal.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

struct tx {
	FILE *f;
	const struct st_opts *o;
	bool diff;
	int nsecs;
};

static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void line(struct tx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct tx *t, const char *fmt, ...)
{
	char buf[1024];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	clean(buf);
	n = strlen(buf);
	if (n > ST_WIDTH) {
		buf[ST_WIDTH - 1] = ST_MARK;
		buf[ST_WIDTH] = '\0';
	}
	while (n && buf[n - 1] == ' ')   /* no trailing blanks from empty cells */
		buf[--n] = '\0';
	fprintf(t->f, "%s\n", buf);
}

/* A name cut to w columns, the last one the mark when it did not fit. */
static const char *cut(char *buf, size_t n, const char *s, size_t w)
{
	if (w >= n)
		w = n - 1;
	snprintf(buf, n, "%s", s);
	clean(buf);
	if (strlen(buf) > w) {
		buf[w - 1] = ST_MARK;
		buf[w] = '\0';
	}
	return buf;
}

static const char *f_count(char *b, size_t n, double v)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else if (fabs(v) < 1e15)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.4g", v);
	return b;
}

static const char *f_dec(char *b, size_t n, double v, int prec)
{
	if (!isfinite(v))
		snprintf(b, n, "-");
	else if (fabs(v) < 1e12)
		snprintf(b, n, "%.*f", prec, v);
	else
		snprintf(b, n, "%.4g", v);
	return b;
}

static const char *f_pct(char *b, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.2f%%", v);
	return b;
}

static const char *f_us(char *b, size_t n, double ns)
{
	if (!isfinite(ns))
		snprintf(b, n, "-");
	else if (ns < 1e15)
		snprintf(b, n, "%.2fus", ns / 1e3);
	else
		snprintf(b, n, "%.4gus", ns / 1e3);
	return b;
}

static const char *f_ratio(char *b, size_t n, double a, double v)
{
	double r = st_ratio(a, v);

	if (isnan(r))
		snprintf(b, n, "-");
	else if (fabs(r) < 1000)
		snprintf(b, n, "%.2f", r);
	else
		snprintf(b, n, "%.3g", r);
	return b;
}

#define B 32   /* one cell */

/* ---- the top: documents and each VM's outcome ---- */

static void doc_head(struct tx *t, const char *tag, const struct st_set *s)
{
	if (s->dir)
		line(t, "%s%s: %d documents (%s), counts and times summed", tag, s->path,
		     s->ndocs, s->schema);
	else
		line(t, "%s%s (%s)", tag, s->path, s->schema);
	line(t, "%s%s%s", t->diff ? "   " : "run: ", s->desc_mixed ? "(the first; others differ) " : "",
	     s->desc);
}

static int sum_one(void *ctx, const struct st_sum *a, const struct st_sum *b)
{
	struct tx *t = ctx;
	char c1[B], c2[B], c3[B], ck[120];

	(void)b;
	if (a->checksum_mixed)
		snprintf(ck, sizeof(ck), "mixed");
	else
		snprintf(ck, sizeof(ck), "%s", a->checksum ? a->checksum : "-");
	line(t, "%-10s %-14s %12s %12s  %s", cut(c1, sizeof(c1), a->id, 10), a->outcome,
	     f_dec(c2, sizeof(c2), a->wall_ns / 1e9, 3),
	     f_dec(c3, sizeof(c3), a->workload_ns / 1e9, 3), ck);
	return 0;
}

static int sum_two(void *ctx, const struct st_sum *a, const struct st_sum *b)
{
	struct tx *t = ctx;
	char c1[B], c2[B], c3[B], c4[B], ck[160];
	const struct st_sum *x = a ? a : b;

	if (!a || !b)
		snprintf(ck, sizeof(ck), "only in %s", a ? "A" : "B");
	else if (a->checksum_mixed || b->checksum_mixed)
		snprintf(ck, sizeof(ck), "mixed within %s", a->checksum_mixed ? "A" : "B");
	else if (!a->checksum && !b->checksum)
		snprintf(ck, sizeof(ck), "-");
	else if (a->checksum && b->checksum && !strcmp(a->checksum, b->checksum))
		snprintf(ck, sizeof(ck), "equal %s", a->checksum);
	else
		snprintf(ck, sizeof(ck), "DIFFER: A %s B %s", a->checksum ? a->checksum : "-",
			 b->checksum ? b->checksum : "-");
	line(t, "%-10s %12s %12s %8s  %s", cut(c1, sizeof(c1), x->id, 10),
	     f_dec(c2, sizeof(c2), a ? a->wall_ns / 1e9 : NAN, 3),
	     f_dec(c3, sizeof(c3), b ? b->wall_ns / 1e9 : NAN, 3),
	     f_ratio(c4, sizeof(c4), a ? a->wall_ns : NAN, b ? b->wall_ns : NAN), ck);
	return 0;
}

/* ---- tables ---- */

/* The first column's name, as perf kvm stat's event modes call it. */
static const char *what(const struct st_table *x)
{
	return strcmp(x->id, "ports") ? "VM-EXIT" : "IO-PORT";
}

static void exits_head(struct tx *t, const struct st_table *x, const char *tag)
{
	char c1[B], c2[B], lost[80] = "";
	double n = st_tab_count(x), un = 0;

	for (int i = 0; i < x->nrows; i++)
		un += x->rows[i].untimed;
	if (x->traced)
		snprintf(lost, sizeof(lost), ", clock %s, %.0f lost events%s",
			 x->clock ? x->clock : "?", x->lost,
			 x->lost > 0 ? " (counts are lower bounds)" : "");
	if (!x->timed)
		line(t, "  %s%s samples%s", tag, f_count(c1, sizeof(c1), n), lost);
	else if (x->traced)
		line(t, "  %s%s samples (%.0f untimed), %s ms%s", tag, f_count(c1, sizeof(c1), n),
		     un, f_dec(c2, sizeof(c2), st_tab_ns(x) / 1e6, 2), lost);
	else
		line(t, "  %s%s samples, %s ms handling", tag, f_count(c1, sizeof(c1), n),
		     f_dec(c2, sizeof(c2), st_tab_ns(x) / 1e6, 2));
}

static int exits_one(struct tx *t, const struct st_table *x, const struct st_pair *p, int n)
{
	double tc = st_tab_count(x), tn = st_tab_ns(x);
	char nm[B], c1[B], c2[B], c3[B], c4[B], c5[B], c6[B];

	line(t, "%s", x->title);
	exits_head(t, x, "");
	if (!x->timed)
		line(t, "  %-24s %10s %10s", what(x), "Samples", "Samples%");
	else
		line(t, "  %-24s %10s %10s %10s %12s %12s%s", what(x), "Samples", "Samples%",
		     "Time%", "Mean time", "Max time", x->traced ? "  Untimed" : "");
	for (int i = 0; i < n; i++) {
		const struct st_row *r = p[i].a;

		if (!x->timed) {
			line(t, "  %-24s %10s %10s", cut(nm, sizeof(nm), r->name, 24),
			     f_count(c1, sizeof(c1), r->count),
			     f_pct(c2, sizeof(c2), st_pct(r->count, tc)));
			continue;
		}
		snprintf(c6, sizeof(c6), "%9.0f", r->untimed);
		line(t, "  %-24s %10s %10s %10s %12s %12s%s", cut(nm, sizeof(nm), r->name, 24),
		     f_count(c1, sizeof(c1), r->count), f_pct(c2, sizeof(c2), st_pct(r->count, tc)),
		     f_pct(c3, sizeof(c3), st_pct(r->total_ns, tn)),
		     f_us(c4, sizeof(c4), st_mean_ns(r)),
		     f_us(c5, sizeof(c5), r->count > r->untimed ? r->max_ns : NAN),
		     x->traced ? c6 : "");
	}
	return 0;
}

static int exits_two(struct tx *t, const struct st_table *a, const struct st_table *b,
		     const struct st_pair *p, int n)
{
	const struct st_table *x = a ? a : b;
	bool timed = (a && a->timed) || (b && b->timed);
	char nm[B], c[6][B];

	line(t, "%s", x->title);
	if (a)
		exits_head(t, a, "A: ");
	else
		line(t, "  A: none");
	if (b)
		exits_head(t, b, "B: ");
	else
		line(t, "  B: none");
	if (timed)
		line(t, "  %-22s %11s %11s %8s %12s %12s %8s", what(x), "Samples A", "Samples B",
		     "B/A", "Mean A", "Mean B", "B/A");
	else
		line(t, "  %-22s %11s %11s %8s", what(x), "Samples A", "Samples B", "B/A");
	for (int i = 0; i < n; i++) {
		double ca = p[i].a ? p[i].a->count : 0, cb = p[i].b ? p[i].b->count : 0;
		double ma = p[i].a ? st_mean_ns(p[i].a) : NAN, mb = p[i].b ? st_mean_ns(p[i].b) : NAN;
		const char *name = p[i].a ? p[i].a->name : p[i].b->name;

		f_count(c[0], B, ca);
		f_count(c[1], B, cb);
		f_ratio(c[2], B, ca, cb);
		if (!timed) {
			line(t, "  %-22s %11s %11s %8s", cut(nm, sizeof(nm), name, 22), c[0], c[1], c[2]);
			continue;
		}
		line(t, "  %-22s %11s %11s %8s %12s %12s %8s", cut(nm, sizeof(nm), name, 22),
		     c[0], c[1], c[2], f_us(c[3], B, ma), f_us(c[4], B, mb), f_ratio(c[5], B, ma, mb));
	}
	return 0;
}

static int values_one(struct tx *t, const struct st_table *x, const struct st_pair *p, int n)
{
	char nm[48], c1[B];

	line(t, "%s", x->title);
	for (int i = 0; i < n; i++)
		line(t, "  %-44s %18s", cut(nm, sizeof(nm), p[i].a->name, 44),
		     f_count(c1, sizeof(c1), p[i].a->count));
	return 0;
}

static void value_two(struct tx *t, const char *name, double a, double b)
{
	char nm[48], c1[B], c2[B], c3[B];

	line(t, "  %-40s %16s %16s %9s", cut(nm, sizeof(nm), name, 40), f_count(c1, B, a),
	     f_count(c2, B, b), f_ratio(c3, B, a, b));
}

static int values_two(struct tx *t, const struct st_table *a, const struct st_table *b,
		      const struct st_pair *p, int n)
{
	line(t, "%s", a ? a->title : b->title);
	line(t, "  %-40s %16s %16s %9s", "", "A", "B", "B/A");
	for (int i = 0; i < n; i++)
		value_two(t, p[i].a ? p[i].a->name : p[i].b->name, p[i].a ? p[i].a->count : 0,
			  p[i].b ? p[i].b->count : 0);
	return 0;
}

/* "name count, name count" of the largest: as many whole entries as fit
 * in w columns, then the mark when some were left out. */
static void kv_list(char *buf, size_t w, const struct st_kv *const *kv, int nkv)
{
	char one[160];
	size_t k = 0;

	buf[0] = '\0';
	if (!nkv)
		snprintf(buf, w + 1, "-");
	for (int i = 0; i < nkv; i++) {
		size_t l = (size_t)snprintf(one, sizeof(one), "%s%s %.0f", i ? ", " : "",
					    kv[i]->name, kv[i]->n);

		if (k + l + (i + 1 < nkv ? 3 : 0) > w) {
			snprintf(buf + k, w + 1 - k, "%s%c", i ? ", " : "", ST_MARK);
			return;
		}
		memcpy(buf + k, one, l + 1);
		k += l;
	}
}

static void alone_list(char *buf, size_t w, const struct st_table *x)
{
	const struct st_kv *top[16];
	struct st_row fake = { .l0r = x->alone, .nl0r = x->nalone };

	kv_list(buf, w, top, st_top_reasons(&fake, top, 16));
}

static int mult_one(struct tx *t, const struct st_table *x, const struct st_pair *p, int n)
{
	char nm[B], c[8][B], top[400];
	const struct st_kv *kv[3];
	size_t w;

	line(t, "%s (clock %s)", x->title, x->clock ? x->clock : "?");
	line(t, "  L2 exits reflected %.0f: intervals closed %.0f (%.0f at trace end), unclosed %.0f,"
	     " dropped (lost) %.0f", x->mh[ST_MH_REFLECTED], x->mh[ST_MH_CLOSED], x->mh[ST_MH_AT_END],
	     x->mh[ST_MH_UNCLOSED], x->mh[ST_MH_DROPPED]);
	if (x->mh[ST_MH_LOST] > 0 || x->sampled)
		line(t, "  %s%s", x->mh[ST_MH_LOST] > 0 ? "lost events: some intervals were dropped; " : "",
		     x->sampled ? "p50/p99 of some reasons from a reservoir sample" : "");
	snprintf(top, sizeof(top), "  L0 exits %.0f, %.0f in intervals; handled by L0 alone: ",
		 x->mh[ST_MH_L0_TOTAL], x->mh[ST_MH_L0_IN]);
	w = strlen(top);
	alone_list(top + w, w < ST_WIDTH ? ST_WIDTH - w : 0, x);
	line(t, "%s", top);
	line(t, "  %-12s %7s %19s %8s %8s  %s", "L2 reason", "Count", "L0 exits/L2 exit",
	     "L0 us/", "L1 us/", "Top L0 reasons");
	line(t, "  %-12s %7s %7s %5s %5s %8s %8s", "", "", "mean", "p50", "p99", "exit", "exit");
	for (int i = 0; i < n; i++) {
		const struct st_row *r = p[i].a;

		/* the columns before take 62 */
		kv_list(top, ST_WIDTH - 62, kv, st_top_reasons(r, kv, 3));
		line(t, "  %-12s %7s %7s %5s %5s %8s %8s  %s", cut(nm, sizeof(nm), r->name, 12),
		     f_count(c[0], B, r->count), f_dec(c[1], B, r->l0x.mean, 2),
		     f_count(c[2], B, r->l0x.p50), f_count(c[3], B, r->l0x.p99),
		     f_dec(c[4], B, r->l0ns.mean / 1e3, 2), f_dec(c[5], B, r->l1ns.mean / 1e3, 2), top);
	}
	return 0;
}

static int mult_two(struct tx *t, const struct st_table *a, const struct st_table *b,
		    const struct st_pair *p, int n)
{
	char nm[B], c[9][B];

	line(t, "%s", a ? a->title : b->title);
	line(t, "  %-40s %16s %16s %9s", "", "A", "B", "B/A");
	for (int i = 0; i < ST_MH_N; i++)
		value_two(t, st_mh_names[i], a ? a->mh[i] : 0, b ? b->mh[i] : 0);
	line(t, "  %-14s %9s %9s %6s %9s %9s %6s %9s %9s %6s", "L2 reason", "Count A", "Count B",
	     "B/A", "L0x/L2x A", "L0x/L2x B", "B/A", "L1 us A", "L1 us B", "B/A");
	for (int i = 0; i < n; i++) {
		const struct st_row *ra = p[i].a, *rb = p[i].b;
		double ca = ra ? ra->count : 0, cb = rb ? rb->count : 0;
		double xa = ra ? ra->l0x.mean : NAN, xb = rb ? rb->l0x.mean : NAN;
		double la = ra ? ra->l1ns.mean / 1e3 : NAN, lb = rb ? rb->l1ns.mean / 1e3 : NAN;

		line(t, "  %-14s %9s %9s %6s %9s %9s %6s %9s %9s %6s",
		     cut(nm, sizeof(nm), ra ? ra->name : rb->name, 14), f_count(c[0], B, ca),
		     f_count(c[1], B, cb), f_ratio(c[2], B, ca, cb), f_dec(c[3], B, xa, 2),
		     f_dec(c[4], B, xb, 2), f_ratio(c[5], B, xa, xb), f_dec(c[6], B, la, 2),
		     f_dec(c[7], B, lb, 2), f_ratio(c[8], B, la, lb));
	}
	return 0;
}

static int tab(void *ctx, const struct st_table *a, const struct st_table *b)
{
	struct tx *t = ctx;
	const struct st_table *x = a ? a : b;
	struct st_pair *p;
	int n, r;

	if ((r = st_join(a, b, t->o->sort, &p, &n)) < 0)
		return r;
	line(t, "%s", "");
	if (!t->diff)
		r = x->kind == ST_EXITS ? exits_one(t, x, p, n) :
		    x->kind == ST_VALUES ? values_one(t, x, p, n) : mult_one(t, x, p, n);
	else
		r = x->kind == ST_EXITS ? exits_two(t, a, b, p, n) :
		    x->kind == ST_VALUES ? values_two(t, a, b, p, n) : mult_two(t, a, b, p, n);
	free(p);
	return r;
}

static int sec(void *ctx, const struct st_sec *a, const struct st_sec *b)
{
	struct tx *t = ctx;
	const struct st_sec *x = a ? a : b;

	t->nsecs++;
	line(t, "%s", "");
	if (t->diff && (!a || !b))
		line(t, "== %s [%s] (only in %s)", x->title, st_level_name(x->level), a ? "A" : "B");
	else
		line(t, "== %s [%s]", x->title, st_level_name(x->level));
	return st_each_tab(a, b, tab, t);
}

int st_text(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b)
{
	struct tx t = { f, o, b != NULL, 0 };
	int r;

	if (!b) {
		doc_head(&t, "nestlab stat: ", a);
		line(&t, "%s", "");
		line(&t, "%-10s %-14s %12s %12s  %s", "VM", "outcome", "wall s", "workload s", "checksum");
		r = st_each_sum(a, NULL, sum_one, &t);
	} else {
		line(&t, "nestlab stat: B against A");
		doc_head(&t, "A: ", a);
		doc_head(&t, "B: ", b);
		line(&t, "%s", "");
		line(&t, "%-10s %12s %12s %8s  %s", "VM", "wall A s", "wall B s", "B/A", "checksum");
		r = st_each_sum(a, b, sum_two, &t);
	}
	if (!r)
		r = st_each_sec(a, b, o->level, sec, &t);
	if (!r && !t.nsecs) {
		line(&t, "%s", "");
		if (o->level == ST_LEVEL_ALL)
			line(&t, "(no tables)");
		else
			line(&t, "(no tables at level %s)", st_level_name(o->level));
	}
	if (r < 0)
		return r;
	return fflush(f) || ferror(f) ? -EIO : 0;
}
