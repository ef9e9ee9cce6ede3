// SPDX-License-Identifier: MIT
/*
 * nestlab stat --json (docs/stat.md): the text's content as one JSON
 * object (schema nestlab-stat/1), with lib/json.h's writer, which escapes
 * whatever names a document brought. Numbers are raw (ns, counts); a
 * share or ratio that has nothing to divide by is null.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stat.h"

struct jx {
	struct json j;
	const struct st_opts *o;
	bool diff;
};

/* Integers as integers: json_dbl's %.9g would round a cycle count. */
static void num(struct json *j, const char *k, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 9.0e15)
		json_i64(j, k, (int64_t)v);
	else
		json_dbl(j, k, v);   /* null when not finite */
}

static void input(struct json *j, const struct st_set *s)
{
	json_obj(j, NULL);
	json_str(j, "path", s->path);
	json_bool(j, "directory", s->dir);
	json_i64(j, "documents", s->ndocs);
	json_str(j, "schema", s->schema);
	json_str(j, "run", s->desc);
	json_bool(j, "run_mixed", s->desc_mixed);
	json_arr(j, "skipped");
	for (int i = 0; i < s->nnotes; i++)
		json_str(j, NULL, s->notes[i]);
	json_end_arr(j);
	json_end_obj(j);
}

static void sum_fields(struct json *j, const struct st_sum *m)
{
	json_str(j, "outcome", m->outcome);
	num(j, "wall_ns", m->wall_ns);
	num(j, "workload_ns", m->workload_ns);
	json_str(j, "checksum", m->checksum_mixed ? "mixed" : m->checksum);
	json_i64(j, "documents", m->ndocs);
}

static int sum(void *ctx, const struct st_sum *a, const struct st_sum *b)
{
	struct jx *x = ctx;
	struct json *j = &x->j;

	json_obj(j, NULL);
	json_str(j, "vm", a ? a->id : b->id);
	if (!x->diff) {
		sum_fields(j, a);
	} else {
		const struct st_sum *s[2] = { a, b };
		bool eq = a && b && !a->checksum_mixed && !b->checksum_mixed && a->checksum &&
			  b->checksum && !strcmp(a->checksum, b->checksum);

		for (int i = 0; i < 2; i++) {
			if (!s[i]) {
				json_str(j, i ? "b" : "a", NULL);
				continue;
			}
			json_obj(j, i ? "b" : "a");
			sum_fields(j, s[i]);
			json_end_obj(j);
		}
		num(j, "wall_ratio", st_ratio(a ? a->wall_ns : NAN, b ? b->wall_ns : NAN));
		if (a && b && (a->checksum || b->checksum))
			json_bool(j, "checksum_equal", eq);
		else
			json_str(j, "checksum_equal", NULL);
	}
	json_end_obj(j);
	return 0;
}

static void dist(struct json *j, const char *k, const struct st_dist *d)
{
	json_obj(j, k);
	num(j, "mean", d->mean);
	num(j, "p50", d->p50);
	num(j, "p99", d->p99);
	num(j, "max", d->max);
	json_end_obj(j);
}

static void kvs(struct json *j, const char *k, const struct st_kv *kv, int n)
{
	json_obj(j, k);
	for (int i = 0; i < n; i++)
		num(j, kv[i].name, kv[i].n);
	json_end_obj(j);
}

/* A table's own numbers (not its rows). */
static void meta(struct json *j, const struct st_table *t)
{
	switch (t->kind) {
	case ST_EXITS:
		json_bool(j, "timed", t->timed);
		json_bool(j, "traced", t->traced);
		if (t->traced) {
			json_str(j, "clock", t->clock);
			num(j, "lost_events", t->lost);
		}
		num(j, "samples", st_tab_count(t));
		num(j, "total_ns", t->timed ? st_tab_ns(t) : NAN);
		break;
	case ST_MULT:
		json_str(j, "clock", t->clock);
		for (int i = 0; i < ST_MH_N; i++)
			num(j, st_mh_names[i], t->mh[i]);
		json_bool(j, "percentiles_sampled", t->sampled);
		kvs(j, "handled_by_l0_alone", t->alone, t->nalone);
		break;
	default:
		break;
	}
}

static void row_fields(struct json *j, const struct st_table *t, const struct st_row *r)
{
	switch (t->kind) {
	case ST_EXITS:
		num(j, "samples", r->count);
		num(j, "samples_pct", st_pct(r->count, st_tab_count(t)));
		if (t->timed) {
			num(j, "time_pct", st_pct(r->total_ns, st_tab_ns(t)));
			num(j, "total_ns", r->total_ns);
			num(j, "mean_ns", st_mean_ns(r));
			num(j, "max_ns", r->max_ns);
		}
		if (t->traced)
			num(j, "untimed", r->untimed);
		break;
	case ST_VALUES:
		num(j, "value", r->count);
		break;
	case ST_MULT:
		num(j, "count", r->count);
		dist(j, "l0_exits", &r->l0x);
		dist(j, "l0_ns", &r->l0ns);
		dist(j, "l1_ns", &r->l1ns);
		kvs(j, "l0_exit_reasons", r->l0r, r->nl0r);
		break;
	}
}

static void ratios(struct json *j, enum st_kind k, const struct st_row *a, const struct st_row *b)
{
	double ca = a ? a->count : 0, cb = b ? b->count : 0;

	json_obj(j, "ratio");
	switch (k) {
	case ST_EXITS:
		num(j, "samples", st_ratio(ca, cb));
		num(j, "total_ns", st_ratio(a ? a->total_ns : 0, b ? b->total_ns : 0));
		num(j, "mean_ns", st_ratio(a ? st_mean_ns(a) : NAN, b ? st_mean_ns(b) : NAN));
		break;
	case ST_VALUES:
		num(j, "value", st_ratio(ca, cb));
		break;
	case ST_MULT:
		num(j, "count", st_ratio(ca, cb));
		num(j, "l0_exits_mean", st_ratio(a ? a->l0x.mean : NAN, b ? b->l0x.mean : NAN));
		num(j, "l0_ns_mean", st_ratio(a ? a->l0ns.mean : NAN, b ? b->l0ns.mean : NAN));
		num(j, "l1_ns_mean", st_ratio(a ? a->l1ns.mean : NAN, b ? b->l1ns.mean : NAN));
		break;
	}
	json_end_obj(j);
}

static int tab(void *ctx, const struct st_table *a, const struct st_table *b)
{
	struct jx *x = ctx;
	struct json *j = &x->j;
	const struct st_table *t = a ? a : b, *s[2] = { a, b };
	struct st_pair *p;
	int n, r;

	if ((r = st_join(a, b, x->o->sort, &p, &n)) < 0)
		return r;
	json_obj(j, NULL);
	json_str(j, "id", t->id);
	json_str(j, "kind", st_kind_name(t->kind));
	json_str(j, "title", t->title);
	if (!x->diff) {
		meta(j, t);
	} else {
		for (int i = 0; i < 2; i++) {
			if (!s[i]) {
				json_str(j, i ? "b" : "a", NULL);
				continue;
			}
			json_obj(j, i ? "b" : "a");
			meta(j, s[i]);
			json_end_obj(j);
		}
	}
	json_arr(j, "rows");
	for (int i = 0; i < n; i++) {
		const struct st_row *rr[2] = { p[i].a, p[i].b };

		json_obj(j, NULL);
		json_str(j, "name", rr[0] ? rr[0]->name : rr[1]->name);
		if (!x->diff) {
			row_fields(j, t, rr[0]);
		} else {
			for (int k = 0; k < 2; k++) {
				if (!rr[k]) {
					json_str(j, k ? "b" : "a", NULL);
					continue;
				}
				json_obj(j, k ? "b" : "a");
				row_fields(j, s[k], rr[k]);
				json_end_obj(j);
			}
			ratios(j, t->kind, rr[0], rr[1]);
		}
		json_end_obj(j);
	}
	json_end_arr(j);
	json_end_obj(j);
	free(p);
	return 0;
}

static int sec(void *ctx, const struct st_sec *a, const struct st_sec *b)
{
	struct jx *x = ctx;
	struct json *j = &x->j;
	const struct st_sec *s = a ? a : b;
	int r;

	json_obj(j, NULL);
	json_str(j, "id", s->id);
	json_str(j, "title", s->title);
	json_str(j, "level", st_level_name(s->level));
	if (x->diff)
		json_str(j, "in", a && b ? "both" : a ? "a" : "b");
	json_arr(j, "tables");
	r = st_each_tab(a, b, tab, x);
	json_end_arr(j);
	json_end_obj(j);
	return r;
}

int st_json(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b)
{
	struct jx x = { .o = o, .diff = b != NULL };
	struct json *j = &x.j;
	int r;

	json_begin(j, f);
	json_obj(j, NULL);
	json_str(j, "schema", "nestlab-stat/1");
	json_str(j, "mode", b ? "diff" : "single");
	json_str(j, "sort", o->sort == ST_SORT_TIME ? "time" : "count");
	json_str(j, "level", o->level == ST_LEVEL_ALL ? "all" : st_level_name(o->level));
	json_arr(j, "inputs");
	input(j, a);
	if (b)
		input(j, b);
	json_end_arr(j);
	json_arr(j, "vms");
	r = st_each_sum(a, b, sum, &x);
	json_end_arr(j);
	json_arr(j, "sections");
	if (!r)
		r = st_each_sec(a, b, o->level, sec, &x);
	json_end_arr(j);
	json_end_obj(j);
	json_finish(j);
	if (r < 0)
		return r;
	return fflush(f) || ferror(f) ? -EIO : 0;
}
