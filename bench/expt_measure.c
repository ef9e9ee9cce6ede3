// SPDX-License-Identifier: MIT
/*
 * One run's result document -> its line of the measured TSV
 * (docs/experiments.md), and L1's outcome for the driver's retry. This
 * replaces bench/paper.sh's jq programs and writes exactly what they
 * wrote for the same document: the same columns, the same sums in the
 * same order, numbers printed as jq 1.6 prints them. Where jq quietly
 * gave null (a counter a host does not have, an L1 that sent nothing),
 * this gives the same "-", 0 or failed status; where jq stopped with an
 * error (no vms, no vCPU list, no time at all), this refuses the document.
 * A document nestlab does not write is refused even where jq printed
 * something: a run document without its schema, an object where a list
 * belongs, text or true for a counter, a sum that is no number (inf -
 * inf). jq's line for those was text summarize skips, or numbers of a
 * broken document; refused, the driver reports the run and runs it again.
 *
 * Two documents: nestlab-flat/1 (bench/paper_run.sh: every flat VM's
 * nestlab-run/1, or null for a VM that wrote none) and nestlab-nested/1
 * (nestlab nested, docs/results.md).
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"
#include "jsonread.h"
#include "regfile.h"

#define MAX_VMS 64 /* runs in one document: vms 1..16, with room */

int expt_jq_number(double v, char *buf, size_t n)
{
	char e[40], dig[24];
	int nd = 0, decpt, p, k = 0;
	const char *s;

	if (n < 32)
		return -ENOSPC;
	if (isnan(v))
		return -EDOM; /* jq's @tsv writes an empty field: no number to read */
	/* jq writes infinities as the largest double (JSON has none) */
	if (v > DBL_MAX)
		v = DBL_MAX;
	if (v < -DBL_MAX)
		v = -DBL_MAX;
	/* the shortest digits that read back as v: jq's dtoa in mode 0 */
	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	if (p == 17)
		snprintf(e, sizeof(e), "%.16e", v);
	s = e;
	if (*s == '-')
		buf[k++] = *s++;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			dig[nd++] = *s;
	decpt = atoi(s + 1) + 1;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	if (v == 0)
		decpt = 1;
	/* jvp_dtoa_fmt's choice: exponent form for small numbers and for
	 * integers with more than 15 trailing zeros */
	if (decpt <= -4 || decpt > nd + 15) {
		buf[k++] = dig[0];
		if (nd > 1) {
			buf[k++] = '.';
			memcpy(buf + k, dig + 1, (size_t)nd - 1);
			k += nd - 1;
		}
		snprintf(buf + k, n - (size_t)k, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
	} else if (decpt <= 0) {
		buf[k++] = '0';
		buf[k++] = '.';
		for (int i = decpt; i < 0; i++)
			buf[k++] = '0';
		snprintf(buf + k, n - (size_t)k, "%s", dig);
	} else {
		for (int i = 0; i < nd; i++) {
			buf[k++] = dig[i];
			if (i + 1 == decpt && i + 1 < nd)
				buf[k++] = '.';
		}
		for (int i = nd; i < decpt; i++)
			buf[k++] = '0';
		buf[k] = '\0';
	}
	return 0;
}

struct conv {
	const struct jr_doc *d;
	const char *doc;
	char *err;
	size_t errlen;
};

static int bad(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct conv *c, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(c->err, c->errlen, "%s: ", c->doc);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < c->errlen)
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* jq's .a.b: the node, -1 for null or missing, an error for a step
 * through a scalar or an array. */
static int field(struct conv *c, int node, const char *path, const char *what, int *out)
{
	*out = jr_path(c->d, node, path);
	if (*out == -EINVAL)
		return bad(c, "%s: '%s' goes through something that is not an object", what, path);
	if (jr_type(c->d, *out) == JR_NULL)
		*out = -1;
	return 0;
}

/* jq's add over numbers and nulls: null is nothing, the rest summed left
 * to right starting from the first (so the sum is the one jq makes). */
struct sum {
	bool any;
	double v;
};

static int add(struct conv *c, struct sum *s, int node, const char *what)
{
	if (node < 0)
		return 0;
	if (jr_type(c->d, node) != JR_NUMBER)
		return bad(c, "%s is not a number", what);
	s->v = s->any ? s->v + c->d->n[node].num : c->d->n[node].num;
	s->any = true;
	return 0;
}

/* A result document's own vCPU list (kvm_stats.vcpus): jq's
 * .kvm_stats.vcpus[] stops on anything else, and so does this. */
static int vcpus(struct conv *c, int run, const char *what, int *list)
{
	int r = field(c, run, "kvm_stats.vcpus", what, list);

	if (r)
		return r;
	if (jr_type(c->d, *list) != JR_ARRAY)
		return bad(c, "%s has no kvm_stats.vcpus list", what);
	return 0;
}

/* Sum stats.KEY over the vCPUs of every run in runs[]. */
static int sum_stat(struct conv *c, const int *runs, int nruns, const char *key, const char *what,
		    struct sum *s)
{
	char path[64], w[96];
	int r, list, v;

	snprintf(path, sizeof(path), "stats.%s", key);
	for (int i = 0; i < nruns; i++) {
		if ((r = vcpus(c, runs[i], what, &list)))
			return r;
		for (int cpu = c->d->n[list].child; cpu >= 0; cpu = c->d->n[cpu].next) {
			snprintf(w, sizeof(w), "%s's kvm_stats.vcpus[].%s", what, path);
			if (jr_type(c->d, cpu) != JR_NULL && jr_type(c->d, cpu) != JR_OBJECT)
				return bad(c, "%s: a vCPU that is not an object", what);
			if ((r = field(c, cpu, path, w, &v)) || (r = add(c, s, v, w)))
				return r;
		}
	}
	return 0;
}

/* A Linux guest (config.kernel_type "linux") sends no workload marks:
 * its time is the program's steps by its own clock, in the nestlab-l2/1
 * document it sent (docs/guest-linux.md), the kernel's boot apart. */
static bool is_linux(struct conv *c, int run)
{
	int k = jr_path(c->d, run, "config.kernel_type");

	return k >= 0 && jr_streq(c->d, k, "linux");
}

/* A Linux VM that sent no document (a panic, a timeout) has no time of
 * its own: nestlab's 0, as a guest-kernel VM that sent no marks has, and
 * the run's failed status keeps it out of the statistics. */
static const char *time_path(struct conv *c, int run)
{
	static const char own[] = "guest_document.time.workload_ns";

	return is_linux(c, run) && jr_path(c->d, run, own) >= 0 ? own : "time.workload_ns";
}

/* A Linux guest passed only if its program's checks did: the document's
 * ok is true (a VM whose program failed still exits cleanly). */
static int linux_ok(struct conv *c, int run, bool *pass)
{
	int ok, r;

	*pass = true;
	if (!is_linux(c, run))
		return 0;
	if ((r = field(c, run, "guest_document.ok", "a Linux VM", &ok)))
		return r;
	*pass = jr_type(c->d, ok) == JR_TRUE;
	return 0;
}

/* The mean of time.workload_ns over the runs (a Linux guest's own, see
 * time_path), in seconds, as jq's map(.time.workload_ns) | add / length
 * / 1e9: a run without the time still counts in the length. */
static int mean_time(struct conv *c, const int *runs, int nruns, const char *what, char *out,
		     size_t n)
{
	struct sum s = { false, 0 };
	int r, v;

	if (!nruns) {
		snprintf(out, n, "-");
		return 0;
	}
	for (int i = 0; i < nruns; i++)
		if ((r = field(c, runs[i], time_path(c, runs[i]), what, &v)) ||
		    (r = add(c, &s, v, "time.workload_ns")))
			return r;
	if (!s.any)
		return bad(c, "no %s has time.workload_ns", what);
	if (expt_jq_number(s.v / (double)nruns / 1e9, out, n))
		return bad(c, "the %ss' time.workload_ns add up to no number", what);
	return 0;
}

static int check_run(struct conv *c, int run, const char *what)
{
	if (jr_type(c->d, run) != JR_OBJECT)
		return bad(c, "%s is not a result document (an object)", what);
	if (!jr_streq(c->d, jr_get(c->d, run, "schema"), "nestlab-run/1"))
		return bad(c, "%s is not a nestlab-run/1 document", what);
	return 0;
}

/* jq's add // "-": nothing summed is "-" */
static int sum_text(struct conv *c, const struct sum *s, const char *what, char *out, size_t n)
{
	if (!s->any) {
		snprintf(out, n, "-");
		return 0;
	}
	if (expt_jq_number(s->v, out, n))
		return bad(c, "%s add up to no number", what);
	return 0;
}

struct cols {
	char time[40], status[4], pf[40], l1x[40], l0x[40], swap[40], maj[40];
	char zap[40], grss[40], gmaj[40], gcache[40], gboot[40], ksm[40];
};

/* The number at path in each run (skipped where absent or null), summed,
 * each divided by div; Linux runs only when linux_only (the members a
 * Linux guest's document has). nvals counts the runs that had it. */
static int sum_member(struct conv *c, const int *runs, int nruns, const char *path, double div,
		      bool linux_only, struct sum *s, int *nvals)
{
	double x;
	int v;

	*nvals = 0;
	for (int i = 0; i < nruns; i++) {
		if (linux_only && !is_linux(c, runs[i]))
			continue;
		v = jr_path(c->d, runs[i], path);
		if (v < 0 || jr_type(c->d, v) == JR_NULL)
			continue;
		if (jr_type(c->d, v) != JR_NUMBER)
			return bad(c, "%s is not a number", path);
		x = c->d->n[v].num / div;
		s->v = s->any ? s->v + x : x;
		s->any = true;
		(*nvals)++;
	}
	return 0;
}

/* What the VMs themselves did (expt.h, EXPT_C_ZAPPED..): "-" where no VM
 * reported it. A Linux VM's vmstat delta lists only counters that moved,
 * so one with a document but no pgmajfault had none: 0. */
static int guest_cols(struct conv *c, const int *runs, int nruns, bool nested, struct cols *o)
{
	struct sum zap = { false, 0 }, rss = { false, 0 }, maj = { false, 0 }, cache = { false, 0 },
		   boot = { false, 0 };
	int r, n, ndocs = 0, nboot = 0;

	if (nested && (r = sum_member(c, runs, nruns, "kvm_stats.vm.mmu_shadow_zapped", 1, false, &zap, &n)))
		return r;
	if ((r = sum_member(c, runs, nruns, "process.guest_rss_kb", 1, false, &rss, &n)) ||
	    (r = sum_member(c, runs, nruns, "guest_document.page_cache_end_bytes", 1024, true, &cache, &ndocs)) ||
	    (r = sum_member(c, runs, nruns, "guest_document.vmstat_delta.pgmajfault", 1, true, &maj, &n)) ||
	    (r = sum_member(c, runs, nruns, "guest_document.time.boot_to_init_ns", 1e9, true, &boot, &nboot)))
		return r;
	if (nboot)
		boot.v /= nboot; /* the mean boot, not the sum */
	if (ndocs && !maj.any)
		maj = (struct sum){ true, 0 };
	if ((r = sum_text(c, &zap, "the L2s' mmu_shadow_zapped", o->zap, sizeof(o->zap))) ||
	    (r = sum_text(c, &rss, "the VMs' guest_rss_kb", o->grss, sizeof(o->grss))) ||
	    (r = sum_text(c, &maj, "the VMs' pgmajfault", o->gmaj, sizeof(o->gmaj))) ||
	    (r = sum_text(c, &cache, "the VMs' page cache", o->gcache, sizeof(o->gcache))) ||
	    (r = sum_text(c, &boot, "the VMs' boot times", o->gboot, sizeof(o->gboot))))
		return r;
	return 0;
}

/*
 * L1's KSM at its most merged: the largest host_ksm_pages_sharing in any
 * L2's memory_series (each L2's nestlab samples L1's KSM, which is one for
 * all of them; docs/results.md). Its end value (l1.ksm_pages_sharing_end)
 * would say nothing: by then the L2s have exited and their pages are
 * gone. "-" when no L2 sent a series with that column.
 */
static int ksm_peak(struct conv *c, const int *runs, int nruns, char *out, size_t n)
{
	struct sum s = { false, 0 };

	for (int i = 0; i < nruns; i++) {
		int ms = jr_path(c->d, runs[i], "memory_series"), cols, smp, col = -1, k = 0;

		if (ms < 0 || jr_type(c->d, ms) != JR_OBJECT)
			continue;
		cols = jr_get(c->d, ms, "columns");
		smp = jr_get(c->d, ms, "samples");
		if (jr_type(c->d, cols) != JR_ARRAY || jr_type(c->d, smp) != JR_ARRAY)
			return bad(c, "an L2's memory_series has no columns and samples lists");
		for (int e = c->d->n[cols].child; e >= 0; e = c->d->n[e].next, k++)
			if (jr_streq(c->d, e, "host_ksm_pages_sharing"))
				col = k;
		if (col < 0)
			continue;
		for (int e = c->d->n[smp].child; e >= 0; e = c->d->n[e].next) {
			int v = jr_type(c->d, e) == JR_ARRAY ? c->d->n[e].child : -1;

			for (k = 0; v >= 0 && k < col; k++)
				v = c->d->n[v].next;
			if (jr_type(c->d, v) != JR_NUMBER)
				return bad(c, "an L2's memory_series sample has no number for host_ksm_pages_sharing");
			if (!s.any || c->d->n[v].num > s.v)
				s.v = c->d->n[v].num;
			s.any = true;
		}
	}
	return sum_text(c, &s, "L1's KSM pages_sharing", out, n);
}

/* nestlab-flat/1: .vms[], each a nestlab-run/1 or null. */
static int flat(struct conv *c, const struct expt_measure_run *in, struct cols *o)
{
	int vms, runs[MAX_VMS] = { 0 }, nruns = 0, nall = 0, r;
	bool pass;
	struct sum x = { false, 0 };

	if ((r = field(c, 0, "vms", "the document", &vms)))
		return r;
	if (jr_type(c->d, vms) != JR_ARRAY)
		return bad(c, "no 'vms' list");
	for (int v = c->d->n[vms].child; v >= 0; v = c->d->n[v].next, nall++) {
		if (jr_type(c->d, v) == JR_NULL)
			continue; /* the VM wrote no document: the run failed */
		if (nruns == MAX_VMS)
			return bad(c, "more than %d VMs", MAX_VMS);
		if ((r = check_run(c, v, "a VM's entry in 'vms'")))
			return r;
		runs[nruns++] = v;
	}
	if ((r = mean_time(c, runs, nruns, "VM", o->time, sizeof(o->time))))
		return r;
	/* jq's and and all() stop at the first false: a VM after the first
	 * failed one, or a VM that did not exit, is not looked at further */
	pass = !strcmp(in->rc, "0") && nruns == nall;
	for (int i = 0; pass && i < nruns; i++) {
		int st;

		pass = jr_streq(c->d, jr_get(c->d, runs[i], "outcome"), "exited");
		if (!pass)
			break;
		if ((r = field(c, runs[i], "guest.exit_status", "a VM", &st)))
			return r;
		pass = jr_type(c->d, st) == JR_NUMBER && c->d->n[st].num == 0;
		if (pass && (r = linux_ok(c, runs[i], &pass)))
			return r;
	}
	snprintf(o->status, sizeof(o->status), "%d", !pass);
	if ((r = sum_stat(c, runs, nruns, "exits", "a VM", &x)) ||
	    (r = sum_text(c, &x, "the VMs' exits", o->l0x, sizeof(o->l0x))))
		return r;
	snprintf(o->pf, sizeof(o->pf), "-");
	snprintf(o->l1x, sizeof(o->l1x), "-");
	snprintf(o->swap, sizeof(o->swap), "-");
	snprintf(o->maj, sizeof(o->maj), "-");
	snprintf(o->ksm, sizeof(o->ksm), "-"); /* no L1 */
	return guest_cols(c, runs, nruns, false, o);
}

/* L1's /proc/vmstat counter KEY, 0 when L1 sent none (jq's // 0). */
static int vmstat(struct conv *c, int l1, const char *key, char *out, size_t n)
{
	char path[64];
	int v, r;

	snprintf(path, sizeof(path), "vmstat_delta.%s", key);
	if (l1 < 0) {
		snprintf(out, n, "0");
		return 0;
	}
	if ((r = field(c, l1, path, "l1", &v)))
		return r;
	if (v < 0 || jr_type(c->d, v) == JR_FALSE) {
		snprintf(out, n, "0");
		return 0;
	}
	if (jr_type(c->d, v) != JR_NUMBER)
		return bad(c, "l1.%s is not a number", path);
	if (expt_jq_number(c->d->n[v].num, out, n))
		return bad(c, "l1.%s is no number", path);
	return 0;
}

/* Pages L1 swapped out: to its swap device (pswpout) and into zswap in
 * front of it (zswpout, 0 without zswap); a page zswap writes back to the
 * device later counts in both (docs/experiments.md, swap_out). */
static int swap_out(struct conv *c, int l1, char *out, size_t n)
{
	char dev[40], zs[40];
	int r;

	if ((r = vmstat(c, l1, "pswpout", dev, sizeof(dev))) ||
	    (r = vmstat(c, l1, "zswpout", zs, sizeof(zs))))
		return r;
	if (expt_jq_number(strtod(dev, NULL) + strtod(zs, NULL), out, n))
		return bad(c, "l1's swap-outs are no number");
	return 0;
}

/* nestlab-nested/1: the L2s' results in .l1.l2[].result, L0's view of L1
 * in .l0_view. */
static int nested(struct conv *c, const struct expt_measure_run *in, struct cols *o)
{
	int l1, l2 = -1, l0, runs[MAX_VMS] = { 0 }, nruns = 0, r;
	struct sum pf = { false, 0 }, l1x = { false, 0 }, l0x = { false, 0 };

	if ((r = field(c, 0, "l1", "the document", &l1)))
		return r;
	if (l1 >= 0 && jr_type(c->d, l1) != JR_OBJECT)
		return bad(c, "'l1' is neither L1's document nor null");
	if (l1 >= 0 && (r = field(c, l1, "l2", "l1", &l2)))
		return r;
	if (jr_type(c->d, l2) == JR_FALSE)
		l2 = -1;
	if (l2 >= 0 && jr_type(c->d, l2) != JR_ARRAY)
		return bad(c, "'l1.l2' is not a list");
	for (int e = l2 < 0 ? -1 : c->d->n[l2].child; e >= 0; e = c->d->n[e].next) {
		int res;

		if (jr_type(c->d, e) != JR_NULL && jr_type(c->d, e) != JR_OBJECT)
			return bad(c, "an entry of 'l1.l2' is not an object");
		if ((r = field(c, e, "result", "l1.l2[]", &res)))
			return r;
		if (res < 0)
			continue; /* that L2 sent no result: it failed */
		if (nruns == MAX_VMS)
			return bad(c, "more than %d L2s", MAX_VMS);
		if ((r = check_run(c, res, "an L2's result")))
			return r;
		runs[nruns++] = res;
	}
	if ((r = mean_time(c, runs, nruns, "L2 result", o->time, sizeof(o->time))))
		return r;
	bool pass = !strcmp(in->rc, "0") && nruns > 0;

	for (int i = 0; pass && i < nruns; i++)
		if ((r = linux_ok(c, runs[i], &pass)))
			return r;
	snprintf(o->status, sizeof(o->status), "%d", !pass);
	if ((r = sum_stat(c, runs, nruns, "pf_guest", "an L2's result", &pf)) ||
	    (r = sum_stat(c, runs, nruns, "exits", "an L2's result", &l1x)))
		return r;
	if ((r = field(c, 0, "l0_view", "the document", &l0)))
		return r;
	if (l0 < 0)
		return bad(c, "no 'l0_view' (L0's document of L1)");
	if ((r = check_run(c, l0, "'l0_view'")) || (r = sum_stat(c, &l0, 1, "exits", "l0_view", &l0x)))
		return r;
	if ((r = sum_text(c, &pf, "the L2s' pf_guest", o->pf, sizeof(o->pf))) ||
	    (r = sum_text(c, &l1x, "the L2s' exits", o->l1x, sizeof(o->l1x))) ||
	    (r = sum_text(c, &l0x, "l0_view's exits", o->l0x, sizeof(o->l0x))))
		return r;
	if ((r = swap_out(c, l1, o->swap, sizeof(o->swap))) ||
	    (r = vmstat(c, l1, "pgmajfault", o->maj, sizeof(o->maj))) ||
	    (r = ksm_peak(c, runs, nruns, o->ksm, sizeof(o->ksm))))
		return r;
	return guest_cols(c, runs, nruns, true, o);
}

/* jq's @tsv for a string. */
static void tsv_str(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\n': fputs("\\n", f); break;
		case '\\': fputs("\\\\", f); break;
		default: fputc(*s, f);
		}
}

static bool id_ok(const char *s)
{
	if (!*s || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
			return false;
	return true;
}

static bool digits(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n <= max && strspn(s, "0123456789") == n;
}

static int check_args(const struct expt_measure_run *in, char *err, size_t errlen)
{
	if (!id_ok(in->id))
		snprintf(err, errlen, "run id '%s': letters, digits, '_', '-', '.' (a plan's run_id)", in->id);
	else if (expt_config_find(in->config) < 0)
		snprintf(err, errlen, "config '%s': flat, shadow, nested or sos", in->config);
	else if (expt_workload_find(in->workload) < 0)
		snprintf(err, errlen, "workload '%s': mcf, bzip2, gobmk, hmmer, ptrchase or touch", in->workload);
	else if (!digits(in->vm_mem, 20))
		snprintf(err, errlen, "vm_mem '%s': bytes, digits only", in->vm_mem);
	else if (!digits(in->rep, 7) || in->rep[0] == '0')
		snprintf(err, errlen, "rep '%s': a number from 1", in->rep);
	else if (!digits(in->rc, 3) || atoi(in->rc) > 255)
		snprintf(err, errlen, "rc '%s': an exit status, 0..255", in->rc);
	else
		return 0;
	return -EINVAL;
}

static int load(const char *path, char **text, struct jr_doc *d, char *err, size_t errlen)
{
	size_t len;
	char why[160];
	int r;

	*text = NULL;
	if ((r = regfile_read(path, EXPT_DOC_MAX, text, &len, err, errlen)))
		return r;
	if ((r = jr_parse(*text, len, d, why, sizeof(why)))) {
		snprintf(err, errlen, "%s: not a JSON document (%s)", path, why);
		free(*text);
		*text = NULL;
		return r;
	}
	return 0;
}

int expt_measure(const struct expt_measure_run *in, FILE *out, char *err, size_t errlen)
{
	bool is_flat = !strcmp(in->config, "flat");
	const char *want = is_flat ? "nestlab-flat/1" : "nestlab-nested/1";
	struct jr_doc d;
	struct conv c = { &d, in->doc, err, errlen };
	struct cols o;
	char *text;
	int r;

	if ((r = check_args(in, err, errlen)) || (r = load(in->doc, &text, &d, err, errlen)))
		return r;
	if (!jr_streq(&d, jr_get(&d, 0, "schema"), want))
		r = bad(&c, "not a %s document (config %s)", want, in->config);
	else
		r = is_flat ? flat(&c, in, &o) : nested(&c, in, &o);
	jr_free(&d);
	free(text);
	if (r)
		return r;
	const char *cols[] = { in->id, in->config, in->workload, in->vm_mem, in->rep, o.time,
			       o.status, o.pf, o.l1x, o.l0x, o.swap, o.maj,
			       o.zap, o.grss, o.gmaj, o.gcache, o.gboot, o.ksm };

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (i)
			fputc('\t', out);
		tsv_str(out, cols[i]);
	}
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

int expt_l1_outcome(const char *path, FILE *out, char *err, size_t errlen)
{
	struct jr_doc d;
	struct conv c = { &d, path, err, errlen };
	char *text, buf[128];
	int r, v;

	if ((r = load(path, &text, &d, err, errlen)))
		return r;
	if (jr_streq(&d, jr_get(&d, 0, "schema"), "nestlab-flat/1")) {
		r = 0; /* flat VMs run on L0: there is no L1 */
	} else if (!jr_streq(&d, jr_get(&d, 0, "schema"), "nestlab-nested/1")) {
		r = bad(&c, "neither a nestlab-nested/1 nor a nestlab-flat/1 document");
	} else if (!(r = field(&c, 0, "l0_view.outcome", "the document", &v)) && v >= 0) {
		if (jr_string(&d, v, buf, sizeof(buf)) < 0 || memchr(buf, '\n', strlen(buf)))
			r = bad(&c, "l0_view.outcome is not an outcome");
		else
			fprintf(out, "%s\n", buf);
	}
	jr_free(&d);
	free(text);
	return r ? r : ferror(out) ? -EIO : 0;
}
