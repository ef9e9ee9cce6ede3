// SPDX-License-Identifier: MIT
/* Unit tests: L2 specs, `nestlab nested` options and L1's command line,
 * the JSON check, and the document port. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nestlab.h"

#define MIB (1ull << 20)

static int spec(const char *t, struct l2_spec *s, char *err)
{
	return l2spec_parse(t, strlen(t), s, err, 200);
}

static void l2spec_ok(void **state)
{
	struct l2_spec s, s2;
	char err[200], buf[512];

	(void)state;
	assert_int_equal(spec("workload=mcf,footprint=24M", &s, err), 0);
	assert_string_equal(s.workload, "mcf");
	assert_int_equal(s.footprint, 24 * MIB);
	/* default memory: footprint + 1/256 + 8M + 1/8, whole MiB */
	assert_true(s.mem >= 24 * MIB + 8 * MIB && s.mem % MIB == 0);
	assert_int_equal(s.iters, 1);
	assert_int_equal(s.seed, 1);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.cpus, 1);
	assert_false(s.prebuilt);
	assert_int_equal(s.page_size, 4096);
	assert_string_equal(s.kernel, "/guest-kernel");

	assert_int_equal(spec("workload=ptrchase,mem=96M,footprint=64M,iters=3,seed=0,count=2,cpus=2,paging=prebuilt,pagesize=2M,kernel=/l2/g.elf",
			      &s, err), 0);
	assert_int_equal(s.mem, 96 * MIB);
	assert_int_equal(s.iters, 3);
	assert_int_equal(s.seed, 0);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.cpus, 2);
	assert_true(s.prebuilt);
	assert_int_equal(s.page_size, 2 * MIB);
	assert_string_equal(s.kernel, "/l2/g.elf");

	/* the canonical text parses back to the same spec */
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=ptrchase,mem=96M,footprint=64M,iters=3,seed=0,count=2,cpus=2,paging=prebuilt,pagesize=2M,kernel=/l2/g.elf");
	assert_int_equal(spec(buf, &s2, err), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_true(l2spec_cmdline(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=ptrchase footprint=64M iters=3 seed=0");
	/* a length, not a NUL, ends the text (l1-shim splits at ';') */
	assert_int_equal(l2spec_parse("workload=mcf,footprint=8M;garbage", 25, &s, err, 200), 0);
	assert_int_equal(s.footprint, 8 * MIB);
	/* too small a buffer */
	assert_int_equal(l2spec_format(&s, buf, 10), -ENOSPC);

	/* a Linux L2: its kernel, memory for kernel + 3 x footprint, l2init's words */
	assert_int_equal(spec("workload=hmmer,footprint=16M,guest=linux,seed=3", &s, err), 0);
	assert_true(s.linux_guest);
	assert_string_equal(s.kernel, L2_LINUX_KERNEL);
	assert_int_equal(s.mem, 128 * MIB + 48 * MIB);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=hmmer,mem=176M,footprint=16M,iters=1,seed=3,count=1,cpus=1,kernel=/l2/bzImage,guest=linux,fail=none");
	assert_int_equal(spec(buf, &s2, err), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_true(l2spec_cmdline(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "console=ttyS0 quiet panic=-1 pci=off nl2.program=hmmer nl2.size=16M nl2.iters=1 nl2.seed=3 nl2.fail=none");
	/* smaller than it needs is allowed: running out of memory is a result */
	assert_int_equal(spec("workload=bzip2,footprint=64M,mem=64M,guest=linux,kernel=/l2/k", &s, err), 0);
	assert_string_equal(s.kernel, "/l2/k");
	assert_int_equal(spec("workload=bzip2,footprint=8M,guest=kernel", &s, err), 0);
	assert_false(s.linux_guest);
	/* a Linux L2 told to fail: it reaches l2init, and survives L1's parse */
	assert_int_equal(spec("workload=bzip2,footprint=1M,guest=linux,fail=panic", &s, err), 0);
	assert_int_equal(s.fail, L2_FAIL_PANIC);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_int_equal(spec(buf, &s2, err), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_true(l2spec_cmdline(&s, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " nl2.fail=panic"));
	assert_int_equal(spec("workload=bzip2,footprint=1M,guest=linux,fail=exit", &s, err), 0);
	assert_int_equal(s.fail, L2_FAIL_EXIT);

	/* guest-kernel's resident share: in the canonical text and on the L2's
	 * command line only when set; without mem, mem makes room for it */
	assert_int_equal(spec("workload=mcf,footprint=16M,mem=64M,resident=50", &s, err), 0);
	assert_int_equal(s.resident, 50);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=mcf,mem=64M,footprint=16M,iters=1,seed=1,count=1,cpus=1,paging=demand,pagesize=4K,kernel=/guest-kernel,resident=50");
	assert_int_equal(spec(buf, &s2, err), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_true(l2spec_cmdline(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=mcf footprint=16M iters=1 seed=1 resident=50");
	assert_int_equal(spec("workload=mcf,footprint=16M,resident=50", &s, err), 0);
	/* (16M + 64K + 8M + 2M) x 100 / 50, whole MiB: and it fits */
	assert_int_equal(s.mem, 53 * MIB);
	assert_int_equal(spec("workload=mcf,footprint=16M,resident=0", &s, err), 0);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "resident"));

	/* release=1 the same way: only when set, and it reaches the L2 */
	assert_int_equal(spec("workload=touch,footprint=16M,mem=64M,release=1", &s, err), 0);
	assert_true(s.release);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=touch,mem=64M,footprint=16M,iters=1,seed=1,count=1,cpus=1,paging=demand,pagesize=4K,kernel=/guest-kernel,release=1");
	assert_int_equal(spec(buf, &s2, err), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_true(l2spec_cmdline(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "workload=touch footprint=16M iters=1 seed=1 release=1");
	assert_int_equal(spec("workload=touch,footprint=16M,release=0", &s, err), 0);
	assert_true(l2spec_format(&s, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "release"));
}

static void l2spec_bad(void **state)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "", "needs at least" },
		{ "workload=mcf", "needs at least" },
		{ "footprint=8M", "needs at least" },
		{ "workload=mcf,footprint=8M,mem=9M", "does not fit" },
		{ "workload=mcf,footprint=8M,mem=24M,resident=50", "its resident share included" },
		{ "workload=mcf,footprint=8M,resident=91", "0..90" },
		{ "workload=mcf,footprint=8M,resident=-1", "0..90" },
		{ "workload=mcf,footprint=8M,resident=10,resident=20", "resident: given twice" },
		{ "workload=bzip2,footprint=8M,guest=linux,resident=10", "is guest-kernel's" },
		{ "workload=mcf,footprint=8M,release=2", "0 or 1" },
		{ "workload=mcf,footprint=8M,release=", "0 or 1" },
		{ "workload=mcf,footprint=8M,release=10", "0 or 1" },
		{ "workload=mcf,footprint=8M,release=1,release=0", "release: given twice" },
		{ "workload=bzip2,footprint=8M,guest=linux,release=1", "is guest-kernel's" },
		{ "workload=mcf,footprint=8M,mem=2M", "out of range" },
		{ "workload=mcf,footprint=8M,mem=65G", "out of range" },
		{ "workload=mcf,footprint=eight", "not a size" },
		{ "workload=mcf,footprint=8M,count=0", "whole number" },
		{ "workload=mcf,footprint=8M,count=17", "whole number" },
		{ "workload=mcf,footprint=8M,cpus=65", "whole number" },
		{ "workload=mcf,footprint=8M,iters=-1", "whole number" },
		{ "workload=mcf,footprint=8M,iters=99999999999999999999999", "whole number" },
		{ "workload=mcf,footprint=8M,paging=lazy", "demand or prebuilt" },
		{ "workload=mcf,footprint=8M,pagesize=1G", "4K or 2M" },
		{ "workload=mcf,footprint=8M,kernel=rel/path", "absolute path" },
		{ "workload=mcf,footprint=8M,kernel=/a;b", "absolute path" },
		{ "workload=MCF,footprint=8M", "bad name" },
		{ "workload=averyveryverylongname,footprint=8M", "bad name" },
		{ "workload=mcf,footprint=8M,colour=red", "unknown key" },
		{ "workload=mcf,footprint", "not key=value" },
		{ "workload=mcf,,footprint=8M", "not key=value" },
		/* issue 12's reproducers: what L0 accepted and L1 refused */
		{ "workload=mcf,footprint=60G", "more than the largest L2" },
		{ "workload=mcf,footprint=16777215T", "larger than the largest L2" },
		{ "workload=bzip2,workload=mcf,footprint=8M", "workload: given twice" },
		{ "workload=mcf,footprint=8M,footprint=16M", "footprint: given twice" },
		{ "workload=mcf,footprint=8M,kernel=/gk\tinit=/bin/sh", "absolute path" },
		{ "workload=mcf,footprint=8M,kernel=/gk\ninit=/bin/sh", "absolute path" },
		{ "workload=mcf,footprint=8M,kernel=/gk\"x", "absolute path" },
		{ "workload=ptrchase,footprint=8M,guest=linux", "runs bzip2, gnugo, hmmer, mcf, not 'ptrchase'" },
		{ "workload=bzip2,footprint=8M,guest=bsd", "not kernel or linux" },
		{ "workload=bzip2,footprint=8M,guest=linux,guest=linux", "guest: given twice" },
		{ "workload=bzip2,footprint=8M,guest=linux,mem=32M", "at least 64M" },
		{ "workload=bzip2,footprint=1K,guest=linux", "at least 4K" },
		{ "workload=bzip2,footprint=8M,guest=linux,pagesize=2M", "manages its own memory" },
		{ "workload=bzip2,footprint=8M,guest=linux,iters=100001", "at most 100000" },
		{ "workload=bzip2,footprint=30G,guest=linux", "more than the largest L2" },
		{ "workload=bzip2,footprint=8M,guest=linux,fail=sometimes", "not none, exit or panic" },
		{ "workload=bzip2,footprint=8M,guest=linux,fail=exit,fail=panic", "fail: given twice" },
		{ "workload=mcf,footprint=8M,fail=panic", "a Linux L2's" },
	};
	struct l2_spec s;
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(spec(bad[i].text, &s, err), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', expected '%s'", bad[i].text, err, bad[i].msg);
		/* one line, whatever the spec held */
		assert_null(strpbrk(err, "\n\t\r"));
	}
}

static int nparse(struct nl_nested *n, struct nl_err *err, ...)
{
	char *argv[40] = { "nested" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, char *)) && argc < 39)
		argv[argc++] = a;
	va_end(ap);
	return nested_parse(argc, argv, n, err);
}

#define BASE "--kernel", "bz", "--initrd", "rd", "--l1-mem", "512M", "--json", "o.json"

static void nested_options(void **state)
{
	static struct nl_nested n;
	struct nl_err err;
	struct nl_config cfg;
	char line[4096];

	(void)state;
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2",
				"workload=mcf,footprint=16M,mem=64M,count=2", "--l2",
				"workload=ptrchase,footprint=8M,mem=32M", "--l1-swap", "256M",
				"--trace-exits", "--l2-timeout", "60", NULL), 0);
	assert_true(n.shadow);
	assert_int_equal(n.nspecs, 2);
	assert_int_equal(n.nl2, 3);
	assert_int_equal(n.l2_mem_sum, 160 * MIB);
	assert_int_equal(n.l1_cpus, 2);
	assert_int_equal(n.l1_swap, 256 * MIB);
	assert_true(n.trace_exits);
	nested_config(&n, &cfg);
	assert_true(cfg.hide_tdp);          /* shadow: NPT/EPT hidden from L1 */
	assert_false(cfg.hide_virt);
	assert_int_equal(cfg.mem, 512 * MIB);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_non_null(strstr(line, "console=ttyS0"));
	assert_non_null(strstr(line, " nl.paging=shadow "));
	assert_non_null(strstr(line, " nl.swap=268435456 "));
	assert_non_null(strstr(line, " nl.trace=1 "));
	assert_non_null(strstr(line, " nl.l2timeout=60 "));
	assert_non_null(strstr(line, " nl.ksm=0 "));          /* KSM left alone */
	assert_non_null(strstr(line, " nl.thp=keep "));
	assert_non_null(strstr(line, " nl.zswap=0 "));        /* zswap left alone */
	assert_non_null(strstr(line, " nl.kvmhold=0 "));      /* no VM held in L1 */
	assert_int_equal(cfg.mem_sample_ms, 250);               /* the default */
	assert_false(cfg.ksm);
	assert_false(cfg.no_thp);
	assert_non_null(strstr(line, " nl.l2=workload=mcf,mem=64M,footprint=16M,iters=1,seed=1,count=2,"));
	assert_non_null(strstr(line, ";workload=ptrchase,mem=32M,"));
	assert_null(strchr(strstr(line, "nl.l2="), ' '));

	/* guest-kernel's own resident= passes nestlab's check of the L2's
	 * workload line and reaches L1 (it once failed there: "unknown key") */
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2",
				"workload=bzip2,footprint=28311552,mem=167772160,count=2,resident=30", NULL), 0);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_non_null(strstr(line, ",kernel=/guest-kernel,resident=30"));

	/* KSM and THP in L1, memory sampling at L0 */
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--l1-ksm", "4000", "--l1-thp", "never", "--mem-sample", "0", NULL), 0);
	nested_config(&n, &cfg);
	assert_int_equal(cfg.mem_sample_ms, 0);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_non_null(strstr(line, " nl.ksm=4000 "));
	assert_non_null(strstr(line, " nl.thp=never "));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--l1-thp", "sometimes", NULL), -EINVAL);
	assert_string_equal(err.msg, "--l1-thp: always, madvise or never, not 'sometimes'");
	/* zswap in L1: in front of its swap, and only with one */
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--l1-swap", "64M", "--l1-zswap", NULL), 0);
	assert_true(n.l1_zswap);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_non_null(strstr(line, " nl.swap=67108864 "));
	assert_non_null(strstr(line, " nl.zswap=1 "));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--l1-zswap", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "give --l1-swap SIZE too"));
	/* --trace-l0 and its timeline: the timeline is drawn from L0's
	 * trace, bounded, and L1 is told nothing (it is L0's business) */
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--trace-l0", "--timeline", "tl.json", "--timeline-max-events", "5000", NULL), 0);
	assert_true(n.trace_l0);
	assert_string_equal(n.timeline, "tl.json");
	assert_int_equal(n.timeline_max, 5000);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_null(strstr(line, "tl.json"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--trace-l0", NULL), 0);
	assert_int_equal(n.timeline_max, NESTED_TIMELINE_MAX);
	assert_null(n.timeline);
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--timeline", "tl.json", NULL), -EINVAL);
	assert_string_equal(err.msg, "--timeline FILE is drawn from L0's trace: give --trace-l0 too");
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--trace-l0", "--timeline", "t", "--timeline-max-events", "0", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--timeline-max-events"));
	/* --l1-kvm-hold: l1-shim holds a VM from before the L2s */
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=mcf,footprint=8M",
				"--l1-kvm-hold", NULL), 0);
	assert_true(n.l1_kvm_hold);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), 0);
	assert_non_null(strstr(line, " nl.kvmhold=1 "));
	/* --print-cmdline runs nothing, so it needs no --json; without it,
	 * --json is still required */
	assert_int_equal(nparse(&n, &err, "--kernel", "bz", "--initrd", "rd", "--l1-mem", "512M",
				"--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--print-cmdline", NULL), 0);
	assert_true(n.print_cmdline);
	assert_int_equal(nparse(&n, &err, "--kernel", "bz", "--initrd", "rd", "--l1-mem", "512M",
				"--paging", "nested", "--l2", "workload=mcf,footprint=8M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--json FILE"));
	assert_false(n.print_cmdline);
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2", "workload=mcf,footprint=8M",
				"--mem-sample", "60001", NULL), -EINVAL);

	assert_int_equal(nparse(&n, &err, BASE, "--paging", "nested", "--l2",
				"workload=touch,footprint=8M", NULL), 0);
	assert_false(n.shadow);
	nested_config(&n, &cfg);
	assert_false(cfg.hide_tdp);
	assert_int_equal(nparse(&n, &err, "--help", NULL), 1);
}

static void nested_bad(void **state)
{
	static struct nl_nested n;
	struct nl_err err;
	char line[4096];

	(void)state;
	assert_int_equal(nparse(&n, &err, BASE, "--l2", "workload=mcf,footprint=8M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--paging"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--l2"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "ept", "--l2", "workload=mcf,footprint=8M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "shadow or nested"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=nope,footprint=8M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown workload"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=mcf,footprint=8M,count=9",
				"--l2", "workload=mcf,footprint=8M,count=8", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 16"));
	assert_int_equal(nparse(&n, &err, "--kernel", "bz", "--initrd", "rd", "--l1-mem", "512M",
				"--paging", "shadow", "--l2", "workload=mcf,footprint=8M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--json"));
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=mcf,footprint=8M",
				"--l1-mem", "1M", NULL), -EINVAL);
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=mcf,footprint=8M",
				"--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown option"));
	/* L1's command line must fit the kernel's 2048 bytes */
	char big[1900];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(nparse(&n, &err, BASE, "--paging", "shadow", "--l2", "workload=mcf,footprint=8M",
				"--l1-cmdline", big, NULL), 0);
	assert_int_equal(nested_cmdline(&n, line, sizeof(line), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "2047"));
}

static void jsoncheck(void **state)
{
	static const char *const good[] = {
		"{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]} ",
		"0", "\"s\"", "{\"a\":{\"b\":{\"c\":[[],{}]}}}", "-0.0E1",
	};
	static const char *const bad[] = {
		"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]",
		"{a:1}", "01", "1.", "-", "+1", "tru", "nul", "\"abc", "\"\\x\"",
		"\"\\u12g4\"", "{} {}", "[\"\x01\"]", "{\"a\":1}}", "NaN",
	};
	char deep[200];
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (json_check(good[i], strlen(good[i]), &at))
			fail_msg("good JSON refused: %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!json_check(bad[i], strlen(bad[i]), &at))
			fail_msg("bad JSON accepted: %s", bad[i]);
	assert_string_equal(json_check("{\"a\":1,}", 8, &at), "expected a string key");
	assert_int_equal(at, 7);
	/* nesting past the limit is refused, not recursed into */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_non_null(json_check(deep, 200, &at));
	assert_null(json_check(deep + 40, 120, &at));  /* 60 deep: fine */
	/* a length, not a NUL, ends the text */
	assert_null(json_check("{}garbage", 2, &at));
	/* issue 12's reproducers: a backslash before a NUL byte, and nothing */
	assert_string_equal(json_check("[\"\\\0\"]", 6, &at), "bad escape");
	assert_string_equal(json_check(NULL, 0, &at), "empty document");
	assert_int_equal(at, 0);
}

static void out(struct docport *d, uint16_t port, uint32_t v, uint32_t size)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	docport_io(d, &(struct io_access){ .port = port, .out = true, .data = b, .size = size });
}

static void docport(void **state)
{
	struct docport d;
	const char *doc, *text = "{\"schema\": \"nestlab-l1/1\"}";
	char why[200];
	size_t len;
	uint8_t b[4];

	(void)state;
	docport_init(&d);
	assert_null(docport_take(&d, &len, why, sizeof(why)));
	assert_non_null(strstr(why, "no document"));
	docport_io(&d, &(struct io_access){ .port = NL_PORT_DOC_CTL, .data = b, .size = 4 });
	assert_int_equal(*(uint32_t *)b, NL_DOC_MAGIC);
	/* bytes before BEGIN are stray, not part of the document */
	out(&d, NL_PORT_DOC, 'x', 1);
	out(&d, NL_PORT_DOC_CTL, NL_DOC_BEGIN, 4);
	for (const char *p = text; *p; p++)
		out(&d, NL_PORT_DOC, (uint8_t)*p, 1);
	assert_null(docport_take(&d, &len, why, sizeof(why)));
	assert_non_null(strstr(why, "incomplete"));
	out(&d, NL_PORT_DOC_CTL, NL_DOC_END, 4);
	doc = docport_take(&d, &len, why, sizeof(why));
	assert_non_null(doc);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(doc, text, len);
	assert_int_equal(d.stray, 1);
	/* a second BEGIN starts over; not JSON is refused with where */
	out(&d, NL_PORT_DOC_CTL, NL_DOC_BEGIN, 4);
	out(&d, NL_PORT_DOC, '{', 1);
	out(&d, NL_PORT_DOC, '}', 1);
	out(&d, NL_PORT_DOC, '}', 1);
	out(&d, NL_PORT_DOC_CTL, NL_DOC_END, 4);
	assert_null(docport_take(&d, &len, why, sizeof(why)));
	assert_non_null(strstr(why, "not JSON"));
	/* a JSON value that is not an object */
	out(&d, NL_PORT_DOC_CTL, NL_DOC_BEGIN, 4);
	out(&d, NL_PORT_DOC, '1', 1);
	out(&d, NL_PORT_DOC_CTL, NL_DOC_END, 4);
	assert_null(docport_take(&d, &len, why, sizeof(why)));
	assert_non_null(strstr(why, "not an object"));
	/* more than NL_DOC_MAX: refused, and memory stays bounded */
	out(&d, NL_PORT_DOC_CTL, NL_DOC_BEGIN, 4);
	for (uint32_t i = 0; i < NL_DOC_MAX / 4 + 8; i++)
		out(&d, NL_PORT_DOC, 0x20202020, 4);
	out(&d, NL_PORT_DOC_CTL, NL_DOC_END, 4);
	assert_true(d.len <= NL_DOC_MAX);
	assert_null(docport_take(&d, &len, why, sizeof(why)));
	assert_non_null(strstr(why, "larger than"));
	docport_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2spec_ok),
		cmocka_unit_test(l2spec_bad),
		cmocka_unit_test(nested_options),
		cmocka_unit_test(nested_bad),
		cmocka_unit_test(jsoncheck),
		cmocka_unit_test(docport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
