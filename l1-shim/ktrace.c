// SPDX-License-Identifier: MIT
/*
 * ktrace: KVM exit tables from tracefs (ktrace.h, docs/exit-tracing.md).
 *
 * One reader thread consumes trace_pipe (non-blocking reads, sleep between
 * them) and feeds every line to the parser, which keeps, per thread group,
 * per event, per reason: count, and for kvm_exit the time to the next
 * kvm_entry of the same thread. Times are kept in the trace clock's own
 * units (TSC ticks, or ns for the clocks printed as seconds) and turned
 * into ns only when written out, with the TSC rate measured over the run.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "ktrace.h"

#define KT_REASON_MAX 40
#define KT_COMM_MAX 24
#define KT_BUF_KB 4096          /* per CPU */
#define KT_READ_BUF (256u << 10)

enum ts_kind { TS_UNKNOWN, TS_NS, TS_TICKS };

struct kt_reason {
	char name[KT_REASON_MAX];
	uint64_t count, untimed, total, max;   /* total, max: clock units */
};

struct kt_ev {
	uint64_t count;
	unsigned int n, cap;
	struct kt_reason *r;
};

struct kt_proc {
	int tgid;
	char comm[KT_COMM_MAX];
	bool comm_leader;         /* comm came from the thread with tid == tgid */
	unsigned int threads;
	struct kt_ev ev[KT_NEVENTS];
};

struct kt_thread {
	int tid;
	unsigned int proc;        /* index into procs */
	bool pending;             /* a kvm_exit waits for its kvm_entry */
	unsigned int reason;      /* its index in proc's KT_EXIT reasons */
	uint64_t ts;
};

/* Names under events/kvm/, in order of preference per event. */
static const struct {
	const char *name;
	enum kt_event ev;
} ev_names[] = {
	{ "kvm_exit", KT_EXIT },
	{ "kvm_entry", KT_ENTRY },
	{ "kvm_nested_vmexit", KT_NESTED_VMEXIT },
	{ "kvm_nested_vmexit_inject", KT_NESTED_VMEXIT_INJECT },
	{ "kvm_nested_vmenter", KT_NESTED_VMENTER },
	{ "kvm_nested_vmrun", KT_NESTED_VMENTER },   /* older kernels (5.x) */
	{ "kvm_nested_intr_vmexit", KT_NESTED_INTR_VMEXIT },
};
#define N_EV_NAMES (sizeof(ev_names) / sizeof(ev_names[0]))

static const char *const canon[KT_NEVENTS] = {
	"kvm_exit", "kvm_entry", "kvm_nested_vmexit", "kvm_nested_vmexit_inject",
	"kvm_nested_vmenter", "kvm_nested_intr_vmexit",
};

struct ktrace {
	pthread_mutex_t lock;

	/* what is traced and how */
	char dir[64];             /* tracefs; "" for a parser-only ktrace */
	char clock[16];
	uint64_t tsc_hz, tsc_hz_cal;
	unsigned int traced;      /* bit per enum kt_event */
	char names[N_EV_NAMES][32];   /* tracefs names enabled, "" ends */
	unsigned int nnames;
	long buffer_kb;           /* -1 unknown */
	bool record_tgid, live;

	/* the parser's state */
	enum ts_kind ts_kind;
	unsigned int frac_digits; /* of second-based timestamps */
	struct kt_proc *procs;
	unsigned int nprocs, capprocs;
	struct kt_thread *thr;
	unsigned int nthr, capthr, last_thr;
	uint64_t lines, unparsed, lost_annot, lost_stats, lost_stats0;
	bool lost_unknown;

	/* the reader */
	pthread_t reader;
	bool reader_on, stopped;
	atomic_bool stopping;
	int pipe_fd;
	int err;                  /* first error met after kt_start */
	char errmsg[160];

	/* tracefs settings to put back */
	char old_on[8], old_clock[16], old_tgid[8];
	long old_kb;
	char old_enable[N_EV_NAMES][4];

	/* run clocks: monotonic ns and TSC at start and stop */
	uint64_t mono0, mono1, tsc0, tsc1;
};

const char *kt_event_name(enum kt_event e)
{
	return (unsigned int)e < KT_NEVENTS ? canon[e] : "?";
}

static void seterr(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

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

static uint64_t to_ns(const struct ktrace *t, uint64_t v)
{
	if (t->ts_kind == TS_TICKS && t->tsc_hz)
		return (uint64_t)((unsigned __int128)v * 1000000000u / t->tsc_hz);
	return v;
}

/* ---- the parser ---- */

static int grow(void **p, unsigned int *cap, unsigned int need, size_t size)
{
	unsigned int c = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, (size_t)c * size);
	if (!q)
		return -ENOMEM;
	memset((char *)q + (size_t)*cap * size, 0, (size_t)(c - *cap) * size);
	*p = q;
	*cap = c;
	return 0;
}

static int find_proc(const struct ktrace *t, int tgid)
{
	for (unsigned int i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid)
			return (int)i;
	return -1;
}

static int get_proc(struct ktrace *t, int tgid, const char *comm, size_t clen,
		    bool leader)
{
	int i = find_proc(t, tgid);
	struct kt_proc *p;

	if (i < 0) {
		if (grow((void **)&t->procs, &t->capprocs, t->nprocs + 1,
			 sizeof(*t->procs)))
			return -ENOMEM;
		i = (int)t->nprocs++;
		t->procs[i].tgid = tgid;
	}
	p = &t->procs[i];
	/* the leader's comm wins; "<...>" (unknown to the kernel) never does */
	if (clen && !(clen == 5 && !memcmp(comm, "<...>", 5)) &&
	    (!p->comm[0] || !strcmp(p->comm, "<...>") || (leader && !p->comm_leader))) {
		if (clen >= KT_COMM_MAX)
			clen = KT_COMM_MAX - 1;
		memcpy(p->comm, comm, clen);
		p->comm[clen] = 0;
		p->comm_leader = leader;
	} else if (!p->comm[0] && clen) {
		snprintf(p->comm, sizeof(p->comm), "<...>");
	}
	return i;
}

static struct kt_thread *get_thread(struct ktrace *t, int tid, unsigned int proc)
{
	struct kt_thread *th = NULL;

	if (t->last_thr < t->nthr && t->thr[t->last_thr].tid == tid) {
		th = &t->thr[t->last_thr];
	} else {
		for (unsigned int i = 0; i < t->nthr; i++)
			if (t->thr[i].tid == tid) {
				th = &t->thr[i];
				t->last_thr = i;
				break;
			}
	}
	if (!th) {
		if (grow((void **)&t->thr, &t->capthr, t->nthr + 1, sizeof(*t->thr)))
			return NULL;
		t->last_thr = t->nthr;
		th = &t->thr[t->nthr++];
		th->tid = tid;
		th->proc = proc;
		th->pending = false;
		t->procs[proc].threads++;
	} else if (th->proc != proc) {   /* the tid was reused by another process */
		th->proc = proc;
		th->pending = false;
		t->procs[proc].threads++;
	}
	return th;
}

static int get_reason(struct kt_ev *e, const char *name)
{
	for (unsigned int i = 0; i < e->n; i++)
		if (!strcmp(e->r[i].name, name))
			return (int)i;
	if (grow((void **)&e->r, &e->cap, e->n + 1, sizeof(*e->r)))
		return -ENOMEM;
	snprintf(e->r[e->n].name, KT_REASON_MAX, "%s", name);
	return (int)e->n++;
}

/* s points into a line: is the word w at s, with a word boundary before? */
static const char *find_word(const char *msg, const char *w)
{
	size_t n = strlen(w);

	for (const char *q = msg; (q = strstr(q, w)); q += n)
		if (q == msg || q[-1] == ' ' || q[-1] == ',')
			return q;
	return NULL;
}

/* The exit reason of kvm_exit / kvm_nested_vmexit(_inject): the text after
 * "reason" or "reason:" up to the next field ("rip", "info1", "ext_inf1",
 * "info"), e.g. "npf", "IO_INSTRUCTION", "PF excp", "INVALID_STATE
 * FAILED_VMENTRY", or a number on kernels that print one. */
static void parse_reason(const char *msg, char *out, size_t n)
{
	static const char *const next[] = { " rip", " info", " ext_inf1" };
	const char *q = msg, *e;
	size_t len;

	for (;;) {
		q = find_word(q, "reason");
		if (!q || q[6] == ' ' || q[6] == ':' || q[6] == '=')
			break;
		q += 6;
	}
	if (!q) {
		snprintf(out, n, "unknown");
		return;
	}
	q += 6;
	while (*q == ':' || *q == '=' || *q == ' ')
		q++;
	e = q + strlen(q);
	for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++) {
		const char *f = strstr(q, next[i]);
		size_t l = strlen(next[i]);

		/* a field name: followed by a space, ':' or '1'/'2' (info1) */
		while (f && f < e && f[l] != ' ' && f[l] != ':' &&
		       f[l] != '1' && f[l] != '2')
			f = strstr(f + l, next[i]);
		if (f && f < e)
			e = f;
	}
	while (e > q && (e[-1] == ' ' || e[-1] == ','))
		e--;
	len = (size_t)(e - q);
	if (!len) {
		snprintf(out, n, "unknown");
		return;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, q, len);
	out[len] = 0;
}

/* kvm_nested_vmenter's nested paging: 6.1 "nested_npt: on" (mainline) or
 * "nested_npt=y" (with guest_pgd), VMX "nested_ept", kvm_nested_vmrun
 * in older kernels "npt: on". "on", "off" or "unknown". */
static const char *parse_tdp(const char *msg)
{
	static const char *const labels[] = {
		"nested_npt", "nested_ept", "npt", "ept", "tdp_enabled", "tdp",
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		size_t n = strlen(labels[i]);
		const char *q = msg;
		char v[8];
		size_t k = 0;

		while ((q = find_word(q, labels[i]))) {
			const char *r = q + n;

			while (*r == ' ')
				r++;
			if (*r != ':' && *r != '=') {
				q += n;
				continue;
			}
			r++;
			while (*r == ' ')
				r++;
			while (k < sizeof(v) - 1 && r[k] && r[k] != ' ' && r[k] != ',') {
				v[k] = (char)tolower((unsigned char)r[k]);
				k++;
			}
			v[k] = 0;
			if (!strcmp(v, "on") || !strcmp(v, "y") || !strcmp(v, "1") ||
			    !strcmp(v, "true") || !strcmp(v, "yes"))
				return "on";
			if (!strcmp(v, "off") || !strcmp(v, "n") || !strcmp(v, "0") ||
			    !strcmp(v, "false") || !strcmp(v, "no"))
				return "off";
			return "unknown";
		}
	}
	return "unknown";
}

static int tgid_of(const struct ktrace *t, int pid)
{
	char path[64], buf[512];
	int fd, tgid = pid;
	ssize_t n;

	if (!t->live)
		return pid;
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

static void drop_pending(struct ktrace *t)
{
	for (unsigned int i = 0; i < t->nthr; i++)
		t->thr[i].pending = false;
}

static int bad(struct ktrace *t)
{
	t->unparsed++;
	return -EINVAL;
}

static int feed(struct ktrace *t, const char *line)
{
	const char *p = line, *end = line + strlen(line), *cpu = NULL, *q, *r;
	const char *comm, *msg, *name;
	size_t clen, nlen;
	int tgid = -1, pid, ev = -1, pi;
	uint64_t ts = 0;
	unsigned int nd = 0;
	bool dot = false;
	struct kt_thread *th;
	struct kt_proc *pr;

	t->lines++;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p == '#')
		return 0;

	/* "CPU:1 [LOST 123 EVENTS]" (or "[LOST EVENTS]": how many unknown) */
	if (!strncmp(p, "CPU:", 4) && (q = strstr(p, "[LOST")) && q < end) {
		q += 5;
		while (*q == ' ')
			q++;
		if (isdigit((unsigned char)*q))
			t->lost_annot += strtoull(q, NULL, 10);
		else
			t->lost_unknown = true;
		/* the kvm_entry lines that ended the pending exits may be lost */
		drop_pending(t);
		return 0;
	}

	/* the CPU field " [001] " */
	for (q = p + 1; q < end; q++) {
		if (*q != '[' || q[-1] != ' ' || !isdigit((unsigned char)q[1]))
			continue;
		for (r = q + 1; r < end && isdigit((unsigned char)*r); r++)
			;
		if (r < end && *r == ']' && (r + 1 == end || r[1] == ' ')) {
			cpu = q;
			break;
		}
	}
	if (!cpu)
		return bad(t);

	/* backwards from it: "(  tgid) " (record-tgid), then "comm-pid" */
	q = cpu;
	while (q > p && q[-1] == ' ')
		q--;
	if (q > p && q[-1] == ')') {
		const char *open = q - 1;

		while (open > p && *open != '(')
			open--;
		if (*open != '(')
			return bad(t);
		for (r = open + 1; *r == ' '; r++)
			;
		if (isdigit((unsigned char)*r))
			tgid = atoi(r);
		else if (*r != '-')
			return bad(t);
		q = open;
		while (q > p && q[-1] == ' ')
			q--;
	}
	r = q;
	while (q > p && isdigit((unsigned char)q[-1]))
		q--;
	if (q == r || q - 1 <= p || q[-1] != '-')
		return bad(t);
	pid = atoi(q);
	comm = p;
	clen = (size_t)(q - 1 - p);

	/* forwards: latency flags ("d..2."; never start with a digit), then
	 * the timestamp: "1234.567890:" or "123456789012:" (counter clocks) */
	r = strchr(cpu, ']') + 1;
	while (r < end && *r == ' ')
		r++;
	if (r < end && !isdigit((unsigned char)*r)) {
		while (r < end && *r != ' ')
			r++;
		while (r < end && *r == ' ')
			r++;
	}
	if (r >= end || !isdigit((unsigned char)*r))
		return bad(t);
	for (; r < end && isdigit((unsigned char)*r); r++)
		ts = ts * 10 + (uint64_t)(*r - '0');
	if (r < end && *r == '.') {
		uint64_t frac = 0;

		dot = true;
		for (r++; r < end && isdigit((unsigned char)*r); r++, nd++)
			if (nd < 9)
				frac = frac * 10 + (uint64_t)(*r - '0');
		for (unsigned int k = nd; k < 9; k++)
			frac *= 10;
		ts = ts * 1000000000u + frac;
	}
	if (r >= end || *r != ':')
		return bad(t);
	if (t->ts_kind == TS_UNKNOWN)
		t->ts_kind = dot ? TS_NS : TS_TICKS;
	else if (t->ts_kind != (dot ? TS_NS : TS_TICKS))
		return bad(t);
	if (dot && nd > t->frac_digits)
		t->frac_digits = nd;

	/* the event's name and its message */
	for (r++; r < end && *r == ' '; r++)
		;
	name = r;
	while (r < end && *r != ':' && *r != ' ')
		r++;
	if (r >= end || *r != ':')
		return bad(t);
	nlen = (size_t)(r - name);
	for (size_t i = 0; i < N_EV_NAMES; i++)
		if (strlen(ev_names[i].name) == nlen && !memcmp(name, ev_names[i].name, nlen)) {
			ev = (int)ev_names[i].ev;
			break;
		}
	if (ev < 0)
		return 0;
	for (r++; r < end && *r == ' '; r++)
		;
	{
		/* the message, NUL-terminated at end */
		char m[512];
		size_t ml = (size_t)(end - r);
		char reason[KT_REASON_MAX];
		int ri;

		if (ml >= sizeof(m))
			ml = sizeof(m) - 1;
		memcpy(m, r, ml);
		m[ml] = 0;
		msg = m;

		if (tgid < 0)
			tgid = tgid_of(t, pid);
		pi = get_proc(t, tgid, comm, clen, pid == tgid);
		if (pi < 0)
			return pi;
		th = get_thread(t, pid, (unsigned int)pi);
		if (!th)
			return -ENOMEM;
		pr = &t->procs[pi];

		switch (ev) {
		case KT_EXIT:
		case KT_NESTED_VMEXIT:
		case KT_NESTED_VMEXIT_INJECT:
		case KT_NESTED_VMENTER:
			if (ev == KT_NESTED_VMENTER)
				snprintf(reason, sizeof(reason), "%s", parse_tdp(msg));
			else
				parse_reason(msg, reason, sizeof(reason));
			ri = get_reason(&pr->ev[ev], reason);
			if (ri < 0)
				return ri;
			pr->ev[ev].count++;
			pr->ev[ev].r[ri].count++;
			if (ev == KT_EXIT) {
				/* untimed until its kvm_entry comes */
				pr->ev[ev].r[ri].untimed++;
				th->pending = true;
				th->reason = (unsigned int)ri;
				th->ts = ts;
			}
			break;
		case KT_ENTRY:
			pr->ev[ev].count++;
			if (th->pending && ts >= th->ts) {
				struct kt_reason *x = &pr->ev[KT_EXIT].r[th->reason];
				uint64_t d = ts - th->ts;

				x->untimed--;
				x->total += d;
				if (d > x->max)
					x->max = d;
			}
			th->pending = false;
			break;
		default:
			pr->ev[ev].count++;
			break;
		}
	}
	return 1;
}

int kt_feed_line(struct ktrace *t, const char *line)
{
	int r;

	if (!t || !line)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	r = feed(t, line);
	pthread_mutex_unlock(&t->lock);
	return r;
}

static struct ktrace *alloc_kt(void)
{
	struct ktrace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->pipe_fd = -1;
	t->buffer_kb = -1;
	t->old_kb = -1;
	atomic_init(&t->stopping, false);
	return t;
}

int kt_new(struct ktrace **tp, const char *clock, uint64_t tsc_hz,
	   char *err, size_t errlen)
{
	struct ktrace *t;

	if (!tp)
		return -EINVAL;
	*tp = NULL;
	if (!clock || !*clock || strlen(clock) >= sizeof(t->clock)) {
		seterr(err, errlen, "ktrace: no trace clock named");
		return -EINVAL;
	}
	if (!strcmp(clock, "x86-tsc") && !tsc_hz) {
		seterr(err, errlen, "ktrace: x86-tsc needs the TSC rate");
		return -EINVAL;
	}
	t = alloc_kt();
	if (!t) {
		seterr(err, errlen, "ktrace: out of memory");
		return -ENOMEM;
	}
	snprintf(t->clock, sizeof(t->clock), "%s", clock);
	t->tsc_hz = t->tsc_hz_cal = tsc_hz;
	t->traced = (1u << KT_NEVENTS) - 1;
	t->record_tgid = true;
	t->stopped = true;
	*tp = t;
	return 0;
}

/* ---- tracefs ---- */

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

/* Sum of "overrun:" and "dropped events:" over per_cpu/cpu*\/stats. */
static uint64_t lost_counters(const struct ktrace *t)
{
	char path[256], rel[96], buf[1024];
	uint64_t sum = 0;
	struct dirent *e;
	DIR *d;

	if (tf_path(t, "per_cpu", path, sizeof(path)) || !(d = opendir(path)))
		return 0;
	while ((e = readdir(d))) {
		char *s;
		int fd;
		ssize_t n;

		if (strncmp(e->d_name, "cpu", 3))
			continue;
		snprintf(rel, sizeof(rel), "per_cpu/%.32s/stats", e->d_name);
		if (tf_path(t, rel, path, sizeof(path)))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
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
	closedir(d);
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
	seterr(err, errlen, "no tracefs: /sys/kernel/tracing cannot be mounted "
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
		feed(t, s);
		s = nl + 1;
	}
	if (last && s < end) {
		*end = 0;
		feed(t, s);
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
	seterr(err, errlen, "tracefs %s/%s: %s", t->dir, what, strerror(-r));
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
	struct ktrace *t;
	char buf[512], rel[96], path[256];
	uint64_t c0, m0, c1, m1;
	int r;

	if (!tp)
		return -EINVAL;
	*tp = NULL;
	if (err && errlen)
		err[0] = 0;
	t = alloc_kt();
	if (!t) {
		seterr(err, errlen, "ktrace: out of memory");
		return -ENOMEM;
	}
	t->live = true;
	if ((r = find_tracefs(t, err, errlen)))
		goto out_free;
	if (!tf_exists(t, "events/kvm")) {
		seterr(err, errlen, "no KVM trace events in %s/events/kvm (is the kvm module loaded?)",
		       t->dir);
		r = -ENOENT;
		goto out_free;
	}
	/* the events this kernel has */
	for (size_t i = 0; i < N_EV_NAMES; i++) {
		snprintf(rel, sizeof(rel), "events/kvm/%s/enable", ev_names[i].name);
		if (!tf_exists(t, rel) || (t->traced & (1u << ev_names[i].ev)))
			continue;
		t->traced |= 1u << ev_names[i].ev;
		snprintf(t->names[t->nnames++], sizeof(t->names[0]), "%s", ev_names[i].name);
	}
	if (!(t->traced & (1u << KT_EXIT)) || !(t->traced & (1u << KT_ENTRY))) {
		seterr(err, errlen, "%s/events/kvm has no kvm_exit or no kvm_entry", t->dir);
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
		seterr(err, errlen, "ktrace: cannot start the reader thread: %s", strerror(-r));
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

void kt_free(struct ktrace *t)
{
	if (!t)
		return;
	if (t->live && !t->stopped)
		kt_stop(t);
	for (unsigned int i = 0; i < t->nprocs; i++)
		for (int e = 0; e < KT_NEVENTS; e++)
			free(t->procs[i].ev[e].r);
	free(t->procs);
	free(t->thr);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- results ---- */

int kt_get(const struct ktrace *ct, int tgid, enum kt_event e, const char *reason,
	   struct kt_stat *s)
{
	struct ktrace *t = (struct ktrace *)ct;
	int r = -ENOENT, i;

	if (!t || !s || (unsigned int)e >= KT_NEVENTS)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&t->lock);
	i = find_proc(t, tgid);
	if (i >= 0) {
		const struct kt_ev *ev = &t->procs[i].ev[e];

		if (!reason) {
			s->count = ev->count;
			r = ev->count ? 0 : -ENOENT;
		}
		for (unsigned int k = 0; k < ev->n; k++) {
			const struct kt_reason *x = &ev->r[k];

			if (reason && strcmp(reason, x->name))
				continue;
			if (reason)
				s->count = x->count;
			s->untimed += x->untimed;
			s->total_ns += to_ns(t, x->total);
			if (to_ns(t, x->max) > s->max_ns)
				s->max_ns = to_ns(t, x->max);
			r = 0;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

uint64_t kt_lost(const struct ktrace *t)
{
	if (!t)
		return 0;
	return t->lost_stats > t->lost_annot ? t->lost_stats : t->lost_annot;
}

static uint64_t proc_exits(const struct kt_proc *p)
{
	return p->ev[KT_EXIT].count;
}

static void json_reasons(const struct ktrace *t, struct json *j, const struct kt_ev *ev,
			 bool timed)
{
	unsigned int *ix = malloc((ev->n ? ev->n : 1) * sizeof(*ix));

	if (!ix)
		return;
	/* descending count, then name: a few dozen at most, insertion sort */
	for (unsigned int i = 0; i < ev->n; i++) {
		unsigned int k = i;

		while (k > 0) {
			const struct kt_reason *a = &ev->r[ix[k - 1]], *b = &ev->r[i];

			if (a->count > b->count ||
			    (a->count == b->count && strcmp(a->name, b->name) < 0))
				break;
			ix[k] = ix[k - 1];
			k--;
		}
		ix[k] = i;
	}
	for (unsigned int i = 0; i < ev->n; i++) {
		const struct kt_reason *x = &ev->r[ix[i]];

		json_obj(j, x->name);
		json_u64(j, "count", x->count);
		if (timed) {
			json_u64(j, "untimed", x->untimed);
			json_u64(j, "total_ns", to_ns(t, x->total));
			json_u64(j, "max_ns", to_ns(t, x->max));
		}
		json_end_obj(j);
	}
	free(ix);
}

static void json_proc(const struct ktrace *t, struct json *j, const char *key,
		      int tgid, const struct kt_proc *p)
{
	static const struct kt_ev none;
	uint64_t untimed = 0, total = 0;
	const struct kt_ev *ex = p ? &p->ev[KT_EXIT] : &none;

	for (unsigned int i = 0; i < ex->n; i++) {
		untimed += ex->r[i].untimed;
		total += ex->r[i].total;
	}
	json_obj(j, key);
	json_i64(j, "tgid", tgid);
	json_str(j, "comm", p && p->comm[0] ? p->comm : NULL);
	json_u64(j, "threads", p ? p->threads : 0);
	json_str(j, "clock", t->clock);
	json_u64(j, "lost_events", kt_lost(t));
	json_u64(j, "exits", ex->count);
	json_u64(j, "exits_untimed", untimed);
	json_u64(j, "exit_ns", to_ns(t, total));
	json_obj(j, "events");
	for (int e = 0; e < KT_NEVENTS; e++) {
		const struct kt_ev *ev = p ? &p->ev[e] : &none;

		if (!(t->traced & (1u << e)))
			continue;
		json_obj(j, canon[e]);
		switch (e) {
		case KT_EXIT:
		case KT_NESTED_VMEXIT:
		case KT_NESTED_VMEXIT_INJECT:
			json_reasons(t, j, ev, e == KT_EXIT);
			break;
		case KT_NESTED_VMENTER: {
			uint64_t on = 0, off = 0;

			for (unsigned int i = 0; i < ev->n; i++) {
				if (!strcmp(ev->r[i].name, "on"))
					on = ev->r[i].count;
				else if (!strcmp(ev->r[i].name, "off"))
					off = ev->r[i].count;
			}
			json_u64(j, "count", ev->count);
			json_u64(j, "npt_on", on);
			json_u64(j, "npt_off", off);
			json_u64(j, "npt_unknown", ev->count - on - off);
			break;
		}
		default:
			json_u64(j, "count", ev->count);
			break;
		}
		json_end_obj(j);
	}
	json_end_obj(j);
	json_end_obj(j);
}

void kt_json_tgid(const struct ktrace *ct, struct json *j, const char *key, int tgid)
{
	struct ktrace *t = (struct ktrace *)ct;
	int i;

	if (!t || !j)
		return;
	pthread_mutex_lock(&t->lock);
	i = find_proc(t, tgid);
	json_proc(t, j, key, tgid, i >= 0 ? &t->procs[i] : NULL);
	pthread_mutex_unlock(&t->lock);
}

void kt_json_all(const struct ktrace *ct, struct json *j, const char *key)
{
	struct ktrace *t = (struct ktrace *)ct;
	unsigned int *ix;

	if (!t || !j)
		return;
	pthread_mutex_lock(&t->lock);
	json_obj(j, key);
	json_str(j, "tracefs", t->dir[0] ? t->dir : NULL);
	json_str(j, "clock", t->clock);
	if (t->tsc_hz)
		json_u64(j, "tsc_hz", t->tsc_hz);
	else
		json_str(j, "tsc_hz", NULL);
	if (t->tsc_hz_cal)
		json_u64(j, "tsc_hz_calibrated", t->tsc_hz_cal);
	else
		json_str(j, "tsc_hz_calibrated", NULL);
	/* what one unit of the printed timestamps is worth */
	if (t->ts_kind == TS_TICKS && t->tsc_hz)
		json_dbl(j, "resolution_ns", 1e9 / (double)t->tsc_hz);
	else if (t->ts_kind == TS_NS) {
		double res = 1e9;

		for (unsigned int k = 0; k < t->frac_digits && k < 9; k++)
			res /= 10;
		json_dbl(j, "resolution_ns", res);
	} else {
		json_str(j, "resolution_ns", NULL);
	}
	if (t->buffer_kb > 0)
		json_i64(j, "buffer_size_kb", t->buffer_kb);
	else
		json_str(j, "buffer_size_kb", NULL);
	json_bool(j, "record_tgid", t->record_tgid);
	json_arr(j, "events_traced");
	if (t->live) {
		for (unsigned int i = 0; i < t->nnames; i++)
			json_str(j, NULL, t->names[i]);
	} else {
		for (int e = 0; e < KT_NEVENTS; e++)
			json_str(j, NULL, canon[e]);
	}
	json_end_arr(j);
	if (t->live && t->mono1 > t->mono0)
		json_u64(j, "wall_ns", t->mono1 - t->mono0);
	else
		json_str(j, "wall_ns", NULL);
	json_u64(j, "lost_events", kt_lost(t));
	json_bool(j, "lost_events_uncounted", t->lost_unknown);
	json_u64(j, "lines", t->lines);
	json_u64(j, "unparsed_lines", t->unparsed);
	json_str(j, "error", t->err ? t->errmsg : NULL);
	json_arr(j, "processes");
	ix = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*ix));
	if (ix) {
		for (unsigned int i = 0; i < t->nprocs; i++) {
			unsigned int k = i;

			while (k > 0) {
				const struct kt_proc *a = &t->procs[ix[k - 1]], *b = &t->procs[i];

				if (proc_exits(a) > proc_exits(b) ||
				    (proc_exits(a) == proc_exits(b) && a->tgid < b->tgid))
					break;
				ix[k] = ix[k - 1];
				k--;
			}
			ix[k] = i;
		}
		for (unsigned int i = 0; i < t->nprocs; i++)
			json_proc(t, j, NULL, t->procs[ix[i]].tgid, &t->procs[ix[i]]);
		free(ix);
	}
	json_end_arr(j);
	json_end_obj(j);
	pthread_mutex_unlock(&t->lock);
}
