// SPDX-License-Identifier: MIT
/* Unit tests: option and size parsing of `nestlab run`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nestlab.h"

static int parse(struct nl_config *cfg, struct nl_err *err, ...)
{
	char *argv[32] = { "run" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, err);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	return cli_parse_run(argc, argv, cfg, err);
}

static void sizes(void **state)
{
	struct nl_err err;
	uint64_t v;

	(void)state;
	assert_int_equal(cli_size("512M", "--mem", 4 << 20, 64ull << 30, &v, &err), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(cli_size("5G", "--mem", 4 << 20, 64ull << 30, &v, &err), 0);
	assert_int_equal(v, 5ull << 30);
	assert_int_equal(cli_size("4194304", "--mem", 4 << 20, 64ull << 30, &v, &err), 0);
	assert_int_equal(v, 4ull << 20);
	/* zero, malformed, absurd */
	assert_int_equal(cli_size("0", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "out of range"));
	/* the range in the units a user writes (it read "0..65536 MiB") */
	assert_string_equal(err.msg, "--mem: 0 is out of range (4M..64G)");
	assert_int_equal(cli_size("1G", "--x", 4096, 2u << 20, &v, &err), -EINVAL);
	assert_string_equal(err.msg, "--x: 1G is out of range (4K..2M)");
	assert_int_equal(cli_size("", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_int_equal(cli_size("12Q", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a size"));
	assert_int_equal(cli_size("-1G", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_int_equal(cli_size("1G1", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_int_equal(cli_size("65G", "--mem", 4 << 20, 64ull << 30, &v, &err), -EINVAL);
	assert_int_equal(cli_size("99999999999999999999999", "--mem", 4 << 20,
				  64ull << 30, &v, &err), -EINVAL);
	assert_int_equal(cli_size("18014398509481984K", "--mem", 4 << 20,
				  64ull << 30, &v, &err), -EINVAL);
}

static void options(void **state)
{
	struct nl_config cfg;
	struct nl_err err;

	(void)state;
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", NULL), 0);
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.gpaging, NL_GP_DEMAND);
	assert_int_equal(cfg.gpage_size, 4096);
	assert_false(cfg.tsc_deadline);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--tsc-deadline", NULL), 0);
	assert_true(cfg.tsc_deadline);
	/* memory: sampled every 250 ms, THP on, KSM off, seccomp on, unless asked */
	assert_int_equal(cfg.mem_sample_ms, 250);
	assert_false(cfg.no_thp);
	assert_false(cfg.ksm);
	assert_false(cfg.no_seccomp);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--thp", "off", "--ksm",
			       "--mem-sample", "0", "--no-seccomp", NULL), 0);
	assert_true(cfg.no_thp);
	assert_true(cfg.ksm);
	assert_int_equal(cfg.mem_sample_ms, 0);
	assert_true(cfg.no_seccomp);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--thp", "maybe", NULL), -EINVAL);
	assert_string_equal(err.msg, "--thp: on or off, not 'maybe'");
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--mem-sample", "-1", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "1G", "--cpus", "4",
			       "--cmdline", "workload=mcf footprint=1M", "--json", "o.json",
			       "--timeout", "30", "--guest-paging", "prebuilt",
			       "--guest-page-size", "2M", "--prefault", NULL), 0);
	assert_int_equal(cfg.cpus, 4);
	assert_int_equal(cfg.mem, 1ull << 30);
	assert_string_equal(cfg.cmdline, "workload=mcf footprint=1M");
	assert_int_equal(cfg.timeout_s, 30);
	assert_int_equal(cfg.gpaging, NL_GP_PREBUILT);
	assert_int_equal(cfg.gpage_size, 2 << 20);
	assert_true(cfg.prefault);
	assert_int_equal(parse(&cfg, &err, "--help", NULL), 1);
}

static void bad_options(void **state)
{
	struct nl_config cfg;
	struct nl_err err;
	char longline[5000];

	(void)state;
	assert_int_equal(parse(&cfg, &err, "--mem", "64M", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--kernel"));
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--mem"));
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown option '--bogus'"));
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "needs a value"));
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--cpus", "0", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--cpus", "65", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--cpus", "2x", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--timeout", "-3", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--guest-paging", "lazy", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--guest-page-size", "1G", NULL), -EINVAL);
	/* issue 12: it said "(0..2 MiB)" */
	assert_string_equal(err.msg, "--guest-page-size: must be 4K or 2M, not 1G");
	/* issue 12: "-xy" named the argument before it */
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "-xy", NULL), -EINVAL);
	assert_string_equal(err.msg, "unknown option '-x'");
	assert_int_equal(parse(&cfg, &err, "-q", "--kernel", "k", NULL), -EINVAL);
	assert_string_equal(err.msg, "unknown option '-q'");
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--kern", "j", NULL), 0);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--hide", NULL), -EINVAL);
	assert_string_equal(err.msg, "unknown option '--hide'");
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--json", NULL), -EINVAL);
	assert_string_equal(err.msg, "option --json needs a value");
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--guest-page-size", "8K", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "extra", NULL), -EINVAL);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	assert_int_equal(parse(&cfg, &err, "--kernel", "k", "--mem", "64M", "--cmdline", longline, NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(options),
		cmocka_unit_test(bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
