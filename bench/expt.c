// SPDX-License-Identifier: MIT
/*
 * nestlab-expt: the paper reproduction's experiments (docs/experiments.md).
 * bench/paper.sh runs what `plan` lists, turns each run's document into
 * its measured line with `measure`, hands the measured TSV to
 * `summarize`, then joins the sections with `report`.
 * Exit status: 0 done; 1 an output could not be written or gnuplot failed;
 * 2 bad usage or bad input (description, options, unreadable TSV, a
 * document that is not a run's result).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "expt.h"

static const char usage[] =
	"usage: nestlab-expt plan FILE [--scale S] [--reps N] [--sizes LIST] [--modes LIST]\n"
	"                              [--guest kernel|linux]\n"
	"       nestlab-expt summarize FILE MEASURED_TSV OUTDIR [--host TEXT] [--emulated yes|no]\n"
	"                              [--scale S] [--reps N] [--sizes LIST] [--modes LIST]\n"
	"                              [--guest kernel|linux]\n"
	"       nestlab-expt report OUTDIR EXPERIMENT... [--wall SECONDS]\n"
	"       nestlab-expt measure RUN_ID CONFIG WORKLOAD VM_MEM REP RC DOC\n"
	"       nestlab-expt l1-outcome DOC\n"
	"       nestlab-expt memplot DOC OUTDIR [NAME]\n"
	"FILE: an experiment description (bench/experiments/*.expt, docs/experiments.md)\n"
	"measure: one run's line of the measured TSV from its nestlab-flat/1 or nestlab-nested/1\n"
	"  DOC (RC: bench/paper_run.sh's exit status); l1-outcome: L1's outcome in DOC, if any\n";

struct cli {
	struct expt_opts o;
	const char *host, *emulated, *wall;
	char *pos[64];
	int npos;
};

/* Options may come anywhere after the command; `allowed` lists this
 * command's. Returns 0, 1 for --help, or -EINVAL (message printed). */
static int parse_cli(int argc, char **argv, const char *allowed, struct cli *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (a[0] != '-' || !a[1]) {
			if (c->npos == 64) {
				fprintf(stderr, "nestlab-expt: too many arguments\n");
				return -EINVAL;
			}
			c->pos[c->npos++] = argv[i];
			continue;
		}
		if (!strstr(allowed, a) || !a[2] || strchr(a + 2, ' ')) {
			fprintf(stderr, "nestlab-expt %s: unknown option %s (try --help)\n", argv[1], a);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "nestlab-expt: %s needs a value\n", a);
			return -EINVAL;
		}
		const char *v = argv[++i];

		if (!strcmp(a, "--scale")) {
			c->o.scale = v;
		} else if (!strcmp(a, "--sizes")) {
			c->o.sizes = v;
		} else if (!strcmp(a, "--modes")) {
			c->o.modes = v;
		} else if (!strcmp(a, "--guest")) {
			c->o.guest = v;
		} else if (!strcmp(a, "--host")) {
			c->host = v;
		} else if (!strcmp(a, "--wall")) {
			c->wall = v;
		} else if (!strcmp(a, "--emulated")) {
			if (strcmp(v, "yes") && strcmp(v, "no")) {
				fprintf(stderr, "nestlab-expt: --emulated is yes or no, not '%s'\n", v);
				return -EINVAL;
			}
			c->emulated = v;
		} else if (!strcmp(a, "--reps")) {
			unsigned long n = strtoul(v, &end, 10);

			if (*v < '1' || *v > '9' || *end || n > 1000) {
				fprintf(stderr, "nestlab-expt: --reps is a number 1..1000, not '%s'\n", v);
				return -EINVAL;
			}
			c->o.reps = (unsigned)n;
		} else {
			fprintf(stderr, "nestlab-expt %s: unknown option %s (try --help)\n", argv[1], a);
			return -EINVAL;
		}
	}
	return 0;
}

static int load_plan(const struct cli *c, struct expt_desc *d, struct expt_plan *p, FILE *notes)
{
	char err[EXPT_ERRLEN];

	if (expt_desc_load(c->pos[0], d, err, sizeof(err)) ||
	    expt_plan_build(d, &c->o, p, notes, err, sizeof(err))) {
		fprintf(stderr, "nestlab-expt: %s\n", err);
		return 2;
	}
	return 0;
}

static int cmd_plan(const struct cli *c)
{
	struct expt_desc d;
	struct expt_plan p;
	int r;

	if (c->npos != 1) {
		fputs(usage, stderr);
		return 2;
	}
	if ((r = load_plan(c, &d, &p, stderr)))
		return r;
	expt_plan_print(stdout, &p);
	expt_plan_free(&p);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "nestlab-expt: writing the plan failed\n");
		return 1;
	}
	return 0;
}

/* Write OUTDIR/NAME.EXT with fn; a failure is reported here. */
static int write_out(const char *outdir, const char *name, const char *ext,
		     int (*fn)(FILE *, const void *), const void *arg)
{
	char path[4096];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s.%s", outdir, name, ext);
	if (!(f = fopen(path, "w"))) {
		fprintf(stderr, "nestlab-expt: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	r = fn(f, arg);
	if (fclose(f) && !r)
		r = -EIO;
	if (r)
		fprintf(stderr, "nestlab-expt: %s: write failed\n", path);
	return r;
}

struct outs {
	const struct expt_plan *p;
	const struct expt_data *d;
	const struct expt_meta *meta;
	bool rendered;
};

static int w_csv(FILE *f, const void *a)
{
	const struct outs *o = a;

	return expt_write_csv(f, o->p, o->d);
}

static int w_gp(FILE *f, const void *a)
{
	const struct outs *o = a;

	return expt_write_gp(f, o->p, o->d, o->meta);
}

static int w_md(FILE *f, const void *a)
{
	const struct outs *o = a;

	return expt_write_md(f, o->p, o->d, o->meta, o->rendered);
}

static int w_meta(FILE *f, const void *a)
{
	const struct outs *o = a;

	return expt_write_meta(f, o->p, o->d, o->meta);
}

static int cmd_summarize(const struct cli *c)
{
	struct expt_desc d;
	struct expt_plan p;
	struct expt_data data;
	struct expt_meta meta = { c->host, c->emulated, NULL };
	struct outs o = { &p, &data, &meta, false };
	const char *outdir;
	char err[EXPT_ERRLEN];
	int r, rc = 0;

	if (c->npos != 3) {
		fputs(usage, stderr);
		return 2;
	}
	outdir = c->pos[2];
	if ((r = load_plan(c, &d, &p, NULL)))
		return r;
	if ((r = expt_load_measured(c->pos[1], &p, &data, stderr, err, sizeof(err)))) {
		fprintf(stderr, "nestlab-expt: %s\n", r == -ENOMEM ? "out of memory" : err);
		rc = r == -ENOMEM ? 1 : 2;
		goto out;
	}
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "nestlab-expt: %s: %s\n", outdir, strerror(errno));
		rc = 1;
		goto out;
	}
	if (write_out(outdir, d.name, "csv", w_csv, &o) || write_out(outdir, d.name, "gp", w_gp, &o)) {
		rc = 1;
		goto out;
	}
	r = expt_render(outdir, d.name, err, sizeof(err));
	o.rendered = !r;
	if (r) {
		fprintf(stderr, "nestlab-expt: %s\n", err);
		if (r != -ENOENT) /* no gnuplot is a note; a failing one an error */
			rc = 1;
	}
	/* the knee figures need gnuplot too; without it the text says so */
	meta.outdir = outdir;
	if (o.rendered)
		expt_pressure_plots(&p, &data, outdir, stderr);
	if (write_out(outdir, d.name, "md", w_md, &o) || write_out(outdir, d.name, "meta", w_meta, &o))
		rc = 1;
	size_t measured = 0;

	for (size_t i = 0; i < p.npoints; i++)
		measured += data.m[i].t.n > 0;
	printf("nestlab-expt: %s: %zu runs passed, %zu failed, %zu lines skipped, %zu of other "
	       "experiments; %zu of %zu points measured; %s/%s.{csv,gp,md%s}\n",
	       d.name, data.used, data.failed, data.bad + data.dup, data.other, measured, p.npoints,
	       outdir, d.name, o.rendered ? ",png,svg" : "");
out:
	expt_data_free(&data);
	expt_plan_free(&p);
	return rc;
}

static int cmd_measure(const struct cli *c)
{
	char err[EXPT_ERRLEN];
	struct expt_measure_run in;

	if (c->npos != 7) {
		fputs(usage, stderr);
		return 2;
	}
	in = (struct expt_measure_run){ c->pos[0], c->pos[1], c->pos[2], c->pos[3], c->pos[4],
					c->pos[5], c->pos[6] };
	/* the line goes out whole or not at all: the driver keeps what it gets */
	char *line = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&line, &len);
	int r;

	if (!mem) {
		fprintf(stderr, "nestlab-expt: out of memory\n");
		return 1;
	}
	r = expt_measure(&in, mem, err, sizeof(err));
	if (fclose(mem) && !r)
		r = -ENOMEM;
	if (r) {
		free(line);
		fprintf(stderr, "nestlab-expt: %s\n", r == -ENOMEM ? "out of memory" : err);
		return r == -ENOMEM ? 1 : 2;
	}
	fwrite(line, 1, len, stdout);
	free(line);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "nestlab-expt: writing the line failed\n");
		return 1;
	}
	return 0;
}

static int cmd_l1_outcome(const struct cli *c)
{
	char err[EXPT_ERRLEN];
	int r;

	if (c->npos != 1) {
		fputs(usage, stderr);
		return 2;
	}
	if ((r = expt_l1_outcome(c->pos[0], stdout, err, sizeof(err)))) {
		fprintf(stderr, "nestlab-expt: %s\n", r == -ENOMEM ? "out of memory" : err);
		return r == -ENOMEM ? 1 : 2;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "nestlab-expt: writing the outcome failed\n");
		return 1;
	}
	return 0;
}

static int cmd_report(const struct cli *c)
{
	char err[EXPT_ERRLEN];
	double wall = -1;

	if (c->npos < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (c->wall) {
		char *end;

		wall = strtod(c->wall, &end);
		if (*end || !*c->wall || !(wall >= 0)) {
			fprintf(stderr, "nestlab-expt: --wall is seconds, not '%s'\n", c->wall);
			return 2;
		}
	}
	if (expt_report(c->pos[0], c->pos + 1, c->npos - 1, wall, err, sizeof(err))) {
		fprintf(stderr, "nestlab-expt: %s\n", err);
		return 1;
	}
	printf("nestlab-expt: %s/report.md\n", c->pos[0]);
	return 0;
}

/* memplot DOC OUTDIR [NAME]: a run's memory over time, one panel per level */
static int cmd_memplot(const struct cli *c)
{
	char err[EXPT_ERRLEN];
	const char *name = c->npos > 2 ? c->pos[2] : "memory";

	if (c->npos < 2 || c->npos > 3) {
		fputs(usage, stderr);
		return 2;
	}
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			fprintf(stderr, "nestlab-expt: memplot: NAME is letters, digits, - and _, not '%s'\n", name);
			return 2;
		}
	int r = expt_memplot(c->pos[0], c->pos[1], name, err, sizeof(err));

	if (r) {
		fprintf(stderr, "nestlab-expt: %s\n", err);
		return r == -EIO ? 1 : 2;
	}
	if (expt_render(c->pos[1], name, err, sizeof(err))) {
		fprintf(stderr, "nestlab-expt: %s\n", err);
		return 1;
	}
	printf("nestlab-expt: %s/%s.png, %s.svg\n", c->pos[1], name, name);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *opts;
		int (*fn)(const struct cli *);
	} cmds[] = {
		{ "plan", "--scale --reps --sizes --modes --guest", cmd_plan },
		{ "summarize", "--scale --reps --sizes --modes --guest --host --emulated", cmd_summarize },
		{ "report", "--wall", cmd_report },
		{ "measure", "", cmd_measure },
		{ "l1-outcome", "", cmd_l1_outcome },
		{ "memplot", "", cmd_memplot },
	};
	struct cli c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		int r = parse_cli(argc, argv, cmds[i].opts, &c);

		if (r > 0) {
			fputs(usage, stdout);
			return 0;
		}
		return r ? 2 : cmds[i].fn(&c);
	}
	fprintf(stderr, "nestlab-expt: unknown command '%s' (plan, summarize, report, measure, l1-outcome, memplot)\n", argv[1]);
	return 2;
}
