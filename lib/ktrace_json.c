// SPDX-License-Identifier: MIT
/*
 * ktrace_json.c: the exit tables as JSON (ktrace.h, kt_json_tgid and
 * kt_json_all; the schema is docs/exit-tracing.md's), through lib/json.c's
 * writer.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ktrace_state.h"

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
			json_u64(j, "total_ns", kt_to_ns(t, x->total));
			json_u64(j, "max_ns", kt_to_ns(t, x->max));
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
	json_u64(j, "exit_ns", kt_to_ns(t, total));
	json_obj(j, "events");
	for (int e = 0; e < KT_NEVENTS; e++) {
		const struct kt_ev *ev = p ? &p->ev[e] : &none;

		if (!(t->traced & (1u << e)))
			continue;
		json_obj(j, kt_event_name((enum kt_event)e));
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
	i = kt_find_proc(t, tgid);
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
			json_str(j, NULL, kt_event_name((enum kt_event)e));
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
