// SPDX-License-Identifier: MIT
/*
 * ktrace_parse.c: trace_pipe lines into KVM exit tables (ktrace.h,
 * docs/exit-tracing.md). Pure: no tracefs and no other I/O, so it runs on
 * the host in unit tests and on saved traces as well as behind
 * l1-shim/tracefs.c's reader thread.
 *
 * Per thread group, per event, per reason it keeps count, and for
 * kvm_exit the time to the next kvm_entry of the same thread.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrace_state.h"

/* Sized by the initializer: a count that differs from KT_N_EV_NAMES
 * conflicts with the declaration in ktrace_state.h and does not compile. */
const struct kt_ev_name kt_ev_names[] = {
	{ "kvm_exit", KT_EXIT },
	{ "kvm_entry", KT_ENTRY },
	{ "kvm_nested_vmexit", KT_NESTED_VMEXIT },
	{ "kvm_nested_vmexit_inject", KT_NESTED_VMEXIT_INJECT },
	{ "kvm_nested_vmenter", KT_NESTED_VMENTER },
	{ "kvm_nested_vmrun", KT_NESTED_VMENTER },   /* older kernels (5.x) */
	{ "kvm_nested_intr_vmexit", KT_NESTED_INTR_VMEXIT },
};

static const char *const canon[KT_NEVENTS] = {
	"kvm_exit", "kvm_entry", "kvm_nested_vmexit", "kvm_nested_vmexit_inject",
	"kvm_nested_vmenter", "kvm_nested_intr_vmexit",
};

const char *kt_event_name(enum kt_event e)
{
	return (unsigned int)e < KT_NEVENTS ? canon[e] : "?";
}

void kt_seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

uint64_t kt_to_ns(const struct ktrace *t, uint64_t v)
{
	if (t->ts_kind == TS_TICKS && t->tsc_hz)
		return (uint64_t)((unsigned __int128)v * 1000000000u / t->tsc_hz);
	return v;
}

/* ---- the parser ---- */

int kt_grow(void **p, unsigned int *cap, unsigned int need, size_t size)
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

int kt_find_proc(const struct ktrace *t, int tgid)
{
	for (unsigned int i = 0; i < t->nprocs; i++)
		if (t->procs[i].tgid == tgid)
			return (int)i;
	return -1;
}

static int get_proc(struct ktrace *t, int tgid, const char *comm, size_t clen,
		    bool leader)
{
	int i = kt_find_proc(t, tgid);
	struct kt_proc *p;

	if (i < 0) {
		if (kt_grow((void **)&t->procs, &t->capprocs, t->nprocs + 1,
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
		if (kt_grow((void **)&t->thr, &t->capthr, t->nthr + 1, sizeof(*t->thr)))
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
	if (kt_grow((void **)&e->r, &e->cap, e->n + 1, sizeof(*e->r)))
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

static void drop_pending(struct ktrace *t)
{
	for (unsigned int i = 0; i < t->nthr; i++)
		t->thr[i].pending = false;
	kt_nest_drop(t);
}

static int bad(struct ktrace *t)
{
	t->unparsed++;
	return -EINVAL;
}

int kt_feed_locked(struct ktrace *t, const char *line)
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
	for (size_t i = 0; i < KT_N_EV_NAMES; i++)
		if (strlen(kt_ev_names[i].name) == nlen && !memcmp(name, kt_ev_names[i].name, nlen)) {
			ev = (int)kt_ev_names[i].ev;
			break;
		}
	for (r++; r < end && *r == ' '; r++)
		;
	if (ev < 0) {
		/* for the timeline only: the tables never counted it */
		if (t->tl && nlen == 18 && !memcmp(name, "kvm_userspace_exit", 18)) {
			char m[KT_REASON_MAX + 16];

			snprintf(m, sizeof(m), "%.*s", (int)(end - r), r);
			kt_tl_userspace(t, pid, tgid, ts, m);
		}
		return 0;
	}
	{
		/* the message, NUL-terminated at end */
		char m[512];
		size_t ml = (size_t)(end - r);
		char reason[KT_REASON_MAX];
		int ri = -1, nr;

		if (ml >= sizeof(m))
			ml = sizeof(m) - 1;
		memcpy(m, r, ml);
		m[ml] = 0;
		msg = m;

		if (tgid < 0)
			tgid = t->tgid_of ? t->tgid_of(pid) : pid;
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
		nr = kt_nest_feed(t, th, (enum kt_event)ev, ts, ri);
		if (nr < 0)
			return nr;
	}
	return 1;
}

int kt_feed_line(struct ktrace *t, const char *line)
{
	int r;

	if (!t || !line)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	r = kt_feed_locked(t, line);
	pthread_mutex_unlock(&t->lock);
	return r;
}

struct ktrace *kt_alloc(void)
{
	struct ktrace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->pipe_fd = -1;
	t->buffer_kb = -1;
	t->old_kb = -1;
	t->cpu_max = -1;
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
		kt_seterr(err, errlen, "ktrace: no trace clock named");
		return -EINVAL;
	}
	if (!strcmp(clock, "x86-tsc") && !tsc_hz) {
		kt_seterr(err, errlen, "ktrace: x86-tsc needs the TSC rate");
		return -EINVAL;
	}
	t = kt_alloc();
	if (!t) {
		kt_seterr(err, errlen, "ktrace: out of memory");
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

void kt_free(struct ktrace *t)
{
	if (!t)
		return;
	if (t->live && !t->stopped && t->stop)
		t->stop(t);
	kt_nest_free(t);
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
	i = kt_find_proc(t, tgid);
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
			s->total_ns += kt_to_ns(t, x->total);
			if (kt_to_ns(t, x->max) > s->max_ns)
				s->max_ns = kt_to_ns(t, x->max);
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
