// SPDX-License-Identifier: MIT
/*
 * nestlab-expt: the description parser (and each of its errors), scaling,
 * plan expansion, statistics, the CSV, the paper comparisons on hand-made
 * measurements, and the command itself (argv[1]: its path), including a
 * plot rendered by gnuplot when gnuplot is installed.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "expt.h"
#include "wl.h"

static const char *expt_bin;

/* The paper's figure 3 set-up, as in bench/experiments/fig3.expt. */
static const char fig3_text[] =
	"# fig3 for tests\n"
	"name       fig3\n"
	"title      Hypervisor VMs vs nested VMs, mcf\n"
	"figure     3\n"
	"shapes     flat nested   # comment\n"
	"modes      shadow\n"
	"workloads  mcf\n"
	"vms        2\n"
	"vm_mem     5G 6G 7G 8G 9G\n"
	"host_mem   8G\n"
	"l1_mem     8G\n"
	"l1_cpus    2\n"
	"reps       8\n"
	"footprint  mcf=1.7G bzip2=850M gobmk=30M hmmer=60M\n"
	"iters      mcf=1 bzip2=1 gobmk=1 hmmer=1\n";

static const char fig4_text[] =
	"name fig4\n"
	"figure 4\n"
	"shapes nested\n"
	"modes shadow nested\n"
	"workloads mcf bzip2\n"
	"vms 2\n"
	"vm_mem 5G 6G 7G 8G 9G\n"
	"host_mem 8G\n"
	"l1_mem 8G\n"
	"footprint mcf=1.7G bzip2=850M\n";

struct fixture {
	struct expt_desc d;
	struct expt_plan p;
	struct expt_data data;
	char errs[4096]; /* what expt_read_measured reported */
};

static void load(struct fixture *fx, const char *text, const char *scale, unsigned reps)
{
	char err[EXPT_ERRLEN] = "";
	struct expt_opts o = { .scale = scale, .reps = reps };

	memset(fx, 0, sizeof(*fx));
	if (expt_desc_parse("t.expt", text, &fx->d, err, sizeof(err)))
		fail_msg("parse: %s", err);
	if (expt_plan_build(&fx->d, &o, &fx->p, NULL, err, sizeof(err)))
		fail_msg("plan: %s", err);
}

static void measure(struct fixture *fx, const char *tsv)
{
	FILE *errs = fmemopen(fx->errs, sizeof(fx->errs), "w");

	assert_non_null(errs);
	assert_int_equal(expt_read_measured(tsv, strlen(tsv), "t.tsv", &fx->p, &fx->data, errs), 0);
	fclose(errs);
}

static void unload(struct fixture *fx)
{
	expt_data_free(&fx->data);
	expt_plan_free(&fx->p);
}

/* What writer() writes, as a string the caller frees. */
static char *capture_md(struct fixture *fx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct expt_meta meta = { "test host", "yes", NULL };

	assert_non_null(f);
	assert_int_equal(expt_write_md(f, &fx->p, &fx->data, &meta, true), 0);
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define assert_has(hay, needle) \
	do { if (!strstr((hay), (needle))) fail_msg("missing \"%s\" in:\n%s", (needle), (hay)); } while (0)

/* ---- the description ---- */

static void desc_good(void **state)
{
	struct expt_desc d;
	char err[EXPT_ERRLEN] = "";

	(void)state;
	assert_int_equal(expt_desc_parse("t.expt", fig3_text, &d, err, sizeof(err)), 0);
	assert_string_equal(d.name, "fig3");
	assert_string_equal(d.title, "Hypervisor VMs vs nested VMs, mcf");
	assert_int_equal(d.figure, 3);
	assert_true(d.flat && d.nested);
	assert_int_equal(d.nmodes, 1);
	assert_int_equal(d.modes[0], EXPT_SHADOW);
	assert_int_equal(d.nwl, 1);
	assert_string_equal(expt_workloads[d.wl[0]].name, "mcf");
	assert_int_equal(d.nsizes, 5);
	assert_int_equal(expt_size_bytes(&d.vm_mem[0]), 5ull << 30);
	assert_int_equal(expt_size_bytes(&d.vm_mem[4]), 9ull << 30);
	assert_int_equal(expt_size_bytes(&d.l1_mem), 8ull << 30);
	assert_int_equal(d.nvms, 1);
	assert_int_equal(d.vms[0], 2);
	assert_int_equal(d.l1_cpus, 2);
	assert_int_equal(d.reps, 8);
	assert_int_equal(expt_size_bytes(&d.footprint[expt_workload_find("mcf")]), 1825361101ull);
	assert_int_equal(expt_size_bytes(&d.footprint[expt_workload_find("bzip2")]), 850ull << 20);
	assert_int_equal(d.iters[expt_workload_find("mcf")], 1);
	assert_int_equal(d.scale.num, 1);
	assert_int_equal(d.scale.den, 1);
	assert_int_equal(d.line[EXPT_K_VM_MEM], 9);

	/* defaults: modes shadow for nested, vms 1, reps 1, l1_cpus 2, title = name;
	 * a bare value applies to every workload; no trailing newline needed */
	assert_int_equal(expt_desc_parse("t.expt", "name x\nshapes nested\nworkloads gobmk hmmer\n"
				"vm_mem 64M\nl1_mem 1G\nfootprint 8M\niters 3\nscale 1/4", &d, err, sizeof(err)), 0);
	assert_int_equal(d.nmodes, 1);
	assert_int_equal(d.modes[0], EXPT_SHADOW);
	assert_int_equal(d.nvms, 1);
	assert_int_equal(d.vms[0], 1);
	assert_int_equal(d.reps, 1);
	assert_int_equal(d.l1_cpus, 2);
	assert_string_equal(d.title, "x");
	assert_int_equal(d.iters[expt_workload_find("hmmer")], 3);
	assert_int_equal(expt_size_bytes(&d.footprint[expt_workload_find("gobmk")]), 8ull << 20);
	assert_int_equal(d.scale.den, 4);
}

static void desc_errors(void **state)
{
	static const char base[] = "name e\nshapes flat\nworkloads mcf\nvm_mem 1G\nfootprint mcf=100M\n";
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "name e\nbogus 1\n", "t.expt:2: unknown key 'bogus'" },
		{ "name e\n# c\nname f\n", "t.expt:3: duplicate key 'name' (first on line 1)" },
		{ "shapes flat\nworkloads mcf\nvm_mem 1G\nfootprint mcf=1M\n", "t.expt:4: end of file: required key 'name' is missing" },
		{ "name e\nworkloads mcf\nvm_mem 1G\nfootprint mcf=1M\n", "t.expt:4: end of file: required key 'shapes' is missing" },
		{ "name e\nshapes flat\nvm_mem 1G\n", "t.expt:3: end of file: required key 'workloads' is missing" },
		{ "name e\nshapes flat\nworkloads mcf\nfootprint mcf=1M\n\n", "t.expt:5: end of file: required key 'vm_mem' is missing" },
		{ "name e\nshapes flat\nworkloads mcf\nvm_mem 1G 2X\n", "t.expt:4: vm_mem '2X': a size" },
		{ "name e\nshapes flat\nworkloads mcf\nvm_mem 1.5\n", "t.expt:4: vm_mem '1.5': a size" },
		{ "name e\nshapes flat\nworkloads mcf\nvm_mem 0G\n", "t.expt:4: vm_mem '0G': a size" },
		{ "name e\nshapes flat\nworkloads mcf\nvm_mem 1G 1024M\n", "t.expt:4: vm_mem '1024M' given twice" },
		{ "name e\nshapes flat\nworkloads mcf spec\n", "t.expt:3: unknown workload 'spec'" },
		{ "name e\nshapes flat\nworkloads mcf mcf\n", "t.expt:3: workload 'mcf' given twice" },
		{ "name e\nshapes flat deep\n", "t.expt:2: unknown shape 'deep'" },
		{ "name e\nshapes nested\nmodes shadow ept\n", "t.expt:3: unknown mode 'ept'" },
		{ "name e\nshapes nested\nmodes flat\n", "t.expt:3: unknown mode 'flat'" },
		{ "name e\n\nshapes flat\nmodes shadow\nworkloads mcf\nvm_mem 1G\nfootprint mcf=1M\n", "t.expt:4: 'modes' apply to the nested shape only" },
		{ "name e\nshapes nested\nworkloads mcf\nvm_mem 1G\nfootprint mcf=1M\n", "t.expt:2: shape 'nested' needs 'l1_mem'" },
		{ "name e\nshapes flat\nworkloads mcf hmmer\nvm_mem 1G\nfootprint mcf=1M\n", "t.expt:5: no footprint for workload 'hmmer'" },
		{ "name e\nshapes flat\nworkloads mcf\nvm_mem 1G\n", "t.expt:3: no footprint for workload 'mcf'" },
		{ "name e\nfootprint spec=1M\n", "t.expt:2: footprint 'spec=1M': WORKLOAD=VALUE" },
		{ "name e\nfootprint mcf=1Q\n", "t.expt:2: footprint 'mcf=1Q': a size" },
		{ "name e\niters mcf=0\n", "t.expt:2: iters 'mcf=0'" },
		{ "name e\nscale 1/0\n", "t.expt:2: scale '1/0'" },
		{ "name e\nscale 65\n", "t.expt:2: scale '65'" },
		{ "name e\nreps 0\n", "t.expt:2: reps '0'" },
		{ "name e\nvms 17\n", "t.expt:2: vms '17'" },
		{ "name e/f\n", "t.expt:1: name 'e/f'" },
		{ "name e f\n", "t.expt:1: key 'name' takes one value, not 2" },
		{ "name e\nfigure\n", "t.expt:2: key 'figure' needs a value" },
		{ "name e\ntitle   # only a comment\n", "t.expt:2: key 'title' needs a value" },
		{ "name e\nhost_mem 8GG\n", "t.expt:2: host_mem '8GG'" },
	};
	struct expt_desc d;
	char err[EXPT_ERRLEN];

	(void)state;
	assert_int_equal(expt_desc_parse("t.expt", base, &d, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (expt_desc_parse("t.expt", cases[i].text, &d, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
		assert_null(strchr(err, '\n')); /* one line */
	}
}

/* ---- sizes and scaling ---- */

static void sizes_and_scale(void **state)
{
	struct expt_size s;
	struct expt_scale sc, half, third, dec;

	(void)state;
	assert_int_equal(expt_parse_size("5G", &s), 0);
	assert_int_equal(expt_size_bytes(&s), 5ull << 30);
	assert_int_equal(expt_parse_size("1.5GiB", &s), 0);
	assert_int_equal(expt_size_bytes(&s), 3ull << 29);
	assert_int_equal(expt_parse_size("64kb", &s), 0);
	assert_int_equal(expt_size_bytes(&s), 65536);
	assert_int_equal(expt_parse_size("4096", &s), 0);
	assert_int_equal(expt_size_bytes(&s), 4096);
	assert_true(expt_parse_size("1.5", &s) < 0); /* fractional bytes */
	assert_true(expt_parse_size("", &s) < 0);
	assert_true(expt_parse_size("G", &s) < 0);
	assert_true(expt_parse_size("1.G", &s) < 0);
	assert_true(expt_parse_size("1.1234567G", &s) < 0);
	assert_true(expt_parse_size("5 G", &s) < 0);
	assert_true(expt_parse_size("-5G", &s) < 0);
	assert_true(expt_parse_size("0M", &s) < 0);
	assert_true(expt_parse_size("99999999999999999999G", &s) < 0);
	/* issue 12 (c): 2^64 bytes wrapped to 0; the bound is nestlab's */
	assert_int_equal(expt_parse_size("16777216T", &s), -ERANGE);
	assert_int_equal(expt_parse_size("64.000001G", &s), -ERANGE);
	assert_int_equal(expt_parse_size("65536.1M", &s), -ERANGE);
	assert_int_equal(expt_parse_size("68719476737", &s), -ERANGE);
	assert_int_equal(expt_parse_size("64G", &s), 0);
	assert_int_equal(expt_size_bytes(&s), NL_MAX_MEM_GIB << 30);
	assert_int_equal(expt_parse_size("0.0625T", &s), 0);
	assert_int_equal(expt_parse_size("68719476736", &s), 0);

	assert_int_equal(expt_parse_scale("1/32", &sc), 0);
	assert_int_equal(sc.num, 1);
	assert_int_equal(sc.den, 32);
	assert_string_equal(sc.text, "1/32");
	assert_int_equal(expt_parse_scale("0.03125", &dec), 0);
	assert_true(fabs(expt_scale_value(&dec) - 1.0 / 32) < 1e-15);
	assert_int_equal(expt_parse_scale("1/2", &half), 0);
	assert_int_equal(expt_parse_scale("1/3", &third), 0);
	assert_true(expt_parse_scale("0", &sc) < 0);
	assert_true(expt_parse_scale("1/0", &sc) < 0);
	assert_true(expt_parse_scale("0/5", &sc) < 0);
	assert_true(expt_parse_scale(".5", &sc) < 0);
	assert_true(expt_parse_scale("5.", &sc) < 0);
	assert_true(expt_parse_scale("1/x", &sc) < 0);
	assert_true(expt_parse_scale("65", &sc) < 0);
	assert_int_equal(expt_parse_scale("64", &sc), 0);

	/* 5G/32 = 160 MiB exactly; 1.7G/32 = 54.4 -> 54; 1.7G/64 = 27.2 -> 27;
	 * 3M/2 = 1.5 -> 2 (halves up); 5G/3 = 1706.67 -> 1707 */
	expt_parse_size("5G", &s);
	assert_int_equal(expt_size_scaled_mib(&s, &half), 2560);
	assert_int_equal(expt_size_scaled_mib(&s, &third), 1707);
	assert_int_equal(expt_size_scaled_mib(&s, &dec), 160);
	expt_parse_size("1.7G", &s);
	assert_int_equal(expt_size_scaled_mib(&s, &dec), 54);
	expt_parse_scale("1/64", &sc);
	assert_int_equal(expt_size_scaled_mib(&s, &sc), 27);
	expt_parse_size("3M", &s);
	assert_int_equal(expt_size_scaled_mib(&s, &half), 2);
	expt_parse_size("5M", &s);
	assert_int_equal(expt_size_scaled_mib(&s, &half), 3);
	expt_parse_size("1M", &s);
	assert_int_equal(expt_size_scaled_mib(&s, &third), 0);
}

/* expt's table of workloads must agree with the workloads' own. */
static void workloads_agree(void **state)
{
	int n = 0;

	(void)state;
	for (; wl_names[n]; n++) {
		int i = expt_workload_find(wl_names[n]);

		assert_true(i >= 0);
		assert_int_equal(expt_workloads[i].min_footprint, wl_min_footprint(wl_names[n]));
	}
	assert_int_equal(n, EXPT_NWORKLOADS);
}

/* ---- the plan ---- */

static void plan_order_and_ids(void **state)
{
	struct fixture a, b;

	(void)state;
	load(&a, fig3_text, "1/32", 2);
	assert_int_equal(a.p.nconfigs, 2);
	assert_int_equal(a.p.npoints, 10);
	assert_int_equal(a.p.nruns, 20);
	/* every size and configuration once, configurations adjacent, before rep 2 */
	assert_string_equal(a.p.runs[0].id, "fig3-flat-mcf-160M-r1");
	assert_string_equal(a.p.runs[1].id, "fig3-nested-shadow-mcf-160M-r1");
	assert_string_equal(a.p.runs[2].id, "fig3-flat-mcf-192M-r1");
	assert_string_equal(a.p.runs[9].id, "fig3-nested-shadow-mcf-288M-r1");
	assert_string_equal(a.p.runs[10].id, "fig3-flat-mcf-160M-r2");
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(a.p.runs[i].rep, 1);
	assert_int_equal(a.p.footprint[expt_workload_find("mcf")], 54 * MIB);
	assert_int_equal(a.p.l1_mem, 256 * MIB);
	assert_int_equal(a.p.host_mem, 256 * MIB);
	/* the same description and options: the same ids */
	load(&b, fig3_text, "1/32", 2);
	for (size_t i = 0; i < a.p.nruns; i++) {
		unsigned rep = 0;

		assert_string_equal(a.p.runs[i].id, b.p.runs[i].id);
		assert_int_equal(expt_plan_find_id(&a.p, a.p.runs[i].id, &rep), a.p.runs[i].point);
		assert_int_equal(rep, a.p.runs[i].rep);
	}
	/* a rep beyond the plan's (a driver run with more --reps) is still this point */
	unsigned rep = 0;

	assert_int_equal(expt_plan_find_id(&a.p, "fig3-flat-mcf-160M-r9", &rep), 0);
	assert_int_equal(rep, 9);
	assert_int_equal(expt_plan_find_id(&a.p, "fig3-flat-mcf-161M-r1", &rep), -1);
	assert_int_equal(expt_plan_find_id(&a.p, "fig3-flat-mcf-160M-r0", &rep), -1);
	assert_int_equal(expt_plan_find_id(&a.p, "fig3-flat-mcf-160M", &rep), -1);
	assert_int_equal(expt_plan_find_id(&a.p, "fig3-flat-mcf-160M-rx", &rep), -1);
	unload(&a);
	unload(&b);

	/* the file's reps, at scale 1 */
	load(&a, fig3_text, NULL, 0);
	assert_int_equal(a.p.nruns, 80);
	assert_string_equal(a.p.runs[0].id, "fig3-flat-mcf-5120M-r1");
	unload(&a);
}

static void plan_print(void **state)
{
	struct fixture fx;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	load(&fx, fig3_text, "1/32", 1);
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &fx.p);
	fclose(f);
	assert_has(buf, "run_id\texperiment\tconfig\tworkload\tvm_mem\thost_mem\tl1_mem\tl1_cpus\t"
			"footprint\titers\tvms\trep\tguest\tresident\tl1_ksm\tl1_zswap\n"
			"fig3-flat-mcf-160M-r1\tfig3\tflat\tmcf\t167772160\t268435456\t268435456\t2\t"
			"56623104\t1\t2\t1\tkernel\t0\t0\t0\n"
			"fig3-nested-shadow-mcf-160M-r1\tfig3\tshadow\tmcf\t167772160\t268435456\t"
			"268435456\t2\t56623104\t1\t2\t1\tkernel\t0\t0\t0\n");
	assert_int_equal(count(buf, "\n"), 11);
	free(buf);
	unload(&fx);
}

static void plan_options(void **state)
{
	struct expt_desc d;
	struct expt_plan p;
	char err[EXPT_ERRLEN], notes[512] = "";
	struct expt_opts o = { .scale = "1/32", .sizes = "9G,5G" };
	FILE *nf;

	(void)state;
	assert_int_equal(expt_desc_parse("t.expt", fig4_text, &d, err, sizeof(err)), 0);
	/* --sizes keeps the description's order */
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_int_equal(p.nsizes, 2);
	assert_int_equal(p.nruns, 2 * 2 * 2);
	assert_string_equal(p.runs[0].id, "fig4-nested-shadow-mcf-160M-r1");
	assert_string_equal(p.runs[1].id, "fig4-nested-nested-mcf-160M-r1");
	assert_string_equal(p.runs[2].id, "fig4-nested-shadow-bzip2-160M-r1");
	assert_string_equal(p.runs[4].id, "fig4-nested-shadow-mcf-288M-r1");
	expt_plan_free(&p);

	o.sizes = "5G,4G";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "--sizes: 4G is not one of");
	o.sizes = "5G,lots";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "--sizes: 'lots' is not a size");

	o.sizes = NULL;
	o.modes = "nested";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_int_equal(p.nconfigs, 1);
	assert_int_equal(p.configs[0], EXPT_NESTED);
	expt_plan_free(&p);
	o.modes = "sos";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "has no mode 'sos'");
	o.modes = "ept";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "--modes: unknown mode 'ept'");

	/* a VM scaled below 4 MiB: the key's line */
	o.modes = NULL;
	o.scale = "1/2048";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:7: vm_mem 5G x 1/2048 is 3 MiB, below the 4 MiB a VM needs");
	o.scale = "zero";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "--scale 'zero'");

	/* footprints below the workload's minimum are raised, and said so */
	o.scale = "1/1024";
	nf = fmemopen(notes, sizeof(notes), "w");
	assert_int_equal(expt_plan_build(&d, &o, &p, nf, err, sizeof(err)), 0);
	fclose(nf);
	assert_int_equal(p.footprint[expt_workload_find("mcf")], 2 * MIB); /* 1.66 -> 2 */
	assert_int_equal(p.footprint[expt_workload_find("bzip2")], 1 * MIB); /* 0.83 -> 1 */
	assert_false(p.fp_raised[expt_workload_find("bzip2")]);
	expt_plan_free(&p);
	assert_string_equal(notes, "");
	o.scale = "1/2048";
	for (int i = 0; i < 5; i++) /* 10G..18G, so that the VMs stay >= 4 MiB */
		d.vm_mem[i].mant = 10 + 2 * (uint64_t)i;
	nf = fmemopen(notes, sizeof(notes), "w");
	assert_int_equal(expt_plan_build(&d, &o, &p, nf, err, sizeof(err)), 0);
	fclose(nf);
	assert_int_equal(p.footprint[expt_workload_find("bzip2")], 1 * MIB);
	assert_true(p.fp_raised[expt_workload_find("bzip2")]);
	assert_false(p.fp_raised[expt_workload_find("mcf")]);
	assert_string_equal(notes, "t.expt: bzip2 footprint 850M x 1/2048 is 0 MiB after rounding: "
				   "raised to the workload's minimum, 1024 KiB\n");
	expt_plan_free(&p);
}

/* The guest key and --guest: Linux runs have their own ids, only the
 * workloads with a Linux program, and VMs of at least 64 MiB. */
static void plan_guest(void **state)
{
	static const char linux_text[] =
		"name g\nshapes flat nested\nl1_mem 8G\nworkloads bzip2 gobmk hmmer\n"
		"vm_mem 5G 8G\nfootprint 32M\nguest linux\n";
	struct expt_desc d;
	struct expt_plan p;
	char err[EXPT_ERRLEN], *buf = NULL;
	struct expt_opts o = { .scale = "1/32" };
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(expt_desc_parse("t.expt", linux_text, &d, err, sizeof(err)), 0);
	assert_int_equal(d.guest, EXPT_GUEST_LINUX);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_int_equal(p.guest, EXPT_GUEST_LINUX);
	assert_string_equal(p.runs[0].id, "g-linux-flat-bzip2-160M-r1");
	assert_string_equal(p.runs[1].id, "g-linux-nested-shadow-bzip2-160M-r1");
	assert_int_equal(expt_plan_find_id(&p, "g-linux-flat-bzip2-160M-r1", &(unsigned){ 0 }), 0);
	assert_int_equal(expt_plan_find_id(&p, "g-flat-bzip2-160M-r1", &(unsigned){ 0 }), -1);
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &p);
	fclose(f);
	assert_has(buf, "\t1\tlinux\t0\t0\t0\n");
	assert_null(strstr(buf, "\tkernel\t"));
	free(buf);
	expt_plan_free(&p);
	/* --guest kernel overrides the file: the ids guest-kernel always had */
	o.guest = "kernel";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p.runs[0].id, "g-flat-bzip2-160M-r1");
	expt_plan_free(&p);
	o.guest = "windows";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--guest 'windows': kernel or linux");
	/* 5G at 1/128 is 40 MiB: enough for guest-kernel, not for Linux */
	o.guest = NULL;
	o.scale = "1/128";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:5: vm_mem 5G x 1/128 is 40 MiB, below the 64 MiB a Linux VM needs");
	o.guest = "kernel";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	expt_plan_free(&p);
	/* ptrchase is guest-kernel's micro-benchmark: no Linux program */
	o.scale = "1/32";
	o.guest = "linux";
	assert_int_equal(expt_desc_parse("t.expt", "name p\nshapes flat\nworkloads mcf ptrchase\n"
					 "vm_mem 5G\nfootprint 8M\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.guest, EXPT_GUEST_KERNEL);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_has(err, "t.expt:3: workload 'ptrchase' has no Linux program");
	/* guest-kernel's OS share: its own ids, a plan column, not for Linux */
	o.guest = NULL;
	assert_int_equal(expt_desc_parse("t.expt", "name r\nshapes flat\nworkloads mcf\nvm_mem 5G\n"
					 "footprint 8M\nresident 40\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.resident, 40);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p.runs[0].id, "r-res40-flat-mcf-160M-r1");
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &p);
	fclose(f);
	assert_has(buf, "\tkernel\t40\t0\t0\n");
	free(buf);
	buf = NULL;
	expt_plan_free(&p);
	o.guest = "linux";
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:6: resident is guest-kernel's OS share: a Linux guest's kernel keeps its own memory");
	assert_int_equal(expt_desc_parse("t.expt", "name a\nresident 91\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:2: resident '91': a whole per cent of each VM's memory, 0..90");
	/* KSM in L1: the nested runs' ids and plan column say so, the flat ones' do not */
	o.guest = NULL;
	assert_int_equal(expt_desc_parse("t.expt", "name k\nshapes flat nested\nl1_mem 8G\nworkloads touch\n"
					 "vm_mem 5G\nfootprint 8M\nl1_ksm 4000\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.l1_ksm, 4000);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p.runs[0].id, "k-flat-touch-160M-r1");
	assert_string_equal(p.runs[1].id, "k-ksm4000-nested-shadow-touch-160M-r1");
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &p);
	fclose(f);
	assert_has(buf, "k-flat-touch-160M-r1\tk\tflat\t");
	assert_has(buf, "\tkernel\t0\t0\t0\nk-ksm4000-nested-shadow-touch-160M-r1\t");
	assert_has(buf, "\tkernel\t0\t4000\t0\n");
	free(buf);
	buf = NULL;
	expt_plan_free(&p);
	assert_int_equal(expt_desc_parse("t.expt", "name k\nshapes flat\nworkloads touch\nvm_mem 5G\n"
					 "footprint 8M\nl1_ksm 10\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:6: 'l1_ksm' is KSM inside L1: it applies to the nested shape only, "
			    "and shapes has no 'nested'");
	assert_int_equal(expt_desc_parse("t.expt", "name a\nl1_ksm 1000001\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:2: l1_ksm '1000001': KSM's pages_to_scan in L1, 0..1000000 (0: off)");
	/* zswap in L1 the same way, beside KSM in the id */
	assert_int_equal(expt_desc_parse("t.expt", "name z\nshapes flat nested\nl1_mem 8G\nworkloads touch\n"
					 "vm_mem 5G\nfootprint 8M\nl1_ksm 40\nl1_zswap 1\n", &d, err, sizeof(err)), 0);
	assert_true(d.l1_zswap);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_string_equal(p.runs[0].id, "z-flat-touch-160M-r1");
	assert_string_equal(p.runs[1].id, "z-ksm40-zswap-nested-shadow-touch-160M-r1");
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &p);
	fclose(f);
	assert_has(buf, "\tkernel\t0\t0\t0\nz-ksm40-zswap-nested-shadow-touch-160M-r1\t");
	assert_has(buf, "\tkernel\t0\t40\t1\n");
	free(buf);
	buf = NULL;
	expt_plan_free(&p);
	assert_int_equal(expt_desc_parse("t.expt", "name z\nshapes flat\nworkloads touch\nvm_mem 5G\n"
					 "footprint 8M\nl1_zswap 1\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:6: 'l1_zswap' is zswap inside L1: it applies to the nested shape only, "
			    "and shapes has no 'nested'");
	assert_int_equal(expt_desc_parse("t.expt", "name a\nl1_zswap yes\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:2: l1_zswap 'yes': 1 (zswap on in L1) or 0 (off)");
	assert_int_equal(expt_desc_parse("t.expt", "name a\nl1_zswap 2\n", &d, err, sizeof(err)), -EINVAL);
	/* the key itself */
	assert_int_equal(expt_desc_parse("t.expt", "name a\nguest bsd\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:2: guest 'bsd': kernel or linux");
	assert_int_equal(expt_desc_parse("t.expt", "name a\nguest linux kernel\n", &d, err, sizeof(err)),
			 -EINVAL);
	assert_has(err, "t.expt:2: key 'guest' takes one value");
}

/* ---- statistics ---- */

static void stats(void **state)
{
	static const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	static const double sdv[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct expt_stats s;
	double one = 7.5;

	(void)state;
	expt_stats_of(odd, 3, &s);
	assert_int_equal(s.n, 3);
	assert_true(s.median == 3 && s.min == 1 && s.max == 5 && s.mean == 3);
	assert_true(fabs(s.sd - 2) < 1e-12);
	expt_stats_of(even, 4, &s);
	assert_true(s.median == 2.5 && s.min == 1 && s.max == 4);
	expt_stats_of(sdv, 8, &s);
	assert_true(s.mean == 5);
	assert_true(fabs(s.sd - sqrt(32.0 / 7)) < 1e-12); /* sample: n - 1 */
	expt_stats_of(&one, 1, &s);
	assert_true(s.n == 1 && s.median == 7.5 && s.min == 7.5 && s.max == 7.5 && s.mean == 7.5);
	assert_true(isnan(s.sd));
	expt_stats_of(NULL, 0, &s);
	assert_true(s.n == 0 && isnan(s.median) && isnan(s.mean) && isnan(s.min));
	assert_true(odd[0] == 5); /* the input is not sorted in place */

	static const double x[] = { 1, 2, 3, 4 }, y[] = { 10, 20, 30, 40 }, z[] = { 8, 6, 4, 2 },
			    c[] = { 3, 3, 3, 3 };
	assert_true(fabs(expt_corr(x, y, 4) - 1) < 1e-12);
	assert_true(fabs(expt_corr(x, z, 4) + 1) < 1e-12);
	assert_true(isnan(expt_corr(x, c, 4)));
	assert_true(isnan(expt_corr(x, y, 2)));
}

/* ---- measured TSV, CSV, comparisons ---- */

#define HDR "run_id\tconfig\tworkload\tvm_mem\trep\ttime_s\tstatus\tl1_pf_guest\tl1_exits\tl0_exits\tswap_out\tmajor_faults\n"

/* fig3 at 1/32: flat 100 s, nested 111.9 s at every size (nested's
 * pf_guest rising with size), except what skip names. */
static char *fig3_tsv(const char *skip_mib)
{
	static const unsigned mib[] = { 160, 192, 224, 256, 288 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fputs(HDR, f);
	for (int i = 0; i < 5; i++) {
		unsigned long long b = (unsigned long long)mib[i] << 20;

		fprintf(f, "fig3-flat-mcf-%uM-r1\tflat\tmcf\t%llu\t1\t100\t0\t-\t-\t%d\t-\t-\n", mib[i], b, 1000);
		if (skip_mib && (unsigned)atoi(skip_mib) == mib[i])
			continue;
		fprintf(f, "fig3-nested-shadow-mcf-%uM-r1\tshadow\tmcf\t%llu\t1\t111.9\t0\t%d\t500\t3000\t0\t0\n",
			mib[i], b, 100 * (i + 1));
	}
	fclose(f);
	return buf;
}

static void fig3_numbers(void **state)
{
	struct fixture fx;
	char *tsv = fig3_tsv(NULL), *md;

	(void)state;
	load(&fx, fig3_text, "1/32", 0);
	measure(&fx, tsv);
	assert_int_equal(fx.data.used, 10);
	assert_int_equal(fx.data.bad, 0);
	int s8 = expt_plan_size_gib(&fx.p, 8);

	assert_true(s8 >= 0);
	assert_true(fabs(expt_pct(&fx.data, expt_plan_point(&fx.p, EXPT_FLAT, 0, s8),
				  expt_plan_point(&fx.p, EXPT_SHADOW, 0, s8)) - 11.9) < 1e-9);
	md = capture_md(&fx);
	assert_has(md, "## fig3: Hypervisor VMs vs nested VMs, mcf (paper figure 3)");
	assert_has(md, "| mcf, shadow vs flat: average over all sizes | 11.9% | 11.90% (5 of 5 sizes) |");
	assert_has(md, "| mcf, shadow vs flat: at 8 GB | 8.04% | 11.90% |");
	assert_has(md, "Emulated: **yes**");
	assert_has(md, "Host: test host.");
	assert_has(md, "Scale 1/32");
	assert_has(md, "8 GB = 256 MiB");
	assert_has(md, "| shadow | mcf | 2 | 8 GB | 256 | 1 | 0 | 111.900 | 111.900 | - | 111.900 | 111.900 | 400 | 500 | 3000 | 0 | 0 |");
	/* the counters: pf_guest rose with the sizes while the time did not move */
	assert_has(md, "- mcf, shadow: over 5 sizes (5 GB -> 9 GB) the time went 111.900 -> 111.900 s");
	assert_has(md, "- mcf, shadow vs flat: time x1.119 over 5 sizes; l0_exits x3.000.");
	assert_null(strstr(md, "nan"));
	free(md);
	unload(&fx);
	free(tsv);
}

static void missing_points(void **state)
{
	struct fixture fx;
	char *tsv = fig3_tsv("256"), *md;

	(void)state;
	load(&fx, fig3_text, "1/32", 0);
	measure(&fx, tsv);
	assert_int_equal(fx.data.used, 9);
	md = capture_md(&fx);
	assert_has(md, "| mcf, shadow vs flat: average over all sizes | 11.9% | 11.90% (4 of 5 sizes) |");
	assert_has(md, "| mcf, shadow vs flat: at 8 GB | 8.04% | not measured |");
	assert_has(md, "8 GB not measured");
	assert_has(md, "| shadow | mcf | 2 | 8 GB | 256 | 0 | 0 | not measured |");
	free(md);
	unload(&fx);
	free(tsv);

	/* nothing measured at all: every figure says so */
	load(&fx, fig3_text, "1/32", 0);
	measure(&fx, HDR);
	md = capture_md(&fx);
	assert_has(md, "| mcf, shadow vs flat: average over all sizes | 11.9% | not measured |");
	assert_has(md, "| mcf, shadow vs flat: smallest gap | 8 GB (8.04%) | not measured |");
	assert_has(md, "0 of 10 points measured");
	assert_null(strstr(md, "nan"));
	free(md);
	unload(&fx);
}

static void fig4_numbers(void **state)
{
	/* shadow: mcf 8 -> 5 GB +10%, bzip2 +20%; 9 GB slower; fastest at 8 GB.
	 * nested: only mcf at 8 GB. */
	static const char tsv[] = HDR
		"fig4-nested-shadow-mcf-160M-r1\tshadow\tmcf\t167772160\t1\t110\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-mcf-256M-r1\tshadow\tmcf\t268435456\t1\t100\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-mcf-288M-r1\tshadow\tmcf\t301989888\t1\t150\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-bzip2-160M-r1\tshadow\tbzip2\t167772160\t1\t60\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-bzip2-256M-r1\tshadow\tbzip2\t268435456\t1\t50\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-bzip2-256M-r2\tshadow\tbzip2\t268435456\t2\t52\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-bzip2-256M-r3\tshadow\tbzip2\t268435456\t3\t48\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-shadow-bzip2-288M-r1\tshadow\tbzip2\t301989888\t1\t55\t0\t-\t-\t-\t-\t-\n"
		"fig4-nested-nested-mcf-256M-r1\tnested\tmcf\t268435456\t1\t80\t0\t-\t-\t-\t-\t-\n";
	struct fixture fx;
	char *md;

	(void)state;
	load(&fx, fig4_text, "1/32", 0);
	measure(&fx, tsv);
	assert_int_equal(fx.data.used, 9);
	md = capture_md(&fx);
	assert_has(md, "| mcf | 110.000 | not measured | not measured | 100.000 | 150.000 | 10.00% | 8 GB (of the measured sizes) | 50.00% |");
	assert_has(md, "| average cost of 8 -> 5 GB | 11.62% | 15.00% (2 of 2 workloads) |");
	assert_has(md, "| worst cost of 8 -> 5 GB | 13.86% | 20.00% (bzip2) |");
	assert_has(md, "| fastest at 8 GB | every benchmark | 2 of 2 workloads |");
	assert_has(md, "| 8 -> 9 GB | a sharp drop (slower) | 30.00% on average (2 of 2 workloads) |");
	/* the nested mode has no paper numbers and one point */
	assert_has(md, "| average cost of 8 -> 5 GB | - (the paper measured shadow only) | not measured |");
	assert_has(md, "### Paging modes");
	assert_has(md, "| mcf | 8 GB | 100.000 | 80.000 | -20.00% |");
	assert_has(md, "| bzip2 | 8 GB | 50.000 | not measured | not measured |");
	free(md);
	unload(&fx);
}

/* A pressure experiment, measured: its knee is at 6 GB (96 MiB). */
static const char pr_text[] =
	"name pr\nshapes nested\nmodes shadow\nworkloads touch\nvms 2\nvm_mem 2G 6G 8G\n"
	"l1_mem 8G\nresident 80\nfootprint touch=128M\nl1_ksm 4000\n";
#define PR(mib, bytes, t, swap, maj, rss, ksm) \
	"pr-res80-ksm4000-nested-shadow-touch-" #mib "M-r1\tshadow\ttouch\t" #bytes "\t1\t" #t \
	"\t0\t1\t2\t3\t" #swap "\t" #maj "\t5\t" #rss "\t-\t-\t-\t" #ksm "\n"
static const char pr_tsv[] = HDR PR(32, 33554432, 10, 0, 0, 53248, 6000)
	PR(96, 100663296, 10.5, 300, 20, 150000, 19000) PR(128, 134217728, 12, 9000, 400, 180000, 21000);

/* The pressure section: the ratio asked and measured, the knee at the
 * first size L1 swapped at, and nothing of it without an OS share. */
static void pressure_section(void **state)
{
	const char *text = pr_text, *tsv = pr_tsv;
	static const char calm[] = HDR PR(32, 33554432, 10, 0, 0, 53248, 6000)
		"pr-res80-ksm4000-nested-shadow-touch-128M-r1\tshadow\ttouch\t134217728\t1\t3\t1\t-\t-\t-"
		"\t-\t-\t-\t-\t-\t-\t-\t-\n";
	struct fixture fx;
	char *md;

	(void)state;
	load(&fx, text, "1/64", 1);
	/* 2 x (80% of 32 MiB in whole 2 MiB + 2 MiB) = 52 MiB of L1's 128 */
	assert_int_equal(expt_pressure_l2_bytes(&fx.p, expt_workload_find("touch"), 32 * MIB), 26 * MIB);
	measure(&fx, tsv);
	assert_int_equal(fx.data.used, 3);
	md = capture_md(&fx);
	assert_has(md, "### Memory pressure in L1\n");
	assert_has(md, "KSM in L1 is on (`l1_ksm`)");
	assert_has(md, "| 2 GB | 0.41 | 0.41 | 1 | 10.000 | +0.0% | 0 | 0 | 5 | 6000 |\n");
	assert_has(md, "| 6 GB | 1.22 | 1.14 | 1 | 10.500 | +5.0% | 300 | 20 | 5 | 19000 |\n");
	assert_has(md, "Knee: L1 first swapped at 6 GB (the L2s asked for 1.22 x L1's memory): 300 pages "
		       "out, 20 major faults in L1, the time 10.500 s against 10.000 s at the lowest ratio (+5.0%). "
		       "At the highest ratio measured, 8 GB: 12.000 s (+20.0%), 9000 pages out.");
	free(md);
	unload(&fx);
	load(&fx, text, "1/64", 1);
	measure(&fx, calm);
	md = capture_md(&fx);
	assert_has(md, "| 6 GB | 1.22 | - | 0 | not measured | | | | | |\n");
	assert_has(md, "| 8 GB | 1.62 | - | 0 | failed (1 run) | | | | | |\n");
	assert_has(md, "1 size had no passed run");
	assert_has(md, "No knee: L1 swapped out nothing at any measured size");
	free(md);
	unload(&fx);
	load(&fx, fig3_text, "1/32", 1);
	measure(&fx, HDR);
	md = capture_md(&fx);
	assert_null(strstr(md, "Memory pressure"));
	free(md);
	unload(&fx);
}

/* A sweep of the number of VMs: `vms 1 2 4` makes it a dimension of the
 * points, in the ids (NvM), the plan's vms column, the CSV, the plot and
 * the report's section. */
static void vms_sweep(void **state)
{
	static const char text[] =
		"name v\nshapes nested\nmodes shadow nested\nworkloads mcf\nvms 1 2 4\nvm_mem 9G 5G\n"
		"l1_mem 8G\nfootprint mcf=1.7G\n";
#define VL(mode, n, mib, bytes, t, swap, rss) \
	"v-nested-" #mode "-mcf-" #n "vm-" #mib "M-r1\t" #mode "\tmcf\t" #bytes "\t1\t" #t \
	"\t0\t1\t2\t3\t" #swap "\t7\t-\t" #rss "\t-\t-\t-\t-\n"
	static const char tsv[] = HDR
		VL(shadow, 1, 80, 83886080, 2, 0, 30000) VL(shadow, 1, 144, 150994944, 2.2, 0, 30000)
		VL(shadow, 2, 80, 83886080, 4, 0, 60000) VL(shadow, 2, 144, 150994944, 4.4, 0, 60000)
		VL(shadow, 4, 80, 83886080, 10, 500, 110000)
		VL(nested, 1, 80, 83886080, 1, 0, 30000);
#undef VL
	struct fixture fx;
	struct expt_desc d;
	char err[EXPT_ERRLEN] = "", *buf = NULL, *md;
	size_t len = 0;
	unsigned rep;
	FILE *f;
	int pt;

	(void)state;
	load(&fx, text, "1/64", 1);
	assert_int_equal(fx.d.nvms, 3);
	assert_int_equal(fx.d.vms[2], 4);
	/* 2 modes x 1 workload x 3 numbers x 2 sizes */
	assert_int_equal(fx.p.npoints, 12);
	assert_int_equal(fx.p.nruns, 12);
	/* runs: size, then number of VMs, then configuration innermost */
	assert_string_equal(fx.p.runs[0].id, "v-nested-shadow-mcf-1vm-144M-r1");
	assert_string_equal(fx.p.runs[1].id, "v-nested-nested-mcf-1vm-144M-r1");
	assert_string_equal(fx.p.runs[2].id, "v-nested-shadow-mcf-2vm-144M-r1");
	assert_string_equal(fx.p.runs[11].id, "v-nested-nested-mcf-4vm-80M-r1");
	pt = expt_plan_find_id(&fx.p, "v-nested-nested-mcf-4vm-80M-r3", &rep);
	assert_true(pt >= 0);
	assert_int_equal(fx.p.points[pt].vms, 4);
	assert_int_equal(fx.p.points[pt].config, EXPT_NESTED);
	assert_int_equal(rep, 3);
	assert_int_equal(pt, expt_plan_point_vms(&fx.p, EXPT_NESTED, expt_workload_find("mcf"), 2, 1));
	assert_int_equal(expt_plan_point_vms(&fx.p, EXPT_NESTED, expt_workload_find("mcf"), 3, 0), -1);
	/* one number of VMs keeps the ids it always had */
	assert_int_equal(expt_plan_find_id(&fx.p, "v-nested-nested-mcf-80M-r1", &rep), -1);
	f = open_memstream(&buf, &len);
	expt_plan_print(f, &fx.p);
	fclose(f);
	assert_has(buf, "\nv-nested-shadow-mcf-4vm-144M-r1\tv\tshadow\tmcf\t150994944\t0\t134217728\t2\t"
			"28311552\t1\t4\t1\tkernel\t0\t0\t0\n");
	free(buf);

	measure(&fx, tsv);
	assert_int_equal(fx.data.used, 6);
	assert_int_equal(fx.data.bad, 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(expt_write_csv(f, &fx.p, &fx.data), 0);
	fclose(f);
	assert_has(buf, "\nshadow,mcf,4,83886080,80,5.00,1,10.000,");
	assert_has(buf, "\nnested,mcf,2,150994944,144,9.00,0,");
	free(buf);
	f = open_memstream(&buf, &len);
	struct expt_meta meta = { "test host", "yes", NULL };

	assert_int_equal(expt_write_gp(f, &fx.p, &fx.data, &meta), 0);
	fclose(f);
	/* a panel per configuration, a line per number of VMs */
	assert_has(buf, "$shadow_mcf_4vm << EOD\n5.0000 10.0000 10.0000 10.0000 1\nEOD\n");
	assert_has(buf, "set multiplot layout 1,2");
	assert_has(buf, "set title \"mcf, nested, L1 nested EPT/NPT\"");
	assert_has(buf, " title \"4 VMs\"");
	assert_null(strstr(buf, "$nested_mcf_2vm"));
	free(buf);

	md = capture_md(&fx);
	assert_has(md, "VMs at once, swept: 1, 2, 4 (each point's `VMs`).");
	assert_has(md, "### The number of VMs at once\n");
	assert_has(md, "L1 has 2, so from 3 L2s on they take turns on L1's vCPUs");
	/* 4 x (0 share + 27 MiB) over L1's 128 MiB; resident 110000 KiB / 128 MiB */
	assert_has(md, "| 4 | 5 GB | 0.84 | 1 | 0 | 10.000 | x5.000 | x1.000 | 500 | 7 | 0.84 | 2 | 3 |\n");
	assert_has(md, "| 2 | 9 GB | 0.42 | 1 | 0 | 4.400 | x2.000 | x1.100 | 0 | 7 | 0.46 | 2 | 3 |\n");
	assert_has(md, "| 4 | 9 GB | 0.84 | 0 | 0 | not measured | | | | | | | |\n");
	assert_has(md, "- With the number of VMs (the time at N over the time at 1, the median over the "
		       "sizes measured at both): N = 2: x2.000 (2 sizes); N = 4: x5.000 (1 size).\n");
	assert_has(md, "N = 1: x1.100 from 5 GB to 9 GB, resident 30000 -> 30000; N = 2: x1.100");
	assert_has(md, "N = 4: one size measured.\n");
	assert_has(md, "L1 first swapped with 4 VMs of 5 GB (the VMs asked for 0.84 x L1's memory): "
		       "500 pages out, 7 major faults.\n");
	assert_has(md, "N = 2: not measured; N = 4: not measured.\n");
	assert_has(md, "L1 swapped out nothing at any point measured");
	assert_has(md, "| mcf, 4 VMs | 5 GB | 10.000 | not measured |");
	assert_has(md, "- mcf, 2 VMs, nested vs shadow: no size measured in both.\n");
	free(md);
	unload(&fx);
	/* one number of VMs: no such section */
	load(&fx, fig3_text, "1/32", 1);
	measure(&fx, HDR);
	md = capture_md(&fx);
	assert_null(strstr(md, "number of VMs at once"));
	free(md);
	unload(&fx);

	assert_int_equal(expt_desc_parse("t.expt", "name v\nshapes nested\nworkloads mcf\nvm_mem 5G\n"
					 "footprint 1G\nvms 2 3 2\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:6: vms '2' given twice");
	assert_int_equal(expt_desc_parse("t.expt", "name v\nvms 1 0\n", &d, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.expt:2: vms '0': a number 1..16");
}

static void csv_text(void **state)
{
	static const char tsv[] = HDR
		"fig3-flat-mcf-160M-r1\tflat\tmcf\t167772160\t1\t10\t0\t-\t-\t100\t-\t-\n"
		"fig3-flat-mcf-160M-r2\tflat\tmcf\t167772160\t2\t12\t0\t-\t-\t300\t-\t-\n"
		"fig3-flat-mcf-160M-r3\tflat\tmcf\t167772160\t3\t-\t1\t-\t-\t-\t-\t-\n"
		/* the guest counters and L1's KSM (18 columns); the lines above are from before them */
		"fig3-nested-shadow-mcf-160M-r1\tshadow\tmcf\t167772160\t1\t20.5\t0\t7\t8\t9\t10\t11"
		"\t12\t13\t-\t15\t1.5\t4096\n";
	static const char want[] =
		"config,workload,vms,vm_mem_bytes,vm_mem_mib,paper_gb,n,median_s,mean_s,sd_s,min_s,max_s,failed,"
		"l1_pf_guest_median,l1_exits_median,l0_exits_median,swap_out_median,major_faults_median,"
		"l1_shadow_zapped_median,guest_rss_kb_median,guest_major_faults_median,"
		"guest_page_cache_kb_median,guest_boot_s_median,l1_ksm_sharing_median\n"
		"flat,mcf,2,167772160,160,5.00,2,11.000,11.000,1.414,10.000,12.000,1,,,200,,,,,,,,\n"
		"flat,mcf,2,268435456,256,8.00,0,,,,,,0,,,,,,,,,,,\n"
		"shadow,mcf,2,167772160,160,5.00,1,20.500,20.500,,20.500,20.500,0,7,8,9,10,11,12,13,,15,1.5,4096\n"
		"shadow,mcf,2,268435456,256,8.00,0,,,,,,0,,,,,,,,,,,\n";
	struct expt_desc d;
	struct expt_plan p;
	struct expt_data data;
	struct expt_opts o = { .scale = "1/32", .sizes = "5G,8G" };
	char err[EXPT_ERRLEN], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(expt_desc_parse("t.expt", fig3_text, &d, err, sizeof(err)), 0);
	assert_int_equal(expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)), 0);
	assert_int_equal(expt_read_measured(tsv, strlen(tsv), "t.tsv", &p, &data, NULL), 0);
	assert_int_equal(data.failed, 1);
	f = open_memstream(&buf, &len);
	assert_int_equal(expt_write_csv(f, &p, &data), 0);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
	expt_data_free(&data);
	expt_plan_free(&p);
}

static void bad_lines(void **state)
{
	static const char tsv[] = HDR
		"fig3-flat-mcf-160M-r1\tflat\tmcf\t167772160\t1\t10\t0\t-\t-\t-\t-\t-\n"          /* 2 good */
		"fig3-flat-mcf-160M-r2\tflat\tmcf\t167772160\t2\t10\t0\t-\t-\t-\t-\n"              /* 3 11 columns */
		"fig3-flat-mcf-999M-r1\tflat\tmcf\t167772160\t1\t10\t0\t-\t-\t-\t-\t-\n"          /* 4 unknown id */
		"fig3-flat-mcf-160M-r3\tflat\tmcf\t167772160\t3\tfast\t0\t-\t-\t-\t-\t-\n"        /* 5 bad time */
		"fig3-flat-mcf-160M-r4\tshadow\tmcf\t167772160\t4\t10\t0\t-\t-\t-\t-\t-\n"        /* 6 config */
		"fig3-flat-mcf-160M-r5\tflat\tmcf\t167772161\t5\t10\t0\t-\t-\t-\t-\t-\n"          /* 7 vm_mem */
		"fig3-flat-mcf-160M-r6\tflat\tmcf\t167772160\t7\t10\t0\t-\t-\t-\t-\t-\n"          /* 8 rep */
		"fig3-flat-mcf-160M-r8\tflat\tmcf\t167772160\t8\t10\tok\t-\t-\t-\t-\t-\n"         /* 9 status */
		"fig3-flat-mcf-160M-r9\tflat\tmcf\t167772160\t9\t10\t0\t-\t-\tmany\t-\t-\n"       /* 10 counter */
		"fig3-flat-mcf-160M-r1\tflat\tmcf\t167772160\t1\t99\t0\t-\t-\t-\t-\t-\n"          /* 11 duplicate */
		"modes-nested-sos-mcf-160M-r1\tsos\tmcf\t167772160\t1\t10\t0\t-\t-\t-\t-\t-\n"    /* 12 other */
		"\n"
		"fig3-flat-mcf-160M-r10\tflat\tmcf\t167772160\t10\t-1\t0\t-\t-\t-\t-\t-\n"        /* 14 negative */
		"fig3-flat-mcf-160M-r11\tflat\tmcf\t167772160\t11\t-\t2\t-\t-\t-\t-\t-\n"         /* 15 failed */
		"fig3-flat-mcf-192M-r1\tflat\tmcf\t201326592\t1\t14\t0\t-\t-\t-\t-\t-";         /* 16 good, no \n */
	struct fixture fx;

	(void)state;
	load(&fx, fig3_text, "1/32", 0);
	measure(&fx, tsv);
	assert_int_equal(fx.data.lines, 14);
	assert_int_equal(fx.data.used, 2);
	assert_int_equal(fx.data.failed, 1);
	assert_int_equal(fx.data.bad, 9);
	assert_int_equal(fx.data.dup, 1);
	assert_int_equal(fx.data.other, 1);
	assert_int_equal(fx.data.m[0].t.n, 1);
	assert_true(fx.data.m[0].t.median == 10); /* the first line counted, not the duplicate */
	assert_int_equal(fx.data.m[0].failed, 1);
	assert_int_equal(count(fx.errs, "\n"), 10); /* one line each, the other experiment's silent */
	for (int ln = 3; ln <= 11; ln++) {
		char want[32];

		snprintf(want, sizeof(want), "t.tsv:%d: ", ln);
		assert_has(fx.errs, want);
	}
	assert_has(fx.errs, "t.tsv:3: 11 columns, not 18 (or 17, before the KSM counter, or 12, before the guest counters), skipped");
	assert_has(fx.errs, "t.tsv:4: run id 'fig3-flat-mcf-999M-r1' is not in the plan");
	assert_has(fx.errs, "t.tsv:14: time_s '-1' is not a number, skipped");
	assert_null(strstr(fx.errs, "t.tsv:12:"));
	unload(&fx);
}

/* The series sentence names the counter that moved with the time. */
static void counter_sentence(void **state)
{
	static const char tsv[] = HDR
		"fig4-nested-shadow-mcf-160M-r1\tshadow\tmcf\t167772160\t1\t130\t0\t900\t50\t7\t0\t1\n"
		"fig4-nested-shadow-mcf-192M-r1\tshadow\tmcf\t201326592\t1\t120\t0\t700\t50\t9\t0\t1\n"
		"fig4-nested-shadow-mcf-224M-r1\tshadow\tmcf\t234881024\t1\t110\t0\t500\t50\t5\t0\t1\n"
		"fig4-nested-shadow-mcf-256M-r1\tshadow\tmcf\t268435456\t1\t100\t0\t300\t50\t8\t0\t1\n";
	struct fixture fx;
	char *md;

	(void)state;
	load(&fx, fig4_text, "1/32", 0);
	measure(&fx, tsv);
	md = capture_md(&fx);
	assert_has(md, "- mcf, shadow: over 4 sizes (5 GB -> 8 GB) the time went 130.000 -> 100.000 s; "
		       "r with the time: l1_pf_guest 1.00 (900 -> 300), l1_exits constant (50), l0_exits");
	assert_has(md, "Closest to the time: l1_pf_guest (r = 1.00).");
	assert_has(md, "- bzip2, shadow: 0 measured sizes, too few to correlate.");
	free(md);
	unload(&fx);
}

/* The shipped descriptions parse and expand. */
static void shipped(void **state)
{
	static const struct {
		const char *file;
		int nconfigs, nwl, nvms;
		unsigned reps;
	} files[] = { { "fig3", 2, 1, 1, 8 }, { "fig4", 1, 4, 1, 8 }, { "modes", 3, 4, 1, 8 },
		      { "pressure", 2, 1, 1, 1 }, { "pressure-ksm", 2, 1, 1, 1 }, { "vms", 2, 1, 4, 1 } };

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct expt_desc d;
		struct expt_plan p;
		struct expt_opts o = { .scale = "1/32" };
		char path[512], err[EXPT_ERRLEN];

		snprintf(path, sizeof(path), "%s/experiments/%s.expt", EXPT_SRCDIR, files[i].file);
		if (expt_desc_load(path, &d, err, sizeof(err)))
			fail_msg("%s", err);
		assert_string_equal(d.name, files[i].file); /* bench/paper.sh names them by file */
		assert_int_equal(d.reps, files[i].reps);
		if (expt_plan_build(&d, &o, &p, NULL, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(p.nconfigs, files[i].nconfigs);
		assert_int_equal(d.nwl, files[i].nwl);
		assert_int_equal(d.nvms, files[i].nvms);
		assert_int_equal(p.nsizes, 5);
		assert_int_equal(p.l1_mem, 256 * MIB);
		expt_plan_free(&p);
	}
}

/* ---- the command ---- */

static char tmpdir[64];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void cli(void **state)
{
	char path[256], *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/fig3.expt", tmpdir);
	write_file(path, fig3_text);
	assert_int_equal(run("'%s' plan %s --reps 1 --scale 1/32 --sizes 8G >%s/plan 2>%s/err",
			     expt_bin, path, tmpdir, tmpdir), 0);
	snprintf(path, sizeof(path), "%s/plan", tmpdir);
	out = slurp(path, NULL);
	assert_non_null(out);
	assert_int_equal(count(out, "\n"), 3);
	assert_has(out, "\nfig3-flat-mcf-256M-r1\tfig3\tflat\t");
	free(out);

	snprintf(path, sizeof(path), "%s/bad.expt", tmpdir);
	write_file(path, "name b\nshapes flat\nworkloads mcf doom\n");
	assert_int_equal(run("'%s' plan %s >/dev/null 2>%s/err", expt_bin, path, tmpdir), 2);
	snprintf(path, sizeof(path), "%s/err", tmpdir);
	out = slurp(path, NULL);
	assert_non_null(out);
	assert_has(out, "bad.expt:3: unknown workload 'doom'");
	assert_int_equal(count(out, "\n"), 1);
	free(out);

	assert_int_equal(run("'%s' plan %s/fig3.expt --host x >/dev/null 2>&1", expt_bin, tmpdir), 2);
	assert_int_equal(run("'%s' plan %s/nosuch.expt >/dev/null 2>&1", expt_bin, tmpdir), 2);
	assert_int_equal(run("'%s' plan %s/fig3.expt --reps 0 >/dev/null 2>&1", expt_bin, tmpdir), 2);
	assert_int_equal(run("'%s' frobnicate >/dev/null 2>&1", expt_bin), 2);
	assert_int_equal(run("'%s' summarize %s/fig3.expt %s/nosuch.tsv %s/o >/dev/null 2>&1",
			     expt_bin, tmpdir, tmpdir, tmpdir), 2);
	assert_int_equal(run("'%s' summarize %s/fig3.expt %s/plan %s/o --emulated maybe >/dev/null 2>&1",
			     expt_bin, tmpdir, tmpdir, tmpdir), 2);
	assert_int_equal(run("'%s' --help >/dev/null", expt_bin), 0);
}

/* ---- measure: a run's document -> its measured line ---- */

static void jq_numbers(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { -0.0, "-0" }, { 1, "1" }, { 14804, "14804" }, { 4.215485085, "4.215485085" },
		{ 18.9139568915, "18.9139568915" }, { 0.0001, "0.0001" }, { 0.00001, "1e-05" },
		{ 3e-9, "3e-09" }, { 1e15, "1000000000000000" }, { 1e16, "1e+16" }, { 8e17, "8e+17" },
		{ 12345678901234567.0, "12345678901234568" }, { 0.1 + 0.2, "0.30000000000000004" },
		{ 1e300, "1e+300" }, { 5e-324, "5e-324" }, { INFINITY, "1.7976931348623157e+308" },
		{ 61728394.50617284, "61728394.50617284" }, { -7.5, "-7.5" },
	};
	char buf[40];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(expt_jq_number(cases[i].v, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(expt_jq_number(1, buf, 8), -ENOSPC);
}

/* measure's output and stderr for one call; returns its exit status */
static int measure_cmd(const char *args, char **out, char **err)
{
	char o[256], e[256];
	int st;

	snprintf(o, sizeof(o), "%s/m.out", tmpdir);
	snprintf(e, sizeof(e), "%s/m.err", tmpdir);
	st = run("timeout 10 '%s' %s >%s 2>%s </dev/null", expt_bin, args, o, e);
	*out = slurp(o, NULL);
	*err = slurp(e, NULL);
	assert_non_null(*out);
	assert_non_null(*err);
	return st;
}

/* the fixture's text with the first `from` replaced by `to`, written to name */
static void variant(const char *fixture, const char *name, const char *from, const char *to,
		    size_t cut)
{
	char path[512], *text, *at;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fixtures/%s", EXPT_SRCDIR, fixture);
	text = slurp(path, &len);
	assert_non_null(text);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (cut) {
		fwrite(text, 1, cut, f);
	} else if (from) {
		at = strstr(text, from);
		assert_non_null(at);
		fwrite(text, 1, (size_t)(at - text), f);
		fputs(to, f);
		fputs(at + strlen(from), f);
	} else {
		fputs(text, f);
	}
	fclose(f);
	free(text);
}

static void measure_docs(void **state)
{
	char args[1024], *out, *err;
	const char *fx = EXPT_SRCDIR "/fixtures";

	(void)state;
	/* a testbed run's documents give the lines its jq gave (tests/vm/fixtures/paper-measured.tsv) */
	snprintf(args, sizeof(args), "measure tinyfig3-flat-mcf-80M-r1 flat mcf 83886080 1 0 %s/flat-80M.json", fx);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "tinyfig3-flat-mcf-80M-r1\tflat\tmcf\t83886080\t1\t4.215485085\t0\t-\t-\t14804\t-\t-"
			    "\t-\t53888\t-\t-\t-\t-\n");
	assert_string_equal(err, "");
	free(out);
	free(err);
	snprintf(args, sizeof(args), "measure tinyfig3-nested-shadow-mcf-128M-r1 shadow mcf 134217728 1 0 "
		 "%s/nested-shadow-128M.json", fx);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "tinyfig3-nested-shadow-mcf-128M-r1\tshadow\tmcf\t134217728\t1\t22.3424740945\t0\t"
			    "12588\t29341\t262102\t0\t0\t0\t53888\t-\t-\t-\t-\n");
	free(out);
	free(err);
	/* a run whose driver failed is a failed line, not a refusal */
	snprintf(args, sizeof(args), "measure a-r1 shadow mcf 1 1 137 %s/nested-shadow-128M.json", fx);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_has(out, "\t22.3424740945\t1\t");
	free(out);
	free(err);
	/* an L1 that sent no document: failed, no L2 counters, L0's own kept */
	variant("nested-shadow-80M.json", "l1null.json", "\"l1\": {", "\"l1\": null, \"x\": {", 0);
	snprintf(args, sizeof(args), "measure a-r1 shadow mcf 1 1 0 %s/l1null.json", tmpdir);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tshadow\tmcf\t1\t1\t-\t1\t-\t-\t255013\t0\t0\t-\t-\t-\t-\t-\t-\n");
	free(out);
	free(err);

	/* Linux VMs: the time is the program's, by the VM's own clock, and a
	 * run passes only if the program's checks passed */
#define LINUX_VM(ok, ns) \
	"{\"schema\": \"nestlab-run/1\", \"outcome\": \"exited\", \"config\": {\"kernel_type\": \"linux\"}," \
	" \"time\": {\"workload_ns\": 0}, \"guest\": {\"exit_status\": 0}," \
	" \"process\": {\"guest_rss_kb\": 100}," \
	" \"guest_document\": {\"schema\": \"nestlab-l2/1\", \"ok\": " ok ", \"time\": {\"workload_ns\": " ns "," \
	" \"boot_to_init_ns\": 3000000000}, \"page_cache_end_bytes\": 2048, \"vmstat_delta\": {\"pgmajfault\": 4}}," \
	" \"kvm_stats\": {\"vm\": {\"mmu_shadow_zapped\": 5}, \"vcpus\": [{\"stats\": {\"exits\": 10, \"pf_guest\": 3}}]}}"
	char path[512];

	snprintf(path, sizeof(path), "%s/linux-flat.json", tmpdir);
	write_file(path, "{\"schema\": \"nestlab-flat/1\", \"vms\": [" LINUX_VM("true", "2000000000") ","
		   LINUX_VM("true", "4000000000") "]}");
	snprintf(args, sizeof(args), "measure a-r1 flat bzip2 1 1 0 %s", path);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	/* their own counters: L1's zaps only nested; resident memory and page
	 * cache summed, the boot the mean */
	assert_string_equal(out, "a-r1\tflat\tbzip2\t1\t1\t3\t0\t-\t-\t20\t-\t-\t-\t200\t8\t4\t3\t-\n");
	free(out);
	free(err);
	write_file(path, "{\"schema\": \"nestlab-flat/1\", \"vms\": [" LINUX_VM("true", "2000000000") ","
		   LINUX_VM("false", "4000000000") "]}");
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tflat\tbzip2\t1\t1\t3\t1\t-\t-\t20\t-\t-\t-\t200\t8\t4\t3\t-\n");
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/linux-nested.json", tmpdir);
	write_file(path, "{\"schema\": \"nestlab-nested/1\", \"l1\": {\"vmstat_delta\": {\"pswpout\": 5, "
		   "\"pgmajfault\": 7}, \"l2\": [{\"result\": " LINUX_VM("true", "1000000000") "}, {\"result\": "
		   LINUX_VM("false", "3000000000") "}]}, \"l0_view\": {\"schema\": \"nestlab-run/1\", "
		   "\"kvm_stats\": {\"vcpus\": [{\"stats\": {\"exits\": 99}}]}}}");
	snprintf(args, sizeof(args), "measure a-r1 nested bzip2 1 1 0 %s", path);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tnested\tbzip2\t1\t1\t2\t1\t6\t20\t99\t5\t7\t10\t200\t8\t4\t3\t-\n");
	free(out);
	free(err);
	/* a document whose vmstat delta lists no pgmajfault: none happened, 0 */
	snprintf(path, sizeof(path), "%s/linux-nomaj.json", tmpdir);
	write_file(path, "{\"schema\": \"nestlab-flat/1\", \"vms\": [{\"schema\": \"nestlab-run/1\", "
		   "\"outcome\": \"exited\", \"config\": {\"kernel_type\": \"linux\"}, \"guest\": "
		   "{\"exit_status\": 0}, \"time\": {\"workload_ns\": 0}, \"guest_document\": {\"ok\": true, "
		   "\"time\": {\"workload_ns\": 5e8}, \"page_cache_end_bytes\": 0, \"vmstat_delta\": "
		   "{\"pgfault\": 9}}, \"kvm_stats\": {\"vcpus\": []}}]}");
	snprintf(args, sizeof(args), "measure a-r1 flat bzip2 1 1 0 %s", path);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tflat\tbzip2\t1\t1\t0.5\t0\t-\t-\t-\t-\t-\t-\t-\t0\t0\t-\t-\n");
	free(out);
	free(err);
	/* a Linux VM that sent no document has no time of its own: nestlab's 0,
	 * and the run failed */
	write_file(path, "{\"schema\": \"nestlab-flat/1\", \"vms\": [{\"schema\": \"nestlab-run/1\", "
		   "\"outcome\": \"panic\", \"config\": {\"kernel_type\": \"linux\"}, \"time\": "
		   "{\"workload_ns\": 0}, \"guest_document\": null, \"kvm_stats\": {\"vcpus\": []}}]}");
	snprintf(args, sizeof(args), "measure a-r1 flat bzip2 1 1 1 %s", path);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tflat\tbzip2\t1\t1\t0\t1\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
	free(out);
	free(err);
#undef LINUX_VM

	/* L1's KSM at its most merged: the largest pages_sharing in any L2's
	 * memory series, found by its column's name; "-" without one */
#define KSM_L2(cols, samples) \
	"{\"result\": {\"schema\": \"nestlab-run/1\", \"time\": {\"workload_ns\": 1e9}," \
	" \"memory_series\": {\"columns\": [" cols "], \"samples\": [" samples "]}," \
	" \"kvm_stats\": {\"vcpus\": [{\"stats\": {\"exits\": 1, \"pf_guest\": 1}}]}}}"
#define KSM_DOC(l2s) \
	"{\"schema\": \"nestlab-nested/1\", \"l1\": {\"vmstat_delta\": {}, \"l2\": [" l2s "]}," \
	" \"l0_view\": {\"schema\": \"nestlab-run/1\", \"kvm_stats\": {\"vcpus\": []}}}"
	snprintf(path, sizeof(path), "%s/ksm.json", tmpdir);
	write_file(path, KSM_DOC(KSM_L2("\"t_ms\", \"host_ksm_pages_sharing\"", "[0, 0], [250, 700], [500, 650]") ","
				 KSM_L2("\"host_ksm_pages_sharing\", \"t_ms\"", "[900, 0], [20, 250]")));
	snprintf(args, sizeof(args), "measure a-r1 nested touch 1 1 0 %s", path);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "a-r1\tnested\ttouch\t1\t1\t1\t0\t2\t2\t-\t0\t0\t-\t-\t-\t-\t-\t900\n");
	free(out);
	free(err);
	write_file(path, KSM_DOC(KSM_L2("\"t_ms\"", "[0]")));
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_has(out, "\t-\t-\t-\t-\t-\t-\n");
	free(out);
	free(err);
	/* a sample without the column's number is a broken document */
	write_file(path, KSM_DOC(KSM_L2("\"t_ms\", \"host_ksm_pages_sharing\"", "[0]")));
	assert_int_equal(measure_cmd(args, &out, &err), 2);
	assert_has(err, "memory_series sample has no number for host_ksm_pages_sharing");
	free(out);
	free(err);
#undef KSM_DOC
#undef KSM_L2

	snprintf(args, sizeof(args), "l1-outcome %s/nested-shadow-80M.json", fx);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "exited\n");
	free(out);
	free(err);
	snprintf(args, sizeof(args), "l1-outcome %s/flat-80M.json", fx);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_string_equal(out, "");
	free(out);
	free(err);
}

/* Every bad document and argument: exit 2, nothing on stdout, one line. */
static void measure_refuses(void **state)
{
	char fifo[256], args[1024], *out, *err;
	static const struct {
		const char *file, *from, *to, *name, *want;
		size_t cut;
	} docs[] = {
		{ "flat-80M.json", "\"vms\"", "\"vmz\"", "novms.json", "novms.json: no 'vms' list", 0 },
		{ "flat-80M.json", "\"kvm_stats\"", "\"kvm_statz\"", "nostats.json", "a VM has no kvm_stats.vcpus list", 0 },
		{ "flat-80M.json", "\"time\": {", "\"time\": 5, \"t\": {", "time.json",
		  "'time.workload_ns' goes through something that is not an object", 0 },
		{ "nested-shadow-80M.json", "\"l0_view\"", "\"l0_viev\"", "nol0.json", "no 'l0_view' (L0's document of L1)", 0 },
		{ "flat-80M.json", "nestlab-flat/1", "nestlab-flat/2", "schema.json", "not a nestlab-flat/1 document (config flat)", 0 },
		{ "nested-shadow-80M.json", NULL, NULL, "nested.json", NULL, 0 },
		{ "flat-80M.json", NULL, NULL, "trunc.json", "trunc.json: not a JSON document (byte 5000: ", 5000 },
		{ "flat-80M.json", "{", "<html>", "html.json", "html.json: not a JSON document (byte 0: not a JSON value)", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		variant(docs[i].file, docs[i].name, docs[i].from, docs[i].to, docs[i].cut);
		/* a nested document's defects are found only when it is read as one */
		snprintf(args, sizeof(args), "measure a-r1 %s mcf 1 1 0 %s/%s",
			 strcmp(docs[i].name, "nol0.json") ? "flat" : "shadow", tmpdir, docs[i].name);
		assert_int_equal(measure_cmd(args, &out, &err), 2);
		assert_string_equal(out, "");
		assert_int_equal(count(err, "\n"), 1);
		if (docs[i].want)
			assert_has(err, docs[i].want);
		free(out);
		free(err);
	}
	/* the nested document as a shadow run is fine, as a flat one it is not */
	snprintf(args, sizeof(args), "measure a-r1 shadow mcf 1 1 0 %s/schema.json", tmpdir);
	assert_int_equal(measure_cmd(args, &out, &err), 2);
	assert_has(err, "not a nestlab-nested/1 document (config shadow)");
	free(out);
	free(err);

	snprintf(fifo, sizeof(fifo), "%s/doc.fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* doc: what the one %s stands for: the FIFO, the temporary
	 * directory, or a nestlab-run/1 document; "%.0s" leaves it out */
	const char *rundoc = EXPT_SRCDIR "/../tests/vm/fixtures/run-exit.json";
	static const struct {
		const char *args;
		char doc;
		const char *want;
	} cli[] = {
		{ "measure a-r1 flat mcf 1 1 0 %s", 'f', "doc.fifo: is not a regular file" },
		{ "l1-outcome %s", 'f', "doc.fifo: is not a regular file" },
		{ "measure a-r1 flat mcf 1 1 0 %s", 't', ": is a directory" },
		{ "measure a-r1 flat mcf 1 1 0 %s.nosuch", 'f', "No such file or directory" },
		{ "measure a-r1 flat mcf 1 1 0 /dev/zero%.0s", 'f', "/dev/zero: is not a regular file" },
		{ "measure 'a\tb' flat mcf 1 1 0 %s", 'r', "run id 'a\tb': letters, digits" },
		{ "measure a-r1 deep mcf 1 1 0 %s", 'r', "config 'deep'" },
		{ "measure a-r1 flat spec 1 1 0 %s", 'r', "workload 'spec'" },
		{ "measure a-r1 flat mcf 1G 1 0 %s", 'r', "vm_mem '1G'" },
		{ "measure a-r1 flat mcf 1 0 0 %s", 'r', "rep '0'" },
		{ "measure a-r1 flat mcf 1 1 256 %s", 'r', "rc '256'" },
		{ "measure a-r1 flat mcf 1 1 '' %s", 'r', "rc ''" },
		{ "measure a-r1 flat mcf 1 1 0 %s --reps 2", 'r', "unknown option --reps" },
		{ "measure a-r1 flat mcf 1 1 %s", 'r', "usage:" },
		{ "measure a-r1 flat mcf 1 1 0 %s", 'r', "not a nestlab-flat/1 document (config flat)" },
		{ "l1-outcome %s", 'r', "neither a nestlab-nested/1 nor a nestlab-flat/1 document" },
	};
	for (size_t i = 0; i < sizeof(cli) / sizeof(cli[0]); i++) {
		char a[600];

		snprintf(a, sizeof(a), cli[i].args,
			 cli[i].doc == 'f' ? fifo : cli[i].doc == 't' ? tmpdir : rundoc);
		assert_int_equal(measure_cmd(a, &out, &err), 2); /* timeout 10 gives 124: no hang */
		assert_string_equal(out, "");
		assert_has(err, cli[i].want);
		if (strcmp(cli[i].want, "usage:"))
			assert_int_equal(count(err, "\n"), 1);
		free(out);
		free(err);
	}
}

/* ---- issue 12's reproducers: each hung, grew or exited 0 before ---- */

/* nestlab-expt ARGS exits 2 within 10 s (no hang) with one line holding want */
static void refused(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refused(const char *want, const char *fmt, ...)
{
	char args[1024], *out, *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_int_equal(measure_cmd(args, &out, &err), 2);
	assert_string_equal(out, "");
	assert_has(err, want);
	assert_int_equal(count(err, "\n"), 1);
	free(out);
	free(err);
}

/* (a) a FIFO as the description: plan and summarize hung in fopen */
static void desc_not_regular(void **state)
{
	char fifo[256], big[256];
	FILE *f;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/desc.fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	refused("desc.fifo: is not a regular file", "plan %s", fifo);
	refused("desc.fifo: is not a regular file", "summarize %s %s/plan %s/o", fifo, tmpdir, tmpdir);
	refused(": is a directory", "plan %s", tmpdir);
	refused("/dev/zero: is not a regular file", "plan /dev/zero");
	snprintf(big, sizeof(big), "%s/big.expt", tmpdir);
	f = fopen(big, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (2 << 20)), 0);
	fclose(f);
	refused("big.expt: larger than 1 MiB", "plan %s", big);
}

/* (b) summarize's measured TSV: /dev/zero grew getline's buffer without
 * end, a directory read as an empty file (exit 0, no data) */
static void tsv_not_regular(void **state)
{
	char desc[256], path[256], args[1024], *out, *err, *csv;
	FILE *f;

	(void)state;
	snprintf(desc, sizeof(desc), "%s/tsv.expt", tmpdir);
	write_file(desc, fig3_text);
	snprintf(path, sizeof(path), "%s/tsv.fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	refused("/dev/zero: is not a regular file", "summarize %s /dev/zero %s/o --scale 1/32", desc, tmpdir);
	refused("tsv.fifo: is not a regular file", "summarize %s %s %s/o --scale 1/32", desc, path, tmpdir);
	refused(": is a directory", "summarize %s %s %s/o --scale 1/32", desc, tmpdir, tmpdir);
	refused("nosuch.tsv: No such file or directory", "summarize %s %s/nosuch.tsv %s/o --scale 1/32",
		desc, tmpdir, tmpdir);
	snprintf(path, sizeof(path), "%s/huge.tsv", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), EXPT_TSV_MAX + 1), 0);
	fclose(f);
	refused("huge.tsv: 67108865 bytes, larger than the 67108864 accepted",
		"summarize %s %s %s/o --scale 1/32", desc, path, tmpdir);

	/* a line too long, or with a NUL byte, is one bad line; the rest count */
	snprintf(path, sizeof(path), "%s/long.tsv", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "fig3-flat-mcf-160M-r1\tflat\tmcf\t167772160\t1\t1.5\t0\t-\t-\t5\t-\t-\n");
	fprintf(f, "fig3-flat-mcf-160M-r2\tflat\tmcf\t167772160\t2\t");
	for (int i = 0; i < 5000; i++)
		fputc('1', f);
	fprintf(f, "\t0\t-\t-\t5\t-\t-\n");
	fprintf(f, "fig3-flat-mcf-160M-r3\tflat\tmcf\t167772160\t3\t1.5%c\t0\t-\t-\t5\t-\t-\n", 0);
	fprintf(f, "fig3-flat-mcf-160M-r4\tflat\tmcf\t167772160\t4\t2.5\t0\t-\t-\t5\t-\t-");
	fclose(f);
	snprintf(args, sizeof(args), "summarize %s %s %s/o --scale 1/32", desc, path, tmpdir);
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_has(err, "long.tsv:2: longer than 4096 bytes, skipped\n");
	assert_has(err, "long.tsv:3: a NUL byte, skipped\n");
	assert_has(out, "2 runs passed, 0 failed, 2 lines skipped");
	free(out);
	free(err);
	snprintf(path, sizeof(path), "%s/o/fig3.csv", tmpdir);
	csv = slurp(path, NULL);
	assert_non_null(csv);
	assert_has(csv, "\nflat,mcf,2,167772160,160,5.00,2,2.000,2.000,");
	free(csv);
}

/* (c) sizes had no upper bound: `vm_mem 16777216T` (2^64 bytes) planned
 * VMs of 0 bytes and exited 0; a size within it could scale past it */
static void sizes_bounded(void **state)
{
	static const struct {
		const char *from, *to, *opts, *want;
	} cases[] = {
		{ "5G 6G 7G 8G 9G", "16777216T 5G", "",
		  "big.expt:9: vm_mem '16777216T': above 64G, the most memory nestlab gives a VM" },
		{ "5G 6G 7G 8G 9G", "5G 65G", "--scale 1/64",
		  "big.expt:9: vm_mem '65G': above 64G, the most memory nestlab gives a VM" },
		{ "host_mem   8G", "host_mem 100G", "--scale 1/64", "big.expt:10: host_mem '100G': above 64G" },
		{ "l1_mem     8G", "l1_mem 16777216T", "", "big.expt:11: l1_mem '16777216T': above 64G" },
		{ "mcf=1.7G", "mcf=99999T", "--scale 1/64", "big.expt:14: footprint 'mcf=99999T': above 64G" },
		{ "5G 6G 7G 8G 9G", "5G 64G", "--scale 2",
		  "big.expt:9: vm_mem 64G x 2 is 131072 MiB, above the 64G (65536 MiB) nestlab gives a VM" },
		{ "host_mem   8G", "host_mem 32G", "--scale 4",
		  "big.expt:10: host_mem 32G x 4 is 131072 MiB, above the 64G (65536 MiB) nestlab gives a VM" },
		{ "mcf=1.7G", "mcf=60G", "--scale 2 --sizes 5G",
		  "big.expt:14: footprint mcf=60G x 2 is 122880 MiB, above the 64G" },
		{ "vm_mem", "vm_mem", "--sizes 5G,65G", "--sizes: '65G' is above 64G, the most memory nestlab gives a VM" },
	};
	char path[256], args[1024], *out, *err;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.expt", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[2048], *at;

		snprintf(text, sizeof(text), "%s", fig3_text);
		at = strstr(text, cases[i].from);
		assert_non_null(at);
		memmove(at + strlen(cases[i].to), at + strlen(cases[i].from), strlen(at + strlen(cases[i].from)) + 1);
		memcpy(at, cases[i].to, strlen(cases[i].to));
		write_file(path, text);
		refused(cases[i].want, "plan %s %s", path, cases[i].opts);
	}
	/* 64G itself is a VM nestlab runs */
	snprintf(args, sizeof(args), "plan %s --sizes 64G", path);
	write_file(path, "name big\nshapes flat\nworkloads mcf\nvm_mem 5G 64G\nfootprint mcf=1G\n");
	assert_int_equal(measure_cmd(args, &out, &err), 0);
	assert_has(out, "big-flat-mcf-65536M-r1\tbig\tflat\tmcf\t68719476736\t");
	free(out);
	free(err);
}

/* (d) `--sizes ''` selected no size: an empty plan, exit 0, and a driver
 * that ran nothing and summarized nothing; `--modes ''` the same for a
 * description with only the nested shape */
static void empty_lists(void **state)
{
	static const char *const opts[] = { "--sizes ''", "--sizes ,", "--sizes ' '" };
	char path[256], f4[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/empty.expt", tmpdir);
	write_file(path, fig3_text);
	snprintf(f4, sizeof(f4), "%s/empty4.expt", tmpdir);
	write_file(f4, fig4_text);
	for (size_t i = 0; i < 2; i++) {
		refused("--sizes: no size given (a list like 5G,8G of ", "plan %s %s", path, opts[i]);
		refused("--sizes: no size given", "summarize %s %s/plan %s/o %s", path, tmpdir, tmpdir, opts[i]);
	}
	refused("--sizes: ' ' is not a size", "plan %s %s", path, opts[2]);
	refused("--modes: no mode given (a list like shadow,nested of ", "plan %s --modes ''", f4);
	refused("--modes: no mode given", "plan %s --modes ,,", f4);
}

static bool have_gnuplot(void)
{
	return run("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* summarize -> CSV, MD, a non-empty PNG and SVG; report -> report.md. */
static void render(void **state)
{
	char path[256], *tsv = fig3_tsv(NULL), *buf;
	size_t len;

	(void)state;
	if (!have_gnuplot()) {
		skip(); /* gnuplot-nox is not installed here */
		return;
	}
	snprintf(path, sizeof(path), "%s/fig3.expt", tmpdir);
	write_file(path, fig3_text);
	snprintf(path, sizeof(path), "%s/measured.tsv", tmpdir);
	write_file(path, tsv);
	free(tsv);
	assert_int_equal(run("'%s' summarize %s/fig3.expt %s %s/out --host 'unit test' --emulated yes "
			     "--scale 1/32 >%s/stdout 2>%s/stderr", expt_bin, tmpdir, path, tmpdir, tmpdir,
			     tmpdir), 0);
	snprintf(path, sizeof(path), "%s/out/fig3.png", tmpdir);
	buf = slurp(path, &len);
	assert_non_null(buf);
	assert_true(len > 1000);
	assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
	free(buf);
	snprintf(path, sizeof(path), "%s/out/fig3.svg", tmpdir);
	buf = slurp(path, &len);
	assert_non_null(buf);
	assert_has(buf, "<svg");
	assert_has(buf, "(testbed, emulated)");
	assert_has(buf, "</svg>");
	free(buf);
	snprintf(path, sizeof(path), "%s/out/fig3.csv", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_int_equal(count(buf, "\n"), 11);
	free(buf);
	snprintf(path, sizeof(path), "%s/out/fig3.md", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "![fig3](fig3.png)");
	free(buf);

	assert_int_equal(run("'%s' report %s/out fig3 --wall 3725 >/dev/null", expt_bin, tmpdir), 0);
	snprintf(path, sizeof(path), "%s/out/report.md", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "# nestlab: the paper reproduction");
	assert_has(buf, "| host | unit test |");
	assert_has(buf, "| emulated (testbed) | yes |");
	assert_has(buf, "| scale | 1/32 |");
	assert_has(buf, "| total wall time | 3725 s (1h02m) |");
	assert_has(buf, "## fig3: Hypervisor VMs vs nested VMs, mcf (paper figure 3)");
	assert_has(buf, "| guest (kernel: guest-kernel; linux: Linux VMs) | kernel |");
	assert_has(buf, "## Runs tried again or skipped\n\nNot recorded (no run-notes.tsv).");
	free(buf);
	/* the driver's notes: each shown, a malformed line counted, not shown */
	snprintf(path, sizeof(path), "%s/out/run-notes.tsv", tmpdir);
	write_file(path, "fig3-nested-shadow-mcf-256M-r1\tretried\tan L1 vCPU triple-faulted\n"
		   "fig3-nested-sos-mcf-256M-r1\tskipped\tsos needs the testbed\n"
		   "junk without tabs\nx\tlost\ty\n");
	assert_int_equal(run("'%s' report %s/out fig3 >/dev/null", expt_bin, tmpdir), 0);
	snprintf(path, sizeof(path), "%s/out/report.md", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "| run | what | why |\n|---|---|---|\n"
			"| fig3-nested-shadow-mcf-256M-r1 | retried | an L1 vCPU triple-faulted |\n"
			"| fig3-nested-sos-mcf-256M-r1 | skipped | sos needs the testbed |\n");
	assert_has(buf, "1 tried again");
	assert_has(buf, "1 skipped. 2 lines of run-notes.tsv were not notes");
	assert_null(strstr(buf, "junk"));
	free(buf);
	snprintf(path, sizeof(path), "%s/out/run-notes.tsv", tmpdir);
	write_file(path, "");
	assert_int_equal(run("'%s' report %s/out fig3 >/dev/null", expt_bin, tmpdir), 0);
	snprintf(path, sizeof(path), "%s/out/report.md", tmpdir);
	buf = slurp(path, NULL);
	assert_has(buf, "None: every run ran once.");
	free(buf);
	/* an experiment that was not summarized: reported, exit 1, the rest kept */
	assert_int_equal(run("'%s' report %s/out fig3 fig9 >/dev/null 2>&1", expt_bin, tmpdir), 1);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "## fig9\n\nNo summary");
	assert_has(buf, "## fig3:");
	free(buf);
}

/* The pressure section shows the memory over time of the run at each
 * knee: drawn from runs/ID.json by expt_pressure_plots, shown once its
 * PNG is there, left out where the run's document is missing. */
static void pressure_knee_figure(void **state)
{
	const char *id = "pr-res80-ksm4000-nested-shadow-touch-96M-r1";
	struct expt_meta meta = { "test host", "yes", NULL };
	char dir[256], *md, *buf = NULL;
	struct fixture fx;
	size_t len = 0;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/knee", tmpdir);
	run("mkdir -p '%s/runs'", dir);
	meta.outdir = dir;
	load(&fx, pr_text, "1/64", 1);
	measure(&fx, pr_tsv);
	/* no document: nothing drawn, nothing shown */
	assert_int_equal(expt_pressure_plots(&fx.p, &fx.data, dir, stderr), 0);
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(expt_write_md(f, &fx.p, &fx.data, &meta, true), 0);
	fclose(f);
	assert_has(buf, "Knee: L1 first swapped at 6 GB");
	assert_null(strstr(buf, "knee]("));
	free(buf);
	run("cp '%s/fixtures/memplot/nested.json' '%s/runs/%s.json'", EXPT_SRCDIR, dir, id);
	if (have_gnuplot()) {
		assert_int_equal(expt_pressure_plots(&fx.p, &fx.data, dir, stderr), 1);
	} else {
		run("touch '%s/pr-knee-shadow-touch-2vm.png'", dir); /* as if drawn */
	}
	buf = NULL;
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(expt_write_md(f, &fx.p, &fx.data, &meta, true), 0);
	fclose(f);
	assert_has(buf, "![memory over time at the knee](pr-knee-shadow-touch-2vm.png)\n\n"
			"Memory over time of the run at the knee, `pr-res80-ksm4000-nested-shadow-touch-96M-r1`");
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/pr-knee-shadow-touch-2vm.png");
	assert_non_null(md = slurp(dir, &len));
	assert_true(len > 0 || !have_gnuplot());
	free(md);
	free(buf);
	unload(&fx);
}

/* memplot: a nested document's memory over time, one panel per level; an
 * L2 without a result is left out; bad input refused with exit 2. */
static void memplot(void **state)
{
	const char *fx = EXPT_SRCDIR "/fixtures/memplot/nested.json";
	char path[256], *buf;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/mp", tmpdir);
	run("mkdir -p '%s'", path);
	/* a run document without a series, a missing file, a bad NAME */
	refused("no memory_series", "memplot %s/../tests/vm/fixtures/run-exit.json %s", EXPT_SRCDIR, path);
	refused("/nonexistent.json", "memplot /nonexistent.json %s", path);
	refused("NAME is letters", "memplot %s %s 'a b'", fx, path);
	if (!have_gnuplot()) {
		skip();
		return;
	}
	assert_int_equal(run("'%s' memplot %s %s mem >/dev/null 2>&1", expt_bin, fx, path), 0);
	snprintf(path, sizeof(path), "%s/mp/mem.gp", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "$S0 << EOD\n0.000 10.00 0.00 1953.12 0.00 0.000\n");
	/* L2 0's last sample: 2048 pages swapped out since the one before = 8 MiB */
	assert_has(buf, "0.500 60.00 8.00 8.79 8.00 8.000\n");
	assert_has(buf, "$S2 << EOD");
	assert_true(strstr(buf, "$S3 << EOD") == NULL);   /* L2 2 had no result */
	assert_has(buf, "set multiplot layout 2,1");
	assert_has(buf, "L1: each L2 in L1's memory");
	assert_has(buf, "L2 1 resident");
	free(buf);
	snprintf(path, sizeof(path), "%s/mp/mem.png", tmpdir);
	buf = slurp(path, &len);
	assert_non_null(buf);
	assert_true(len > 1000);
	assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
	free(buf);
	snprintf(path, sizeof(path), "%s/mp/mem.svg", tmpdir);
	buf = slurp(path, NULL);
	assert_non_null(buf);
	assert_has(buf, "</svg>");
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(desc_good),
		cmocka_unit_test(desc_errors),
		cmocka_unit_test(sizes_and_scale),
		cmocka_unit_test(workloads_agree),
		cmocka_unit_test(plan_order_and_ids),
		cmocka_unit_test(plan_print),
		cmocka_unit_test(plan_options),
		cmocka_unit_test(plan_guest),
		cmocka_unit_test(stats),
		cmocka_unit_test(fig3_numbers),
		cmocka_unit_test(missing_points),
		cmocka_unit_test(fig4_numbers),
		cmocka_unit_test(csv_text),
		cmocka_unit_test(pressure_section),
		cmocka_unit_test(vms_sweep),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(counter_sentence),
		cmocka_unit_test(shipped),
		cmocka_unit_test(cli),
		cmocka_unit_test(render),
		cmocka_unit_test(jq_numbers),
		cmocka_unit_test(measure_docs),
		cmocka_unit_test(measure_refuses),
		cmocka_unit_test(desc_not_regular),
		cmocka_unit_test(tsv_not_regular),
		cmocka_unit_test(sizes_bounded),
		cmocka_unit_test(empty_lists),
		cmocka_unit_test(memplot),
		cmocka_unit_test(pressure_knee_figure),
	};
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: test_expt PATH/nestlab-expt\n");
		return 2;
	}
	expt_bin = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_expt.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (!r)
		run("rm -rf '%s'", tmpdir); /* kept when a test failed, to look at */
	return r;
}
