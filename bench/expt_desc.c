// SPDX-License-Identifier: MIT
/*
 * Experiment descriptions (docs/experiments.md): sizes, scales and the
 * *.expt text -> struct expt_desc; expt_plan.c expands one into runs.
 * Sizes are kept exact (struct expt_size), so that scaling them never
 * depends on floating-point rounding.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"
#include "regfile.h"

typedef unsigned __int128 u128;

const struct expt_workload expt_workloads[EXPT_NWORKLOADS] = {
	{ "mcf", 1ull << 20 },     { "bzip2", 1ull << 20 },
	{ "gobmk", 1ull << 20 },   { "hmmer", 1ull << 20 },
	{ "ptrchase", 64ull << 10 }, { "touch", 64ull << 10 },
};

const char *const expt_config_names[EXPT_NCONFIGS] = { "flat", "shadow", "nested", "sos" };
const char *const expt_config_labels[EXPT_NCONFIGS] = {
	"flat (hypervisor VMs on L0)",
	"nested, L1 shadow paging (the paper's mode)",
	"nested, L1 nested EPT/NPT",
	"nested, shadow on a shadow-paging L0",
};

const char *const expt_key_names[EXPT_NKEYS] = {
	"name", "title", "figure", "shapes", "modes", "workloads", "vms", "vm_mem",
	"host_mem", "l1_mem", "l1_cpus", "reps", "footprint", "iters", "scale", "guest",
	"resident", "l1_ksm", "l1_zswap",
};

const char *const expt_guest_names[EXPT_NGUESTS] = { "kernel", "linux" };
const char *const expt_guest_labels[EXPT_NGUESTS] = {
	"guest-kernel (touches exactly the workload's footprint)",
	"Linux (Debian's kernel running the program SPEC took the benchmark from)",
};

int expt_guest_find(const char *name)
{
	for (int i = 0; i < EXPT_NGUESTS; i++)
		if (!strcmp(name, expt_guest_names[i]))
			return i;
	return -1;
}

bool expt_workload_linux(int wl)
{
	/* guest-linux's programs (docs/guest-linux.md; mcf is nestlab's own
	 * static solver there); ptrchase and touch are guest-kernel's
	 * micro-benchmarks */
	return wl >= 0 && wl < EXPT_NWORKLOADS &&
	       (!strcmp(expt_workloads[wl].name, "bzip2") || !strcmp(expt_workloads[wl].name, "gobmk") ||
		!strcmp(expt_workloads[wl].name, "hmmer") || !strcmp(expt_workloads[wl].name, "mcf"));
}

int expt_workload_find(const char *name)
{
	for (int i = 0; i < EXPT_NWORKLOADS; i++)
		if (!strcmp(name, expt_workloads[i].name))
			return i;
	return -1;
}

int expt_config_find(const char *name)
{
	for (int i = 0; i < EXPT_NCONFIGS; i++)
		if (!strcmp(name, expt_config_names[i]))
			return i;
	return -1;
}

static u128 pow10u(unsigned n)
{
	u128 r = 1;

	while (n--)
		r *= 10;
	return r;
}

/* ---- sizes and scale ---- */

int expt_parse_size(const char *s, struct expt_size *out)
{
	uint64_t mant = 0;
	unsigned dec = 0, shift = 0, digits = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (mant > 100000000000000ull) /* 1e14: room for 6 decimals in u128 math */
			return -ERANGE;
		mant = mant * 10 + (uint64_t)(*p - '0');
	}
	if (!digits)
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (++dec > 6 || mant > 100000000000000ull)
				return -ERANGE;
			mant = mant * 10 + (uint64_t)(*p - '0');
		}
	}
	switch (toupper((unsigned char)*p)) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (shift) {
		p++;
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	} else if (dec) {
		return -EINVAL; /* fractional bytes */
	}
	if (*p)
		return -EINVAL;
	if (!mant)
		return -EDOM;
	/* 16777216T is 2^64 bytes: wrapped, that planned VMs of 0 bytes */
	if ((((u128)mant << shift) + pow10u(dec) / 2) / pow10u(dec) > EXPT_MAX_BYTES)
		return -ERANGE;
	out->mant = mant;
	out->dec = dec;
	out->shift = shift;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

const char *expt_size_why(int r, const char *otherwise, char *buf, size_t n)
{
	if (r != -ERANGE)
		return otherwise;
	snprintf(buf, n, "above %lluG, the most memory nestlab gives a VM", (unsigned long long)EXPT_MAX_GIB);
	return buf;
}

uint64_t expt_size_bytes(const struct expt_size *s)
{
	u128 d = pow10u(s->dec);

	return (uint64_t)((((u128)s->mant << s->shift) + d / 2) / d);
}

uint64_t expt_size_scaled_mib(const struct expt_size *s, const struct expt_scale *sc)
{
	u128 n = ((u128)s->mant << s->shift) * sc->num;
	u128 d = pow10u(s->dec) * sc->den * MIB;

	return (uint64_t)((n + d / 2) / d);
}

double expt_scale_value(const struct expt_scale *sc)
{
	return (double)sc->num / (double)sc->den;
}

int expt_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int expt_parse_scale(const char *s, struct expt_scale *out)
{
	const char *slash = strchr(s, '/');
	uint64_t num, den = 1;

	if (strlen(s) >= sizeof(out->text))
		return -EINVAL;
	if (slash) {
		char a[24];

		memcpy(a, s, (size_t)(slash - s));
		a[slash - s] = '\0';
		if (expt_parse_uint(a, 1000000000, &num) || expt_parse_uint(slash + 1, 1000000000, &den) || !den)
			return -EINVAL;
	} else {
		const char *dot = strchr(s, '.');
		char digits[24];
		size_t k = 0;

		/* a decimal d.ddd is the fraction dddd / 10^decimals, exactly */
		for (const char *p = s; *p; p++) {
			if (p == dot)
				continue;
			if (!isdigit((unsigned char)*p) || k + 1 >= sizeof(digits))
				return -EINVAL;
			digits[k++] = *p;
		}
		digits[k] = '\0';
		if (dot && (dot == s || !dot[1] || strlen(dot + 1) > 9))
			return -EINVAL;
		if (expt_parse_uint(digits, 100000000000ull, &num))
			return -EINVAL;
		if (dot)
			den = (uint64_t)pow10u((unsigned)strlen(dot + 1));
	}
	if (!num || num > 64 * den)
		return -ERANGE;
	out->num = num;
	out->den = den;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

/* ---- the description ---- */

int expt_fail(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(err, errlen, "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < errlen)
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define FAIL(...) expt_fail(err, errlen, d->file, ln, __VA_ARGS__)

static bool name_ok(const char *s)
{
	if (!*s || *s == '-' || *s == '.' || strlen(s) >= sizeof(((struct expt_desc *)0)->name))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* `WL=VALUE` or a bare VALUE (every workload): the workload index in *wl
 * (-1 for all) and the value's text in *val. */
static int split_wl(const char *tok, int *wl, const char **val)
{
	const char *eq = strchr(tok, '=');
	char name[32];

	if (!eq) {
		*wl = -1;
		*val = tok;
		return 0;
	}
	if ((size_t)(eq - tok) >= sizeof(name))
		return -EINVAL;
	memcpy(name, tok, (size_t)(eq - tok));
	name[eq - tok] = '\0';
	*wl = expt_workload_find(name);
	*val = eq + 1;
	return *wl < 0 ? -ENOENT : 0;
}

static int parse_line(struct expt_desc *d, int ln, char *line, char *err, size_t errlen)
{
	char *save, *key, *tok, *toks[64];
	int nt = 0, k;

	key = strtok_r(line, " \t", &save);
	if (!key)
		return 0;
	for (k = 0; k < EXPT_NKEYS && strcmp(key, expt_key_names[k]); k++)
		;
	if (k == EXPT_NKEYS)
		return FAIL("unknown key '%s'", key);
	if (d->line[k])
		return FAIL("duplicate key '%s' (first on line %d)", key, d->line[k]);
	d->line[k] = ln;
	if (k == EXPT_K_TITLE) { /* the rest of the line, as written */
		char *rest = save ? save + strspn(save, " \t") : NULL;

		if (!rest || !*rest)
			return FAIL("key 'title' needs a value");
		snprintf(d->title, sizeof(d->title), "%s", rest);
		return 0;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (nt == 64)
			return FAIL("too many values for '%s'", key);
		toks[nt++] = tok;
	}
	if (!nt)
		return FAIL("key '%s' needs a value", key);

	switch (k) {
	case EXPT_K_NAME:
	case EXPT_K_FIGURE:
	case EXPT_K_HOST_MEM:
	case EXPT_K_L1_MEM:
	case EXPT_K_L1_CPUS:
	case EXPT_K_REPS:
	case EXPT_K_SCALE:
	case EXPT_K_GUEST:
	case EXPT_K_RESIDENT:
	case EXPT_K_L1_KSM:
		if (nt != 1)
			return FAIL("key '%s' takes one value, not %d", key, nt);
		break;
	case EXPT_K_SHAPES:
	case EXPT_K_MODES:
	case EXPT_K_WORKLOADS:
	case EXPT_K_VMS:
	case EXPT_K_VM_MEM:
		if (nt > EXPT_MAX_LIST)
			return FAIL("at most %d values for '%s'", EXPT_MAX_LIST, key);
		break;
	}

	uint64_t v;
	struct expt_size sz;
	char why[96];
	int r;

	switch (k) {
	case EXPT_K_NAME:
		if (!name_ok(toks[0]))
			return FAIL("name '%s': use letters, digits, '_', '-', '.' (at most 47), it starts every run id", toks[0]);
		strcpy(d->name, toks[0]);
		break;
	case EXPT_K_FIGURE:
		if (expt_parse_uint(toks[0], 99, &v) || !v)
			return FAIL("figure '%s': a number 1..99", toks[0]);
		d->figure = (int)v;
		break;
	case EXPT_K_VMS:
		/* 16: the most L2s l1-shim runs in one L1 (docs/nested.md) */
		d->nvms = 0;
		for (int i = 0; i < nt; i++) {
			if (expt_parse_uint(toks[i], 16, &v) || !v)
				return FAIL("vms '%s': a number 1..16", toks[i]);
			for (int j = 0; j < d->nvms; j++)
				if (d->vms[j] == v)
					return FAIL("vms '%s' given twice", toks[i]);
			d->vms[d->nvms++] = (unsigned)v;
		}
		break;
	case EXPT_K_L1_CPUS:
		if (expt_parse_uint(toks[0], 16, &v) || !v)
			return FAIL("%s '%s': a number 1..16", key, toks[0]);
		d->l1_cpus = (unsigned)v;
		break;
	case EXPT_K_REPS:
		if (expt_parse_uint(toks[0], 1000, &v) || !v)
			return FAIL("reps '%s': a number 1..1000", toks[0]);
		d->reps = (unsigned)v;
		break;
	case EXPT_K_GUEST:
		if ((d->guest = expt_guest_find(toks[0])) < 0)
			return FAIL("guest '%s': kernel or linux", toks[0]);
		break;
	case EXPT_K_RESIDENT:
		if (expt_parse_uint(toks[0], 90, &v))
			return FAIL("resident '%s': a whole per cent of each VM's memory, 0..90", toks[0]);
		d->resident = (unsigned)v;
		break;
	case EXPT_K_L1_KSM:
		/* nestlab nested --l1-ksm's range; 0 leaves KSM off, as without the key */
		if (expt_parse_uint(toks[0], 1000000, &v))
			return FAIL("l1_ksm '%s': KSM's pages_to_scan in L1, 0..1000000 (0: off)", toks[0]);
		d->l1_ksm = (unsigned)v;
		break;
	case EXPT_K_L1_ZSWAP:
		if (expt_parse_uint(toks[0], 1, &v))
			return FAIL("l1_zswap '%s': 1 (zswap on in L1) or 0 (off)", toks[0]);
		d->l1_zswap = v;
		break;
	case EXPT_K_SCALE:
		if (expt_parse_scale(toks[0], &d->scale))
			return FAIL("scale '%s': a fraction like 1/32 or a decimal like 0.125, above 0 and at most 64", toks[0]);
		break;
	case EXPT_K_HOST_MEM:
	case EXPT_K_L1_MEM:
		if ((r = expt_parse_size(toks[0], &sz)))
			return FAIL("%s '%s': %s", key, toks[0],
				    expt_size_why(r, "a size like 8G or 1.5G (K, M, G, T)", why, sizeof(why)));
		if (k == EXPT_K_HOST_MEM)
			d->host_mem = sz;
		else
			d->l1_mem = sz;
		break;
	case EXPT_K_SHAPES:
		for (int i = 0; i < nt; i++) {
			bool *s = !strcmp(toks[i], "flat") ? &d->flat :
				  !strcmp(toks[i], "nested") ? &d->nested : NULL;
			if (!s)
				return FAIL("unknown shape '%s' (flat, nested)", toks[i]);
			if (*s)
				return FAIL("shape '%s' given twice", toks[i]);
			*s = true;
		}
		break;
	case EXPT_K_MODES:
		for (int i = 0; i < nt; i++) {
			int c = expt_config_find(toks[i]);

			if (c <= EXPT_FLAT)
				return FAIL("unknown mode '%s' (shadow, nested, sos)", toks[i]);
			for (int j = 0; j < d->nmodes; j++)
				if (d->modes[j] == c)
					return FAIL("mode '%s' given twice", toks[i]);
			d->modes[d->nmodes++] = c;
		}
		break;
	case EXPT_K_WORKLOADS:
		for (int i = 0; i < nt; i++) {
			int w = expt_workload_find(toks[i]);

			if (w < 0)
				return FAIL("unknown workload '%s' (mcf, bzip2, gobmk, hmmer, ptrchase, touch)", toks[i]);
			for (int j = 0; j < d->nwl; j++)
				if (d->wl[j] == w)
					return FAIL("workload '%s' given twice", toks[i]);
			d->wl[d->nwl++] = w;
		}
		break;
	case EXPT_K_VM_MEM:
		for (int i = 0; i < nt; i++) {
			if ((r = expt_parse_size(toks[i], &sz)))
				return FAIL("vm_mem '%s': %s", toks[i],
					    expt_size_why(r, "a size like 5G or 1.5G (K, M, G, T)", why, sizeof(why)));
			for (int j = 0; j < d->nsizes; j++)
				if (expt_size_bytes(&d->vm_mem[j]) == expt_size_bytes(&sz))
					return FAIL("vm_mem '%s' given twice", toks[i]);
			d->vm_mem[d->nsizes++] = sz;
		}
		break;
	case EXPT_K_FOOTPRINT:
	case EXPT_K_ITERS:
		for (int i = 0; i < nt; i++) {
			const char *val;
			int w;

			if (split_wl(toks[i], &w, &val))
				return FAIL("%s '%s': WORKLOAD=VALUE with a known workload, or VALUE for all", key, toks[i]);
			for (int j = 0; j < EXPT_NWORKLOADS; j++) {
				if (w >= 0 && j != w)
					continue;
				if (k == EXPT_K_FOOTPRINT) {
					if ((r = expt_parse_size(val, &sz)))
						return FAIL("footprint '%s': %s", toks[i],
							    expt_size_why(r, "a size like 1.7G or 30M", why, sizeof(why)));
					d->footprint[j] = sz;
					d->has_fp[j] = true;
				} else {
					if (expt_parse_uint(val, 1000000, &v) || !v)
						return FAIL("iters '%s': a number 1..1000000", toks[i]);
					d->iters[j] = v;
				}
			}
		}
		break;
	}
	return 0;
}

/* What can only be checked once the whole file is read. */
static int check_desc(struct expt_desc *d, char *err, size_t errlen)
{
	static const int required[] = { EXPT_K_NAME, EXPT_K_SHAPES, EXPT_K_WORKLOADS, EXPT_K_VM_MEM };
	int ln = d->last_line;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!d->line[required[i]])
			return FAIL("end of file: required key '%s' is missing", expt_key_names[required[i]]);
	if (d->nested && !d->line[EXPT_K_L1_MEM]) {
		ln = d->line[EXPT_K_SHAPES];
		return FAIL("shape 'nested' needs 'l1_mem' (L1's memory)");
	}
	if (d->line[EXPT_K_MODES] && !d->nested) {
		ln = d->line[EXPT_K_MODES];
		return FAIL("'modes' apply to the nested shape only, and shapes has no 'nested'");
	}
	if (d->l1_ksm && !d->nested) {
		ln = d->line[EXPT_K_L1_KSM];
		return FAIL("'l1_ksm' is KSM inside L1: it applies to the nested shape only, and shapes has no 'nested'");
	}
	if (d->l1_zswap && !d->nested) {
		ln = d->line[EXPT_K_L1_ZSWAP];
		return FAIL("'l1_zswap' is zswap inside L1: it applies to the nested shape only, and shapes has no 'nested'");
	}
	if (d->nested && !d->nmodes)
		d->modes[d->nmodes++] = EXPT_SHADOW; /* the paper's mode */
	for (int i = 0; i < d->nwl; i++)
		if (!d->has_fp[d->wl[i]]) {
			ln = d->line[EXPT_K_FOOTPRINT] ? d->line[EXPT_K_FOOTPRINT] : d->line[EXPT_K_WORKLOADS];
			return FAIL("no footprint for workload '%s' (footprint %s=SIZE)",
				    expt_workloads[d->wl[i]].name, expt_workloads[d->wl[i]].name);
		}
	if (!d->title[0])
		snprintf(d->title, sizeof(d->title), "%s", d->name);
	return 0;
}

int expt_desc_parse(const char *file, const char *text, struct expt_desc *d,
		    char *err, size_t errlen)
{
	const char *p = text;
	int ln = 0, r;

	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", file);
	d->nvms = 1;
	d->vms[0] = 1;
	d->l1_cpus = 2;
	d->reps = 1;
	d->scale = (struct expt_scale){ 1, 1, "1" };
	for (int i = 0; i < EXPT_NWORKLOADS; i++)
		d->iters[i] = 1;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024], *hash;

		ln++;
		if (len >= sizeof(line))
			return FAIL("line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		for (size_t e = strlen(line); e && isspace((unsigned char)line[e - 1]); e--)
			line[e - 1] = '\0';
		if ((r = parse_line(d, ln, line, err, errlen)))
			return r;
		p += len + (nl ? 1 : 0);
	}
	d->last_line = ln;
	return check_desc(d, err, errlen);
}

int expt_desc_load(const char *path, struct expt_desc *d, char *err, size_t errlen)
{
	char *text;
	size_t n;
	int r;

	/* regfile: a FIFO or device named by mistake is refused at once
	 * instead of blocking the open or being read without end */
	if ((r = regfile_read(path, 1 << 20, &text, &n, err, errlen))) {
		if (r == -EFBIG)
			snprintf(err, errlen, "%s: larger than 1 MiB, not an experiment description", path);
		return r;
	}
	if (strlen(text) != n) {
		free(text);
		snprintf(err, errlen, "%s: contains NUL bytes, not an experiment description", path);
		return -EINVAL;
	}
	r = expt_desc_parse(path, text, d, err, errlen);
	free(text);
	return r;
}
