// SPDX-License-Identifier: MIT
/*
 * The pressure section of the report (docs/experiments.md, "pressure"):
 * for a nested experiment whose L2s keep an OS share (resident), each
 * size as the ratio of what the L2s ask L1 to back to L1's memory, the
 * time against it, and the counters that say whether L1 ran short: the
 * knee is the first ratio at which L1 swapped. Every number comes from
 * the medians of measured runs; the ratio asked is computed from the
 * plan the way guest-kernel sizes its share (whole 2 MiB).
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "expt.h"

#define SZ_2M (2ull << 20)

/* What one L2 asks its L1 to back: guest-kernel's share, whole 2 MiB of
 * its memory (guest-kernel/kmain.c), and the workload's footprint. */
uint64_t expt_pressure_l2_bytes(const struct expt_plan *p, int wl, uint64_t vm_mem)
{
	return (vm_mem * p->d->resident / 100 & ~(SZ_2M - 1)) + p->footprint[wl];
}

/* What the plan's L2s at point pt ask L1 to back, over L1's memory. */
static double ratio_asked(const struct expt_plan *p, int pt)
{
	const struct expt_point *po = &p->points[pt];

	return (double)(po->vms * expt_pressure_l2_bytes(p, po->wl, po->vm_mem)) / (double)p->l1_mem;
}

/* The knee of one series: its first size, by memory, whose passed runs
 * swapped in L1 (median swap_out above 0); -1 if none did. */
static int knee_of(const struct expt_plan *p, const struct expt_data *d, int cfg, int wl, int vi,
		   const int *order)
{
	for (int s = 0; s < p->nsizes; s++) {
		int pt = expt_plan_point_vms(p, cfg, wl, vi, order[s]);

		if (d->m[pt].t.n && d->m[pt].ctr_med[EXPT_C_SWAP] > 0)
			return pt;
	}
	return -1;
}

static void knee_name(char *b, size_t n, const struct expt_plan *p, int cfg, int wl, int vi)
{
	snprintf(b, n, "%s-knee-%s-%s-%uvm", p->d->name, expt_config_names[cfg],
		 expt_workloads[wl].name, p->d->vms[vi]);
}

/* The run whose memory over time stands for point pt: the first rep whose
 * document is in outdir/runs (paper.sh's layout), or NULL. */
static const struct expt_run *knee_run(const struct expt_plan *p, int pt, const char *outdir,
				       char *doc, size_t n)
{
	struct stat st;

	for (size_t i = 0; i < p->nruns; i++) {
		if (p->runs[i].point != pt)
			continue;
		snprintf(doc, n, "%s/runs/%s.json", outdir, p->runs[i].id);
		if (!stat(doc, &st) && S_ISREG(st.st_mode))
			return &p->runs[i];
	}
	return NULL;
}

/* The knee's figure, where expt_pressure_plots drew it. */
static void knee_figure(FILE *f, const struct expt_plan *p, const struct expt_meta *meta, int cfg,
			int wl, int vi, int knee)
{
	char name[256], path[4096], doc[4096];
	const struct expt_run *r;
	struct stat st;

	if (!meta || !meta->outdir || !(r = knee_run(p, knee, meta->outdir, doc, sizeof(doc))))
		return;
	knee_name(name, sizeof(name), p, cfg, wl, vi);
	snprintf(path, sizeof(path), "%s/%s.png", meta->outdir, name);
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	fprintf(f, "![memory over time at the knee](%s.png)\n\n"
		   "Memory over time of the run at the knee, `%s` (`nestlab-expt memplot runs/%s.json`): "
		   "L1 in L0's memory above, each L2 in L1's memory below, L1's swap-outs as bars.\n\n",
		name, r->id, r->id);
}

int expt_pressure_plots(const struct expt_plan *p, const struct expt_data *d, const char *outdir,
			FILE *errs)
{
	const struct expt_desc *de = p->d;
	int order[EXPT_MAX_LIST], drawn = 0;

	if (!de->nested || !de->resident || p->guest != EXPT_GUEST_KERNEL || !p->l1_mem)
		return 0;
	expt_plan_sizes_by_memory(p, order);
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < de->nwl; w++)
			for (int v = 0; v < de->nvms; v++) {
				int cfg = p->configs[c], wl = de->wl[w], knee;
				char name[256], doc[4096], err[EXPT_ERRLEN];

				if (cfg == EXPT_FLAT || (knee = knee_of(p, d, cfg, wl, v, order)) < 0 ||
				    !knee_run(p, knee, outdir, doc, sizeof(doc)))
					continue;
				knee_name(name, sizeof(name), p, cfg, wl, v);
				if (expt_memplot(doc, outdir, name, err, sizeof(err)) ||
				    expt_render(outdir, name, err, sizeof(err))) {
					fprintf(errs, "nestlab-expt: the knee's memory over time: %s\n", err);
					continue;
				}
				drawn++;
			}
	return drawn;
}

static void one_series(FILE *f, const struct expt_plan *p, const struct expt_data *d, int cfg,
		       int wl, int vi, const int *order, const struct expt_meta *meta)
{
	double base = NAN;
	int knee = knee_of(p, d, cfg, wl, vi, order), last = -1, nfailed = 0;
	char g[32];

	fprintf(f, "#### %s, %s, %u L2%s\n\n", expt_config_labels[cfg], expt_workloads[wl].name,
		p->d->vms[vi], p->d->vms[vi] == 1 ? "" : "s");
	fprintf(f, "| paper GB | L2s' sum / L1 asked | resident / L1 measured | n | median s "
		   "| vs the lowest ratio | swap-outs | major faults | L1 shadow zapped | L1 KSM sharing |\n"
		   "|---|---|---|---|---|---|---|---|---|---|\n");
	for (int s = 0; s < p->nsizes; s++) {
		int pt = expt_plan_point_vms(p, cfg, wl, vi, order[s]);
		const struct expt_meas *m = &d->m[pt];
		double rss = m->ctr_med[EXPT_C_GRSS] * 1024.0 / (double)p->l1_mem;

		fprintf(f, "| %s | %.2f |", expt_gb_text(g, sizeof(g), p->points[pt].paper_gb),
			ratio_asked(p, pt));
		expt_md_cell(f, rss, "%.2f");
		fprintf(f, " %zu |", m->t.n);
		if (!m->t.n) {
			if (m->failed)
				fprintf(f, " failed (%zu run%s) | | | | | |\n", m->failed, m->failed == 1 ? "" : "s");
			else
				fprintf(f, " not measured | | | | | |\n");
			nfailed += m->failed > 0;
			continue;
		}
		expt_md_cell(f, m->t.median, "%.3f");
		if (isnan(base))
			base = m->t.median;
		if (base > 0)
			fprintf(f, " %+.1f%% |", (m->t.median / base - 1) * 100);
		else
			fprintf(f, " - |");
		expt_md_cell(f, m->ctr_med[EXPT_C_SWAP], "%.10g");
		expt_md_cell(f, m->ctr_med[EXPT_C_MAJ], "%.10g");
		expt_md_cell(f, m->ctr_med[EXPT_C_ZAPPED], "%.10g");
		expt_md_cell(f, m->ctr_med[EXPT_C_KSM], "%.10g");
		fprintf(f, "\n");
		last = pt;
	}
	fprintf(f, "\n");
	if (nfailed)
		fprintf(f, "%d size%s had no passed run: there an L2 failed (for example killed by L1's "
			   "OOM killer when L1's memory and swap ran out; the run's `runs/ID.out` says).\n\n",
			nfailed, nfailed == 1 ? "" : "s");
	if (last < 0) {
		fprintf(f, "No size measured.\n\n");
		return;
	}
	if (knee < 0) {
		fprintf(f, "No knee: L1 swapped out nothing at any measured size (`swap_out` 0), "
			   "so L1 backed every L2 page it was asked for.\n\n");
		return;
	}
	const struct expt_meas *k = &d->m[knee];

	fprintf(f, "Knee: L1 first swapped at %s (the L2s asked for %.2f x L1's memory): %.10g pages "
		   "out, %.10g major faults in L1, the time %.3f s against %.3f s at the lowest ratio (%+.1f%%).",
		expt_gb_text(g, sizeof(g), p->points[knee].paper_gb), ratio_asked(p, knee), k->ctr_med[EXPT_C_SWAP],
		k->ctr_med[EXPT_C_MAJ], k->t.median, base, base > 0 ? (k->t.median / base - 1) * 100 : NAN);
	if (last != knee)
		fprintf(f, " At the highest ratio measured, %s: %.3f s (%+.1f%%), %.10g pages out.",
			expt_gb_text(g, sizeof(g), p->points[last].paper_gb), d->m[last].t.median,
			base > 0 ? (d->m[last].t.median / base - 1) * 100 : NAN, d->m[last].ctr_med[EXPT_C_SWAP]);
	/* the OS share is written once at boot: the pages L1 evicts first are
	 * cold, and the workload's time need not move with swap-outs */
	fprintf(f, " The OS share is written once at boot and not touched again (docs/guest-kernel.md), "
		   "so what L1 swaps out first is cold: swap-outs without a slowdown mean L1 took "
		   "pages the L2s did not need back.\n\n");
	knee_figure(f, p, meta, cfg, wl, vi, knee);
}

void expt_pressure_md(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		      const struct expt_meta *meta)
{
	const struct expt_desc *de = p->d;
	int order[EXPT_MAX_LIST];
	bool any = false;

	if (!de->nested || !de->resident || p->guest != EXPT_GUEST_KERNEL || !p->l1_mem)
		return;
	for (int c = 0; c < p->nconfigs; c++)
		any |= p->configs[c] != EXPT_FLAT;
	if (!any)
		return;
	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### Memory pressure in L1\n\n"
		   "Each size as the ratio of what the L2s ask L1 to back (their OS share, %u%% of "
		   "their memory in whole 2 MiB, and the footprint) to L1's memory (%llu MiB; L1's own "
		   "kernel has its allowance on top), and measured: the L2s' memory resident in L1 "
		   "(`guest_rss_kb`) over L1's memory. L1 swaps to zram%s. %s\n\n",
		   de->resident, (unsigned long long)(p->l1_mem / MIB),
		   de->l1_zswap ? ", through zswap (its swap-outs include the pages zswap took)" : "",
		   de->l1_ksm ? "KSM in L1 is on (`l1_ksm`): pages it merged are in `L1 KSM sharing`."
			      : "KSM in L1 is off.");
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < de->nwl; w++)
			for (int v = 0; v < de->nvms; v++)
				if (p->configs[c] != EXPT_FLAT)
					one_series(f, p, d, p->configs[c], de->wl[w], v, order, meta);
}
