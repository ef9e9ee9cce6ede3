// SPDX-License-Identifier: MIT
/*
 * Memory over time (vmm/report/memseries.c): the /proc parsers on fixed
 * text, the bound (halving when full), and the document's series.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nestlab.h"
#include "procstat.h"

static const char smaps[] =
	"55d1c0000000-55d1c0021000 r--p 00000000 08:01 123 /usr/bin/nestlab\n"
	"Size:                132 kB\n"
	"Rss:                 128 kB\n"
	"Swap:                  0 kB\n"
	"7f0000000000-7f0010000000 rw-p 00000000 00:00 0 \n"
	"Size:             262144 kB\n"
	"KernelPageSize:        4 kB\n"
	"Rss:               81920 kB\n"
	"Pss:               81920 kB\n"
	"Swap:              12288 kB\n"
	"SwapPss:           12288 kB\n"
	"VmFlags: rd wr mr mw me ac sd hg\n"
	"7f0010000000-7f0010001000 rw-p 00000000 00:00 0 \n"
	"Rss:                   4 kB\n"
	"Swap:                  8 kB\n";

static void parsers(void **state)
{
	static const char meminfo[] =
		"MemTotal:        2014504 kB\nMemFree:          123456 kB\n"
		"MemAvailable:     654321 kB\nSwapTotal:        262140 kB\nSwapFree:         200000 kB\n";
	static const char vmstat[] = "nr_free_pages 1000\npswpin 17\npswpout 4242\npswpout_x 1\n";
	uint64_t v = 0, rss = 0, swap = 0;

	(void)state;
	assert_int_equal(memseries_field(meminfo, sizeof(meminfo) - 1, "MemAvailable", &v), 0);
	assert_int_equal(v, 654321);
	/* a key that is a prefix of another is not matched by it */
	assert_int_equal(memseries_field(meminfo, sizeof(meminfo) - 1, "Mem", &v), -ENOENT);
	assert_int_equal(memseries_field(vmstat, sizeof(vmstat) - 1, "pswpout", &v), 0);
	assert_int_equal(v, 4242);
	assert_int_equal(memseries_field(vmstat, sizeof(vmstat) - 1, "pswpin", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(memseries_field("X: abc\n", 7, "X", &v), -EINVAL);
	assert_int_equal(memseries_field("X: 99999999999999999999999\n", 27, "X", &v), -ERANGE);
	/* no line end at the end of the text */
	assert_int_equal(memseries_field("Y 5", 3, "Y", &v), 0);
	assert_int_equal(v, 5);

	/* the guest mapping, not the one before or after it */
	assert_int_equal(memseries_smaps(smaps, sizeof(smaps) - 1, 0x7f0000000000ul, &rss, &swap), 0);
	assert_int_equal(rss, 81920);
	assert_int_equal(swap, 12288);
	assert_int_equal(memseries_smaps(smaps, sizeof(smaps) - 1, 0x7f0010000000ul, &rss, &swap), 0);
	assert_int_equal(rss, 4);
	assert_int_equal(swap, 8);
	assert_int_equal(memseries_smaps(smaps, sizeof(smaps) - 1, 0x1000, &rss, &swap), -ENOENT);
	/* cut off before its Rss: said, not guessed */
	assert_int_equal(memseries_smaps(smaps, 250, 0x7f0000000000ul, &rss, &swap), -EINVAL);
}

static void bounded(void **state)
{
	struct memseries ms;

	(void)state;
	assert_int_equal(memseries_init(&ms, 250), 0);
	assert_true(memseries_due(&ms, 0));
	for (uint64_t i = 0; i < MEMSERIES_MAX; i++) {
		struct mem_sample x = { .t_ms = i * 250, .guest_rss_kb = i };

		memseries_add(&ms, &x);
	}
	assert_int_equal(ms.n, MEMSERIES_MAX);
	assert_int_equal(ms.step_ms, 250);
	/* one more: every other one goes, the step doubles, the span stays */
	memseries_add(&ms, &(struct mem_sample){ .t_ms = MEMSERIES_MAX * 250, .guest_rss_kb = 7 });
	assert_int_equal(ms.n, MEMSERIES_MAX / 2 + 1);
	assert_int_equal(ms.step_ms, 500);
	assert_int_equal(ms.halvings, 1);
	assert_int_equal(ms.s[0].t_ms, 0);
	assert_int_equal(ms.s[1].t_ms, 500);
	assert_int_equal(ms.s[MEMSERIES_MAX / 2 - 1].t_ms, (MEMSERIES_MAX - 2) * 250);
	assert_int_equal(ms.s[MEMSERIES_MAX / 2].t_ms, MEMSERIES_MAX * 250);
	for (unsigned int i = 1; i < ms.n; i++)
		assert_true(ms.s[i].t_ms > ms.s[i - 1].t_ms);
	memseries_free(&ms);

	/* off: nothing kept, nothing due, the document says null */
	assert_int_equal(memseries_init(&ms, 0), 0);
	assert_false(memseries_due(&ms, 123));
	memseries_add(&ms, &(struct mem_sample){ .t_ms = 1 });
	assert_int_equal(ms.n, 0);
	memseries_free(&ms);
}

static void document(void **state)
{
	struct memseries ms;
	struct json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(memseries_init(&ms, 100), 0);
	memseries_add(&ms, &(struct mem_sample){ 0, 10, 0, 5000, 0, 0, 0, 0, 0, 0 });
	memseries_add(&ms, &(struct mem_sample){ 100, 20, 4, 4000, 4, 1, 2, 3, 5, 6 });
	/* a real sample of this process: its own heap is no guest, so the
	 * guest columns stay 0 and it counts as a read error */
	memseries_sample(&ms, (void *)0x1000, 0, 300000000);
	assert_int_equal(ms.n, 3);
	assert_int_equal(ms.errors, 1);
	assert_int_equal(ms.s[2].t_ms, 300);
	assert_true(ms.s[2].host_avail_kb > 0);
	json_begin(&j, f);
	json_obj(&j, NULL);
	memseries_json(&j, "memory_series", &ms);
	json_end_obj(&j);
	json_finish(&j);
	fclose(f);
	assert_null(json_check(buf, len, &(size_t){ 0 }));
	assert_non_null(strstr(buf, "\"period_ms\": 100"));
	assert_non_null(strstr(buf, "\"host_pswpout\""));
	assert_non_null(strstr(buf, "[0,10,0,5000,0,0,0,0,0,0]"));
	assert_non_null(strstr(buf, "[100,20,4,4000,4,1,2,3,5,6]"));
	assert_non_null(strstr(buf, "\"host_ksm_pages_sharing\""));
	free(buf);
	memseries_free(&ms);
}

/* THP and KSM: the host's THP mode as sysfs writes it; what madvise took */
static void techniques(void **state)
{
	char m[16];
	struct nl_mem mem = { 0 };
	struct mem_advice a;
	struct nl_err err;

	(void)state;
	assert_int_equal(procstat_thp_mode("always [madvise] never", m, sizeof(m)), 0);
	assert_string_equal(m, "madvise");
	assert_int_equal(procstat_thp_mode("[always] madvise never", m, sizeof(m)), 0);
	assert_string_equal(m, "always");
	assert_int_equal(procstat_thp_mode("always madvise never", m, sizeof(m)), -1);
	assert_int_equal(procstat_thp_mode("[] x", m, sizeof(m)), -1);
	assert_int_equal(procstat_thp_mode("[averyveryverylongmode]", m, sizeof(m)), -1);
	/* cpuinfo flag words: whole words only */
	assert_true(procstat_has_word(" fpu vme ept vpid", "ept"));
	assert_true(procstat_has_word("ept vpid", "ept"));
	assert_true(procstat_has_word("vmx ept\n", "ept"));
	assert_false(procstat_has_word(" fpu ept_ad vpid", "ept"));
	assert_false(procstat_has_word(" fpu xept vpid", "ept"));
	assert_false(procstat_has_word(" fpu vme", ""));

	assert_int_equal(mem_map(&mem, 8 << 20, &err), 0);
	mem_advise(&mem, false, false, &a);
	assert_false(a.thp_asked);
	assert_true(a.thp_ok);                 /* MADV_NOHUGEPAGE on anonymous memory */
	assert_false(a.ksm_asked);
	assert_false(a.ksm_ok);
	mem_advise(&mem, true, true, &a);
	assert_true(a.thp_asked);
	assert_true(a.ksm_asked);
	/* KSM: accepted, or refused with the reason kept (a kernel without it) */
	assert_true(a.ksm_ok || a.ksm_errno != 0);
	mem_unmap(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parsers),
		cmocka_unit_test(bounded),
		cmocka_unit_test(document),
		cmocka_unit_test(techniques),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
