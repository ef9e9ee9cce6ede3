// SPDX-License-Identifier: MIT
/*
 * Experiment descriptions (bench/expt_desc.c) and the plan built from
 * one with nestlab-expt's default options (bench/expt_plan.c): whatever
 * parses must expand into runs whose ids name their points, since
 * bench/paper.sh and `summarize` find a run's point by its id alone.
 */
#include <errno.h>
#include <string.h>

#include "expt.h"
#include "fuzz.h"

/* Printing a plan of 10^5 runs would be most of the time spent. */
#define PRINT_MAX 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	static struct expt_desc d;   /* 5 KiB: not on a fuzzer's stack */
	struct expt_opts o;
	struct expt_plan p;
	char err[EXPT_ERRLEN];
	char *text;
	int r;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	/* expt_desc_load refuses a file with NUL bytes; the parser takes text */
	if (memchr(data, '\0', size))
		return 0;
	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 0x5a, sizeof(err));
	r = expt_desc_parse("fuzz.expt", text, &d, err, sizeof(err));
	free(text);
	if (r) {
		FUZZ_CHECK(r == -EINVAL, "expt_desc_parse: %d", r);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && !strncmp(err, "fuzz.expt:", 10),
			   "message '%.40s'", err);
		return 0;
	}
	FUZZ_CHECK(d.name[0] && memchr(d.name, '\0', sizeof(d.name)), "no name");
	FUZZ_CHECK(d.nwl >= 1 && d.nwl <= EXPT_MAX_LIST && d.nsizes >= 1 &&
		   d.nsizes <= EXPT_MAX_LIST && d.nmodes >= 0 && d.nmodes <= 3,
		   "%d workloads, %d sizes, %d modes", d.nwl, d.nsizes, d.nmodes);
	for (int i = 0; i < d.nwl; i++)
		FUZZ_CHECK(d.wl[i] >= 0 && d.wl[i] < EXPT_NWORKLOADS, "workload %d", d.wl[i]);
	FUZZ_CHECK(d.nvms >= 1 && d.nvms <= EXPT_MAX_LIST, "%d numbers of VMs", d.nvms);
	for (int i = 0; i < d.nvms; i++) {
		FUZZ_CHECK(d.vms[i] >= 1 && d.vms[i] <= 16, "vms %u", d.vms[i]);
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(d.vms[j] != d.vms[i], "vms %u twice", d.vms[i]);
	}

	memset(&o, 0, sizeof(o)); /* nestlab-expt plan FILE: no options */
	memset(err, 0x5a, sizeof(err));
	r = expt_plan_build(&d, &o, &p, sink, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "expt_plan_build: %d", r);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "message not terminated");
		FUZZ_CHECK(!p.points && !p.runs, "a refused plan keeps its arrays");
		return 0;
	}
	FUZZ_CHECK(p.nruns == p.npoints * p.reps, "%zu runs of %zu points", p.nruns, p.npoints);
	for (size_t i = 0; i < p.npoints; i++) {
		const struct expt_point *pt = &p.points[i];

		FUZZ_CHECK(pt->vm_mem >= 4 * MIB && pt->vm_mem <= EXPT_MAX_BYTES,
			   "point %zu: %llu bytes", i, (unsigned long long)pt->vm_mem);
		FUZZ_CHECK(pt->vi >= 0 && pt->vi < d.nvms && pt->vms == d.vms[pt->vi],
			   "point %zu: vms %u at %d", i, pt->vms, pt->vi);
		FUZZ_CHECK(expt_plan_point_vms(&p, pt->config, pt->wl, pt->vi, pt->size) == (int)i,
			   "point %zu (%s) is not found by its parts", i, pt->key);
	}
	/* every run's id names its own point and rep (the first runs and a
	 * spread of the rest: the plan may hold 10^5) */
	size_t step = p.nruns > PRINT_MAX ? p.nruns / PRINT_MAX : 1;

	for (size_t i = 0; i < p.nruns; i += step) {
		const struct expt_run *run = &p.runs[i];
		unsigned rep = 0;
		int pt = expt_plan_find_id(&p, run->id, &rep);

		FUZZ_CHECK(pt == run->point && rep == run->rep, "run %s: point %d rep %u, not %d %u",
			   run->id, pt, rep, run->point, run->rep);
	}
	if (p.nruns <= PRINT_MAX)
		expt_plan_print(sink, &p);
	expt_plan_free(&p);
	return 0;
}
