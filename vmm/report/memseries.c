// SPDX-License-Identifier: MIT
/*
 * Memory over time (docs/results.md, "memory_series"): while a VM runs,
 * the main thread samples, every period, how much of guest memory is
 * resident and how much swapped out (the guest mapping's entry in
 * /proc/self/smaps), and the host's MemAvailable, swap in use, swap
 * traffic, major faults, THP allocations and KSM's merged pages. At L0 that is L1 (or a flat VM) against the real
 * host; inside L1, where l1-shim starts one nestlab per L2, the same code
 * gives each L2's memory in L1 against L1. So a run shows when a level
 * starts to swap and which guest grew, not just totals at the end.
 *
 * Bounded: at most MEMSERIES_MAX samples. When the buffer is full every
 * other sample is dropped and the period doubles, so a long run keeps its
 * whole span at a coarser step; the document says the step in effect.
 * The parsers work on text, so the unit tests feed them fixed files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nestlab.h"

/* The value of "KEY: N" (meminfo, smaps; N in kB) or "KEY N" (vmstat) at
 * the start of a line of text[0..len), or -ENOENT. */
int memseries_field(const char *text, size_t len, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > kl && !memcmp(p, key, kl) &&
		    (p[kl] == ':' || p[kl] == ' ')) {
			uint64_t v = 0;
			const char *q = p + kl + 1;
			bool digits = false;

			while (q < le && *q == ' ')
				q++;
			for (; q < le && *q >= '0' && *q <= '9'; q++) {
				if (v > (UINT64_MAX - 9) / 10)
					return -ERANGE;
				v = v * 10 + (uint64_t)(*q - '0');
				digits = true;
			}
			if (!digits)
				return -EINVAL;
			*out = v;
			return 0;
		}
		p = le + 1;
	}
	return -ENOENT;
}

/* Rss and Swap (kB) of the mapping that starts at `start` in smaps text. */
int memseries_smaps(const char *text, size_t len, uintptr_t start,
		    uint64_t *rss_kb, uint64_t *swap_kb)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char *e;
		unsigned long long lo = strtoull(p, &e, 16);

		/* a mapping's header line: "lo-hi perms ..." */
		if (e < le && *e == '-' && e > p && lo == (unsigned long long)start) {
			const char *body = le < end ? le + 1 : end;
			const char *next = body;

			/* its fields run up to the next header (a line with '-' after hex) */
			while (next < end) {
				const char *nn = memchr(next, '\n', (size_t)(end - next));
				const char *ne = nn ? nn : end;
				char *x;

				strtoull(next, &x, 16);
				if (x > next && x < ne && *x == '-')
					break;
				next = ne < end ? ne + 1 : end;
			}
			*rss_kb = *swap_kb = 0;
			if (memseries_field(body, (size_t)(next - body), "Rss", rss_kb) < 0)
				return -EINVAL;
			memseries_field(body, (size_t)(next - body), "Swap", swap_kb);
			return 0;
		}
		p = le + 1;
	}
	return -ENOENT;
}

/* A whole /proc file into buf (NUL-terminated), bounded; its length. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

int memseries_init(struct memseries *ms, unsigned int period_ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->period_ms = period_ms;
	ms->step_ms = period_ms;
	if (!period_ms)
		return 0;
	ms->s = calloc(MEMSERIES_MAX, sizeof(*ms->s));
	ms->buf = malloc(MEMSERIES_BUF);
	if (!ms->s || !ms->buf) {
		memseries_free(ms);
		return -ENOMEM;
	}
	return 0;
}

void memseries_free(struct memseries *ms)
{
	free(ms->s);
	free(ms->buf);
	ms->s = NULL;
	ms->buf = NULL;
}

bool memseries_due(const struct memseries *ms, uint64_t t_ns)
{
	return ms->s && (ms->n == 0 || t_ns >= ms->next_ns);
}

void memseries_add(struct memseries *ms, const struct mem_sample *x)
{
	if (!ms->s)
		return;
	if (ms->n == MEMSERIES_MAX) {
		/* keep every other one: the span stays, the step doubles */
		for (unsigned int i = 0; i < MEMSERIES_MAX / 2; i++)
			ms->s[i] = ms->s[2 * i];
		ms->n = MEMSERIES_MAX / 2;
		ms->step_ms *= 2;
		ms->halvings++;
	}
	ms->s[ms->n++] = *x;
}

int memseries_guest(const void *guest, char *buf, size_t cap, uint64_t *rss_kb, uint64_t *swap_kb)
{
	ssize_t n = slurp("/proc/self/smaps", buf, cap);

	*rss_kb = *swap_kb = 0;
	if (n < 0)
		return (int)n;
	/* a full buffer may have cut the file short: not a reading */
	if ((size_t)n + 1 >= cap)
		return -EFBIG;
	return memseries_smaps(buf, (size_t)n, (uintptr_t)guest, rss_kb, swap_kb);
}

void memseries_sample(struct memseries *ms, const void *guest, uint64_t t0_ns, uint64_t now_ns)
{
	struct mem_sample x = { .t_ms = (now_ns - t0_ns) / 1000000 };
	uint64_t total = 0, fr = 0;
	ssize_t n;

	if (!ms->s)
		return;
	ms->next_ns = now_ns + (uint64_t)ms->step_ms * 1000000;
	if (memseries_guest(guest, ms->buf, MEMSERIES_BUF, &x.guest_rss_kb, &x.guest_swap_kb) < 0)
		ms->errors++;
	n = slurp("/proc/meminfo", ms->buf, MEMSERIES_BUF);
	if (n > 0) {
		memseries_field(ms->buf, (size_t)n, "MemAvailable", &x.host_avail_kb);
		if (!memseries_field(ms->buf, (size_t)n, "SwapTotal", &total) &&
		    !memseries_field(ms->buf, (size_t)n, "SwapFree", &fr) && total >= fr)
			x.host_swap_used_kb = total - fr;
	} else {
		ms->errors++;
	}
	n = slurp("/proc/vmstat", ms->buf, MEMSERIES_BUF);
	if (n > 0) {
		memseries_field(ms->buf, (size_t)n, "pswpout", &x.host_pswpout);
		memseries_field(ms->buf, (size_t)n, "pswpin", &x.host_pswpin);
		memseries_field(ms->buf, (size_t)n, "pgmajfault", &x.host_pgmajfault);
		memseries_field(ms->buf, (size_t)n, "thp_fault_alloc", &x.host_thp_fault_alloc);
	}
	/* KSM's merged pages: absent (0) where the kernel has no KSM */
	n = slurp("/sys/kernel/mm/ksm/pages_sharing", ms->buf, 64);
	if (n > 0)
		x.host_ksm_sharing = strtoull(ms->buf, NULL, 10);
	memseries_add(ms, &x);
}

void memseries_json(struct json *j, const char *key, const struct memseries *ms)
{
	if (!ms->period_ms || !ms->s) {
		json_str(j, key, NULL);
		return;
	}
	json_obj(j, key);
	json_u64(j, "period_ms", ms->period_ms);
	json_u64(j, "step_ms", ms->step_ms);
	json_u64(j, "halvings", ms->halvings);
	json_u64(j, "max_samples", MEMSERIES_MAX);
	json_u64(j, "read_errors", ms->errors);
	json_str(j, "clock", "ms since the first vCPU started (CLOCK_MONOTONIC)");
	json_arr(j, "columns");
	static const char *const cols[] = { "t_ms", "guest_rss_kb", "guest_swap_kb",
					    "host_mem_available_kb", "host_swap_used_kb",
					    "host_pswpin", "host_pswpout", "host_pgmajfault",
					    "host_thp_fault_alloc", "host_ksm_pages_sharing" };
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		json_str(j, NULL, cols[i]);
	json_end_arr(j);
	json_arr(j, "samples");
	for (unsigned int i = 0; i < ms->n; i++) {
		const struct mem_sample *x = &ms->s[i];
		char row[192];
		int n = snprintf(row, sizeof(row),
				 "[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
				 x->t_ms, x->guest_rss_kb, x->guest_swap_kb, x->host_avail_kb,
				 x->host_swap_used_kb, x->host_pswpin, x->host_pswpout,
				 x->host_pgmajfault, x->host_thp_fault_alloc, x->host_ksm_sharing);

		/* one line per sample keeps a long series readable and small */
		if (n > 0 && (size_t)n < sizeof(row))
			json_raw(j, NULL, row, (size_t)n);
	}
	json_end_arr(j);
	json_end_obj(j);
}
