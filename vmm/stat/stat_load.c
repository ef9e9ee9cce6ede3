// SPDX-License-Identifier: MIT
/*
 * nestlab stat: result documents (docs/results.md) into the model
 * (stat.h). A document is read whole with regfile's bound and parsed
 * with lib/jsonread; what is then taken from it is only what has the
 * expected type, so a document from an older or newer nestlab shows what
 * it has instead of being refused. A directory's documents are merged
 * into one set by the ids below, which are the same in every document of
 * a kind: that is what sums them, and what a diff matches.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "regfile.h"
#include "stat.h"

#define NAME_MAX_ 128   /* a reason, port or counter name; longer ones are cut */

/* ---- reading members ---- */

static int get(const struct jr_doc *d, int obj, const char *key)
{
	return obj < 0 ? -1 : jr_get(d, obj, key);
}

static int obj_of(const struct jr_doc *d, int obj, const char *key)
{
	int n = get(d, obj, key);

	return jr_type(d, n) == JR_OBJECT ? n : -1;
}

/* A number member, NAN when absent or of another type. */
static double num(const struct jr_doc *d, int obj, const char *key)
{
	int n = get(d, obj, key);

	return jr_type(d, n) == JR_NUMBER ? d->n[n].num : NAN;
}

static double num0(const struct jr_doc *d, int obj, const char *key)
{
	double v = num(d, obj, key);

	return isnan(v) ? 0 : v;
}

/* A string member into buf; false when absent or of another type. */
static bool str(const struct jr_doc *d, int obj, const char *key, char *buf, size_t n)
{
	int m = get(d, obj, key);

	buf[0] = '\0';
	return jr_type(d, m) == JR_STRING && jr_string(d, m, buf, n) >= 0;
}

/* A member's name, with its escapes read (as a string node of the same
 * text would be). */
static void key_of(const struct jr_doc *d, int node, char *buf, size_t n)
{
	struct jr_node k = { .type = JR_STRING, .off = d->n[node].key_off,
			     .len = d->n[node].key_len, .esc = d->n[node].key_esc,
			     .child = -1, .next = -1 };
	struct jr_doc one = { .text = d->text, .len = d->len, .n = &k, .nn = 1, .cap = 1 };

	if (jr_string(&one, 0, buf, n) < 0)
		buf[0] = '\0';
}

static int first(const struct jr_doc *d, int obj)
{
	int t = jr_type(d, obj);

	return t == JR_OBJECT || t == JR_ARRAY ? d->n[obj].child : -1;
}

/* ---- sizes and the run's description ---- */

static void size_str(double b, char *buf, size_t n)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	int u = -1;

	if (!(b >= 1 && b < 9.0e18) || b != floor(b)) {
		snprintf(buf, n, "?");
		return;
	}
	v = (unsigned long long)b;
	while (u < 3 && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%llu", v);
	else
		snprintf(buf, n, "%llu%c", v, units[u]);
}

/* The value of word KEY=VALUE in a command line. */
static bool word(const char *cmdline, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);

	for (const char *w = cmdline; (w = strstr(w, key)); w++)
		if ((w == cmdline || w[-1] == ' ') && w[kl] == '=') {
			snprintf(buf, n, "%.*s", (int)strcspn(w + kl + 1, " "), w + kl + 1);
			return true;
		}
	return false;
}

static void desc_run(const struct jr_doc *d, int run, char *buf, size_t n)
{
	int cfg = obj_of(d, run, "config"), res = obj_of(d, run, "result");
	char mem[24], paging[16], cmd[4096], wl[40], fp[24], kern[256], gp[16];
	double cpus = num(d, cfg, "cpus");
	const char *base;

	size_str(num(d, cfg, "mem_bytes"), mem, sizeof(mem));
	if (!str(d, obj_of(d, run, "host"), "paging", paging, sizeof(paging)))
		snprintf(paging, sizeof(paging), "?");
	str(d, cfg, "cmdline", cmd, sizeof(cmd));
	if (!str(d, res, "workload", wl, sizeof(wl)) && !word(cmd, "workload", wl, sizeof(wl))) {
		str(d, cfg, "kernel", kern, sizeof(kern));
		base = strrchr(kern, '/');
		snprintf(wl, sizeof(wl), "%.39s", base ? base + 1 : kern[0] ? kern : "?");
	}
	if (!isnan(num(d, res, "footprint")))
		size_str(num(d, res, "footprint"), fp, sizeof(fp));
	else if (!word(cmd, "footprint", fp, sizeof(fp)))
		fp[0] = '\0';
	str(d, cfg, "guest_paging", gp, sizeof(gp));
	snprintf(buf, n, "flat VM, L0 paging %s%s, %s, %.0f vCPU, %s%s%s%s%s", paging,
		 jr_type(d, get(d, cfg, "hide_tdp")) == JR_TRUE ? " (TDP hidden)" : "",
		 mem, isnan(cpus) ? 1 : cpus, wl, fp[0] ? " footprint " : "", fp,
		 gp[0] && fp[0] ? " " : "", fp[0] ? gp : "");
}

static void desc_nested(const struct jr_doc *d, int root, char *buf, size_t n)
{
	int req = obj_of(d, root, "request");
	char paging[16], l0[16], mem[24], swap[24], wl[40], m2[24], fp[24];
	size_t k;

	if (!str(d, req, "paging", paging, sizeof(paging)))
		snprintf(paging, sizeof(paging), "?");
	if (!str(d, obj_of(d, root, "paging"), "l0", l0, sizeof(l0)))
		snprintf(l0, sizeof(l0), "?");
	size_str(num(d, req, "l1_mem"), mem, sizeof(mem));
	size_str(num(d, req, "l1_swap"), swap, sizeof(swap));
	k = (size_t)snprintf(buf, n, "nested, L1->L2 %s paging (L0 %s), L1 %s %.0f vCPU%s%s, L2:",
			     paging, l0, mem, fmax(num0(d, req, "l1_cpus"), 1),
			     num0(d, req, "l1_swap") > 0 ? " swap " : "",
			     num0(d, req, "l1_swap") > 0 ? swap : "");
	for (int e = first(d, get(d, req, "l2")); e >= 0 && k < n; e = d->n[e].next) {
		if (!str(d, e, "workload", wl, sizeof(wl)))
			snprintf(wl, sizeof(wl), "?");
		size_str(num(d, e, "mem"), m2, sizeof(m2));
		size_str(num(d, e, "footprint"), fp, sizeof(fp));
		k += (size_t)snprintf(buf + k, n - k, " %.0fx %s %s footprint %s",
				      fmax(num0(d, e, "count"), 1), wl, m2, fp);
	}
}

/* ---- the set's summary lines ---- */

static int merge_str(char **into, const char *v)
{
	if (!*into)
		return (*into = st_strdup(v)) ? 0 : -ENOMEM;
	if (strcmp(*into, v)) {
		free(*into);
		return (*into = st_strdup("mixed")) ? 0 : -ENOMEM;
	}
	return 0;
}

static double add(double into, double v)
{
	return isnan(v) ? into : isnan(into) ? v : into + v;
}

static int sum_add(struct st_set *s, const char *id, const char *outcome, double wall,
		   double workload, const char *checksum)
{
	struct st_sum *m = st_sum_get(s, id);

	if (!m || merge_str(&m->outcome, outcome) < 0)
		return -ENOMEM;
	m->wall_ns = add(m->wall_ns, wall);
	m->workload_ns = add(m->workload_ns, workload > 0 ? workload : NAN);
	if (checksum && checksum[0]) {
		if (!m->checksum && !m->ndocs) {
			if (!(m->checksum = st_strdup(checksum)))
				return -ENOMEM;
		} else if (!m->checksum || strcmp(m->checksum, checksum)) {
			m->checksum_mixed = true;
		}
	} else if (m->checksum) {
		m->checksum_mixed = true;
	}
	m->ndocs++;
	return 0;
}

/* ---- tables ---- */

/* Exits by reason from {REASON: {count, total_ns, max_ns, untimed?}}. */
static int load_exits(struct st_sec *sec, const struct jr_doc *d, int obj, const char *id,
		      const char *title, bool traced, int trace)
{
	struct st_table *t = NULL;
	char name[NAME_MAX_], clock[32];

	for (int m = first(d, obj); m >= 0 && jr_type(d, obj) == JR_OBJECT; m = d->n[m].next) {
		double c = num(d, m, "count"), ns = num(d, m, "total_ns");
		struct st_row *r;

		if (isnan(c))
			continue;
		if (!t) {
			if (!(t = st_tab_get(sec, ST_EXITS, id, title)))
				return -ENOMEM;
			t->traced = traced;
			if (traced && !t->clock && str(d, trace, "clock", clock, sizeof(clock)) &&
			    !(t->clock = st_strdup(clock)))
				return -ENOMEM;
			t->lost += num0(d, trace, "lost_events");
		}
		t->timed |= !isnan(ns);
		key_of(d, m, name, sizeof(name));
		if (!(r = st_row_get(t, name)))
			return -ENOMEM;
		st_row_merge_exits(r, c, isnan(ns) ? 0 : ns, num0(d, m, "max_ns"),
				   num0(d, m, "untimed"));
	}
	return 0;
}

static int value_row(struct st_sec *sec, struct st_table **t, const char *id,
		     const char *title, const char *name, double v)
{
	struct st_row *r;

	if (isnan(v) || v == 0)
		return 0;
	if (!*t && !(*t = st_tab_get(sec, ST_VALUES, id, title)))
		return -ENOMEM;
	if (!(r = st_row_get(*t, name)))
		return -ENOMEM;
	st_row_merge_value(r, v);
	return 0;
}

/* The non-zero numbers of an object, as kvm_stat shows them. */
static int load_values(struct st_sec *sec, const struct jr_doc *d, int obj, const char *id,
		       const char *title)
{
	struct st_table *t = NULL;
	char name[NAME_MAX_];
	int r;

	for (int m = first(d, obj); m >= 0 && jr_type(d, obj) == JR_OBJECT; m = d->n[m].next) {
		if (jr_type(d, m) != JR_NUMBER)
			continue;
		key_of(d, m, name, sizeof(name));
		if ((r = value_row(sec, &t, id, title, name, d->n[m].num)) < 0)
			return r;
	}
	return 0;
}

/* Some named numbers of an object. */
static int load_picked(struct st_sec *sec, const struct jr_doc *d, int obj, const char *id,
		       const char *title, const char *const *names)
{
	struct st_table *t = NULL;
	int r;

	for (; *names; names++)
		if ((r = value_row(sec, &t, id, title, *names, num(d, obj, *names))) < 0)
			return r;
	return 0;
}

/* One thread group of a trace (kt_json_tgid, docs/exit-tracing.md). */
static int load_trace(struct st_sec *sec, const struct jr_doc *d, int tr, const char *pfx,
		      const char *who)
{
	int ev = obj_of(d, tr, "events"), vmenter = obj_of(d, ev, "kvm_nested_vmenter");
	struct st_table *t = NULL;
	char id[200], title[300];
	int r;

	snprintf(id, sizeof(id), "%skvm_exit", pfx);
	snprintf(title, sizeof(title), "kvm_exit by reason: %s", who);
	if ((r = load_exits(sec, d, obj_of(d, ev, "kvm_exit"), id, title, true, tr)) < 0)
		return r;
	snprintf(id, sizeof(id), "%skvm_nested_vmexit", pfx);
	snprintf(title, sizeof(title), "kvm_nested_vmexit (L2's exits) by reason: %s", who);
	if ((r = load_exits(sec, d, obj_of(d, ev, "kvm_nested_vmexit"), id, title, true, tr)) < 0)
		return r;
	snprintf(id, sizeof(id), "%skvm_nested_vmexit_inject", pfx);
	snprintf(title, sizeof(title), "kvm_nested_vmexit_inject (reflected to L1) by reason: %s", who);
	if ((r = load_exits(sec, d, obj_of(d, ev, "kvm_nested_vmexit_inject"), id, title, true, tr)) < 0)
		return r;
	snprintf(id, sizeof(id), "%sevents", pfx);
	snprintf(title, sizeof(title), "Other trace events (non-zero): %s", who);
	if ((r = value_row(sec, &t, id, title, "kvm_entry",
			   num(d, obj_of(d, ev, "kvm_entry"), "count"))) < 0 ||
	    (r = value_row(sec, &t, id, title, "kvm_nested_vmenter", num(d, vmenter, "count"))) < 0 ||
	    (r = value_row(sec, &t, id, title, "kvm_nested_vmenter npt_on", num(d, vmenter, "npt_on"))) < 0 ||
	    (r = value_row(sec, &t, id, title, "kvm_nested_vmenter npt_off", num(d, vmenter, "npt_off"))) < 0 ||
	    (r = value_row(sec, &t, id, title, "kvm_nested_vmenter npt_unknown",
			   num(d, vmenter, "npt_unknown"))) < 0 ||
	    (r = value_row(sec, &t, id, title, "kvm_nested_intr_vmexit",
			   num(d, obj_of(d, ev, "kvm_nested_intr_vmexit"), "count"))) < 0)
		return r;
	return 0;
}

static struct st_dist dist(const struct jr_doc *d, int obj, const char *key)
{
	int o = obj_of(d, obj, key);

	return (struct st_dist){ num(d, o, "mean"), num(d, o, "p50"), num(d, o, "p99"),
				 num(d, o, "max") };
}

/* A multiplication (docs/exit-multiplication.md): L0 exits per reflected
 * L2 exit. */
static int load_mult(struct st_sec *sec, const struct jr_doc *d, int m, const char *pfx,
		     const char *who)
{
	struct st_table *t;
	char name[NAME_MAX_], clock[32], id[160], title[300];
	int alone = obj_of(d, m, "handled_by_l0_alone");

	if (m < 0)
		return 0;
	snprintf(id, sizeof(id), "%smultiplication", pfx);
	snprintf(title, sizeof(title), "Exit multiplication: L0's exits while L1 handled each L2 exit%s%s",
		 who[0] ? ": " : "", who);
	if (!(t = st_tab_get(sec, ST_MULT, id, title)))
		return -ENOMEM;
	if (!t->clock && str(d, m, "clock", clock, sizeof(clock)) && !(t->clock = st_strdup(clock)))
		return -ENOMEM;
	for (int i = 0; i < ST_MH_N; i++)
		t->mh[i] += num0(d, m, st_mh_names[i]);
	t->lost = t->mh[ST_MH_LOST];
	for (int k = first(d, alone); k >= 0; k = d->n[k].next) {
		if (jr_type(d, k) != JR_NUMBER)
			continue;
		key_of(d, k, name, sizeof(name));
		if (st_kv_add(&t->alone, &t->nalone, name, d->n[k].num) < 0)
			return -ENOMEM;
	}
	for (int e = first(d, get(d, m, "by_reason")); e >= 0; e = d->n[e].next) {
		struct st_dist l0x = dist(d, e, "l0_exits"), l0ns = dist(d, e, "l0_ns"),
			       l1ns = dist(d, e, "l1_ns");
		int rs = obj_of(d, e, "l0_exit_reasons");
		struct st_row *r;

		if (jr_type(d, e) != JR_OBJECT || !str(d, e, "reason", name, sizeof(name)))
			continue;
		if (!(r = st_row_get(t, name)))
			return -ENOMEM;
		st_row_merge_mult(r, num0(d, e, "count"), &l0x, &l0ns, &l1ns);
		t->sampled |= str(d, e, "percentiles", clock, sizeof(clock)) &&
			      !strcmp(clock, "reservoir");
		for (int k = first(d, rs); k >= 0; k = d->n[k].next) {
			if (jr_type(d, k) != JR_NUMBER)
				continue;
			key_of(d, k, name, sizeof(name));
			if (st_kv_add(&r->l0r, &r->nl0r, name, d->n[k].num) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* .l0_trace: nestlab nested --trace-l0's (docs/exit-multiplication.md:
 * L1's process as kt_json_tgid in "exits", and "multiplication"), or a
 * whole trace (kt_json_all: every process, each maybe with its own
 * multiplication), or one process (kt_json_tgid) as it is. */
static int load_l0_trace(struct st_set *s, const struct jr_doc *d, int tr)
{
	struct st_sec *sec;
	char comm[64], pfx[100], who[160];
	int procs = get(d, tr, "processes"), r;

	if (tr < 0)
		return 0;
	if (!(sec = st_sec_get(s, "l0_trace", "L0's exit trace (.l0_trace)", 0)))
		return -ENOMEM;
	if (jr_type(d, procs) == JR_ARRAY) {
		for (int p = first(d, procs); p >= 0; p = d->n[p].next) {
			int same = 0;

			if (!str(d, p, "comm", comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "tgid %.0f", num0(d, p, "tgid"));
			/* tgids differ from run to run: processes are matched by
			 * name, and the n-th of a name by its rank */
			for (int q = first(d, procs); q != p; q = d->n[q].next) {
				char c2[64];

				if (!str(d, q, "comm", c2, sizeof(c2)))
					snprintf(c2, sizeof(c2), "tgid %.0f", num0(d, q, "tgid"));
				same += !strcmp(c2, comm);
			}
			if (same)
				snprintf(pfx, sizeof(pfx), "%s#%d/", comm, same + 1);
			else
				snprintf(pfx, sizeof(pfx), "%s/", comm);
			snprintf(who, sizeof(who), "L0's trace of %.*s", (int)strlen(pfx) - 1, pfx);
			if ((r = load_trace(sec, d, p, pfx, who)) < 0 ||
			    (r = load_mult(sec, d, obj_of(d, p, "multiplication"), pfx, who)) < 0)
				return r;
		}
	} else if (obj_of(d, tr, "exits") >= 0) {
		if ((r = load_trace(sec, d, obj_of(d, tr, "exits"), "", "L0's trace of L1")) < 0)
			return r;
	} else if ((r = load_trace(sec, d, tr, "", "L0's trace")) < 0) {
		return r;
	}
	/* kt_json_nest's object, for the L1 process */
	return load_mult(sec, d, obj_of(d, tr, "multiplication"), "", "");
}

/* A nestlab-run/1 document's VM: its exits and KVM statistics at level,
 * and what its guest measured at level + 1 (unless guest is NULL). */
static int load_vm(struct st_set *s, const struct jr_doc *d, int run, const char *id,
		   const char *title, int level, const char *guest)
{
	static const char *const result_keys[] = {
		"cycles", "page_faults", "fault_cycles", "setup_cycles", "pages_mapped", NULL
	};
	int ks = obj_of(d, run, "kvm_stats"), ex = obj_of(d, run, "exits");
	int gd = obj_of(d, run, "guest_document");
	struct st_sec *sec = st_sec_get(s, id, title, level);
	char tid[64], ttl[96], gid[80], gtitle[160], schema[32];
	int r;

	if (!sec)
		return -ENOMEM;
	if ((r = load_exits(sec, d, obj_of(d, ex, "by_reason"), "exits",
			    "Userspace exits by reason", false, -1)) < 0 ||
	    (r = load_exits(sec, d, obj_of(d, ex, "io_by_port"), "ports",
			    "Userspace I/O exits by port", false, -1)) < 0 ||
	    (r = load_values(sec, d, obj_of(d, ks, "vm"), "kvm.vm",
			     "KVM statistics, VM (non-zero)")) < 0)
		return r;
	for (int v = first(d, get(d, ks, "vcpus")); v >= 0; v = d->n[v].next) {
		double vid = num(d, v, "id");

		if (isnan(vid) || fabs(vid) > 1e6)
			continue;
		snprintf(tid, sizeof(tid), "kvm.vcpu%.0f", vid);
		snprintf(ttl, sizeof(ttl), "KVM statistics, vCPU %.0f (non-zero)", vid);
		if ((r = load_values(sec, d, obj_of(d, v, "stats"), tid, ttl)) < 0)
			return r;
	}
	if ((r = load_l0_trace(s, d, obj_of(d, run, "l0_trace"))) < 0 || !guest)
		return r;
	snprintf(gid, sizeof(gid), "%s.guest", id);
	snprintf(gtitle, sizeof(gtitle), "%s's guest: what it measured itself", guest);
	if (!(sec = st_sec_get(s, gid, gtitle, level + 1)))
		return -ENOMEM;
	if ((r = load_picked(sec, d, obj_of(d, run, "result"), "result",
			     "The workload's result (.result)", result_keys)) < 0)
		return r;
	if (str(d, gd, "schema", schema, sizeof(schema)) && !strcmp(schema, "nestlab-l2/1") &&
	    ((r = load_values(sec, d, obj_of(d, gd, "time"), "l2doc.time",
			      "The Linux L2's times (nestlab-l2/1 .time)")) < 0 ||
	     (r = load_values(sec, d, obj_of(d, gd, "vmstat_delta"), "l2doc.vmstat",
			      "The Linux L2's /proc/vmstat delta (non-zero)")) < 0))
		return r;
	return 0;
}

/* The VM's summary line from its run document. */
static int vm_sum(struct st_set *s, const struct jr_doc *d, int run, const char *id,
		  const char *fallback)
{
	int tm = obj_of(d, run, "time"), gd = obj_of(d, run, "guest_document");
	char outcome[32], ck[40];
	double wl = num(d, tm, "workload_ns");

	if (!str(d, run, "outcome", outcome, sizeof(outcome)))
		snprintf(outcome, sizeof(outcome), "%s", fallback);
	if (!str(d, obj_of(d, run, "result"), "checksum", ck, sizeof(ck)))
		str(d, gd, "checksum", ck, sizeof(ck));
	if (!(wl > 0))
		wl = num(d, obj_of(d, gd, "time"), "workload_ns");
	return sum_add(s, id, outcome, num(d, tm, "wall_ns"), wl, ck);
}

static int load_run_doc(struct st_set *s, const struct jr_doc *d, int run, int vm)
{
	double hl = num(d, obj_of(d, run, "host"), "level");
	int level = hl >= 0 && hl <= 1 ? (int)hl : 0;
	char id[32], sid[32], title[96];
	int r;

	if (vm < 0) {
		snprintf(id, sizeof(id), "VM");
		snprintf(sid, sizeof(sid), "run");
	} else {
		snprintf(id, sizeof(id), "VM[%d]", vm);
		snprintf(sid, sizeof(sid), "vms[%d]", vm);
	}
	snprintf(title, sizeof(title), "%s, as nestlab at L%d ran it", id, level);
	if ((r = vm_sum(s, d, run, id, "?")) < 0)
		return r;
	return load_vm(s, d, run, sid, title, level, id);
}

static int load_nested_doc(struct st_set *s, const struct jr_doc *d, int root)
{
	int l1 = obj_of(d, root, "l1"), l0v = obj_of(d, root, "l0_view"), pos = 0, r;
	struct st_sec *sec;
	char id[32], sid[32], title[96], gname[40];

	if (l0v >= 0 && ((r = vm_sum(s, d, l0v, "L1", "?")) < 0 ||
			 (r = load_vm(s, d, l0v, "l0_view", "L1, as L0 ran it (.l0_view)", 0, NULL)) < 0))
		return r;
	if ((r = load_l0_trace(s, d, obj_of(d, root, "l0_trace"))) < 0)
		return r;
	if (l1 >= 0) {
		if (!(sec = st_sec_get(s, "l1", "L1's own kernel (.l1)", 1)))
			return -ENOMEM;
		if ((r = load_values(sec, d, obj_of(d, l1, "vmstat_delta"), "vmstat",
				     "L1's /proc/vmstat delta while the L2s ran (non-zero)")) < 0)
			return r;
	}
	for (int e = first(d, get(d, l1, "l2")); e >= 0; e = d->n[e].next, pos++) {
		double ix = num(d, e, "index");
		int i = ix >= 0 && ix < 1e6 ? (int)ix : pos;
		int res = obj_of(d, e, "result");
		bool started = jr_type(d, get(d, e, "started")) != JR_FALSE;

		if (jr_type(d, e) != JR_OBJECT)
			continue;
		snprintf(id, sizeof(id), "L2[%d]", i);
		snprintf(sid, sizeof(sid), "l1.l2[%d]", i);
		snprintf(title, sizeof(title), "%s, as L1 ran it (.l1.l2[%d])", id, pos);
		snprintf(gname, sizeof(gname), "%s", id);
		/* the trace first: it has every exit, the userspace table a few */
		if (obj_of(d, e, "exit_trace") >= 0) {
			if (!(sec = st_sec_get(s, sid, title, 1)))
				return -ENOMEM;
			if ((r = load_trace(sec, d, obj_of(d, e, "exit_trace"), "trace.",
					    "L1's trace of this L2")) < 0)
				return r;
		}
		if (res < 0) {
			r = sum_add(s, id, started ? "no result" : "not started",
				    num(d, e, "wall_ns"), NAN, NULL);
			if (r < 0)
				return r;
		} else if ((r = vm_sum(s, d, res, id, "?")) < 0 ||
			   (r = load_vm(s, d, res, sid, title, 1, gname)) < 0) {
			return r;
		}
	}
	return 0;
}

/* ---- documents, files and directories ---- */

static int set_doc(struct st_set *s, const char *schema, const char *desc)
{
	if (merge_str(&s->schema, schema) < 0)
		return -ENOMEM;
	if (!s->desc)
		return (s->desc = st_strdup(desc)) ? 0 : -ENOMEM;
	s->desc_mixed |= strcmp(s->desc, desc) != 0;
	return 0;
}

/*
 * One file into s: 0, 1 when it is no result document (why in err: the
 * file itself is fine but not ours), or a negative errno.
 */
static int load_file(const char *path, size_t max, struct st_set *s, char *err, size_t errlen)
{
	struct jr_doc d;
	char *text, why[200], schema[64], desc[512];
	size_t len;
	int r, root = 0;

	if ((r = regfile_read(path, max, &text, &len, err, errlen)) < 0)
		return r;
	if ((r = jr_parse(text, len, &d, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: not JSON: %s", path, why);
		free(text);
		return r == -ENOMEM ? r : -EINVAL;
	}
	if (jr_type(&d, root) != JR_OBJECT || !str(&d, root, "schema", schema, sizeof(schema))) {
		snprintf(err, errlen, "%s: not a result document (no \"schema\")", path);
		r = 1;
	} else if (!strcmp(schema, "nestlab-run/1")) {
		desc_run(&d, root, desc, sizeof(desc));
		if (!(r = set_doc(s, schema, desc)))
			r = load_run_doc(s, &d, root, -1);
	} else if (!strcmp(schema, "nestlab-flat/1")) {
		int vms = get(&d, root, "vms"), i = 0, one = first(&d, vms);
		char all[600], vid[32];

		while (one >= 0 && jr_type(&d, one) != JR_OBJECT)
			one = d.n[one].next;
		desc_run(&d, one, desc, sizeof(desc));
		snprintf(all, sizeof(all), "%d VMs, each a %s",
			 jr_type(&d, vms) == JR_ARRAY ? d.n[vms].count : 0, desc);
		r = set_doc(s, schema, all);
		for (int v = first(&d, vms); v >= 0 && !r; v = d.n[v].next, i++) {
			snprintf(vid, sizeof(vid), "VM[%d]", i);
			if (jr_type(&d, v) == JR_OBJECT)
				r = load_run_doc(s, &d, v, i);
			else
				r = sum_add(s, vid, "no document", NAN, NAN, NULL);
		}
	} else if (!strcmp(schema, "nestlab-nested/1")) {
		desc_nested(&d, root, desc, sizeof(desc));
		if (!(r = set_doc(s, schema, desc)))
			r = load_nested_doc(s, &d, root);
	} else {
		snprintf(err, errlen, "%s: schema \"%.40s\" is not nestlab-run/1, nestlab-flat/1 or nestlab-nested/1",
			 path, schema);
		r = 1;
	}
	if (r < 0)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (!r)
		s->ndocs++;
	jr_free(&d);
	free(text);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The *.json names in dir, sorted (the order documents are summed in
 * only changes which title a table keeps, but a listing should not). */
static int json_names(DIR *dir, char ***out, int *n)
{
	struct dirent *e;
	char **names = NULL, **nn;
	int cap = 0;

	*n = 0;
	while ((e = readdir(dir))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		if (*n == cap) {
			if (cap > (1 << 24) || !(nn = realloc(names, (size_t)(cap ? 2 * cap : 16) * sizeof(*nn)))) {
				free_names(names, *n);
				return -ENOMEM;
			}
			names = nn;
			cap = cap ? 2 * cap : 16;
		}
		if (!(names[*n] = st_strdup(e->d_name))) {
			free_names(names, *n);
			return -ENOMEM;
		}
		(*n)++;
	}
	if (*n)
		qsort(names, (size_t)*n, sizeof(*names), by_name);
	*out = names;
	return 0;
}

static int load_dir(const char *path, DIR *dir, size_t max, struct st_set *s, char *err,
		    size_t errlen)
{
	char **names = NULL, *file, why[600], first_why[600] = "";
	int n, r = 0;

	if (json_names(dir, &names, &n) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		size_t fl = strlen(path) + strlen(names[i]) + 2;

		if (!(file = malloc(fl))) {
			r = -ENOMEM;
			break;
		}
		snprintf(file, fl, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		r = load_file(file, max, s, why, sizeof(why));
		free(file);
		if (r == -ENOMEM)
			break;
		if (r) {
			if (!first_why[0])
				snprintf(first_why, sizeof(first_why), "%s", why);
			r = st_note(s, "skipped %s", why);
		}
	}
	free_names(names, n);
	if (r == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", path);
		return r;
	}
	if (!s->ndocs) {
		if (n)
			snprintf(err, errlen, "%s: no result documents among its %d .json files (%s)",
				 path, n, first_why);
		else
			snprintf(err, errlen, "%s: a directory without .json files", path);
		return -ENODATA;
	}
	return 0;
}

int st_load(const char *path, size_t max, struct st_set *s, char *err, size_t errlen)
{
	DIR *dir;
	int r;

	memset(s, 0, sizeof(*s));
	if (!(s->path = st_strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* O_DIRECTORY inside: a FIFO is not opened here, so it cannot block */
	if ((dir = opendir(path))) {
		s->dir = true;
		r = load_dir(path, dir, max, s, err, errlen);
		closedir(dir);
	} else {
		r = load_file(path, max, s, err, errlen);
		if (r == 1)
			r = -EINVAL;
	}
	if (r < 0)
		st_set_free(s);
	return r;
}
