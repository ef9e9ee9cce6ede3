// SPDX-License-Identifier: MIT
/*
 * nestlab stat --csv (docs/stat.md): one CSV table per kind of table
 * (summary, exits, values, multiplication), each with its own header and
 * a first `section` column naming the kind, separated by an empty line,
 * so that a spreadsheet or `grep ^exits,` takes one without knowing the
 * others. Fields are quoted (RFC 4180) when a name needs it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stat.h"

struct cx {
	FILE *f;
	const struct st_opts *o;
	bool diff;
	enum st_kind kind;
	const struct st_sec *sec;  /* the section being walked */
	bool head;                 /* this kind's header is out */
	int tables;                /* CSV tables printed so far */
};

static void field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	fputc(',', f);
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void nfield(FILE *f, double v)
{
	if (!isfinite(v))
		fputc(',', f);
	else if (v == floor(v) && fabs(v) < 9.0e15)
		fprintf(f, ",%.0f", v);
	else
		fprintf(f, ",%.9g", v);
}

/* A header line: the first name is the section column. */
static void header(struct cx *c, const char *cols)
{
	if (c->tables++)
		fputc('\n', c->f);
	fprintf(c->f, "section,%s\n", cols);
	c->head = true;
}

static int sum(void *ctx, const struct st_sum *a, const struct st_sum *b)
{
	struct cx *c = ctx;

	if (!c->head)
		header(c, c->diff ? "vm,wall_ns_a,wall_ns_b,wall_ratio,checksum_a,checksum_b,checksum_equal"
				  : "vm,outcome,wall_ns,workload_ns,checksum,documents");
	fputs("summary", c->f);
	field(c->f, a ? a->id : b->id);
	if (!c->diff) {
		field(c->f, a->outcome);
		nfield(c->f, a->wall_ns);
		nfield(c->f, a->workload_ns);
		field(c->f, a->checksum_mixed ? "mixed" : a->checksum);
		nfield(c->f, a->ndocs);
	} else {
		const char *ka = a ? (a->checksum_mixed ? "mixed" : a->checksum) : NULL;
		const char *kb = b ? (b->checksum_mixed ? "mixed" : b->checksum) : NULL;

		nfield(c->f, a ? a->wall_ns : NAN);
		nfield(c->f, b ? b->wall_ns : NAN);
		nfield(c->f, st_ratio(a ? a->wall_ns : NAN, b ? b->wall_ns : NAN));
		field(c->f, ka);
		field(c->f, kb);
		field(c->f, !ka && !kb ? "" : ka && kb && !strcmp(ka, kb) && strcmp(ka, "mixed") ?
			    "yes" : "no");
	}
	fputc('\n', c->f);
	return 0;
}

static const char *const heads[3][2] = {
	[ST_EXITS] = {
		"level,vm_section,table,name,samples,samples_pct,time_pct,total_ns,mean_ns,max_ns,untimed",
		"level,vm_section,table,name,samples_a,samples_b,samples_ratio,mean_ns_a,mean_ns_b,"
		"mean_ns_ratio,total_ns_a,total_ns_b",
	},
	[ST_VALUES] = {
		"level,vm_section,table,name,value",
		"level,vm_section,table,name,value_a,value_b,ratio",
	},
	[ST_MULT] = {
		"level,vm_section,table,reason,count,l0_exits_mean,l0_exits_p50,l0_exits_p99,"
		"l0_exits_max,l0_ns_mean,l0_ns_p50,l0_ns_p99,l0_ns_max,l1_ns_mean,l1_ns_p50,l1_ns_p99,"
		"l1_ns_max,l0_exit_reasons",
		"level,vm_section,table,reason,count_a,count_b,count_ratio,l0_exits_mean_a,"
		"l0_exits_mean_b,l0_exits_mean_ratio,l0_ns_mean_a,l0_ns_mean_b,l0_ns_mean_ratio,"
		"l1_ns_mean_a,l1_ns_mean_b,l1_ns_mean_ratio",
	},
};

static void dist(FILE *f, const struct st_dist *d)
{
	nfield(f, d->mean);
	nfield(f, d->p50);
	nfield(f, d->p99);
	nfield(f, d->max);
}

static void row_one(struct cx *c, const struct st_table *t, const struct st_row *r)
{
	char reasons[1024];
	size_t k = 0;

	switch (t->kind) {
	case ST_EXITS:
		nfield(c->f, r->count);
		nfield(c->f, st_pct(r->count, st_tab_count(t)));
		nfield(c->f, t->timed ? st_pct(r->total_ns, st_tab_ns(t)) : NAN);
		nfield(c->f, t->timed ? r->total_ns : NAN);
		nfield(c->f, t->timed ? st_mean_ns(r) : NAN);
		nfield(c->f, t->timed ? r->max_ns : NAN);
		nfield(c->f, t->traced ? r->untimed : NAN);
		break;
	case ST_VALUES:
		nfield(c->f, r->count);
		break;
	case ST_MULT:
		nfield(c->f, r->count);
		dist(c->f, &r->l0x);
		dist(c->f, &r->l0ns);
		dist(c->f, &r->l1ns);
		reasons[0] = '\0';
		for (int i = 0; i < r->nl0r && k < sizeof(reasons); i++)
			k += (size_t)snprintf(reasons + k, sizeof(reasons) - k, "%s%s:%.0f",
					      i ? ";" : "", r->l0r[i].name, r->l0r[i].n);
		field(c->f, reasons);
		break;
	}
}

static void trio(FILE *f, double a, double b)
{
	nfield(f, a);
	nfield(f, b);
	nfield(f, st_ratio(a, b));
}

static void row_two(struct cx *c, enum st_kind k, const struct st_row *a, const struct st_row *b)
{
	double ca = a ? a->count : 0, cb = b ? b->count : 0;

	trio(c->f, ca, cb);
	switch (k) {
	case ST_EXITS:
		trio(c->f, a ? st_mean_ns(a) : NAN, b ? st_mean_ns(b) : NAN);
		nfield(c->f, a ? a->total_ns : 0);
		nfield(c->f, b ? b->total_ns : 0);
		break;
	case ST_MULT:
		trio(c->f, a ? a->l0x.mean : NAN, b ? b->l0x.mean : NAN);
		trio(c->f, a ? a->l0ns.mean : NAN, b ? b->l0ns.mean : NAN);
		trio(c->f, a ? a->l1ns.mean : NAN, b ? b->l1ns.mean : NAN);
		break;
	default:
		break;
	}
}

static int tab(void *ctx, const struct st_table *a, const struct st_table *b)
{
	struct cx *c = ctx;
	const struct st_table *t = a ? a : b;
	struct st_pair *p;
	int n, r;

	if (t->kind != c->kind)
		return 0;
	if ((r = st_join(a, b, c->o->sort, &p, &n)) < 0)
		return r;
	if (!c->head)
		header(c, heads[c->kind][c->diff]);
	for (int i = 0; i < n; i++) {
		fputs(st_kind_name(t->kind), c->f);
		field(c->f, st_level_name(c->sec->level));
		field(c->f, c->sec->id);
		field(c->f, t->id);
		field(c->f, p[i].a ? p[i].a->name : p[i].b->name);
		if (c->diff)
			row_two(c, t->kind, p[i].a, p[i].b);
		else
			row_one(c, t, p[i].a);
		fputc('\n', c->f);
	}
	free(p);
	return 0;
}

static int sec(void *ctx, const struct st_sec *a, const struct st_sec *b)
{
	struct cx *c = ctx;

	c->sec = a ? a : b;
	return st_each_tab(a, b, tab, c);
}

int st_csv(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b)
{
	static const enum st_kind kinds[] = { ST_EXITS, ST_VALUES, ST_MULT };
	struct cx c = { .f = f, .o = o, .diff = b != NULL };
	int r = st_each_sum(a, b, sum, &c);

	for (size_t i = 0; !r && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		c.kind = kinds[i];
		c.head = false;
		r = st_each_sec(a, b, o->level, sec, &c);
	}
	if (r < 0)
		return r;
	return fflush(f) || ferror(f) ? -EIO : 0;
}
