// SPDX-License-Identifier: MIT
/*
 * Statistics -> the Markdown section that puts our numbers next to the
 * paper's (../shared/paper.md), NAME.meta, and report.md, which joins the
 * sections (the plot is expt_plot.c). Every number written here is
 * computed from the medians of measured runs; a point without runs is
 * "not measured", never estimated.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expt.h"
#include "regfile.h"

static double median_of(const struct expt_data *d, int pt)
{
	return pt < 0 ? NAN : d->m[pt].t.median;
}

static const char *pct(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "not measured");
	else
		snprintf(buf, n, "%.2f%%", v);
	return buf;
}

static const char *secs(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "not measured");
	else
		snprintf(buf, n, "%.3f", v);
	return buf;
}

/* "mcf" or, in a sweep of the number of VMs, "mcf, 3 VMs". */
static const char *series_name(char *buf, size_t n, const struct expt_plan *p, int wl, int vi)
{
	if (p->d->nvms == 1)
		snprintf(buf, n, "%s", expt_workloads[wl].name);
	else
		snprintf(buf, n, "%s, %u VM%s", expt_workloads[wl].name, p->d->vms[vi],
			 p->d->vms[vi] == 1 ? "" : "s");
	return buf;
}

static bool has_config(const struct expt_plan *p, int c)
{
	for (int i = 0; i < p->nconfigs; i++)
		if (p->configs[i] == c)
			return true;
	return false;
}

/* ---- the Markdown section ---- */

static void setup_text(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		       const struct expt_meta *meta, bool rendered)
{
	const struct expt_desc *de = p->d;
	int order[EXPT_MAX_LIST];
	size_t nmin = (size_t)-1, nmax = 0, measured = 0;
	char g[32];

	expt_plan_sizes_by_memory(p, order);
	for (size_t i = 0; i < p->npoints; i++) {
		size_t n = d->m[i].t.n;

		nmin = n < nmin ? n : nmin;
		nmax = n > nmax ? n : nmax;
		measured += n > 0;
	}
	fprintf(f, "- Host: %s.\n", meta->host ? meta->host : "not stated");
	if (!meta->emulated)
		fprintf(f, "- Emulated: not stated.\n");
	else if (!strcmp(meta->emulated, "yes"))
		fprintf(f, "- Emulated: **yes**, the testbed (QEMU TCG standing in for nested-capable "
			   "hardware): these times describe emulation, not hardware.\n");
	else
		fprintf(f, "- Emulated: no, hardware virtualization.\n");
	if (de->resident)
		fprintf(f, "- guest-kernel's OS share: %u%% of each VM's memory written at boot "
			   "(`resident=%u`, docs/guest-kernel.md).\n", de->resident, de->resident);
	if (de->l1_ksm)
		fprintf(f, "- KSM in L1: on, `pages_to_scan` %u every 20 ms, every L2's memory "
			   "mergeable (`nestlab nested --l1-ksm %u`, docs/nested.md).\n", de->l1_ksm, de->l1_ksm);
	if (de->l1_zswap)
		fprintf(f, "- zswap in L1: on, in front of its zram (`nestlab nested --l1-zswap`, "
			   "docs/nested.md); `swap_out` counts the pages it took (zswpout) with those "
			   "written to zram (pswpout).\n");
	fprintf(f, "- Guest in every VM: %s.%s\n", expt_guest_labels[p->guest],
		p->guest == EXPT_GUEST_LINUX ?
		" Its time is the program's steps by the VM's own clock (`guest_document.time.workload_ns`), "
		"the kernel's boot apart; a run passes only if the program's checks passed in the VM "
		"(docs/guest-linux.md)" : "");
	fprintf(f, "- Scale %s: every memory size of the paper multiplied by it, rounded to whole MiB. VM memory:",
		p->scale.text);
	for (int s = 0; s < p->nsizes; s++)
		fprintf(f, "%s %s = %llu MiB", s ? "," : "", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[s])),
			(unsigned long long)(p->vm_mem[order[s]] / MIB));
	fprintf(f, ".");
	if (p->host_mem)
		fprintf(f, " Host (L0) memory %s = %llu MiB.", de->host_mem.text,
			(unsigned long long)(p->host_mem / MIB));
	if (de->nested)
		fprintf(f, " L1: %s = %llu MiB, %u vCPUs.", de->l1_mem.text,
			(unsigned long long)(p->l1_mem / MIB), de->l1_cpus);
	if (de->nvms == 1)
		fprintf(f, " %u VM%s at once.", de->vms[0], de->vms[0] > 1 ? "s" : "");
	else {
		fprintf(f, " VMs at once, swept:");
		for (int v = 0; v < de->nvms; v++)
			fprintf(f, "%s %u", v ? "," : "", de->vms[v]);
		fprintf(f, " (each point's `VMs`).");
	}
	fprintf(f, "\n- Footprints:");
	for (int w = 0; w < de->nwl; w++) {
		int wl = de->wl[w];

		bool whole = !(p->footprint[wl] % MIB);

		fprintf(f, "%s %s %s = %llu %s%s (iters %llu)", w ? "," : "", expt_workloads[wl].name,
			de->footprint[wl].text, (unsigned long long)(p->footprint[wl] >> (whole ? 20 : 10)),
			whole ? "MiB" : "KiB", p->fp_raised[wl] ? ", raised to the workload's minimum" : "",
			(unsigned long long)de->iters[wl]);
	}
	fprintf(f, ".\n- Runs: %u planned per point; %zu lines of this experiment read: %zu passed, "
		   "%zu failed (not in the statistics), %zu malformed or unknown, %zu duplicates (skipped). "
		   "%zu of %zu points measured, n = %zu..%zu runs per point.\n",
		p->reps, d->used + d->failed + d->bad + d->dup, d->used, d->failed, d->bad, d->dup,
		measured, p->npoints, nmin == (size_t)-1 ? 0 : nmin, nmax);
	fprintf(f, "- Times: each run's time is the mean completion time of its VMs (seconds); "
		   "a point is the median over its runs.\n\n");
	if (rendered)
		fprintf(f, "![%s](%s.png)\n\n([SVG](%s.svg), [data](%s.csv), [gnuplot script](%s.gp))\n\n",
			de->name, de->name, de->name, de->name, de->name);
	else
		fprintf(f, "(The plot was not rendered: run `gnuplot %s.gp` in this folder. [data](%s.csv))\n\n",
			de->name, de->name);
}

void expt_md_cell(FILE *f, double v, const char *fmt)
{
	if (isnan(v)) {
		fprintf(f, " - |");
		return;
	}
	fputc(' ', f);
	fprintf(f, fmt, v);
	fprintf(f, " |");
}

static void points_table(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	int order[EXPT_MAX_LIST];
	char g[32], b[32];

	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### Our points\n\n"
		   "Counters are medians over the passed runs: `l1_pf_guest`, `l1_exits` are L1's KVM "
		   "statistics for its L2s (nested only), `l0_exits` L0's exits for the VMs (flat) or for "
		   "L1 (nested), `swap_out` (pswpout, plus zswpout where zswap was on) and `major_faults` L1's /proc/vmstat (nested only). What the "
		   "VMs themselves did: `l1_shadow_zapped`, shadow pages L1's KVM threw away for its L2s "
		   "(nested only); `guest_rss_kb`, the VMs' memory resident in the level below (L1 for "
		   "L2s), summed; and for Linux guests, by their own kernel, `guest_major_faults` (summed), "
		   "`guest_page_cache_kb` at the end (summed) and `guest_boot_s`, boot to /init (the "
		   "mean, not in the time); `l1_ksm_sharing`, L1's KSM `pages_sharing` at its most "
		   "(nested runs with `l1_ksm` only: pages of the L2s that KSM merged).\n\n"
		   "| config | workload | VMs | paper GB | VM MiB | n | failed | median s | mean s | sd s "
		   "| min s | max s | L1 pf_guest | L1 exits | L0 exits | swap-outs | major faults "
		   "| L1 shadow zapped | VMs' resident KiB | VMs' major faults | VMs' page cache KiB "
		   "| VM boot s | L1 KSM sharing |\n"
		   "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < p->d->nwl; w++)
			for (int v = 0; v < p->d->nvms; v++)
				for (int s = 0; s < p->nsizes; s++) {
					int pt = expt_plan_point_vms(p, p->configs[c], p->d->wl[w], v, order[s]);
					const struct expt_meas *m = &d->m[pt];

					fprintf(f, "| %s | %s | %u | %s | %llu | %zu | %zu | %s |",
						expt_config_names[p->configs[c]], expt_workloads[p->d->wl[w]].name,
						p->points[pt].vms, expt_gb_text(g, sizeof(g), p->points[pt].paper_gb),
						(unsigned long long)(p->points[pt].vm_mem / MIB), m->t.n, m->failed,
						secs(b, sizeof(b), m->t.median));
					if (!m->t.n) {
						for (int k = 0; k < 4 + EXPT_NCTR; k++)
							fprintf(f, " |");
						fprintf(f, "\n");
						continue;
					}
					fprintf(f, " %.3f |", m->t.mean);
					if (isnan(m->t.sd))
						fprintf(f, " - |");
					else
						fprintf(f, " %.3f |", m->t.sd);
					fprintf(f, " %.3f | %.3f |", m->t.min, m->t.max);
					for (int k = 0; k < EXPT_NCTR; k++)
						expt_md_cell(f, m->ctr_med[k], "%.10g");
					fprintf(f, "\n");
				}
	fprintf(f, "\n");
}

/* Figure 3: nested vs flat at each size. */
static void fig3(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	int order[EXPT_MAX_LIST], s8 = expt_plan_size_gib(p, 8);
	char g[32], b[32], paper_best[64];

	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### Against the paper: figure 3\n\n"
		   "Slowdown of nested over flat = median nested time / median flat time - 1, at the "
		   "same VM size. The paper: nested VMs were %s slower on average, and %s at 8 GB, "
		   "where VM memory equals host memory (the smallest gap).\n\n",
		expt_paper.fig3_avg, expt_paper.fig3_at8);
	snprintf(paper_best, sizeof(paper_best), "%s (%s)", expt_paper.fig3_best, expt_paper.fig3_at8);
	if (!has_config(p, EXPT_FLAT) || p->nconfigs < 2) {
		fprintf(f, "Not measured: figure 3 needs flat and nested runs, and this plan has %s.\n\n",
			has_config(p, EXPT_FLAT) ? "no nested runs" : "no flat runs");
		return;
	}
	fprintf(f, "| comparison | paper | ours |\n|---|---|---|\n");
	for (int c = 0; c < p->nconfigs; c++) {
		int cfg = p->configs[c];
		bool paper = cfg == EXPT_SHADOW;
		const char *np = "- (the paper measured shadow only)";

		if (cfg == EXPT_FLAT)
			continue;
		for (int w = 0; w < p->d->nwl; w++) {
			int wl = p->d->wl[w], k = 0, best = -1;
			double sum = 0, bestv = NAN;

			fprintf(f, "| %s, %s vs flat: per size | | ", expt_workloads[wl].name, expt_config_names[cfg]);
			for (int s = 0; s < p->nsizes; s++) {
				double v = expt_pct(d, expt_plan_point(p, EXPT_FLAT, wl, order[s]),
						    expt_plan_point(p, cfg, wl, order[s]));

				fprintf(f, "%s%s %s", s ? ", " : "", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[s])),
					pct(b, sizeof(b), v));
				if (!isnan(v)) {
					sum += v;
					k++;
					if (best < 0 || v < bestv) {
						best = order[s];
						bestv = v;
					}
				}
			}
			fprintf(f, " |\n| %s, %s vs flat: average over all sizes | %s | %s",
				expt_workloads[wl].name, expt_config_names[cfg], paper ? expt_paper.fig3_avg : np,
				pct(b, sizeof(b), k ? sum / k : NAN));
			if (k)
				fprintf(f, " (%d of %d sizes)", k, p->nsizes);
			fprintf(f, " |\n| %s, %s vs flat: at 8 GB | %s | %s |\n", expt_workloads[wl].name,
				expt_config_names[cfg], paper ? expt_paper.fig3_at8 : np,
				s8 < 0 ? "not measured (8 GB is not in the plan)" :
				pct(b, sizeof(b), expt_pct(d, expt_plan_point(p, EXPT_FLAT, wl, s8),
							   expt_plan_point(p, cfg, wl, s8))));
			fprintf(f, "| %s, %s vs flat: smallest gap | %s | ", expt_workloads[wl].name,
				expt_config_names[cfg], paper ? paper_best : np);
			if (best < 0)
				fprintf(f, "not measured |\n");
			else
				fprintf(f, "%s (%s) |\n", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, best)), pct(b, sizeof(b), bestv));
		}
	}
	fprintf(f, "\n");
}

/* Figure 4: one nested configuration over the sizes, per workload. */
static void fig4(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	int s5 = expt_plan_size_gib(p, 5), s8 = expt_plan_size_gib(p, 8), s9 = expt_plan_size_gib(p, 9);
	int order[EXPT_MAX_LIST];
	char g[32], b[32];

	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### Against the paper: figure 4\n\n"
		   "Per workload: the cost of going from 8 GB down to 5 GB (median at 5 GB / median at "
		   "8 GB - 1), the fastest size, and the change from 8 to 9 GB (positive: slower). The "
		   "paper: %s was fastest at 8 GB; 8 -> 5 GB cost %s on average and %s at "
		   "most; 9 GB, more than L1's own memory, made performance drop sharply (no number "
		   "given).\n\n", expt_paper.fig4_fastest, expt_paper.fig4_avg, expt_paper.fig4_worst);
	for (int c = 0; c < p->nconfigs; c++) {
		int cfg = p->configs[c], k = 0, k9 = 0, nbest8 = 0, nbest = 0, worst = -1;
		bool paper = cfg == EXPT_SHADOW;
		double sum = 0, worstv = NAN, sum9 = 0;
		const char *np = "- (the paper measured shadow only)";

		if (cfg == EXPT_FLAT)
			continue;
		fprintf(f, "#### %s\n\n| workload |", expt_config_labels[cfg]);
		for (int s = 0; s < p->nsizes; s++)
			fprintf(f, " %s s |", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[s])));
		fprintf(f, " 8 -> 5 GB | fastest size | 8 -> 9 GB |\n|---|");
		for (int s = 0; s < p->nsizes + 3; s++)
			fprintf(f, "---|");
		fprintf(f, "\n");
		for (int w = 0; w < p->d->nwl; w++) {
			int wl = p->d->wl[w], best = -1, nm = 0;
			double bestv = NAN, v;

			fprintf(f, "| %s |", expt_workloads[wl].name);
			for (int s = 0; s < p->nsizes; s++) {
				double t = median_of(d, expt_plan_point(p, cfg, wl, order[s]));

				fprintf(f, " %s |", secs(b, sizeof(b), t));
				if (!isnan(t)) {
					nm++;
					if (best < 0 || t < bestv) {
						best = order[s];
						bestv = t;
					}
				}
			}
			v = s5 < 0 || s8 < 0 ? NAN : expt_pct(d, expt_plan_point(p, cfg, wl, s8),
							      expt_plan_point(p, cfg, wl, s5));
			fprintf(f, " %s |", pct(b, sizeof(b), v));
			if (!isnan(v)) {
				sum += v;
				k++;
				if (worst < 0 || v > worstv) {
					worst = wl;
					worstv = v;
				}
			}
			if (best < 0)
				fprintf(f, " not measured |");
			else
				fprintf(f, " %s%s |", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, best)),
					nm < p->nsizes ? " (of the measured sizes)" : "");
			nbest += best >= 0;
			nbest8 += best >= 0 && best == s8;
			v = s9 < 0 || s8 < 0 ? NAN : expt_pct(d, expt_plan_point(p, cfg, wl, s8),
							      expt_plan_point(p, cfg, wl, s9));
			fprintf(f, " %s |\n", pct(b, sizeof(b), v));
			if (!isnan(v)) {
				sum9 += v;
				k9++;
			}
		}
		fprintf(f, "\n| figure 4, %s | paper | ours |\n|---|---|---|\n", expt_config_names[cfg]);
		fprintf(f, "| average cost of 8 -> 5 GB | %s | %s", paper ? expt_paper.fig4_avg : np,
			pct(b, sizeof(b), k ? sum / k : NAN));
		if (k)
			fprintf(f, " (%d of %d workloads)", k, p->d->nwl);
		fprintf(f, " |\n| worst cost of 8 -> 5 GB | %s | %s", paper ? expt_paper.fig4_worst : np,
			pct(b, sizeof(b), worstv));
		if (worst >= 0)
			fprintf(f, " (%s)", expt_workloads[worst].name);
		fprintf(f, " |\n| fastest at 8 GB | %s | ", paper ? expt_paper.fig4_fastest : np);
		if (!nbest)
			fprintf(f, "not measured");
		else
			fprintf(f, "%d of %d workloads", nbest8, nbest);
		fprintf(f, " |\n| 8 -> 9 GB | %s | %s", paper ? expt_paper.fig4_past_l1 : np,
			k9 ? (snprintf(b, sizeof(b), "%.2f%% on average", sum9 / k9), b) : "not measured");
		if (k9)
			fprintf(f, " (%d of %d workloads)", k9, p->d->nwl);
		fprintf(f, " |\n\n");
	}
}

/* Several L1->L2 modes: each against shadow (or the first mode). */
static void modes(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	int order[EXPT_MAX_LIST], base = -1, nmodes = 0;
	char g[32], b[32], name[48];

	expt_plan_sizes_by_memory(p, order);
	for (int c = 0; c < p->nconfigs; c++)
		if (p->configs[c] != EXPT_FLAT) {
			nmodes++;
			if (base < 0)
				base = p->configs[c];
		}
	if (has_config(p, EXPT_SHADOW)) /* the paper's mode is the reference */
		base = EXPT_SHADOW;
	if (nmodes < 2)
		return;
	fprintf(f, "### Paging modes\n\n"
		   "Each mode against %s at the same workload and size (median / median - 1; positive: "
		   "slower). The paper measured shadow only: its %s host had no nested EPT "
		   "(fig. 2(c)), and it ran no shadow-on-shadow (fig. 2(a)), so it has no number to "
		   "compare these with.\n\n| workload | size | %s s |", expt_config_names[base],
		expt_paper.host_kernel, expt_config_names[base]);
	for (int c = 0; c < p->nconfigs; c++)
		if (p->configs[c] != EXPT_FLAT && p->configs[c] != base)
			fprintf(f, " %s s | %s vs %s |", expt_config_names[p->configs[c]],
				expt_config_names[p->configs[c]], expt_config_names[base]);
	fprintf(f, "\n|---|---|---|");
	for (int c = 0; c < nmodes - 1; c++)
		fprintf(f, "---|---|");
	fprintf(f, "\n");
	for (int w = 0; w < p->d->nwl; w++)
		for (int v = 0; v < p->d->nvms; v++) {
			int wl = p->d->wl[w];

			for (int s = 0; s < p->nsizes; s++) {
				int bp = expt_plan_point_vms(p, base, wl, v, order[s]);

				fprintf(f, "| %s | %s | %s |", series_name(name, sizeof(name), p, wl, v),
					expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[s])),
					secs(b, sizeof(b), median_of(d, bp)));
				for (int c = 0; c < p->nconfigs; c++) {
					int cfg = p->configs[c], cp;

					if (cfg == EXPT_FLAT || cfg == base)
						continue;
					cp = expt_plan_point_vms(p, cfg, wl, v, order[s]);
					fprintf(f, " %s |", secs(b, sizeof(b), median_of(d, cp)));
					fprintf(f, " %s |", pct(b, sizeof(b), expt_pct(d, bp, cp)));
				}
				fprintf(f, "\n");
			}
		}
	fprintf(f, "\n");
}

static bool series_has(const struct expt_data *d, const int *pts, int n, int k)
{
	for (int i = 0; i < n; i++)
		if (!isnan(d->m[pts[i]].ctr_med[k]))
			return true;
	return false;
}

/* Which counter moved with the time: over the sizes of one series, and
 * between configurations at the same sizes. Numbers only. */
static void counters(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	int order[EXPT_MAX_LIST];
	char g[32], g2[32], name[48];

	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### What moved with the time\n\n"
		   "Over the sizes of each series, Pearson's r between the median time and each counter's "
		   "median (at least 3 sizes with both).\n\n");
	for (int c = 0; c < p->nconfigs; c++)
		for (int sr = 0; sr < p->d->nwl * p->d->nvms; sr++) {
			int cfg = p->configs[c], wl = p->d->wl[sr / p->d->nvms], v = sr % p->d->nvms;
			int n = 0, pts[EXPT_MAX_LIST], bestk = -1;
			double bestr = 0;

			for (int s = 0; s < p->nsizes; s++) {
				int pt = expt_plan_point_vms(p, cfg, wl, v, order[s]);

				if (d->m[pt].t.n)
					pts[n++] = pt;
			}
			fprintf(f, "- %s, %s: ", series_name(name, sizeof(name), p, wl, v), expt_config_names[cfg]);
			if (n < 3) {
				fprintf(f, "%d measured size%s, too few to correlate.\n", n, n == 1 ? "" : "s");
				continue;
			}
			fprintf(f, "over %d sizes (%s -> %s) the time went %.3f -> %.3f s; r with the time:", n,
				expt_gb_text(g, sizeof(g), p->points[pts[0]].paper_gb),
				expt_gb_text(g2, sizeof(g2), p->points[pts[n - 1]].paper_gb),
				d->m[pts[0]].t.median, d->m[pts[n - 1]].t.median);
			int shown = 0, missing = 0;

			for (int k = 0; k < EXPT_NCTR; k++) {
				double x[EXPT_MAX_LIST], y[EXPT_MAX_LIST], r;
				int m = 0;

				for (int i = 0; i < n; i++)
					if (!isnan(d->m[pts[i]].ctr_med[k])) {
						x[m] = d->m[pts[i]].t.median;
						y[m++] = d->m[pts[i]].ctr_med[k];
					}
				if (!m) {
					missing++;
					continue;
				}
				fprintf(f, "%s %s ", shown++ ? "," : "", expt_counter_names[k]);
				r = expt_corr(x, y, (size_t)m);
				if (isnan(r) && m < 3)
					fprintf(f, "too few");
				else if (isnan(r))
					fprintf(f, "constant (%.10g)", y[0]);
				else
					fprintf(f, "%.2f (%.10g -> %.10g)", r, y[0], y[m - 1]);
				if (!isnan(r) && (bestk < 0 || fabs(r) > fabs(bestr))) {
					bestk = k;
					bestr = r;
				}
			}
			if (!shown)
				fprintf(f, " no counter reported");
			if (missing && shown) {
				fprintf(f, " (not reported:");
				for (int k = 0, j = 0; k < EXPT_NCTR; k++)
					if (!series_has(d, pts, n, k))
						fprintf(f, "%s %s", j++ ? "," : "", expt_counter_names[k]);
				fprintf(f, ")");
			}
			if (bestk >= 0)
				fprintf(f, ". Closest to the time: %s (r = %.2f).\n", expt_counter_names[bestk], bestr);
			else
				fprintf(f, ". No counter varied with it.\n");
		}
	if (p->nconfigs < 2) {
		fprintf(f, "\n");
		return;
	}
	int base = p->configs[0];

	fprintf(f, "\nAgainst %s at the same workload and size: the median over the sizes of each "
		   "ratio (this configuration / %s).\n\n", expt_config_names[base], expt_config_names[base]);
	for (int c = 1; c < p->nconfigs; c++)
		for (int sr = 0; sr < p->d->nwl * p->d->nvms; sr++) {
			int cfg = p->configs[c], wl = p->d->wl[sr / p->d->nvms], v = sr % p->d->nvms, n = 0;
			double tr[EXPT_MAX_LIST];
			struct expt_stats st;

			for (int s = 0; s < p->nsizes; s++) {
				double a = median_of(d, expt_plan_point_vms(p, base, wl, v, order[s]));
				double b = median_of(d, expt_plan_point_vms(p, cfg, wl, v, order[s]));

				if (!isnan(a) && !isnan(b) && a > 0)
					tr[n++] = b / a;
			}
			fprintf(f, "- %s, %s vs %s: ", series_name(name, sizeof(name), p, wl, v),
				expt_config_names[cfg], expt_config_names[base]);
			if (!n) {
				fprintf(f, "no size measured in both.\n");
				continue;
			}
			expt_stats_of(tr, (size_t)n, &st);
			fprintf(f, "time x%.3f over %d size%s", st.median, n, n == 1 ? "" : "s");
			for (int k = 0; k < EXPT_NCTR; k++) {
				double cr[EXPT_MAX_LIST];
				int m = 0;

				for (int s = 0; s < p->nsizes; s++) {
					double a = d->m[expt_plan_point_vms(p, base, wl, v, order[s])].ctr_med[k];
					double b = d->m[expt_plan_point_vms(p, cfg, wl, v, order[s])].ctr_med[k];

					if (!isnan(a) && !isnan(b) && a > 0)
						cr[m++] = b / a;
				}
				if (m) {
					expt_stats_of(cr, (size_t)m, &st);
					fprintf(f, "; %s x%.3f", expt_counter_names[k], st.median);
				}
			}
			fprintf(f, ".\n");
		}
	fprintf(f, "\n");
}

int expt_write_md(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		  const struct expt_meta *meta, bool rendered)
{
	const struct expt_desc *de = p->d;

	fprintf(f, "## %s: %s", de->name, de->title);
	if (de->figure)
		fprintf(f, " (paper figure %d)", de->figure);
	fprintf(f, "\n\n");
	setup_text(f, p, d, meta, rendered);
	points_table(f, p, d);
	if (de->figure == 3)
		fig3(f, p, d);
	if (de->figure == 4)
		fig4(f, p, d);
	expt_pressure_md(f, p, d, meta);
	expt_vms_md(f, p, d);
	modes(f, p, d);
	counters(f, p, d);
	return ferror(f) ? -EIO : 0;
}

int expt_write_meta(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		    const struct expt_meta *meta)
{
	size_t nmin = (size_t)-1, nmax = 0;

	for (size_t i = 0; i < p->npoints; i++) {
		nmin = d->m[i].t.n < nmin ? d->m[i].t.n : nmin;
		nmax = d->m[i].t.n > nmax ? d->m[i].t.n : nmax;
	}
	fprintf(f, "host\t%s\nemulated\t%s\nscale\t%s\nreps\t%u\nn\t%zu..%zu\nruns\t%zu passed, %zu failed\nguest\t%s\n",
		meta->host ? meta->host : "not stated", meta->emulated ? meta->emulated : "not stated",
		p->scale.text, p->reps, nmin == (size_t)-1 ? 0 : nmin, nmax, d->used, d->failed,
		expt_guest_names[p->guest]);
	return ferror(f) ? -EIO : 0;
}

/* ---- report.md ---- */

#define NMETA 7
static const char *const meta_keys[NMETA] = { "host", "emulated", "scale", "reps", "n", "runs", "guest" };
static const char *const meta_labels[NMETA] = {
	"host", "emulated (testbed)", "scale", "runs planned per point (reps)", "runs measured per point",
	"runs", "guest (kernel: guest-kernel; linux: Linux VMs)",
};

static int read_meta(const char *path, char vals[NMETA][512])
{
	FILE *f = fopen(path, "r");
	char line[600];

	if (!f)
		return -errno;
	for (int i = 0; i < NMETA; i++)
		snprintf(vals[i], 512, "not stated");
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (!tab)
			continue;
		*tab = '\0';
		for (int i = 0; i < NMETA; i++)
			if (!strcmp(line, meta_keys[i]))
				snprintf(vals[i], 512, "%s", tab + 1);
	}
	fclose(f);
	return 0;
}

/*
 * The runs the driver tried again or skipped (OUTDIR/run-notes.tsv, one
 * "RUN_ID<TAB>retried|skipped<TAB>why" line each, bench/paper.sh): shown,
 * never hidden, so that a flaky emulator or a mode a host cannot run is
 * in the report beside the figures it touched.
 */
#define NOTES_MAX (1u << 20)
static void run_notes(FILE *f, const char *outdir)
{
	char path[4096], why[160], *text = NULL, *line, *save;
	size_t len, nretried = 0, nskipped = 0, bad = 0;
	int e;

	snprintf(path, sizeof(path), "%s/run-notes.tsv", outdir);
	fprintf(f, "## Runs tried again or skipped\n\n");
	if ((e = regfile_read(path, NOTES_MAX, &text, &len, why, sizeof(why)))) {
		fprintf(f, "Not recorded (%s).\n\n", e == -ENOENT ? "no run-notes.tsv" : why);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

		if (!t2 || strchr(t2 + 1, '\t') || memchr(line, '|', strlen(line))) {
			bad++;
			continue;
		}
		*t1 = *t2 = '\0';
		if (strcmp(t1 + 1, "retried") && strcmp(t1 + 1, "skipped")) {
			bad++;
			continue;
		}
		if (!nretried && !nskipped)
			fprintf(f, "| run | what | why |\n|---|---|---|\n");
		fprintf(f, "| %s | %s | %s |\n", line, t1 + 1, t2 + 1);
		*(strcmp(t1 + 1, "retried") ? &nskipped : &nretried) += 1;
	}
	free(text);
	if (!nretried && !nskipped)
		fprintf(f, "None: every run ran once.\n");
	fprintf(f, "\n%zu tried again (the first try's files are kept as runs/ID.try1.*; the second "
		   "try's result is the run's, whatever it was), %zu skipped.", nretried, nskipped);
	if (bad)
		fprintf(f, " %zu lines of run-notes.tsv were not notes and are left out.", bad);
	fprintf(f, "\n\n");
}

int expt_report(const char *outdir, char *const *names, int n, double wall,
		char *err, size_t errlen)
{
	char path[4096], tmp[4096], (*vals)[NMETA][512];
	bool *ok;
	int r = 0;
	FILE *f;
	time_t now = time(NULL);
	struct tm tm;

	vals = calloc((size_t)n, sizeof(*vals));
	ok = calloc((size_t)n, sizeof(*ok));
	if (!vals || !ok) {
		free(vals);
		free(ok);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s.meta", outdir, names[i]);
		int e = read_meta(path, vals[i]);

		ok[i] = !e;
		if (e && !r) {
			snprintf(err, errlen, "%s: %s (did `nestlab-expt summarize` run for %s?)", path,
				 strerror(-e), names[i]);
			r = e;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s/report.md.tmp", outdir);
	if (!(f = fopen(tmp, "w"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(vals);
		free(ok);
		return -errno;
	}
	gmtime_r(&now, &tm);
	strftime(path, sizeof(path), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(f, "# nestlab: the paper reproduction\n\n"
		   "%s: its figures against ours, one section per experiment (docs/experiments.md).\n\n"
		   "| | |\n|---|---|\n| date | %s |\n", expt_paper.citation, path);
	for (int k = 0; k < NMETA; k++) {
		int first = -1;
		bool same = true;

		for (int i = 0; i < n; i++)
			if (ok[i]) {
				if (first < 0)
					first = i;
				else if (strcmp(vals[i][k], vals[first][k]))
					same = false;
			}
		fprintf(f, "| %s | ", meta_labels[k]);
		if (first < 0)
			fprintf(f, "not stated");
		else if (same)
			fprintf(f, "%s", vals[first][k]);
		else
			for (int i = 0, j = 0; i < n; i++)
				if (ok[i])
					fprintf(f, "%s%s: %s", j++ ? "; " : "", names[i], vals[i][k]);
		fprintf(f, " |\n");
	}
	if (wall >= 0)
		fprintf(f, "| total wall time | %.0f s (%dh%02dm) |\n", wall, (int)(wall / 3600),
			(int)fmod(wall / 60, 60));
	else
		fprintf(f, "| total wall time | not stated |\n");
	fprintf(f, "| experiments |");
	for (int i = 0; i < n; i++)
		fprintf(f, " %s%s", names[i], ok[i] ? "" : " (no summary)");
	fprintf(f, " |\n\n");
	for (int i = 0; i < n; i++) {
		FILE *in;
		char buf[8192];
		size_t got;

		snprintf(path, sizeof(path), "%s/%s.md", outdir, names[i]);
		if (!ok[i] || !(in = fopen(path, "r"))) {
			fprintf(f, "## %s\n\nNo summary: `nestlab-expt summarize` did not write %s.md.\n\n",
				names[i], names[i]);
			if (!r) {
				snprintf(err, errlen, "%s: missing", path);
				r = -ENOENT;
			}
			continue;
		}
		while ((got = fread(buf, 1, sizeof(buf), in)))
			fwrite(buf, 1, got, f);
		fclose(in);
	}
	run_notes(f, outdir);
	free(vals);
	free(ok);
	if (ferror(f) | fclose(f)) {
		snprintf(err, errlen, "%s: write failed", tmp);
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/report.md", outdir);
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return r;
}
