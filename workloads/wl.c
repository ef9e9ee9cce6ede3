// SPDX-License-Identifier: MIT
/* Workload registry, command-line parsing and dispatch (freestanding). */
/* guest-kernel calls this file's parsers in ring 0, where the machines we
 * test on emulate instructions and SSE is not among them. */
#pragma GCC target("general-regs-only")

#include "wl_lib.h"

struct wl_entry {
	const char *name;
	int (*run)(const struct wl_params *, struct wl_env *, struct wl_result *);
	uint64_t min_footprint;
};

static const struct wl_entry table[] = {
	{ "mcf", wl_mcf, 1u << 20 },
	{ "bzip2", wl_bzip2, 1u << 20 },
	{ "gobmk", wl_gobmk, 1u << 20 },
	{ "hmmer", wl_hmmer, 1u << 20 },
	{ "ptrchase", wl_ptrchase, 64u << 10 },
	{ "touch", wl_touch, 64u << 10 },
};
#define NWL (sizeof(table) / sizeof(table[0]))

const char *const wl_names[] = { "mcf", "bzip2", "gobmk", "hmmer", "ptrchase",
				 "touch", NULL };

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool eqn(const char *a, size_t an, const char *b)
{
	size_t bn = slen(b);

	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* A tiny string builder: no snprintf in a freestanding build. */
struct sb {
	char *buf;
	size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && b->len + 1 < b->cap; i++)
		b->buf[b->len++] = s[i];
	if (b->cap)
		b->buf[b->len] = 0;
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, slen(s));
}

static void sb_u64(struct sb *b, uint64_t v)
{
	char t[24];
	int i = 0;

	do {
		t[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		sb_put(b, &t[--i], 1);
}

void wl_log(struct wl_env *env, const char *a, uint64_t v, const char *b)
{
	char buf[160];
	struct sb s = { buf, 0, sizeof(buf) };

	if (!env || !env->log)
		return;
	sb_str(&s, a);
	sb_u64(&s, v);
	sb_str(&s, b);
	env->log(env, buf);
}

static const struct wl_entry *find(const char *name, size_t n)
{
	for (size_t i = 0; i < NWL; i++)
		if (eqn(name, n, table[i].name))
			return &table[i];
	return NULL;
}

uint64_t wl_min_footprint(const char *name)
{
	const struct wl_entry *e = find(name, slen(name));

	return e ? e->min_footprint : 0;
}

static int fail(char *err, size_t errlen, const char *a, const char *tok,
		size_t toklen, const char *b)
{
	struct sb s = { err, 0, errlen };

	sb_str(&s, a);
	sb_put(&s, tok, toklen);
	sb_str(&s, b);
	return -1;
}

int wl_parse(const char *cmdline, struct wl_params *p,
	     const char *const *ignore, char *err, size_t errlen)
{
	bool have_name = false, have_fp = false, have_iters = false, have_seed = false;
	const char *s = cmdline;

	wl_memset(p, 0, sizeof(*p));
	p->iters = 1;
	p->seed = 1;
	while (*s) {
		const char *tok, *eq, *val;
		size_t klen, vlen;
		bool skip = false;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		for (eq = tok; eq < s && *eq != '='; eq++)
			;
		klen = (size_t)(eq - tok);
		if (eq == s)
			return fail(err, errlen, "expected key=value, got '", tok,
				    (size_t)(s - tok), "'");
		val = eq + 1;
		vlen = (size_t)(s - val);
		for (const char *const *ig = ignore; ig && *ig; ig++)
			skip |= eqn(tok, klen, *ig);
		if (skip)
			continue;
		if (eqn(tok, klen, "workload")) {
			const struct wl_entry *e = find(val, vlen);

			if (have_name)
				return fail(err, errlen, "duplicate key '", tok, klen, "'");
			if (!e || vlen >= WL_NAME_MAX)
				return fail(err, errlen, "unknown workload '", val, vlen,
					    "' (mcf, bzip2, gobmk, hmmer, ptrchase, touch)");
			wl_memcpy(p->name, val, vlen);
			have_name = true;
		} else if (eqn(tok, klen, "footprint")) {
			if (have_fp)
				return fail(err, errlen, "duplicate key '", tok, klen, "'");
			if (wl_parse_size(val, vlen, &p->footprint) || !p->footprint)
				return fail(err, errlen, "bad footprint '", val, vlen,
					    "' (a size such as 64M)");
			have_fp = true;
		} else if (eqn(tok, klen, "iters")) {
			if (have_iters)
				return fail(err, errlen, "duplicate key '", tok, klen, "'");
			if (wl_parse_u64(val, vlen, &p->iters) || !p->iters ||
			    p->iters > 1000000000ull)
				return fail(err, errlen, "bad iters '", val, vlen,
					    "' (1..1000000000)");
			have_iters = true;
		} else if (eqn(tok, klen, "seed")) {
			if (have_seed)
				return fail(err, errlen, "duplicate key '", tok, klen, "'");
			if (wl_parse_u64(val, vlen, &p->seed))
				return fail(err, errlen, "bad seed '", val, vlen, "'");
			have_seed = true;
		} else {
			return fail(err, errlen, "unknown key '", tok, klen,
				    "' in command line");
		}
	}
	if (!have_name)
		return fail(err, errlen, "no workload= in command line", "", 0, "");
	if (!have_fp)
		return fail(err, errlen, "no footprint= in command line", "", 0, "");
	if (p->footprint < wl_min_footprint(p->name))
		return fail(err, errlen, "footprint too small for ", p->name,
			    slen(p->name), "");
	return 0;
}

int wl_run(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	const struct wl_entry *e = find(p->name, slen(p->name));

	wl_memset(r, 0, sizeof(*r));
	if (!e)
		return -1;
	if (p->footprint < e->min_footprint || env->arena_size < p->footprint) {
		wl_log(env, "footprint below the minimum or larger than the arena (", p->footprint, ")");
		return -1;
	}
	return e->run(p, env, r);
}
