/*
 * moddep.c: the modules.dep resolver (moddep.h): parsing, the closure of
 * what a module needs, and load order.
 */
#include "moddep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((format(printf, 2, 3)))
static void seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, MODDEP_ERR_LEN, fmt, ap);
	va_end(ap);
}

void moddep_init(struct moddep *d)
{
	memset(d, 0, sizeof(*d));
}

void moddep_free(struct moddep *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct moddep_mod *m = &d->m[i];

		free(m->file);
		free(m->name);
		for (size_t j = 0; j < m->ndeps; j++)
			free(m->deps[j]);
		free(m->deps);
	}
	free(d->m);
	memset(d, 0, sizeof(*d));
}

const char *moddep_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *moddep_name(const char *file)
{
	char *n = strdup(moddep_basename(file));
	char *ko;

	if (!n)
		return NULL;
	ko = strstr(n, ".ko");
	if (ko && (ko[3] == '\0' || ko[3] == '.'))
		*ko = '\0';
	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

long moddep_find(const struct moddep *d, const char *name)
{
	char *n = moddep_name(name);
	long r = -1;

	if (!n)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->m[i].name, n) == 0) {
			r = (long)i;
			break;
		}
	free(n);
	return r;
}

/* Splits the next whitespace-separated word off *p (bounded by end). */
static char *next_word(const char **p, const char *end)
{
	const char *s = *p, *e;
	char *w;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	*p = e;
	if (e == s)
		return NULL;
	w = malloc((size_t)(e - s) + 1);
	if (w) {
		memcpy(w, s, (size_t)(e - s));
		w[e - s] = '\0';
	}
	return w;
}

static int parse_line(struct moddep *d, const char *s, const char *end,
		      const char *origin, unsigned lineno)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	const char *p = s;
	struct moddep_mod *m;
	char *w;

	if (!colon) {
		seterr(d->err, "%s:%u: no ':' (expected 'name.ko: dep.ko ...')",
		       origin, lineno);
		return -EINVAL;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 32;
		void *q = realloc(d->m, cap * sizeof(*d->m));

		if (!q)
			goto nomem;
		d->m = q;
		d->cap = cap;
	}
	m = &d->m[d->n];
	memset(m, 0, sizeof(*m));
	m->file = next_word(&p, colon);
	if (!m->file || next_word(&p, colon)) {
		free(m->file);
		seterr(d->err, "%s:%u: expected one module file before ':'",
		       origin, lineno);
		return -EINVAL;
	}
	m->name = moddep_name(m->file);
	if (!m->name) {
		free(m->file);
		goto nomem;
	}
	if (moddep_find(d, m->name) >= 0) {
		seterr(d->err, "%s:%u: module %s listed twice", origin, lineno,
		       m->file);
		free(m->file);
		free(m->name);
		return -EINVAL;
	}
	d->n++;
	p = colon + 1;
	while ((w = next_word(&p, end))) {
		void *q = realloc(m->deps, (m->ndeps + 1) * sizeof(*m->deps));

		if (!q) {
			free(w);
			goto nomem;
		}
		m->deps = q;
		m->deps[m->ndeps++] = w;
	}
	return 0;
nomem:
	seterr(d->err, "out of memory");
	return -ENOMEM;
}

int moddep_parse(struct moddep *d, const char *text, size_t len,
		 const char *origin)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *q = p;
		int r;

		lineno++;
		if (memchr(p, '\0', (size_t)(e - p))) {
			seterr(d->err, "%s:%u: a NUL byte (not a text file?)",
			       origin, lineno);
			return -EINVAL;
		}
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e && *q != '#') {
			while (e > q && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			r = parse_line(d, q, e, origin, lineno);
			if (r < 0)
				return r;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int moddep_load(struct moddep *d, const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		seterr(d->err, "%s: %s", path, strerror(errno));
		return r;
	}
	for (;;) {
		ssize_t k;

		if (len == cap) {
			void *q = realloc(buf, cap ? 2 * cap : 4096);

			if (!q) {
				seterr(d->err, "out of memory");
				r = -ENOMEM;
				break;
			}
			buf = q;
			cap = cap ? 2 * cap : 4096;
		}
		k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			seterr(d->err, "%s: %s", path, strerror(errno));
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (r == 0)
		r = moddep_parse(d, buf, len, path);
	free(buf);
	return r;
}

/* Post-order walk: i's dependencies, then i. path[] holds the chain for the
 * cycle message. */
static int visit(struct moddep *d, size_t i, size_t *order, size_t *n,
		 size_t *path, size_t depth)
{
	struct moddep_mod *m = &d->m[i];

	if (m->state == 2)
		return 0;
	path[depth] = i;
	if (m->state == 1) {
		size_t from = 0, o = 0;

		while (path[from] != i)
			from++;
		o += (size_t)snprintf(d->err, MODDEP_ERR_LEN, "dependency cycle in modules.dep:");
		for (size_t k = from; k <= depth && o < MODDEP_ERR_LEN; k++)
			o += (size_t)snprintf(d->err + o, MODDEP_ERR_LEN - o, "%s %s",
					      k > from ? " ->" : "",
					      d->m[path[k]].file);
		return -ELOOP;
	}
	m->state = 1;
	for (size_t j = 0; j < m->ndeps; j++) {
		long k = moddep_find(d, m->deps[j]);
		int r;

		if (k < 0) {
			seterr(d->err, "module %s (needed by %s) has no line of its own in modules.dep",
			       m->deps[j], m->file);
			return -ENOENT;
		}
		r = visit(d, (size_t)k, order, n, path, depth + 1);
		if (r < 0)
			return r;
	}
	m->state = 2;
	order[(*n)++] = i;
	return 0;
}

int moddep_resolve(struct moddep *d, const char *const *names, size_t n,
		   size_t **order, size_t *norder)
{
	char *want = calloc(d->n ? d->n : 1, 1);
	size_t *out = malloc((d->n ? d->n : 1) * sizeof(*out));
	size_t *path = malloc((d->n + 1) * sizeof(*path));
	size_t cnt = 0;
	int r = 0;

	*order = NULL;
	*norder = 0;
	if (!want || !out || !path) {
		seterr(d->err, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d->n; i++)
		d->m[i].state = 0;
	for (size_t i = 0; i < n; i++) {
		long k = moddep_find(d, names[i]);

		if (k < 0) {
			seterr(d->err, "unknown module '%s': it has no line in modules.dep",
			       names[i]);
			r = -ENOENT;
			goto out;
		}
		want[k] = 1;
	}
	/* Roots in modules.dep's order, not the caller's: same bytes for
	 * "kvm,zram" and "zram,kvm". */
	for (size_t i = 0; i < d->n && r == 0; i++)
		if (want[i])
			r = visit(d, i, out, &cnt, path, 0);
out:
	free(want);
	free(path);
	if (r < 0) {
		free(out);
		return r;
	}
	*order = out;
	*norder = cnt;
	return 0;
}

/* Marks in need[] (indexed like order[]) everything i needs, transitively. */
static void mark_needs(const struct moddep *d, const size_t *order, size_t n,
		       size_t i, char *need)
{
	const struct moddep_mod *m = &d->m[order[i]];

	for (size_t j = 0; j < m->ndeps; j++) {
		long k = moddep_find(d, m->deps[j]);

		for (size_t o = 0; k >= 0 && o < n; o++)
			if (order[o] == (size_t)k && !need[o]) {
				need[o] = 1;
				mark_needs(d, order, n, o, need);
			}
	}
}

int moddep_format(const struct moddep *d, const size_t *order, size_t n,
		  char **text, size_t *len)
{
	char *buf = NULL, *need = malloc(n ? n : 1);
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	*text = NULL;
	*len = 0;
	if (!f || !need) {
		if (f)
			fclose(f);
		free(buf);
		free(need);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		memset(need, 0, n);
		mark_needs(d, order, n, i, need);
		fprintf(f, "%s:", moddep_basename(d->m[order[i]].file));
		/* Dependencies come before i in order[]: list them in it. */
		for (size_t o = 0; o < n; o++)
			if (need[o])
				fprintf(f, " %s", moddep_basename(d->m[order[o]].file));
		fputc('\n', f);
	}
	free(need);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*text = buf;
	*len = sz;
	return 0;
}
