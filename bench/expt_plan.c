// SPDX-License-Identifier: MIT
/*
 * The plan: a parsed description (expt_desc.c) and the command-line
 * overrides -> the points of the figure and the runs that measure them.
 * Every size is scaled with integer arithmetic (expt_size_scaled_mib), so
 * the same description and options give the same run ids on every
 * machine: the driver resumes an interrupted reproduction by those ids.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"

#define FAIL(...) expt_fail(err, errlen, d->file, ln, __VA_ARGS__)

int expt_plan_point_vms(const struct expt_plan *p, int config, int wl, int vi, int size)
{
	int ci = -1, wi = -1, si = -1;

	for (int i = 0; i < p->nconfigs; i++)
		if (p->configs[i] == config)
			ci = i;
	for (int i = 0; i < p->d->nwl; i++)
		if (p->d->wl[i] == wl)
			wi = i;
	for (int i = 0; i < p->nsizes; i++)
		if (p->sizes[i] == size)
			si = i;
	if (ci < 0 || wi < 0 || si < 0 || vi < 0 || vi >= p->d->nvms)
		return -1;
	return ((ci * p->d->nwl + wi) * p->d->nvms + vi) * p->nsizes + si;
}

int expt_plan_point(const struct expt_plan *p, int config, int wl, int size)
{
	return expt_plan_point_vms(p, config, wl, 0, size);
}

double expt_plan_paper_gb(const struct expt_plan *p, int si)
{
	return (double)p->vm_mem[si] / expt_scale_value(&p->scale) / (double)(1ull << 30);
}

const char *expt_gb_text(char *buf, size_t n, double gb)
{
	snprintf(buf, n, "%.3g GB", gb);
	return buf;
}

void expt_plan_sizes_by_memory(const struct expt_plan *p, int *out)
{
	for (int i = 0; i < p->nsizes; i++)
		out[i] = p->sizes[i];
	for (int i = 1; i < p->nsizes; i++)
		for (int j = i; j > 0 && p->vm_mem[out[j - 1]] > p->vm_mem[out[j]]; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
}

int expt_plan_size_gib(const struct expt_plan *p, unsigned gib)
{
	for (int i = 0; i < p->nsizes; i++)
		if (expt_size_bytes(&p->d->vm_mem[p->sizes[i]]) == (uint64_t)gib << 30)
			return p->sizes[i];
	return -1;
}

/* Parse a comma list of overrides into *sel (indexes into the description's
 * list, in the description's order so ids and order stay stable). */
static int select_sizes(const struct expt_desc *d, const char *list, bool *sel,
			char *err, size_t errlen)
{
	char buf[512], *save, *tok;
	int r, n = 0;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--sizes: too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct expt_size s;
		int found = -1;

		if ((r = expt_parse_size(tok, &s))) {
			char why[96];

			snprintf(err, errlen, "--sizes: '%s' is %s", tok,
				 expt_size_why(r, "not a size", why, sizeof(why)));
			return -EINVAL;
		}
		for (int i = 0; i < d->nsizes; i++)
			if (expt_size_bytes(&d->vm_mem[i]) == expt_size_bytes(&s))
				found = i;
		if (found < 0) {
			snprintf(err, errlen, "--sizes: %s is not one of %s's vm_mem (unscaled sizes, as in the file)",
				 tok, d->file);
			return -EINVAL;
		}
		sel[found] = true;
		n++;
	}
	/* an empty list selected nothing: an empty plan, run and "done" */
	if (!n) {
		snprintf(err, errlen, "--sizes: no size given (a list like 5G,8G of %s's vm_mem)", d->file);
		return -EINVAL;
	}
	return 0;
}

static int select_modes(const struct expt_desc *d, const char *list, bool *sel,
			char *err, size_t errlen)
{
	char buf[256], *save, *tok;
	int n = 0;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--modes: too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = expt_config_find(tok);
		bool in = false;

		if (c <= EXPT_FLAT) {
			snprintf(err, errlen, "--modes: unknown mode '%s' (shadow, nested, sos)", tok);
			return -EINVAL;
		}
		for (int i = 0; i < d->nmodes; i++)
			in |= d->modes[i] == c;
		if (!in) {
			snprintf(err, errlen, "--modes: %s has no mode '%s' (it has %d: see its 'modes')",
				 d->file, tok, d->nmodes);
			return -EINVAL;
		}
		sel[c] = true;
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "--modes: no mode given (a list like shadow,nested of %s's modes)", d->file);
		return -EINVAL;
	}
	return 0;
}

/* The run id without "-rN": NAME[-linux][-resN][-ksmN][-zswap]-CONFIG-WORKLOAD
 * [-Nvm]-SIZEM. Every part that can differ between two points of one
 * plan is in it; the ids of older results (one number of VMs, no guest,
 * share or KSM keys) read the same as before these keys existed. */
static void point_key(struct expt_point *pt, const struct expt_plan *p, int cfg)
{
	const struct expt_desc *d = p->d;
	char res[40] = "", vms[16] = "";
	int rn = 0;

	if (d->resident)
		rn = snprintf(res, sizeof(res), "-res%u", d->resident);
	/* KSM in L1 changes only the nested runs */
	if (d->l1_ksm && cfg != EXPT_FLAT)
		rn += snprintf(res + rn, sizeof(res) - (size_t)rn, "-ksm%u", d->l1_ksm);
	if (d->l1_zswap && cfg != EXPT_FLAT)
		snprintf(res + rn, sizeof(res) - (size_t)rn, "-zswap");
	if (d->nvms > 1)
		snprintf(vms, sizeof(vms), "-%uvm", pt->vms);
	snprintf(pt->key, sizeof(pt->key), "%s%s%s-%s%s-%s%s-%lluM", d->name,
		 p->guest == EXPT_GUEST_LINUX ? "-linux" : "", res,
		 cfg == EXPT_FLAT ? "flat" : "nested-", cfg == EXPT_FLAT ? "" : expt_config_names[cfg],
		 expt_workloads[pt->wl].name, vms, (unsigned long long)(pt->vm_mem / MIB));
}

int expt_plan_build(const struct expt_desc *d, const struct expt_opts *o,
		    struct expt_plan *p, FILE *notes, char *err, size_t errlen)
{
	bool ssel[EXPT_MAX_LIST] = { false }, msel[EXPT_NCONFIGS] = { false };
	char too_big[96];
	int r, ln;

	/* a size within the bound as written can scale past it (scale up to 64) */
	snprintf(too_big, sizeof(too_big), "above the %lluG (%llu MiB) nestlab gives a VM",
		 (unsigned long long)EXPT_MAX_GIB, (unsigned long long)EXPT_MAX_MIB);
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->scale = d->scale;
	p->reps = o->reps ? o->reps : d->reps;
	if (o->scale && expt_parse_scale(o->scale, &p->scale)) {
		snprintf(err, errlen, "--scale '%s': a fraction like 1/32 or a decimal like 0.125, above 0 and at most 64", o->scale);
		return -EINVAL;
	}
	if (o->reps > 1000) {
		snprintf(err, errlen, "--reps %u: at most 1000", o->reps);
		return -EINVAL;
	}
	if (o->sizes && (r = select_sizes(d, o->sizes, ssel, err, errlen)))
		return r;
	if (o->modes && (r = select_modes(d, o->modes, msel, err, errlen)))
		return r;
	if (o->modes && !d->nested) {
		snprintf(err, errlen, "--modes: %s has no nested shape", d->file);
		return -EINVAL;
	}
	p->guest = d->guest;
	if (o->guest && (p->guest = expt_guest_find(o->guest)) < 0) {
		snprintf(err, errlen, "--guest '%s': kernel or linux", o->guest);
		return -EINVAL;
	}
	if (p->guest == EXPT_GUEST_LINUX && d->resident) {
		ln = d->line[EXPT_K_RESIDENT];
		return FAIL("resident is guest-kernel's OS share: a Linux guest's kernel keeps its own memory");
	}
	for (int i = 0; p->guest == EXPT_GUEST_LINUX && i < d->nwl; i++)
		if (!expt_workload_linux(d->wl[i])) {
			ln = d->line[EXPT_K_WORKLOADS];
			return FAIL("workload '%s' has no Linux program: a Linux guest runs mcf, bzip2, gobmk "
				    "(GNU Go) or hmmer (docs/guest-linux.md); use guest kernel for it",
				    expt_workloads[d->wl[i]].name);
		}

	if (d->flat)
		p->configs[p->nconfigs++] = EXPT_FLAT;
	for (int i = 0; i < d->nmodes; i++)
		if (!o->modes || msel[d->modes[i]])
			p->configs[p->nconfigs++] = d->modes[i];

	/* Scale every size; a VM below 4 MiB cannot hold guest-kernel, one
	 * below 64 MiB not Linux's kernel and initramfs. */
	uint64_t least = p->guest == EXPT_GUEST_LINUX ? EXPT_LINUX_MIN_MIB : 4;

	for (int i = 0; i < d->nsizes; i++) {
		uint64_t mib = expt_size_scaled_mib(&d->vm_mem[i], &p->scale);

		if (mib < least || mib > EXPT_MAX_MIB) {
			char low[64];

			snprintf(low, sizeof(low), "below the %llu MiB a%s VM needs",
				 (unsigned long long)least, p->guest == EXPT_GUEST_LINUX ? " Linux" : "");
			ln = d->line[EXPT_K_VM_MEM];
			return FAIL("vm_mem %s x %s is %llu MiB, %s", d->vm_mem[i].text, p->scale.text,
				    (unsigned long long)mib, mib < least ? low : too_big);
		}
		for (int j = 0; j < i; j++)
			if (p->vm_mem[j] == mib * MIB) {
				ln = d->line[EXPT_K_VM_MEM];
				return FAIL("vm_mem %s and %s both scale to %llu MiB", d->vm_mem[j].text,
					    d->vm_mem[i].text, (unsigned long long)mib);
			}
		p->vm_mem[i] = mib * MIB;
		if (!o->sizes || ssel[i])
			p->sizes[p->nsizes++] = i;
	}
	const struct expt_size *mem[2] = { &d->host_mem, &d->l1_mem };
	uint64_t *dst[2] = { &p->host_mem, &p->l1_mem };
	const int keys[2] = { EXPT_K_HOST_MEM, EXPT_K_L1_MEM };

	for (int i = 0; i < 2; i++) {
		if (!mem[i]->mant)
			continue;
		uint64_t mib = expt_size_scaled_mib(mem[i], &p->scale);

		if (mib < 4 || mib > EXPT_MAX_MIB) {
			ln = d->line[keys[i]];
			return FAIL("%s %s x %s is %llu MiB, %s", expt_key_names[keys[i]], mem[i]->text,
				    p->scale.text, (unsigned long long)mib,
				    mib < 4 ? "below the 4 MiB a VM needs" : too_big);
		}
		*dst[i] = mib * MIB;
	}
	/* A footprint is the workload's size parameter: scaled with the rest,
	 * but never below what the workload accepts. */
	for (int i = 0; i < d->nwl; i++) {
		int w = d->wl[i];
		uint64_t b = expt_size_scaled_mib(&d->footprint[w], &p->scale) * MIB;

		if (b > EXPT_MAX_BYTES) {
			ln = d->line[EXPT_K_FOOTPRINT];
			return FAIL("footprint %s=%s x %s is %llu MiB, %s", expt_workloads[w].name,
				    d->footprint[w].text, p->scale.text, (unsigned long long)(b / MIB), too_big);
		}
		if (b < expt_workloads[w].min_footprint) {
			p->fp_raised[w] = true;
			if (notes)
				fprintf(notes, "%s: %s footprint %s x %s is %llu MiB after rounding: "
					"raised to the workload's minimum, %llu KiB\n", d->file,
					expt_workloads[w].name, d->footprint[w].text, p->scale.text,
					(unsigned long long)(b / MIB),
					(unsigned long long)(expt_workloads[w].min_footprint >> 10));
			b = expt_workloads[w].min_footprint;
		}
		p->footprint[w] = b;
	}

	/* Points, config-major: the order of the CSV and the report. */
	int nv = d->nvms;

	p->npoints = (size_t)p->nconfigs * (size_t)d->nwl * (size_t)nv * (size_t)p->nsizes;
	p->points = calloc(p->npoints ? p->npoints : 1, sizeof(*p->points));
	p->nruns = p->npoints * p->reps;
	p->runs = calloc(p->nruns ? p->nruns : 1, sizeof(*p->runs));
	if (!p->points || !p->runs) {
		expt_plan_free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < d->nwl; w++)
			for (int v = 0; v < nv; v++)
				for (int s = 0; s < p->nsizes; s++) {
					int cfg = p->configs[c], si = p->sizes[s];
					struct expt_point *pt = &p->points[((c * d->nwl + w) * nv + v) * p->nsizes + s];

					pt->config = cfg;
					pt->wl = d->wl[w];
					pt->vi = v;
					pt->vms = d->vms[v];
					pt->size = si;
					pt->vm_mem = p->vm_mem[si];
					pt->paper_gb = (double)pt->vm_mem / expt_scale_value(&p->scale) /
						       (double)(1ull << 30);
					point_key(pt, p, cfg);
				}
	/* Runs: rep outermost, configuration innermost, so that an interrupted
	 * reproduction has covered every point once before it repeats any,
	 * and the configurations compared at one size run next to each other. */
	size_t k = 0;

	for (unsigned rep = 1; rep <= p->reps; rep++)
		for (int s = 0; s < p->nsizes; s++)
			for (int v = 0; v < nv; v++)
				for (int w = 0; w < d->nwl; w++)
					for (int c = 0; c < p->nconfigs; c++) {
						struct expt_run *run = &p->runs[k++];

						run->point = ((c * d->nwl + w) * nv + v) * p->nsizes + s;
						run->rep = rep;
						snprintf(run->id, sizeof(run->id), "%s-r%u",
							 p->points[run->point].key, rep);
					}
	return 0;
}

void expt_plan_free(struct expt_plan *p)
{
	free(p->points);
	free(p->runs);
	p->points = NULL;
	p->runs = NULL;
	p->npoints = p->nruns = 0;
}

void expt_plan_print(FILE *f, const struct expt_plan *p)
{
	fprintf(f, "run_id\texperiment\tconfig\tworkload\tvm_mem\thost_mem\tl1_mem\tl1_cpus\t"
		   "footprint\titers\tvms\trep\tguest\tresident\tl1_ksm\tl1_zswap\n");
	for (size_t i = 0; i < p->nruns; i++) {
		const struct expt_run *r = &p->runs[i];
		const struct expt_point *pt = &p->points[r->point];

		fprintf(f, "%s\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%u\t%llu\t%llu\t%u\t%u\t%s\t%u\t%u\t%d\n", r->id,
			p->d->name, expt_config_names[pt->config], expt_workloads[pt->wl].name,
			(unsigned long long)pt->vm_mem, (unsigned long long)p->host_mem,
			(unsigned long long)p->l1_mem, p->d->l1_cpus,
			(unsigned long long)p->footprint[pt->wl], (unsigned long long)p->d->iters[pt->wl],
			pt->vms, r->rep, expt_guest_names[p->guest], p->d->resident,
			pt->config == EXPT_FLAT ? 0 : p->d->l1_ksm,
			pt->config != EXPT_FLAT && p->d->l1_zswap);
	}
}

int expt_plan_find_id(const struct expt_plan *p, const char *id, unsigned *rep)
{
	const char *r = strrchr(id, '-');
	uint64_t v;
	size_t klen;

	if (!r || r[1] != 'r' || expt_parse_uint(r + 2, 1000000, &v) || !v)
		return -1;
	klen = (size_t)(r - id);
	for (size_t i = 0; i < p->npoints; i++)
		if (strlen(p->points[i].key) == klen && !strncmp(p->points[i].key, id, klen)) {
			*rep = (unsigned)v;
			return (int)i;
		}
	return -1;
}
