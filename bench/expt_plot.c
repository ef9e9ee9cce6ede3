// SPDX-License-Identifier: MIT
/*
 * Statistics -> the paper's figure as a gnuplot script with the data
 * inside, rendered to PNG and SVG by the gnuplot on PATH. The script stays
 * beside the plots, so `gnuplot NAME.gp` redraws them by hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expt.h"

static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static bool series_measured(const struct expt_plan *p, const struct expt_data *d, int c, int w, int v)
{
	for (int s = 0; s < p->nsizes; s++)
		if (d->m[expt_plan_point_vms(p, c, w, v, p->sizes[s])].t.n)
			return true;
	return false;
}

/* The data block of one series: $CONFIG_WORKLOAD, or $CONFIG_WORKLOAD_NVM
 * in a sweep of the number of VMs. */
static void block_name(FILE *f, const struct expt_plan *p, int c, int w, int v)
{
	fprintf(f, "$%s_%s", expt_config_names[c], expt_workloads[w].name);
	if (p->d->nvms > 1)
		fprintf(f, "_%uvm", p->d->vms[v]);
}

int expt_write_gp(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		  const struct expt_meta *meta)
{
	const struct expt_desc *de = p->d;
	int order[EXPT_MAX_LIST];
	/* A sweep of the number of VMs draws one panel per workload and
	 * configuration, a line per number; otherwise a panel per workload, a
	 * line per configuration. */
	bool by_vms = de->nvms > 1;
	int npanels = de->nwl * (by_vms ? p->nconfigs : 1);
	int multi = npanels > 1, cols = multi ? 2 : 1, rows = (npanels + 1) / 2;
	double xa, xb;
	char title[256], g[32];

	expt_plan_sizes_by_memory(p, order);
	xa = expt_plan_paper_gb(p, order[0]);
	xb = expt_plan_paper_gb(p, order[p->nsizes - 1]);
	/* room either side, in proportion so that small scales stay readable */
	double pad = xb > xa ? (xb - xa) / 8 : 0.5;

	snprintf(title, sizeof(title), "%s: %s%s", de->name, de->title,
		 meta->emulated && !strcmp(meta->emulated, "yes") ? " (testbed, emulated)" : "");
	fprintf(f, "# %s.gp: written by nestlab-expt summarize from the measured runs\n"
		   "# (docs/experiments.md). `gnuplot %s.gp` in this folder redraws\n"
		   "# %s.png and %s.svg. Data: paper-equivalent GB, median s, min s,\n"
		   "# max s, runs; one block per configuration and workload%s.\n",
		de->name, de->name, de->name, de->name, by_vms ? " and number of VMs" : "");
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < de->nwl; w++)
			for (int v = 0; v < de->nvms; v++) {
				if (!series_measured(p, d, p->configs[c], de->wl[w], v))
					continue;
				block_name(f, p, p->configs[c], de->wl[w], v);
				fprintf(f, " << EOD\n");
				for (int s = 0; s < p->nsizes; s++) {
					int pt = expt_plan_point_vms(p, p->configs[c], de->wl[w], v, order[s]);
					const struct expt_stats *t = &d->m[pt].t;

					if (t->n)
						fprintf(f, "%.4f %.4f %.4f %.4f %zu\n", p->points[pt].paper_gb,
							t->median, t->min, t->max, t->n);
				}
				fprintf(f, "EOD\n");
			}
	int wpx = cols * 560, hpx = rows * 400 + (multi ? 40 : 0);

	fprintf(f, "do for [t in \"png svg\"] {\n"
		   "  if (t eq \"png\") {\n"
		   "    if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
		   "      set terminal pngcairo noenhanced size %d,%d font \",10\"\n"
		   "    } else {\n"
		   "      set terminal png noenhanced size %d,%d\n"
		   "    }\n"
		   "  } else {\n"
		   "    set terminal svg noenhanced size %d,%d font \"Sans,10\"\n"
		   "  }\n"
		   "  set output \"%s.\".t\n"
		   "  set grid\n"
		   "  set key below title \"median of the runs; bars: min..max\"\n",
		wpx, hpx, wpx, hpx, wpx, hpx, de->name);
	fprintf(f, "  set xlabel \"VM memory, paper-equivalent GB (scale %s)\"\n", p->scale.text);
	fprintf(f, "  set ylabel \"completion time, s\"\n");
	fprintf(f, "  set xrange [%.4f:%.4f]\n  set yrange [0:*]\n  set xtics (", xa - pad, xb + pad);
	for (int s = 0; s < p->nsizes; s++)
		fprintf(f, "%s\"%s\" %.4f", s ? ", " : "", expt_gb_text(g, sizeof(g), expt_plan_paper_gb(p, order[s])),
			expt_plan_paper_gb(p, order[s]));
	fprintf(f, ")\n");
	if (multi) {
		fprintf(f, "  set multiplot layout %d,%d title ", rows, cols);
		gp_string(f, title);
		fprintf(f, "\n");
	}
	for (int pn = 0; pn < npanels; pn++) {
		int w = by_vms ? pn / p->nconfigs : pn, nplot = 0;
		int nser = by_vms ? de->nvms : p->nconfigs;

		fprintf(f, "  set title ");
		if (by_vms && multi) {
			char t[96];

			snprintf(t, sizeof(t), "%s, %s", expt_workloads[de->wl[w]].name,
				 expt_config_labels[p->configs[pn % p->nconfigs]]);
			gp_string(f, t);
		} else if (multi)
			gp_string(f, expt_workloads[de->wl[w]].name);
		else
			gp_string(f, title);
		fprintf(f, "\n");
		for (int i = 0; i < nser; i++) {
			int cfg = p->configs[by_vms ? pn % p->nconfigs : i], v = by_vms ? i : 0;
			/* series side by side at each size, so bars do not hide each other */
			double off = (i - (nser - 1) / 2.0) * pad / 12;
			char label[64];

			if (!series_measured(p, d, cfg, de->wl[w], v))
				continue;
			fprintf(f, "%s ", nplot++ ? ", \\\n      " : "  plot");
			block_name(f, p, cfg, de->wl[w], v);
			fprintf(f, " using ($1%+.4f):2:3:4 with yerrorlines lt %d pt %d lw 1.5 title ", off,
				(by_vms ? i : cfg) + 1, (by_vms ? i : cfg) + 5);
			if (by_vms)
				snprintf(label, sizeof(label), "%u VM%s", de->vms[v], de->vms[v] == 1 ? "" : "s");
			else
				snprintf(label, sizeof(label), "%s", multi || de->nwl == 1 ?
					 expt_config_labels[cfg] : expt_workloads[de->wl[w]].name);
			gp_string(f, label);
		}
		if (!nplot)
			fprintf(f, "  set label 1 \"not measured\" at graph 0.5,0.5 center\n"
				   "  plot [][0:1] -1 notitle\n  unset label 1");
		fprintf(f, "\n");
	}
	if (multi)
		fprintf(f, "  unset multiplot\n");
	fprintf(f, "  set output\n}\n");
	return ferror(f) ? -EIO : 0;
}

/* gnuplot from PATH, as a user would run it: so the .gp stays usable by hand. */
static int find_on_path(const char *prog, char *out, size_t n)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);

		if (len && (size_t)snprintf(out, n, "%.*s/%s", (int)len, path, prog) < n &&
		    !access(out, X_OK))
			return 0;
		path += len + (colon ? 1 : 0);
	}
	return -ENOENT;
}

int expt_render(const char *outdir, const char *name, char *err, size_t errlen)
{
	char gnuplot[4096], gp[128];
	pid_t pid;
	int st;

	if (find_on_path("gnuplot", gnuplot, sizeof(gnuplot))) {
		snprintf(err, errlen, "gnuplot is not on PATH: %s/%s.gp is left to render later", outdir, name);
		return -ENOENT;
	}
	snprintf(gp, sizeof(gp), "%s.gp", name);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (!pid) {
		if (chdir(outdir))
			_exit(126);
		execl(gnuplot, "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
		return -errno;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, errlen, "gnuplot %s/%s failed (%s %d)", outdir, gp,
			 WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -EIO;
	}
	for (int i = 0; i < 2; i++) {
		char out[4096];
		struct stat sb;

		snprintf(out, sizeof(out), "%s/%s.%s", outdir, name, i ? "svg" : "png");
		if (stat(out, &sb) || !sb.st_size) {
			snprintf(err, errlen, "gnuplot wrote no %s", out);
			return -EIO;
		}
	}
	return 0;
}

