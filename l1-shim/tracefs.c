// SPDX-License-Identifier: MIT
/*
 * tracefs.c: live exit tracing (tracefs.h): tracefs set up and put back,
 * and the reader thread that feeds every trace_pipe line to the parser
 * (lib/ktrace_parse.c). Used by l1-shim (L1's KVM) and by the testbed's
 * /init (L0's KVM).
 *
 * One reader thread consumes trace_pipe (non-blocking reads, sleep between
 * them) and feeds the parser under its lock.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ktrace_state.h"
#include "tracefs.h"

#define KT_READ_BUF (256u << 10)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_TSC 1
static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
#else
#define HAVE_TSC 0
static uint64_t rdtsc(void) { return 0; }
#endif

/* A TSC reading and the monotonic time at the same moment (the middle of
 * the closest of a few tries). */
static void tsc_mono(uint64_t *tsc, uint64_t *mono)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t a = mono_ns(), c = rdtsc(), b = mono_ns();

		if (b - a < best) {
			best = b - a;
			*tsc = c;
			*mono = a + (b - a) / 2;
		}
	}
}

/* ticks per second from two (tsc, mono) pairs; 0 when implausible */
static uint64_t tsc_rate(uint64_t t0, uint64_t m0, uint64_t t1, uint64_t m1)
{
	unsigned __int128 hz;

	if (m1 <= m0 || t1 <= t0)
		return 0;
	hz = (unsigned __int128)(t1 - t0) * 1000000000u / (m1 - m0);
	return hz < 1000000 || hz > 100000000000ull ? 0 : (uint64_t)hz;
}

/* The thread group of pid, for lines without the tgid column (record-tgid
 * off or not offered): from /proc while the process is still there. */
static int tgid_of(int pid)
{
	char path[64], buf[512];
	int fd, tgid = pid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pid;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		const char *p;

		buf[n] = 0;
		p = strstr(buf, "\nTgid:");
		if (p)
			tgid = atoi(p + 6);
	}
	return tgid > 0 ? tgid : pid;
}

static int tf_path(const struct ktrace *t, const char *rel, char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, "%s/%s", t->dir, rel) >= n)
		return -ENAMETOOLONG;
	return 0;
}

static int tf_write(const struct ktrace *t, const char *rel, const char *s)
{
	char path[256];
	int fd, r = 0;
	size_t n = strlen(s);

	if ((r = tf_path(t, rel, path, sizeof(path))))
		return r;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (n && write(fd, s, n) != (ssize_t)n)
		r = errno ? -errno : -EIO;
	close(fd);
	return r;
}

static int tf_read(const struct ktrace *t, const char *rel, char *buf, size_t n)
{
	char path[256];
	int fd, r;
	ssize_t k;

	buf[0] = 0;
	if ((r = tf_path(t, rel, path, sizeof(path))))
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	k = read(fd, buf, n - 1);
	r = k < 0 ? -errno : 0;
	close(fd);
	buf[k > 0 ? k : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return r;
}

static bool tf_exists(const struct ktrace *t, const char *rel)
{
	char path[256];

	return !tf_path(t, rel, path, sizeof(path)) && access(path, F_OK) == 0;
}

/* Sum of "overrun:" and "dropped events:" over per_cpu/cpuN/stats. The
 * directory is listed once, at the first call (kt_start): the stop may
 * come after nestlab's seccomp filter, which has no getdents64, so later
 * calls open cpu0..cpu_max by name. */
static uint64_t lost_counters(struct ktrace *t)
{
	char path[256], rel[96], buf[1024];
	uint64_t sum = 0;

	if (t->cpu_max < 0) {
		struct dirent *e;
		DIR *d;

		if (tf_path(t, "per_cpu", path, sizeof(path)) || !(d = opendir(path)))
			return 0;
		while ((e = readdir(d))) {
			int cpu;

			if (strncmp(e->d_name, "cpu", 3) || !isdigit((unsigned char)e->d_name[3]))
				continue;
			cpu = atoi(e->d_name + 3);
			if (cpu > t->cpu_max)
				t->cpu_max = cpu;
		}
		closedir(d);
	}
	for (int cpu = 0; cpu <= t->cpu_max; cpu++) {
		char *s;
		int fd;
		ssize_t n;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", cpu);
		if (tf_path(t, rel, path, sizeof(path)))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;          /* an offline CPU */
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* "overrun: N" at the start of a line, not "commit overrun:" */
		for (s = buf; s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
			if (!strncmp(s, "overrun:", 8))
				sum += strtoull(s + 8, NULL, 10);
			else if (!strncmp(s, "dropped events:", 15))
				sum += strtoull(s + 15, NULL, 10);
		}
	}
	return sum;
}

static int find_tracefs(struct ktrace *t, char *err, size_t errlen)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < 2; i++) {
			snprintf(t->dir, sizeof(t->dir), "%s", dirs[i]);
			if (tf_exists(t, "trace_pipe"))
				return 0;
		}
		if (pass)
			break;
		/* not mounted: mount tracefs (or debugfs, which automounts it) */
		if (stat("/sys/kernel/tracing", &st) == 0)
			mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
		snprintf(t->dir, sizeof(t->dir), "/sys/kernel/tracing");
		if (tf_exists(t, "trace_pipe"))
			return 0;
		if (stat("/sys/kernel/debug", &st) == 0)
			mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	}
	t->dir[0] = 0;
	kt_seterr(err, errlen, "no tracefs: /sys/kernel/tracing cannot be mounted "
	       "(kernel without CONFIG_FTRACE, or not root) and there is no "
	       "/sys/kernel/debug/tracing");
	return -ENOENT;
}

/* The selected clock in "local [global] counter x86-tsc". */
static void current_clock(const char *list, char *out, size_t n)
{
	const char *a = strchr(list, '['), *b = a ? strchr(a, ']') : NULL;

	out[0] = 0;
	if (a && b && (size_t)(b - a - 1) < n) {
		memcpy(out, a + 1, (size_t)(b - a - 1));
		out[b - a - 1] = 0;
	}
}

static bool clock_offered(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *q = list; (q = strstr(q, name)); q += n)
		if ((q == list || q[-1] == ' ' || q[-1] == '[') &&
		    (q[n] == 0 || q[n] == ' ' || q[n] == ']' || q[n] == '\n'))
			return true;
	return false;
}

static void lines_of(struct ktrace *t, char *buf, size_t *have, bool last)
{
	char *s = buf, *nl, *end = buf + *have;

	pthread_mutex_lock(&t->lock);
	while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
		*nl = 0;
		kt_feed_locked(t, s);
		s = nl + 1;
	}
	if (last && s < end) {
		*end = 0;
		kt_feed_locked(t, s);
		s = end;
	}
	pthread_mutex_unlock(&t->lock);
	*have = (size_t)(end - s);
	if (*have && s != buf)
		memmove(buf, s, *have);
	if (*have == KT_READ_BUF) {   /* one line longer than the buffer */
		t->unparsed++;
		*have = 0;
	}
}

static void *reader(void *arg)
{
	struct ktrace *t = arg;
	char *buf = malloc(KT_READ_BUF + 1);
	size_t have = 0;

	if (!buf) {
		t->err = -ENOMEM;
		snprintf(t->errmsg, sizeof(t->errmsg), "reader: out of memory");
		return NULL;
	}
	for (;;) {
		ssize_t n = read(t->pipe_fd, buf + have, KT_READ_BUF - have);

		if (n > 0) {
			have += (size_t)n;
			lines_of(t, buf, &have, false);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			t->err = -errno;
			snprintf(t->errmsg, sizeof(t->errmsg), "reading trace_pipe: %s",
				 strerror(errno));
			break;
		}
		/* empty (EAGAIN, or 0 on some kernels). Sleep rather than poll:
		 * trace_pipe's poll wakes the reader at every event, and on a
		 * one-vCPU L1 every wake-up preempts the vCPU thread it traces,
		 * which then exits again: the traced VM all but stops. 50 ms of
		 * events fits the per-CPU buffer many times over. */
		if (atomic_load(&t->stopping))
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000L }, NULL);
	}
	lines_of(t, buf, &have, true);
	free(buf);
	return NULL;
}

/* The first error of kt_start's setup: remembered, message in err. */
static int fail(struct ktrace *t, int r, char *err, size_t errlen, const char *what)
{
	kt_seterr(err, errlen, "tracefs %s/%s: %s", t->dir, what, strerror(-r));
	return r;
}

static void restore(struct ktrace *t)
{
	char rel[96], v[24];

	tf_write(t, "tracing_on", "0");
	for (unsigned int i = 0; i < t->nnames; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", t->names[i]);
		if (t->old_enable[i][0] == '0' || t->old_enable[i][0] == '1')
			tf_write(t, rel, t->old_enable[i]);
	}
	if (t->old_clock[0])
		tf_write(t, "trace_clock", t->old_clock);
	if (t->old_tgid[0])
		tf_write(t, "options/record-tgid", t->old_tgid);
	if (t->old_kb > 0) {
		snprintf(v, sizeof(v), "%ld", t->old_kb);
		tf_write(t, "buffer_size_kb", v);
	}
	if (t->old_on[0])
		tf_write(t, "tracing_on", t->old_on);
}

int kt_start(struct ktrace **tp, char *err, size_t errlen)
{
	return kt_start_events(tp, false, err, errlen);
}

int kt_start_events(struct ktrace **tp, bool userspace, char *err, size_t errlen)
{
	struct ktrace *t;
	char buf[512], rel[96], path[256];
	uint64_t c0, m0, c1, m1;
	int r;

	if (!tp)
		return -EINVAL;
	*tp = NULL;
	if (err && errlen)
		err[0] = 0;
	t = kt_alloc();
	if (!t) {
		kt_seterr(err, errlen, "ktrace: out of memory");
		return -ENOMEM;
	}
	t->live = true;
	t->stop = kt_stop;
	t->tgid_of = tgid_of;
	if ((r = find_tracefs(t, err, errlen)))
		goto out_free;
	if (!tf_exists(t, "events/kvm")) {
		kt_seterr(err, errlen, "no KVM trace events in %s/events/kvm (is the kvm module loaded?)",
		       t->dir);
		r = -ENOENT;
		goto out_free;
	}
	/* the events this kernel has */
	for (size_t i = 0; i < KT_N_EV_NAMES; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", kt_ev_names[i].name);
		if (!tf_exists(t, rel) || (t->traced & (1u << kt_ev_names[i].ev)))
			continue;
		t->traced |= 1u << kt_ev_names[i].ev;
		snprintf(t->names[t->nnames++], sizeof(t->names[0]), "%s", kt_ev_names[i].name);
	}
	/* the VMM's own exits to userspace: read for the timeline only */
	if (userspace && tf_exists(t, "events/kvm/kvm_userspace_exit/enable"))
		snprintf(t->names[t->nnames++], sizeof(t->names[0]), "kvm_userspace_exit");
	if (!(t->traced & (1u << KT_EXIT)) || !(t->traced & (1u << KT_ENTRY))) {
		kt_seterr(err, errlen, "%s/events/kvm has no kvm_exit or no kvm_entry", t->dir);
		r = -ENOTSUP;
		goto out_free;
	}

	/* what to put back at kt_stop */
	if ((r = tf_read(t, "tracing_on", t->old_on, sizeof(t->old_on)))) {
		fail(t, r, err, errlen, "tracing_on");
		goto out_free;
	}
	tf_read(t, "trace_clock", buf, sizeof(buf));
	current_clock(buf, t->old_clock, sizeof(t->old_clock));
	tf_read(t, "options/record-tgid", t->old_tgid, sizeof(t->old_tgid));
	{
		char kb[64], *x;

		if (!tf_read(t, "buffer_size_kb", kb, sizeof(kb))) {
			x = strstr(kb, "expanded:");
			t->old_kb = strtol(x ? x + 9 : kb, NULL, 10);
		}
	}
	for (unsigned int i = 0; i < t->nnames; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", t->names[i]);
		tf_read(t, rel, t->old_enable[i], sizeof(t->old_enable[i]));
	}

	/* set up, with recording off */
	if ((r = tf_write(t, "tracing_on", "0"))) {
		fail(t, r, err, errlen, "tracing_on");
		goto out_restore;
	}
	t->record_tgid = tf_write(t, "options/record-tgid", "1") == 0;
	{
		static const char *const sizes[] = { "4096", "1024", "256" };
		char kb[64];

		for (size_t i = 0; i < 3; i++)
			if (!tf_write(t, "buffer_size_kb", sizes[i]))
				break;
		if (!tf_read(t, "buffer_size_kb", kb, sizeof(kb)))
			t->buffer_kb = strtol(kb, NULL, 10);
	}
	tf_read(t, "trace_clock", buf, sizeof(buf));
	snprintf(t->clock, sizeof(t->clock), "%s", t->old_clock[0] ? t->old_clock : "local");
	if (HAVE_TSC && clock_offered(buf, "x86-tsc")) {
		struct timespec d = { 0, 100 * 1000 * 1000 };

		tsc_mono(&c0, &m0);
		while (nanosleep(&d, &d) && errno == EINTR)
			;
		tsc_mono(&c1, &m1);
		t->tsc_hz_cal = tsc_rate(c0, m0, c1, m1);
		if (t->tsc_hz_cal && !tf_write(t, "trace_clock", "x86-tsc")) {
			snprintf(t->clock, sizeof(t->clock), "x86-tsc");
			t->tsc_hz = t->tsc_hz_cal;
		}
	}
	if (strcmp(t->clock, "x86-tsc")) {
		if (clock_offered(buf, "mono") && !tf_write(t, "trace_clock", "mono"))
			snprintf(t->clock, sizeof(t->clock), "mono");
		t->tsc_hz = 0;
	}
	if ((r = tf_write(t, "trace", ""))) {   /* clear the buffer */
		fail(t, r, err, errlen, "trace");
		goto out_restore;
	}
	t->lost_stats0 = lost_counters(t);

	if ((r = tf_path(t, "trace_pipe", path, sizeof(path))))
		goto out_restore;
	t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->pipe_fd < 0) {
		r = fail(t, -errno, err, errlen, "trace_pipe");
		goto out_restore;
	}
	for (unsigned int i = 0; i < t->nnames; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", t->names[i]);
		if ((r = tf_write(t, rel, "1"))) {
			fail(t, r, err, errlen, rel);
			goto out_restore;
		}
	}
	if ((r = -pthread_create(&t->reader, NULL, reader, t))) {
		kt_seterr(err, errlen, "ktrace: cannot start the reader thread: %s", strerror(-r));
		goto out_restore;
	}
	t->reader_on = true;
	tsc_mono(&t->tsc0, &t->mono0);
	if ((r = tf_write(t, "tracing_on", "1"))) {
		fail(t, r, err, errlen, "tracing_on");
		kt_free(t);
		return r;
	}
	*tp = t;
	return 0;

out_restore:
	restore(t);
out_free:
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return r;
}

int kt_stop(struct ktrace *t)
{
	char rel[96];

	if (!t)
		return -EINVAL;
	if (t->stopped)
		return t->err;
	t->stopped = true;
	for (unsigned int i = 0; i < t->nnames; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", t->names[i]);
		tf_write(t, rel, "0");
	}
	tf_write(t, "tracing_on", "0");
	tsc_mono(&t->tsc1, &t->mono1);
	atomic_store(&t->stopping, true);
	if (t->reader_on) {
		pthread_join(t->reader, NULL);
		t->reader_on = false;
	}
	if (t->pipe_fd >= 0) {
		close(t->pipe_fd);
		t->pipe_fd = -1;
	}
	pthread_mutex_lock(&t->lock);
	{
		uint64_t l = lost_counters(t);

		t->lost_stats = l > t->lost_stats0 ? l - t->lost_stats0 : 0;
	}
	/* the TSC rate over the whole run, when it is long enough to beat
	 * the 100 ms calibration */
	if (t->tsc_hz && t->mono1 - t->mono0 > 1000000000ull) {
		uint64_t hz = tsc_rate(t->tsc0, t->mono0, t->tsc1, t->mono1);

		if (hz)
			t->tsc_hz = hz;
	}
	pthread_mutex_unlock(&t->lock);
	restore(t);
	return t->err;
}
