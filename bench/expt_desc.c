// SPDX-License-Identifier: MIT
/*
 * Experiment descriptions (docs/experiments.md) and their expansion into
 * runs. Sizes are kept exact (struct expt_size) and scaled with integer
 * arithmetic, so that the same description and options give the same run
 * ids on every machine: the driver resumes an interrupted reproduction by
 * those ids.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "expt.h"

typedef unsigned __int128 u128;

const struct expt_workload expt_workloads[EXPT_NWORKLOADS] = {
	{ "mcf", 1ull << 20 },     { "bzip2", 1ull << 20 },
	{ "gobmk", 1ull << 20 },   { "hmmer", 1ull << 20 },
	{ "ptrchase", 64ull << 10 }, { "touch", 64ull << 10 },
};

const char *const expt_config_names[EXPT_NCONFIGS] = { "flat", "shadow", "nested", "sos" };

const char *const expt_key_names[EXPT_NKEYS] = {
	"name", "title", "figure", "shapes", "modes", "workloads", "vms", "vm_mem",
	"host_mem", "l1_mem", "l1_cpus", "reps", "footprint", "iters", "scale",
};

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
	out->mant = mant;
	out->dec = dec;
	out->shift = shift;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
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

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
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
		if (parse_uint(a, 1000000000, &num) || parse_uint(slash + 1, 1000000000, &den) || !den)
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
		if (parse_uint(digits, 100000000000ull, &num))
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

static int fail(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(err, errlen, "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < errlen)
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define FAIL(...) fail(err, errlen, d->file, ln, __VA_ARGS__)

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
	case EXPT_K_VMS:
	case EXPT_K_HOST_MEM:
	case EXPT_K_L1_MEM:
	case EXPT_K_L1_CPUS:
	case EXPT_K_REPS:
	case EXPT_K_SCALE:
		if (nt != 1)
			return FAIL("key '%s' takes one value, not %d", key, nt);
		break;
	case EXPT_K_SHAPES:
	case EXPT_K_MODES:
	case EXPT_K_WORKLOADS:
	case EXPT_K_VM_MEM:
		if (nt > EXPT_MAX_LIST)
			return FAIL("at most %d values for '%s'", EXPT_MAX_LIST, key);
		break;
	}

	uint64_t v;
	struct expt_size sz;

	switch (k) {
	case EXPT_K_NAME:
		if (!name_ok(toks[0]))
			return FAIL("name '%s': use letters, digits, '_', '-', '.' (at most 47), it starts every run id", toks[0]);
		strcpy(d->name, toks[0]);
		break;
	case EXPT_K_FIGURE:
		if (parse_uint(toks[0], 99, &v) || !v)
			return FAIL("figure '%s': a number 1..99", toks[0]);
		d->figure = (int)v;
		break;
	case EXPT_K_VMS:
	case EXPT_K_L1_CPUS:
		if (parse_uint(toks[0], 16, &v) || !v)
			return FAIL("%s '%s': a number 1..16", key, toks[0]);
		if (k == EXPT_K_VMS)
			d->vms = (unsigned)v;
		else
			d->l1_cpus = (unsigned)v;
		break;
	case EXPT_K_REPS:
		if (parse_uint(toks[0], 1000, &v) || !v)
			return FAIL("reps '%s': a number 1..1000", toks[0]);
		d->reps = (unsigned)v;
		break;
	case EXPT_K_SCALE:
		if (expt_parse_scale(toks[0], &d->scale))
			return FAIL("scale '%s': a fraction like 1/32 or a decimal like 0.125, above 0 and at most 64", toks[0]);
		break;
	case EXPT_K_HOST_MEM:
	case EXPT_K_L1_MEM:
		if (expt_parse_size(toks[0], &sz))
			return FAIL("%s '%s': a size like 8G or 1.5G (K, M, G, T)", key, toks[0]);
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
			if (expt_parse_size(toks[i], &sz))
				return FAIL("vm_mem '%s': a size like 5G or 1.5G (K, M, G, T)", toks[i]);
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
			int w, r = split_wl(toks[i], &w, &val);

			if (r)
				return FAIL("%s '%s': WORKLOAD=VALUE with a known workload, or VALUE for all", key, toks[i]);
			for (int j = 0; j < EXPT_NWORKLOADS; j++) {
				if (w >= 0 && j != w)
					continue;
				if (k == EXPT_K_FOOTPRINT) {
					if (expt_parse_size(val, &sz))
						return FAIL("footprint '%s': a size like 1.7G or 30M", toks[i]);
					d->footprint[j] = sz;
					d->has_fp[j] = true;
				} else {
					if (parse_uint(val, 1000000, &v) || !v)
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
	d->vms = 1;
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
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int r;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read it", path);
		return -EIO;
	}
	if (n > (1 << 20)) {
		fclose(f);
		snprintf(err, errlen, "%s: larger than 1 MiB, not an experiment description", path);
		return -EFBIG;
	}
	text = malloc((size_t)n + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "%s: cannot read it", path);
		return -EIO;
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != (size_t)n) {
		free(text);
		snprintf(err, errlen, "%s: contains NUL bytes, not an experiment description", path);
		return -EINVAL;
	}
	r = expt_desc_parse(path, text, d, err, errlen);
	free(text);
	return r;
}

/* ---- the plan ---- */

int expt_plan_point(const struct expt_plan *p, int config, int wl, int size)
{
	int ci = -1, wi = -1, si = -1;

	for (int i = 0; i < p->nconfigs; i++)
		if (p->configs[i] == config)
			ci = i;
	for (int i = 0; i < p->d->nwl; i++)
		if (p->d->wl[i] == wl)
			wi = i;
	for (int i = 0; i < p->nsizes; i++)
		if (p->sizes[i] == size)
			si = i;
	if (ci < 0 || wi < 0 || si < 0)
		return -1;
	return (ci * p->d->nwl + wi) * p->nsizes + si;
}

int expt_plan_size_gib(const struct expt_plan *p, unsigned gib)
{
	for (int i = 0; i < p->nsizes; i++)
		if (expt_size_bytes(&p->d->vm_mem[p->sizes[i]]) == (uint64_t)gib << 30)
			return p->sizes[i];
	return -1;
}

/* Parse a comma list of overrides into *sel (indexes into the description's
 * list, in the description's order so ids and order stay stable). */
static int select_sizes(const struct expt_desc *d, const char *list, bool *sel,
			char *err, size_t errlen)
{
	char buf[512], *save, *tok;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--sizes: too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct expt_size s;
		int found = -1;

		if (expt_parse_size(tok, &s)) {
			snprintf(err, errlen, "--sizes: '%s' is not a size", tok);
			return -EINVAL;
		}
		for (int i = 0; i < d->nsizes; i++)
			if (expt_size_bytes(&d->vm_mem[i]) == expt_size_bytes(&s))
				found = i;
		if (found < 0) {
			snprintf(err, errlen, "--sizes: %s is not one of %s's vm_mem (unscaled sizes, as in the file)",
				 tok, d->file);
			return -EINVAL;
		}
		sel[found] = true;
	}
	return 0;
}

static int select_modes(const struct expt_desc *d, const char *list, bool *sel,
			char *err, size_t errlen)
{
	char buf[256], *save, *tok;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--modes: too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = expt_config_find(tok);
		bool in = false;

		if (c <= EXPT_FLAT) {
			snprintf(err, errlen, "--modes: unknown mode '%s' (shadow, nested, sos)", tok);
			return -EINVAL;
		}
		for (int i = 0; i < d->nmodes; i++)
			in |= d->modes[i] == c;
		if (!in) {
			snprintf(err, errlen, "--modes: %s has no mode '%s' (it has %d: see its 'modes')",
				 d->file, tok, d->nmodes);
			return -EINVAL;
		}
		sel[c] = true;
	}
	return 0;
}

static void size_token(char *buf, size_t n, uint64_t bytes)
{
	snprintf(buf, n, "%lluM", (unsigned long long)(bytes / MIB));
}

int expt_plan_build(const struct expt_desc *d, const struct expt_opts *o,
		    struct expt_plan *p, FILE *notes, char *err, size_t errlen)
{
	bool ssel[EXPT_MAX_LIST] = { false }, msel[EXPT_NCONFIGS] = { false };
	int r, ln;

	memset(p, 0, sizeof(*p));
	p->d = d;
	p->scale = d->scale;
	p->reps = o->reps ? o->reps : d->reps;
	if (o->scale && expt_parse_scale(o->scale, &p->scale)) {
		snprintf(err, errlen, "--scale '%s': a fraction like 1/32 or a decimal like 0.125, above 0 and at most 64", o->scale);
		return -EINVAL;
	}
	if (o->reps > 1000) {
		snprintf(err, errlen, "--reps %u: at most 1000", o->reps);
		return -EINVAL;
	}
	if (o->sizes && (r = select_sizes(d, o->sizes, ssel, err, errlen)))
		return r;
	if (o->modes && (r = select_modes(d, o->modes, msel, err, errlen)))
		return r;
	if (o->modes && !d->nested) {
		snprintf(err, errlen, "--modes: %s has no nested shape", d->file);
		return -EINVAL;
	}

	if (d->flat)
		p->configs[p->nconfigs++] = EXPT_FLAT;
	for (int i = 0; i < d->nmodes; i++)
		if (!o->modes || msel[d->modes[i]])
			p->configs[p->nconfigs++] = d->modes[i];

	/* Scale every size; a VM below 4 MiB cannot hold guest-kernel. */
	for (int i = 0; i < d->nsizes; i++) {
		uint64_t mib = expt_size_scaled_mib(&d->vm_mem[i], &p->scale);

		if (mib < 4) {
			ln = d->line[EXPT_K_VM_MEM];
			return FAIL("vm_mem %s x %s is %llu MiB, below the 4 MiB a VM needs",
				    d->vm_mem[i].text, p->scale.text, (unsigned long long)mib);
		}
		for (int j = 0; j < i; j++)
			if (p->vm_mem[j] == mib * MIB) {
				ln = d->line[EXPT_K_VM_MEM];
				return FAIL("vm_mem %s and %s both scale to %llu MiB", d->vm_mem[j].text,
					    d->vm_mem[i].text, (unsigned long long)mib);
			}
		p->vm_mem[i] = mib * MIB;
		if (!o->sizes || ssel[i])
			p->sizes[p->nsizes++] = i;
	}
	const struct expt_size *mem[2] = { &d->host_mem, &d->l1_mem };
	uint64_t *dst[2] = { &p->host_mem, &p->l1_mem };
	const int keys[2] = { EXPT_K_HOST_MEM, EXPT_K_L1_MEM };

	for (int i = 0; i < 2; i++) {
		if (!mem[i]->mant)
			continue;
		uint64_t mib = expt_size_scaled_mib(mem[i], &p->scale);

		if (mib < 4) {
			ln = d->line[keys[i]];
			return FAIL("%s %s x %s is %llu MiB, below the 4 MiB a VM needs",
				    expt_key_names[keys[i]], mem[i]->text, p->scale.text, (unsigned long long)mib);
		}
		*dst[i] = mib * MIB;
	}
	/* A footprint is the workload's size parameter: scaled with the rest,
	 * but never below what the workload accepts. */
	for (int i = 0; i < d->nwl; i++) {
		int w = d->wl[i];
		uint64_t b = expt_size_scaled_mib(&d->footprint[w], &p->scale) * MIB;

		if (b < expt_workloads[w].min_footprint) {
			p->fp_raised[w] = true;
			if (notes)
				fprintf(notes, "%s: %s footprint %s x %s is %llu MiB after rounding: "
					"raised to the workload's minimum, %llu KiB\n", d->file,
					expt_workloads[w].name, d->footprint[w].text, p->scale.text,
					(unsigned long long)(b / MIB),
					(unsigned long long)(expt_workloads[w].min_footprint >> 10));
			b = expt_workloads[w].min_footprint;
		}
		p->footprint[w] = b;
	}

	/* Points, config-major: the order of the CSV and the report. */
	p->npoints = (size_t)p->nconfigs * (size_t)d->nwl * (size_t)p->nsizes;
	p->points = calloc(p->npoints ? p->npoints : 1, sizeof(*p->points));
	p->nruns = p->npoints * p->reps;
	p->runs = calloc(p->nruns ? p->nruns : 1, sizeof(*p->runs));
	if (!p->points || !p->runs) {
		expt_plan_free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int c = 0; c < p->nconfigs; c++)
		for (int w = 0; w < d->nwl; w++)
			for (int s = 0; s < p->nsizes; s++) {
				int cfg = p->configs[c], si = p->sizes[s];
				struct expt_point *pt = &p->points[(c * d->nwl + w) * p->nsizes + s];
				char tok[32];

				pt->config = cfg;
				pt->wl = d->wl[w];
				pt->size = si;
				pt->vm_mem = p->vm_mem[si];
				pt->paper_gb = (double)pt->vm_mem / expt_scale_value(&p->scale) / (double)(1ull << 30);
				size_token(tok, sizeof(tok), pt->vm_mem);
				snprintf(pt->key, sizeof(pt->key), "%s-%s%s-%s-%s", d->name,
					 cfg == EXPT_FLAT ? "flat" : "nested-", cfg == EXPT_FLAT ? "" : expt_config_names[cfg],
					 expt_workloads[pt->wl].name, tok);
			}
	/* Runs: rep outermost, configuration innermost, so that an interrupted
	 * reproduction has covered every point once before it repeats any,
	 * and the configurations compared at one size run next to each other. */
	size_t k = 0;

	for (unsigned rep = 1; rep <= p->reps; rep++)
		for (int s = 0; s < p->nsizes; s++)
			for (int w = 0; w < d->nwl; w++)
				for (int c = 0; c < p->nconfigs; c++) {
					struct expt_run *run = &p->runs[k++];

					run->point = (c * d->nwl + w) * p->nsizes + s;
					run->rep = rep;
					snprintf(run->id, sizeof(run->id), "%s-r%u", p->points[run->point].key, rep);
				}
	return 0;
}

void expt_plan_free(struct expt_plan *p)
{
	free(p->points);
	free(p->runs);
	p->points = NULL;
	p->runs = NULL;
	p->npoints = p->nruns = 0;
}

void expt_plan_print(FILE *f, const struct expt_plan *p)
{
	fprintf(f, "run_id\texperiment\tconfig\tworkload\tvm_mem\thost_mem\tl1_mem\tl1_cpus\t"
		   "footprint\titers\tvms\trep\n");
	for (size_t i = 0; i < p->nruns; i++) {
		const struct expt_run *r = &p->runs[i];
		const struct expt_point *pt = &p->points[r->point];

		fprintf(f, "%s\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%u\t%llu\t%llu\t%u\t%u\n", r->id,
			p->d->name, expt_config_names[pt->config], expt_workloads[pt->wl].name,
			(unsigned long long)pt->vm_mem, (unsigned long long)p->host_mem,
			(unsigned long long)p->l1_mem, p->d->l1_cpus,
			(unsigned long long)p->footprint[pt->wl], (unsigned long long)p->d->iters[pt->wl],
			p->d->vms, r->rep);
	}
}

int expt_plan_find_id(const struct expt_plan *p, const char *id, unsigned *rep)
{
	const char *r = strrchr(id, '-');
	uint64_t v;
	size_t klen;

	if (!r || r[1] != 'r' || parse_uint(r + 2, 1000000, &v) || !v)
		return -1;
	klen = (size_t)(r - id);
	for (size_t i = 0; i < p->npoints; i++)
		if (strlen(p->points[i].key) == klen && !strncmp(p->points[i].key, id, klen)) {
			*rep = (unsigned)v;
			return (int)i;
		}
	return -1;
}
