/* SPDX-License-Identifier: MIT */
/*
 * nestlab-expt: the paper reproduction's experiments (docs/experiments.md).
 *   expt_desc.c   an experiment description (*.expt) -> struct expt_desc
 *   expt_plan.c   a description and options -> the points and the runs
 *   expt_stats.c  the measured TSV -> per-point statistics, CSV
 *   expt_plot.c   statistics -> gnuplot script, rendered to PNG and SVG
 *   expt_report.c statistics -> the Markdown section, NAME.meta, report.md
 *   expt_pressure.c the section on memory pressure in L1 (OS share, knee)
 *   expt_vms.c    the section on the number of VMs at once (`vms` swept)
 *   expt_measure.c a run's result document -> its line of the measured TSV
 *   paper_figs.c  what the paper reports, for the report's comparisons
 *   expt.c        the command line
 * Library functions return 0 or a negative errno and put a one-line
 * message in an err buffer; only main() prints and picks the exit status.
 */
#ifndef NESTLAB_EXPT_H
#define NESTLAB_EXPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nestlab/abi.h"

#define EXPT_ERRLEN 320
#define EXPT_MAX_LIST 16 /* sizes or workloads in one description */
#define MIB (1ull << 20)

/* ---- sizes and the scale factor (expt_desc.c) ---- */

/*
 * A size exactly as written: mant * 2^shift / 10^dec bytes ("1.7G" is
 * 17 * 2^30 / 10). Kept exact so that scaling, and with it every run id,
 * never depends on floating-point rounding.
 */
struct expt_size {
	uint64_t mant;
	unsigned shift, dec;
	char text[24]; /* as written, for messages */
};

/* The factor every size is multiplied by: num/den, and its text. */
struct expt_scale {
	uint64_t num, den;
	char text[24];
};

/* The most memory of any size here, written or scaled: what nestlab gives
 * one VM (NL_MAX_MEM_GIB); beyond it the byte counts would also wrap. */
#define EXPT_MAX_GIB NL_MAX_MEM_GIB
#define EXPT_MAX_BYTES (EXPT_MAX_GIB << 30)
#define EXPT_MAX_MIB (EXPT_MAX_GIB << 10)

/* Digits, optional '.' and up to 6 decimals, optional K/M/G/T (any case,
 * optionally followed by B or iB); no suffix = bytes (then no decimals).
 * -ERANGE above EXPT_MAX_BYTES, -EDOM for 0, -EINVAL for the rest. */
int expt_parse_size(const char *s, struct expt_size *out);
/* Why expt_parse_size refused a size (its return r), for "KEY 'S': why":
 * the bound, in units, in buf for -ERANGE, else otherwise. */
const char *expt_size_why(int r, const char *otherwise, char *buf, size_t n);
/* "1/32", "0.125" or "1"; 0 < scale <= 64. */
int expt_parse_scale(const char *s, struct expt_scale *out);
uint64_t expt_size_bytes(const struct expt_size *s);
/* size x scale, rounded to the nearest whole MiB (halves up). */
uint64_t expt_size_scaled_mib(const struct expt_size *s, const struct expt_scale *sc);
double expt_scale_value(const struct expt_scale *sc);
/* Digits only, at most max. */
int expt_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* "FILE:LINE: why" into err; returns -EINVAL. */
int expt_fail(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- workloads and configurations ---- */

struct expt_workload {
	const char *name;
	uint64_t min_footprint; /* the same as workloads/wl.c (checked by test_expt) */
};
#define EXPT_NWORKLOADS 6
extern const struct expt_workload expt_workloads[EXPT_NWORKLOADS];
int expt_workload_find(const char *name); /* index, or -1 */

/* Which guest every VM of a run is (docs/experiments.md, "guest"):
 * guest-kernel, which touches exactly the workload's footprint, or a Linux
 * L2 running the program SPEC took the benchmark from (docs/guest-linux.md). */
enum expt_guest { EXPT_GUEST_KERNEL, EXPT_GUEST_LINUX, EXPT_NGUESTS };
extern const char *const expt_guest_names[EXPT_NGUESTS];
extern const char *const expt_guest_labels[EXPT_NGUESTS]; /* for reports */
int expt_guest_find(const char *name); /* index, or -1 */
/* Whether workload wl has a Linux program (gobmk is gnugo there). */
bool expt_workload_linux(int wl);
/* The least memory a Linux VM is given (l2spec's LINUX_MIN_MEM). */
#define EXPT_LINUX_MIN_MIB 64

/* What one run is: VMs straight on L0, or L2s in one L1 with L1->L2 paging
 * shadow / nested (EPT/NPT), or shadow on a shadow-paging L0 (sos). */
enum expt_config { EXPT_FLAT, EXPT_SHADOW, EXPT_NESTED, EXPT_SOS, EXPT_NCONFIGS };
extern const char *const expt_config_names[EXPT_NCONFIGS];
extern const char *const expt_config_labels[EXPT_NCONFIGS]; /* for plots and reports */
int expt_config_find(const char *name); /* index, or -1 */

/* ---- the experiment description (expt_desc.c) ---- */

enum expt_key {
	EXPT_K_NAME, EXPT_K_TITLE, EXPT_K_FIGURE, EXPT_K_SHAPES, EXPT_K_MODES,
	EXPT_K_WORKLOADS, EXPT_K_VMS, EXPT_K_VM_MEM, EXPT_K_HOST_MEM,
	EXPT_K_L1_MEM, EXPT_K_L1_CPUS, EXPT_K_REPS, EXPT_K_FOOTPRINT,
	EXPT_K_ITERS, EXPT_K_SCALE, EXPT_K_GUEST, EXPT_K_RESIDENT, EXPT_K_L1_KSM,
	EXPT_K_L1_ZSWAP, EXPT_NKEYS
};
extern const char *const expt_key_names[EXPT_NKEYS];

struct expt_desc {
	char file[256];         /* for messages */
	int line[EXPT_NKEYS];   /* line where each key was set; 0 = absent */
	int last_line;
	char name[48];          /* filename-safe: it starts every run id */
	char title[160];
	int figure;             /* the paper's figure it reproduces; 0 = none */
	bool flat, nested;      /* shapes */
	int nmodes;
	int modes[3];           /* EXPT_SHADOW.. for the nested shape */
	int nwl;
	int wl[EXPT_MAX_LIST];  /* indexes into expt_workloads */
	int nsizes;
	struct expt_size vm_mem[EXPT_MAX_LIST];
	struct expt_size host_mem, l1_mem; /* mant 0 = not given */
	int nvms;
	unsigned vms[EXPT_MAX_LIST]; /* VMs at once (count= of the L2s); a list sweeps it */
	unsigned l1_cpus, reps;
	bool has_fp[EXPT_NWORKLOADS];
	struct expt_size footprint[EXPT_NWORKLOADS];
	uint64_t iters[EXPT_NWORKLOADS];
	struct expt_scale scale; /* 1 unless the file has `scale` */
	int guest;               /* enum expt_guest; kernel unless the file has `guest` */
	unsigned resident;       /* guest-kernel's OS share, per cent (resident=); 0 = none */
	unsigned l1_ksm;         /* KSM in L1, pages_to_scan (nestlab nested --l1-ksm); 0 = off */
	bool l1_zswap;           /* zswap in front of L1's zram (nestlab nested --l1-zswap) */
};

/* Parse text (the whole file) named file. -EINVAL with "FILE:LINE: why". */
int expt_desc_parse(const char *file, const char *text, struct expt_desc *d,
		    char *err, size_t errlen);
int expt_desc_load(const char *path, struct expt_desc *d, char *err, size_t errlen);

/* ---- the plan: points and runs (expt_plan.c) ---- */

/* Command-line overrides; NULL / 0 = the description's. */
struct expt_opts {
	const char *scale;
	const char *sizes;  /* "5G,8G": a subset of vm_mem, unscaled */
	const char *modes;  /* "shadow,sos": a subset of modes */
	const char *guest;  /* "kernel" or "linux" */
	unsigned reps;
};

/* One point of a figure: a configuration, a workload, a number of VMs at
 * once, a VM size. */
struct expt_point {
	int config, wl, size; /* size: index into d->vm_mem */
	int vi;               /* index into d->vms */
	unsigned vms;         /* d->vms[vi] */
	char key[128];        /* the run id without its "-rN" */
	uint64_t vm_mem;      /* bytes, scaled */
	double paper_gb;      /* vm_mem / scale in GiB: the paper's axis */
};

struct expt_run {
	int point;
	unsigned rep; /* 1.. */
	char id[144];
};

struct expt_plan {
	const struct expt_desc *d;
	struct expt_scale scale;
	unsigned reps;
	int guest;                            /* enum expt_guest */
	int nconfigs, configs[EXPT_NCONFIGS]; /* flat first, then the modes */
	int nsizes, sizes[EXPT_MAX_LIST];     /* indexes into d->vm_mem */
	uint64_t vm_mem[EXPT_MAX_LIST];       /* scaled bytes, by d->vm_mem index */
	uint64_t host_mem, l1_mem;            /* scaled bytes; 0 = not given */
	uint64_t footprint[EXPT_NWORKLOADS];  /* scaled bytes */
	bool fp_raised[EXPT_NWORKLOADS];      /* scaled below the minimum: raised */
	struct expt_point *points;            /* config-major, then workload, VMs, size */
	size_t npoints;
	struct expt_run *runs;                /* rep, size, VMs, workload, config */
	size_t nruns;
};

/* notes (may be NULL) gets one line per footprint raised to its minimum. */
int expt_plan_build(const struct expt_desc *d, const struct expt_opts *o,
		    struct expt_plan *p, FILE *notes, char *err, size_t errlen);
void expt_plan_free(struct expt_plan *p);
void expt_plan_print(FILE *f, const struct expt_plan *p);
/* The point index for (config, workload index, d->vms index, d->vm_mem
 * index), or -1; expt_plan_point is the first number of VMs (the only one
 * of every experiment but a VMs sweep). */
int expt_plan_point_vms(const struct expt_plan *p, int config, int wl, int vi, int size);
int expt_plan_point(const struct expt_plan *p, int config, int wl, int size);
/* The point of a run id ("KEY-rN"), with N in *rep; -1 if unknown. */
int expt_plan_find_id(const struct expt_plan *p, const char *id, unsigned *rep);
/* The plan's size index (into d->vm_mem) whose unscaled size is gib GiB. */
int expt_plan_size_gib(const struct expt_plan *p, unsigned gib);
/* The paper-equivalent GB of d->vm_mem[si]: scaled size / scale. */
double expt_plan_paper_gb(const struct expt_plan *p, int si);
/* "8 GB": how plots and reports write a paper-equivalent size. */
const char *expt_gb_text(char *buf, size_t n, double gb);
/* The plan's sizes (d->vm_mem indexes) ordered by memory: descriptions may
 * list them in any order, figures run left to right. */
void expt_plan_sizes_by_memory(const struct expt_plan *p, int *out);

/* ---- statistics and the measured TSV (expt_stats.c) ---- */

struct expt_stats {
	size_t n;
	double median, mean, sd, min, max; /* NAN when n == 0; sd NAN when n < 2 */
};
void expt_stats_of(const double *v, size_t n, struct expt_stats *s);
/* Pearson's r of n pairs; NAN when n < 3 or either side is constant. */
double expt_corr(const double *x, const double *y, size_t n);

/* The measured TSV's counters, in its column order (docs/experiments.md).
 * The first five are every run's; the rest, added with Linux guests,
 * say what the VMs themselves did: L1's shadow MMU zapping their pages,
 * their resident memory in the level below, and for Linux guests their
 * own major faults, page cache and boot; the last, L1's KSM at its most
 * merged. A line written before them has EXPT_NCTR_V1 (or, before the KSM
 * counter, EXPT_NCTR_V2) counters and reads with the rest unmeasured. */
enum {
	EXPT_C_PF, EXPT_C_L1EXITS, EXPT_C_L0EXITS, EXPT_C_SWAP, EXPT_C_MAJ,
	EXPT_C_ZAPPED, EXPT_C_GRSS, EXPT_C_GMAJ, EXPT_C_GCACHE, EXPT_C_GBOOT, EXPT_C_KSM, EXPT_NCTR
};
#define EXPT_NCTR_V1 5
#define EXPT_NCTR_V2 10 /* before l1_ksm_sharing */
extern const char *const expt_counter_names[EXPT_NCTR];

struct expt_vals {
	double *v;
	size_t n, cap;
};

struct expt_meas {
	struct expt_vals time, ctr[EXPT_NCTR]; /* passed runs only */
	size_t failed;
	struct expt_stats t;
	double ctr_med[EXPT_NCTR]; /* NAN: no run reported it */
};

struct expt_data {
	struct expt_meas *m; /* one per plan point */
	size_t npoints;
	size_t lines;        /* data lines read */
	size_t used, failed, bad, other, dup;
	char **seen;         /* run ids already taken, for duplicates */
	size_t nseen, capseen;
};

#define EXPT_TSV_MAX (64u << 20)  /* a measured TSV: about 400,000 runs */
#define EXPT_TSV_LINE_MAX 4096    /* a measured line: about 150 bytes */
#define EXPT_TSV_LINE_MAX_TEXT "4096"

/* Read the measured TSV text[0..len) (named fname) into d (allocated
 * here); each bad line, one too long or with a NUL byte included, gets one
 * line on errs. Lines of other experiments (ids not starting with NAME-)
 * are only counted. Returns 0 or -ENOMEM. */
int expt_read_measured(const char *text, size_t len, const char *fname,
		       const struct expt_plan *p, struct expt_data *d, FILE *errs);
/* The same for the file at path: a regular file of at most EXPT_TSV_MAX
 * bytes. regfile's errors ("PATH: why" in err), or -ENOMEM. */
int expt_load_measured(const char *path, const struct expt_plan *p, struct expt_data *d,
		       FILE *errs, char *err, size_t errlen);
void expt_data_free(struct expt_data *d);
int expt_write_csv(FILE *f, const struct expt_plan *p, const struct expt_data *d);
/* (b / a - 1) * 100 from the medians of points a and b; NAN if either is
 * missing: "b is x% slower than a". */
double expt_pct(const struct expt_data *d, int a, int b);

/* ---- one run's documents -> its measured line (expt_measure.c) ---- */

#define EXPT_DOC_MAX (64u << 20) /* a result document: L1's alone may be 16 MiB */

/* The run, as bench/paper.sh knows it (the plan's columns, as text) and
 * what it left: paper_run.sh's exit status and its document. */
struct expt_measure_run {
	const char *id, *config, *workload, *vm_mem, *rep;
	const char *rc;  /* paper_run.sh's status: 0 = every VM ran */
	const char *doc; /* nestlab-flat/1 (config flat) or nestlab-nested/1 */
};

/* The run's line of the measured TSV on out, as bench/paper.sh's jq wrote
 * it. -EINVAL with "DOC: why" (or the bad argument) in err; regfile's
 * errors for a file that cannot be read. */
int expt_measure(const struct expt_measure_run *in, FILE *out, char *err, size_t errlen);
/* L1's outcome as L0 saw it (l0_view.outcome) on a line of out; nothing
 * for a flat document or an L1 without one. */
int expt_l1_outcome(const char *path, FILE *out, char *err, size_t errlen);
/* v as jq 1.6 prints a number (the shortest digits that read back as v);
 * n >= 32. -EDOM for NaN, which jq prints as no number at all. */
int expt_jq_number(double v, char *buf, size_t n);

/* ---- the paper's figures (paper_figs.c) ---- */

struct expt_paper {
	const char *citation;     /* authors and title, for report.md */
	const char *host_kernel;  /* its L0 kernel: why it had no nested EPT */
	const char *fig3_avg;     /* figure 3: nested over flat, average over the sizes */
	const char *fig3_at8;     /* ... at 8 GB */
	const char *fig3_best;    /* ... the size with the smallest gap */
	const char *fig4_avg;     /* figure 4: the cost of 8 -> 5 GB, average over the benchmarks */
	const char *fig4_worst;   /* ... the worst benchmark */
	const char *fig4_fastest; /* which benchmarks were fastest at 8 GB */
	const char *fig4_past_l1; /* 8 -> 9 GB, past L1's memory (no number given) */
};
extern const struct expt_paper expt_paper;

/* ---- plots (expt_plot.c) and reports (expt_report.c) ---- */

struct expt_meta {
	const char *host;     /* NULL: not stated */
	const char *emulated; /* "yes", "no", NULL: not stated */
	const char *outdir;   /* where runs/ID.json and the figures are; NULL: none */
};

int expt_write_gp(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		  const struct expt_meta *meta);
/* Run gnuplot NAME.gp in outdir. 0 rendered; -ENOENT no gnuplot on PATH;
 * other negative: it failed (err says how). */
int expt_render(const char *outdir, const char *name, char *err, size_t errlen);
/* DOC's memory_series as the gnuplot script OUTDIR/NAME.gp, one panel per
 * level (expt_memplot.c); expt_render draws it. */
int expt_memplot(const char *doc, const char *outdir, const char *name, char *err,
		 size_t errlen);
/* rendered: whether NAME.png exists to be shown. */
int expt_write_md(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		  const struct expt_meta *meta, bool rendered);
/* One Markdown table cell " V |" with fmt (a double's), " - |" for NaN. */
void expt_md_cell(FILE *f, double v, const char *fmt);
/* The section on the number of VMs at once (expt_vms.c): an experiment
 * sweeping `vms`; nothing for the others. */
void expt_vms_md(FILE *f, const struct expt_plan *p, const struct expt_data *d);
/* The pressure section (expt_pressure.c): nested, guest-kernel with an OS
 * share; nothing for other experiments. */
void expt_pressure_md(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		      const struct expt_meta *meta);
/* The memory over time of one run at each pressure series' knee, drawn
 * from outdir/runs/ID.json into outdir/NAME-knee-....png (memplot) for
 * expt_pressure_md to show; each figure that cannot be drawn gets a line
 * on errs. Returns how many were drawn. */
int expt_pressure_plots(const struct expt_plan *p, const struct expt_data *d,
			const char *outdir, FILE *errs);
/* What one L2 of workload wl and memory vm_mem asks L1 to back, bytes. */
uint64_t expt_pressure_l2_bytes(const struct expt_plan *p, int wl, uint64_t vm_mem);
/* NAME.meta: what `report` needs to write its header. */
int expt_write_meta(FILE *f, const struct expt_plan *p, const struct expt_data *d,
		    const struct expt_meta *meta);
/* OUTDIR/report.md from OUTDIR/NAME.md and NAME.meta; wall < 0: unknown. */
int expt_report(const char *outdir, char *const *names, int n, double wall,
		char *err, size_t errlen);

#endif
