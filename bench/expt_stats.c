// SPDX-License-Identifier: MIT
/*
 * The measured TSV (one line per finished run, written by bench/paper.sh)
 * -> per-point statistics and the CSV. The medians are what the report
 * compares with the paper: the machines are shared and noisy, and a median
 * is not moved by one disturbed run.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"
#include "regfile.h"

const char *const expt_counter_names[EXPT_NCTR] = {
	"l1_pf_guest", "l1_exits", "l0_exits", "swap_out", "major_faults",
	"l1_shadow_zapped", "guest_rss_kb", "guest_major_faults", "guest_page_cache_kb", "guest_boot_s",
	"l1_ksm_sharing",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void expt_stats_of(const double *v, size_t n, struct expt_stats *s)
{
	double *c, sum = 0, sq = 0;

	s->n = n;
	s->median = s->mean = s->sd = s->min = s->max = NAN;
	if (!n || !(c = malloc(n * sizeof(*c))))
		return;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	s->median = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	s->min = c[0];
	s->max = c[n - 1];
	for (size_t i = 0; i < n; i++)
		sum += c[i];
	s->mean = sum / (double)n;
	if (n > 1) { /* sample standard deviation: the runs are a sample */
		for (size_t i = 0; i < n; i++)
			sq += (c[i] - s->mean) * (c[i] - s->mean);
		s->sd = sqrt(sq / (double)(n - 1));
	}
	free(c);
}

double expt_corr(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

	if (n < 3)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (sxx <= 0 || syy <= 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}

static int push(struct expt_vals *a, double v)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		double *nv = realloc(a->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = v;
	return 0;
}

/* A non-negative finite number, the whole field. */
static bool number(const char *s, double *out)
{
	char *end;

	if (!*s)
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out) && *out >= 0;
}

static bool uinteger(const char *s, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno;
}

enum { F_ID, F_CONFIG, F_WL, F_MEM, F_REP, F_TIME, F_STATUS, F_CTR0, NFIELDS = F_CTR0 + EXPT_NCTR,
       NFIELDS_V1 = F_CTR0 + EXPT_NCTR_V1, NFIELDS_V2 = F_CTR0 + EXPT_NCTR_V2 };

static int seen_before(struct expt_data *d, const char *id, bool *dup)
{
	for (size_t i = 0; i < d->nseen; i++)
		if (!strcmp(d->seen[i], id)) {
			*dup = true;
			return 0;
		}
	*dup = false;
	if (d->nseen == d->capseen) {
		size_t cap = d->capseen ? 2 * d->capseen : 64;
		char **n = realloc(d->seen, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->seen = n;
		d->capseen = cap;
	}
	if (!(d->seen[d->nseen] = strdup(id)))
		return -ENOMEM;
	d->nseen++;
	return 0;
}

/* One data line; returns 0 (taken or skipped) or -ENOMEM. */
static int take_line(char *line, const char *fname, size_t ln, const struct expt_plan *p,
		     struct expt_data *d, FILE *errs)
{
	char *f[NFIELDS], *s = line, *tab;
	int nf = 0, pt, r;
	unsigned rep;
	unsigned long long status, mem, frep;
	double t = 0, c;
	size_t nlen = strlen(p->d->name);
	bool dup;

#define BAD(...) do { if (errs) { fprintf(errs, "%s:%zu: ", fname, ln); fprintf(errs, __VA_ARGS__); \
			fprintf(errs, ", skipped\n"); } d->bad++; return 0; } while (0)

	for (;;) {
		tab = strchr(s, '\t');
		if (nf == NFIELDS)
			BAD("more than %d columns", NFIELDS);
		f[nf++] = s;
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	if (strncmp(f[F_ID], p->d->name, nlen) || f[F_ID][nlen] != '-') {
		d->other++; /* another experiment's run: measured.tsv holds them all */
		return 0;
	}
	if (nf != NFIELDS && nf != NFIELDS_V2 && nf != NFIELDS_V1)
		BAD("%d columns, not %d (or %d, before the KSM counter, or %d, before the guest counters)",
		    nf, NFIELDS, NFIELDS_V2, NFIELDS_V1);
	for (int i = nf; i < NFIELDS; i++)
		f[i] = "-"; /* a line from before those counters: not measured */
	if ((pt = expt_plan_find_id(p, f[F_ID], &rep)) < 0)
		BAD("run id '%s' is not in the plan of %s (scale %s)", f[F_ID], p->d->file, p->scale.text);
	const struct expt_point *po = &p->points[pt];

	if (strcmp(f[F_CONFIG], expt_config_names[po->config]) || strcmp(f[F_WL], expt_workloads[po->wl].name))
		BAD("config/workload '%s %s' do not match run id '%s'", f[F_CONFIG], f[F_WL], f[F_ID]);
	if (!uinteger(f[F_MEM], &mem) || mem != po->vm_mem)
		BAD("vm_mem '%s' is not the plan's %llu for '%s'", f[F_MEM], (unsigned long long)po->vm_mem, f[F_ID]);
	if (!uinteger(f[F_REP], &frep) || frep != rep)
		BAD("rep '%s' does not match run id '%s'", f[F_REP], f[F_ID]);
	if (!uinteger(f[F_STATUS], &status))
		BAD("status '%s' is not a number", f[F_STATUS]);
	/* a failed run may have no time at all; a passed one must */
	if (!status && !number(f[F_TIME], &t))
		BAD("time_s '%s' is not a number", f[F_TIME]);
	for (int i = 0; i < EXPT_NCTR; i++)
		if (strcmp(f[F_CTR0 + i], "-") && !number(f[F_CTR0 + i], &c))
			BAD("%s '%s' is neither a number nor '-'", expt_counter_names[i], f[F_CTR0 + i]);
	if ((r = seen_before(d, f[F_ID], &dup)))
		return r;
	if (dup) {
		if (errs)
			fprintf(errs, "%s:%zu: run id '%s' measured twice: the first line counts, skipped\n",
				fname, ln, f[F_ID]);
		d->dup++;
		return 0;
	}

	struct expt_meas *m = &d->m[pt];

	if (status) {
		m->failed++;
		d->failed++;
		return 0;
	}
	if ((r = push(&m->time, t)))
		return r;
	for (int i = 0; i < EXPT_NCTR; i++)
		if (strcmp(f[F_CTR0 + i], "-") && number(f[F_CTR0 + i], &c) && (r = push(&m->ctr[i], c)))
			return r;
	d->used++;
	return 0;
#undef BAD
}

int expt_read_measured(const char *text, size_t len, const char *fname,
		       const struct expt_plan *p, struct expt_data *d, FILE *errs)
{
	char line[EXPT_TSV_LINE_MAX + 1];
	size_t ln = 0;
	int r = 0;

	memset(d, 0, sizeof(*d));
	d->m = calloc(p->npoints ? p->npoints : 1, sizeof(*d->m));
	if (!d->m)
		return -ENOMEM;
	d->npoints = p->npoints;
	for (size_t at = 0; at < len && !r;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

		ln++;
		if (n > EXPT_TSV_LINE_MAX || memchr(text + at, '\0', n)) {
			/* a measured line is about 150 bytes of text: this is not one */
			if (errs)
				fprintf(errs, "%s:%zu: %s, skipped\n", fname, ln,
					n > EXPT_TSV_LINE_MAX ? "longer than " EXPT_TSV_LINE_MAX_TEXT " bytes" :
								"a NUL byte");
			d->lines++;
			d->bad++;
			at += n + 1;
			continue;
		}
		memcpy(line, text + at, n);
		line[n] = '\0';
		at += n + 1;
		while (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || !strncmp(line, "run_id\t", 7)) /* blank, or the header */
			continue;
		d->lines++;
		r = take_line(line, fname, ln, p, d, errs);
	}
	for (size_t i = 0; i < p->npoints; i++) {
		struct expt_meas *m = &d->m[i];

		expt_stats_of(m->time.v, m->time.n, &m->t);
		for (int k = 0; k < EXPT_NCTR; k++) {
			struct expt_stats cs;

			expt_stats_of(m->ctr[k].v, m->ctr[k].n, &cs);
			m->ctr_med[k] = cs.median;
		}
	}
	return r;
}

int expt_load_measured(const char *path, const struct expt_plan *p, struct expt_data *d,
		       FILE *errs, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r;

	memset(d, 0, sizeof(*d));
	/* regfile: a directory read as empty and /dev/zero read without end */
	if ((r = regfile_read(path, EXPT_TSV_MAX, &text, &len, err, errlen)))
		return r;
	r = expt_read_measured(text, len, path, p, d, errs);
	free(text);
	if (r)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

void expt_data_free(struct expt_data *d)
{
	for (size_t i = 0; i < d->nseen; i++)
		free(d->seen[i]);
	free(d->seen);
	for (size_t i = 0; d->m && i < d->npoints; i++) {
		free(d->m[i].time.v);
		for (int k = 0; k < EXPT_NCTR; k++)
			free(d->m[i].ctr[k].v);
	}
	free(d->m);
	memset(d, 0, sizeof(*d));
}

double expt_pct(const struct expt_data *d, int a, int b)
{
	if (a < 0 || b < 0)
		return NAN;
	double ta = d->m[a].t.median, tb = d->m[b].t.median;

	if (isnan(ta) || isnan(tb) || ta <= 0)
		return NAN;
	return (tb / ta - 1) * 100;
}

static void num(FILE *f, const char *fmt, double v)
{
	if (!isnan(v))
		fprintf(f, fmt, v);
}

int expt_write_csv(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	fprintf(f, "config,workload,vms,vm_mem_bytes,vm_mem_mib,paper_gb,n,median_s,mean_s,sd_s,"
		   "min_s,max_s,failed");
	for (int k = 0; k < EXPT_NCTR; k++)
		fprintf(f, ",%s_median", expt_counter_names[k]);
	fputc('\n', f);
	for (size_t i = 0; i < p->npoints; i++) {
		const struct expt_point *pt = &p->points[i];
		const struct expt_meas *m = &d->m[i];

		fprintf(f, "%s,%s,%u,%llu,%llu,%.2f,%zu,", expt_config_names[pt->config],
			expt_workloads[pt->wl].name, pt->vms, (unsigned long long)pt->vm_mem,
			(unsigned long long)(pt->vm_mem / MIB), pt->paper_gb, m->t.n);
		/* empty fields for what was not measured: never a made-up 0 */
		num(f, "%.3f", m->t.median);
		fputc(',', f);
		num(f, "%.3f", m->t.mean);
		fputc(',', f);
		num(f, "%.3f", m->t.sd);
		fputc(',', f);
		num(f, "%.3f", m->t.min);
		fputc(',', f);
		num(f, "%.3f", m->t.max);
		fprintf(f, ",%zu", m->failed);
		for (int k = 0; k < EXPT_NCTR; k++) {
			fputc(',', f);
			num(f, "%.10g", m->ctr_med[k]);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
