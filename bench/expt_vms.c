// SPDX-License-Identifier: MIT
/*
 * The report's section for an experiment that sweeps `vms`, the number of
 * VMs run at once (docs/experiments.md, "vms"): the paper's future work,
 * the relation between the number of nested VMs, their memory size and
 * performance. Per configuration and workload, every (number, size) with
 * its time against the fewest VMs at that size and against the smallest
 * size at that number, and the counters that say why: L1's swap-outs and
 * major faults, the VMs' memory resident in the level below, the exits.
 * The findings after each table are computed from those medians only.
 */
#include <math.h>

#include "expt.h"

/* The memory the VMs run in: L1's for L2s, L0's (host_mem) for flat VMs. */
static uint64_t below_bytes(const struct expt_plan *p, int cfg)
{
	return cfg == EXPT_FLAT ? p->host_mem : p->l1_mem;
}

/* What the VMs at pt ask the level below to back (footprint and OS
 * share), over its memory; NaN where that memory is not given. */
static double asked(const struct expt_plan *p, int pt)
{
	const struct expt_point *po = &p->points[pt];
	uint64_t below = below_bytes(p, po->config);

	if (!below)
		return NAN;
	return (double)po->vms * (double)expt_pressure_l2_bytes(p, po->wl, po->vm_mem) / (double)below;
}

static double ratio(const struct expt_data *d, int a, int b)
{
	double x = d->m[a].t.n ? d->m[a].t.median : NAN, y = d->m[b].t.n ? d->m[b].t.median : NAN;

	return x > 0 && !isnan(y) ? y / x : NAN;
}

/* The findings under one table: how the time went with the number of
 * VMs (over the sizes), with the size (over the numbers), and where the
 * level below first swapped. */
static void findings(FILE *f, const struct expt_plan *p, const struct expt_data *d, int cfg,
		     int wl, const int *order)
{
	const struct expt_desc *de = p->d;
	char g[32];

	fprintf(f, "- With the number of VMs (the time at N over the time at %u, the median over the "
		   "sizes measured at both):", de->vms[0]);
	for (int v = 1; v < de->nvms; v++) {
		double r[EXPT_MAX_LIST];
		struct expt_stats st;
		int n = 0;

		for (int s = 0; s < p->nsizes; s++) {
			double x = ratio(d, expt_plan_point_vms(p, cfg, wl, 0, order[s]),
					 expt_plan_point_vms(p, cfg, wl, v, order[s]));

			if (!isnan(x))
				r[n++] = x;
		}
		expt_stats_of(r, (size_t)n, &st);
		if (n)
			fprintf(f, "%s N = %u: x%.3f (%d size%s)", v > 1 ? ";" : "", de->vms[v], st.median, n,
				n == 1 ? "" : "s");
		else
			fprintf(f, "%s N = %u: not measured", v > 1 ? ";" : "", de->vms[v]);
	}
	fprintf(f, ".\n- With the memory size (the time at the largest size measured over the "
		   "smallest, at each N; the VMs' resident memory in the level below, KiB, at both):");
	for (int v = 0; v < de->nvms; v++) {
		int lo = -1, hi = -1;

		for (int s = 0; s < p->nsizes; s++) {
			int pt = expt_plan_point_vms(p, cfg, wl, v, order[s]);

			if (d->m[pt].t.n) {
				if (lo < 0)
					lo = pt;
				hi = pt;
			}
		}
		fprintf(f, "%s N = %u: ", v ? ";" : "", de->vms[v]);
		if (lo < 0 || lo == hi) {
			fprintf(f, "%s", lo < 0 ? "not measured" : "one size measured");
			continue;
		}
		fprintf(f, "x%.3f from %s to ", ratio(d, lo, hi),
			expt_gb_text(g, sizeof(g), p->points[lo].paper_gb));
		fprintf(f, "%s, resident %.10g -> %.10g", expt_gb_text(g, sizeof(g), p->points[hi].paper_gb),
			d->m[lo].ctr_med[EXPT_C_GRSS], d->m[hi].ctr_med[EXPT_C_GRSS]);
	}
	fprintf(f, ".\n- Swapping below the VMs: ");
	if (cfg == EXPT_FLAT) {
		fprintf(f, "not measured for flat VMs (the swap counters are L1's).\n");
		return;
	}
	int first = -1;

	for (int v = 0; v < de->nvms && first < 0; v++)
		for (int s = 0; s < p->nsizes && first < 0; s++) {
			int pt = expt_plan_point_vms(p, cfg, wl, v, order[s]);

			if (d->m[pt].t.n && d->m[pt].ctr_med[EXPT_C_SWAP] > 0)
				first = pt;
		}
	if (first < 0)
		fprintf(f, "L1 swapped out nothing at any point measured (`swap_out` 0).\n");
	else
		fprintf(f, "L1 first swapped with %u VMs of %s (the VMs asked for %.2f x L1's memory): "
			   "%.10g pages out, %.10g major faults.\n", p->points[first].vms,
			expt_gb_text(g, sizeof(g), p->points[first].paper_gb), asked(p, first),
			d->m[first].ctr_med[EXPT_C_SWAP], d->m[first].ctr_med[EXPT_C_MAJ]);
}

static void one_table(FILE *f, const struct expt_plan *p, const struct expt_data *d, int cfg, int wl,
		      const int *order)
{
	const struct expt_desc *de = p->d;
	char g[32];

	fprintf(f, "#### %s, %s\n\n", expt_config_labels[cfg], expt_workloads[wl].name);
	fprintf(f, "| VMs | paper GB | asked / %s | n | failed | median s | vs %u VM%s | vs %s "
		   "| swap-outs | major faults | VMs' resident / %s | L1 exits | L0 exits |\n"
		   "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
		cfg == EXPT_FLAT ? "L0" : "L1", de->vms[0], de->vms[0] == 1 ? "" : "s",
		expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[0])), cfg == EXPT_FLAT ? "L0" : "L1");
	for (int v = 0; v < de->nvms; v++)
		for (int s = 0; s < p->nsizes; s++) {
			int pt = expt_plan_point_vms(p, cfg, wl, v, order[s]);
			const struct expt_meas *m = &d->m[pt];
			uint64_t below = below_bytes(p, cfg);

			fprintf(f, "| %u | %s |", de->vms[v], expt_gb_text(g, sizeof(g), p->points[pt].paper_gb));
			expt_md_cell(f, asked(p, pt), "%.2f");
			fprintf(f, " %zu | %zu |", m->t.n, m->failed);
			if (!m->t.n) {
				fprintf(f, " %s | | | | | | | |\n", m->failed ? "failed" : "not measured");
				continue;
			}
			expt_md_cell(f, m->t.median, "%.3f");
			expt_md_cell(f, ratio(d, expt_plan_point_vms(p, cfg, wl, 0, order[s]), pt), "x%.3f");
			expt_md_cell(f, ratio(d, expt_plan_point_vms(p, cfg, wl, v, order[0]), pt), "x%.3f");
			expt_md_cell(f, m->ctr_med[EXPT_C_SWAP], "%.10g");
			expt_md_cell(f, m->ctr_med[EXPT_C_MAJ], "%.10g");
			expt_md_cell(f, below ? m->ctr_med[EXPT_C_GRSS] * 1024.0 / (double)below : NAN, "%.2f");
			expt_md_cell(f, m->ctr_med[EXPT_C_L1EXITS], "%.10g");
			expt_md_cell(f, m->ctr_med[EXPT_C_L0EXITS], "%.10g");
			fprintf(f, "\n");
		}
	fprintf(f, "\n");
	findings(f, p, d, cfg, wl, order);
	fprintf(f, "\n");
}

void expt_vms_md(FILE *f, const struct expt_plan *p, const struct expt_data *d)
{
	const struct expt_desc *de = p->d;
	int order[EXPT_MAX_LIST];

	if (de->nvms < 2)
		return;
	expt_plan_sizes_by_memory(p, order);
	fprintf(f, "### The number of VMs at once\n\n"
		   "The paper's future work: three or more nested VMs per L1, and the relation between "
		   "the number of VMs, their memory size and performance. Each VM has one vCPU");
	if (de->nested)
		fprintf(f, "; L1 has %u, so from %u L2s on they take turns on L1's vCPUs", de->l1_cpus,
			de->l1_cpus + 1);
	fprintf(f, ". `asked` is what the VMs ask the level below to back: their footprint%s, "
		   "times their number, over that level's memory; `VMs' resident` is what it held "
		   "for them (`guest_rss_kb`). A VM is given its memory but touches only what it asks "
		   "for, so its size moves the time only where it moves one of these counters.\n\n",
		de->resident ? " and OS share" : "");
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < de->nwl; w++)
			one_table(f, p, d, p->configs[c], de->wl[w], order);
}
