// SPDX-License-Identifier: MIT
/*
 * A run's memory over time (docs/results.md, "memory_series") as a
 * gnuplot figure, one panel per level: `nestlab-expt memplot DOC OUTDIR
 * [NAME]` writes NAME.gp here and expt_render draws it. For a nested document the top panel is L1 in L0's memory
 * (.l0_view) and the bottom one each L2 in L1's (.l1.l2[i].result); for a
 * run document one panel, the VM in its host. Swap-outs between two
 * samples are marked as impulses on the right axis, so the moment a level
 * starts to swap is where the bars begin. The data sit inside NAME.gp, so
 * `gnuplot NAME.gp` redraws by hand, as for the paper's figures.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"
#include "jsonread.h"
#include "regfile.h"

enum { C_T, C_RSS, C_SWAP, C_AVAIL, C_SWAPUSED, C_PSWPIN, C_PSWPOUT, C_NCOLS_MIN };

/* The index of each column we draw in series node s, from its "columns". */
static int columns(const struct jr_doc *d, int s, int idx[C_NCOLS_MIN])
{
	static const char *const want[C_NCOLS_MIN] = {
		"t_ms", "guest_rss_kb", "guest_swap_kb", "host_mem_available_kb",
		"host_swap_used_kb", "host_pswpin", "host_pswpout" };
	int cols = jr_get(d, s, "columns");
	int i = 0;

	if (jr_type(d, cols) != JR_ARRAY)
		return -EINVAL;
	for (int k = 0; k < C_NCOLS_MIN; k++)
		idx[k] = -1;
	for (int c = d->n[cols].child; c >= 0; c = d->n[c].next, i++)
		for (int k = 0; k < C_NCOLS_MIN; k++)
			if (jr_streq(d, c, want[k]))
				idx[k] = i;
	for (int k = 0; k < C_NCOLS_MIN; k++)
		if (idx[k] < 0)
			return -EINVAL;
	return 0;
}

static int row_value(const struct jr_doc *d, int row, int col, double *v)
{
	int i = 0;

	for (int c = d->n[row].child; c >= 0; c = d->n[c].next, i++)
		if (i == col) {
			if (d->n[c].type != JR_NUMBER)
				return -EINVAL;
			*v = d->n[c].num;
			return 0;
		}
	return -EINVAL;
}

/* One data block: t (s), rss, swap, available, swap used (MiB), swap-outs
 * since the previous sample (MiB). Returns the rows written, or -EINVAL. */
static int data_block(FILE *f, const struct jr_doc *d, int s, const char *block,
		      bool *swapped)
{
	int idx[C_NCOLS_MIN], samples = jr_get(d, s, "samples"), rows = 0;
	double prev_out = -1;

	if (columns(d, s, idx) < 0 || jr_type(d, samples) != JR_ARRAY)
		return -EINVAL;
	fprintf(f, "$%s << EOD\n", block);
	for (int r = d->n[samples].child; r >= 0; r = d->n[r].next) {
		double v[C_NCOLS_MIN];

		if (d->n[r].type != JR_ARRAY)
			return -EINVAL;
		for (int k = 0; k < C_NCOLS_MIN; k++)
			if (row_value(d, r, idx[k], &v[k]) < 0)
				return -EINVAL;
		/* pages of 4 KiB to MiB */
		double out = prev_out < 0 || v[C_PSWPOUT] < prev_out ? 0 :
			     (v[C_PSWPOUT] - prev_out) / 256;

		fprintf(f, "%.3f %.2f %.2f %.2f %.2f %.3f\n", v[C_T] / 1000, v[C_RSS] / 1024,
			v[C_SWAP] / 1024, v[C_AVAIL] / 1024, v[C_SWAPUSED] / 1024, out);
		*swapped |= out > 0;
		prev_out = v[C_PSWPOUT];
		rows++;
	}
	fprintf(f, "EOD\n");
	return rows;
}

#define MAX_PANEL_SERIES 17   /* L1 at L0, or up to 16 L2s */

struct panel {
	const char *title, *guest, *host;
	int series[MAX_PANEL_SERIES];
	char label[MAX_PANEL_SERIES][32];
	int n;
	bool swapped;          /* any swap-outs: only then the impulses */
};

static void panel_plot(FILE *f, const struct panel *p, int first_block)
{
	fprintf(f, "  set title \"%s\"\n", p->title);
	fprintf(f, "  plot ");
	for (int i = 0; i < p->n; i++) {
		int b = first_block + i;

		fprintf(f, "%s$S%d using 1:2 with lines lw 2 title \"%s resident\", "
			"$S%d using 1:3 with lines dt 2 title \"%s swapped out\"",
			i ? ", \\\n       " : "", b, p->label[i], b, p->label[i]);
		if (p->swapped)
			fprintf(f, ", $S%d using 1:6 axes x1y2 with impulses lw 3 lc rgb \"#c00000\" title \"%s\"",
				b, i ? "" : "swap-outs (right axis)");
	}
	/* the host's view once: from the first series */
	fprintf(f, ", \\\n       $S%d using 1:4 with lines lc rgb \"black\" title \"%s MemAvailable\", "
		"$S%d using 1:5 with lines lc rgb \"gray\" title \"%s swap in use\"\n",
		first_block, p->host, first_block, p->host);
}

int expt_memplot(const char *doc, const char *outdir, const char *name, char *err,
		 size_t errlen)
{
	struct jr_doc d = { 0 };
	struct panel pn[2] = { { 0 }, { 0 } };
	char *text = NULL, why[160], path[4096];
	size_t len;
	int r, np = 0, block = 0, top;
	FILE *f;

	if ((r = regfile_read(doc, EXPT_DOC_MAX, &text, &len, err, errlen)))
		return r;
	if ((r = jr_parse(text, len, &d, why, sizeof(why)))) {
		snprintf(err, errlen, "%s: not JSON: %s", doc, why);
		free(text);
		return r;
	}
	top = jr_path(&d, 0, "memory_series");
	if (jr_type(&d, top) == JR_OBJECT) {
		pn[0] = (struct panel){ .title = "the VM in its host's memory", .host = "host", .n = 1 };
		pn[0].series[0] = top;
		snprintf(pn[0].label[0], sizeof(pn[0].label[0]), "guest");
		np = 1;
	} else if (jr_type(&d, (top = jr_path(&d, 0, "l0_view.memory_series"))) == JR_OBJECT) {
		int l2 = jr_path(&d, 0, "l1.l2");

		pn[0] = (struct panel){ .title = "L0: L1 in the host's memory", .host = "L0", .n = 1 };
		pn[0].series[0] = top;
		snprintf(pn[0].label[0], sizeof(pn[0].label[0]), "L1");
		np = 1;
		pn[1] = (struct panel){ .title = "L1: each L2 in L1's memory", .host = "L1" };
		if (jr_type(&d, l2) == JR_ARRAY)
			for (int c = d.n[l2].child, i = 0; c >= 0 && pn[1].n < MAX_PANEL_SERIES;
			     c = d.n[c].next, i++) {
				int s = jr_path(&d, c, "result.memory_series");

				if (jr_type(&d, s) != JR_OBJECT)
					continue;
				pn[1].series[pn[1].n] = s;
				snprintf(pn[1].label[pn[1].n++], sizeof(pn[1].label[0]), "L2 %d", i);
			}
		if (pn[1].n)
			np = 2;
	} else {
		snprintf(err, errlen, "%s: no memory_series (a nestlab-run/1 or nestlab-nested/1 document run with --mem-sample above 0)", doc);
		jr_free(&d);
		free(text);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.gp", outdir, name);
	if (!(f = fopen(path, "w"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		jr_free(&d);
		free(text);
		return -errno;
	}
	fprintf(f, "# memory over time of %s (nestlab-expt memplot; docs/results.md)\n", doc);
	for (int p = 0; p < np; p++)
		for (int i = 0; i < pn[p].n; i++) {
			char b[16];

			snprintf(b, sizeof(b), "S%d", block++);
			if (data_block(f, &d, pn[p].series[i], b, &pn[p].swapped) < 0) {
				snprintf(err, errlen, "%s: a memory_series is malformed (%s, series %d)", doc,
					 pn[p].title, i);
				fclose(f);
				jr_free(&d);
				free(text);
				return -EINVAL;
			}
		}
	fprintf(f, "set xlabel \"seconds since the vCPUs started\"\nset ylabel \"MiB\"\n"
		   "set ytics nomirror\nset y2range [0:*]\n"
		   "set key outside right top\nset grid\n");
	for (int out = 0; out < 2; out++) {
		int w = 1100, h = 380 * np;

		/* pngcairo where gnuplot has it, as the paper's figures do */
		if (out)
			fprintf(f, "set terminal svg noenhanced size %d,%d\n", w, h);
		else
			fprintf(f, "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
				   "  set terminal pngcairo noenhanced size %d,%d\n"
				   "} else {\n  set terminal png noenhanced size %d,%d\n}\n", w, h, w, h);
		fprintf(f, "set output \"%s.%s\"\n", name, out ? "svg" : "png");
		if (np > 1)
			fprintf(f, "set multiplot layout %d,1\n", np);
		for (int p = 0, b = 0; p < np; b += pn[p].n, p++) {
			fprintf(f, pn[p].swapped ? "set y2tics\nset y2label \"MiB swapped out per sample\"\n" :
						  "unset y2tics\nunset y2label\n");
			panel_plot(f, &pn[p], b);
		}
		if (np > 1)
			fprintf(f, "unset multiplot\n");
		fprintf(f, "set output\n");
	}
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) || r) {
		snprintf(err, errlen, "%s: write failed", path);
		r = -EIO;
	}
	jr_free(&d);
	free(text);
	return r;
}
