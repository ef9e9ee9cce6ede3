/*
 * cpio.c: the newc archive writer and the modules.dep resolver (cpio.h).
 *
 * newc, as Linux reads it (init/initramfs.c): every entry is a 110-byte
 * ASCII header ("070701" and 13 fields of 8 upper-case hex digits), the
 * name with its NUL, zero padding to a multiple of 4 (counted from the start
 * of the archive), the data, zero padding to a multiple of 4; the archive
 * ends with an entry named TRAILER!!!. Linux links regular files that have
 * nlink >= 2 and the same inode number, so every file here has nlink 1:
 * archives concatenated after this one may reuse our inode numbers freely.
 */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MODE  (S_IFDIR | 0755)

__attribute__((format(printf, 2, 3)))
static void seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CPIO_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* ---- headers ---- */

void cpio_hdr_format(char out[CPIO_HDR_LEN], const struct cpio_hdr *h)
{
	const uint32_t f[13] = {
		h->ino, h->mode, h->uid, h->gid, h->nlink, h->mtime, h->filesize,
		h->devmajor, h->devminor, h->rdevmajor, h->rdevminor,
		h->namesize, h->check,
	};
	static const char hex[] = "0123456789ABCDEF";

	memcpy(out, CPIO_MAGIC, 6);
	for (int i = 0; i < 13; i++)
		for (int j = 0; j < 8; j++)
			out[6 + 8 * i + j] = hex[(f[i] >> (28 - 4 * j)) & 0xf];
}

int cpio_hdr_parse(const char in[CPIO_HDR_LEN], struct cpio_hdr *h)
{
	uint32_t f[13];

	if (memcmp(in, CPIO_MAGIC, 6) != 0)
		return -EINVAL;
	for (int i = 0; i < 13; i++) {
		uint32_t v = 0;

		for (int j = 0; j < 8; j++) {
			char c = in[6 + 8 * i + j];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				return -EINVAL;
			v = v << 4 | d;
		}
		f[i] = v;
	}
	*h = (struct cpio_hdr){
		.ino = f[0], .mode = f[1], .uid = f[2], .gid = f[3],
		.nlink = f[4], .mtime = f[5], .filesize = f[6],
		.devmajor = f[7], .devminor = f[8], .rdevmajor = f[9],
		.rdevminor = f[10], .namesize = f[11], .check = f[12],
	};
	return 0;
}

/* ---- names ---- */

int cpio_path_norm(const char *dest, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = dest;

	if (dest[0] != '/')
		return -EINVAL;
	while (*p) {
		const char *c;
		size_t len;

		while (*p == '/')
			p++;
		c = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - c);
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (o + (o > 0) + len + 1 > outlen)
			return -ENAMETOOLONG;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, c, len);
		o += len;
	}
	if (o == 0)
		return -EINVAL;
	out[o] = '\0';
	return 0;
}

int cpio_epoch_parse(const char *s, uint32_t *mtime)
{
	unsigned long long v = 0;

	*mtime = 0;
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*mtime = (uint32_t)v;
	return 0;
}

/* ---- the entry list ---- */

void cpio_init(struct cpio_archive *a, uint32_t mtime)
{
	memset(a, 0, sizeof(*a));
	a->mtime = mtime;
}

void cpio_free(struct cpio_archive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->ent[i].name);
		free(a->ent[i].src);
		free(a->ent[i].data);
	}
	free(a->ent);
	memset(a, 0, sizeof(*a));
}

/* Appends an entry for the normalised name (copied); takes nothing else. */
static int add_entry(struct cpio_archive *a, const char *name, uint32_t mode,
		     struct cpio_entry **out)
{
	struct cpio_entry *e;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		void *p = realloc(a->ent, cap * sizeof(*a->ent));

		if (!p)
			goto nomem;
		a->ent = p;
		a->cap = cap;
	}
	e = &a->ent[a->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		goto nomem;
	e->mode = mode;
	a->n++;
	a->finished = 0;
	*out = e;
	return 0;
nomem:
	seterr(a->err, "out of memory");
	return -ENOMEM;
}

static int norm_dest(struct cpio_archive *a, const char *dest, char *name,
		     size_t len)
{
	int r = cpio_path_norm(dest, name, len);

	if (r == -EINVAL)
		seterr(a->err, "DEST '%s' %s", dest,
		       dest[0] != '/' ? "is not an absolute path" :
		       strstr(dest, "..") ? "contains '..'" : "names no file");
	else if (r < 0)
		seterr(a->err, "DEST '%.64s...' is too long", dest);
	return r;
}

int cpio_add_dir(struct cpio_archive *a, const char *dest)
{
	char name[4096];
	struct cpio_entry *e;
	int r = norm_dest(a, dest, name, sizeof(name));

	return r < 0 ? r : add_entry(a, name, DIR_MODE, &e);
}

int cpio_add_file(struct cpio_archive *a, const char *dest, const char *src,
		  int mode)
{
	char name[4096];
	struct cpio_entry *e;
	struct stat st;
	int fd, r;

	r = norm_dest(a, dest, name, sizeof(name));
	if (r < 0)
		return r;
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		seterr(a->err, "%s (for %s): %s", src, dest, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		seterr(a->err, "%s (for %s): not a regular file", src, dest);
		return -EINVAL;
	}
	if (st.st_size > (off_t)UINT32_MAX) {
		seterr(a->err, "%s (for %s): larger than newc's 4 GiB - 1",
		       src, dest);
		return -EFBIG;
	}
	if (mode < 0)
		mode = (st.st_mode & 0111) ? 0755 : 0644;
	r = add_entry(a, name, S_IFREG | ((uint32_t)mode & 07777), &e);
	if (r < 0)
		return r;
	e->size = (size_t)st.st_size;
	e->src = strdup(src);
	if (!e->src) {
		seterr(a->err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int cpio_add_data(struct cpio_archive *a, const char *dest, const void *data,
		  size_t len, unsigned mode)
{
	char name[4096];
	struct cpio_entry *e;
	int r = norm_dest(a, dest, name, sizeof(name));

	if (r < 0)
		return r;
	if (len > UINT32_MAX) {
		seterr(a->err, "%s: larger than newc's 4 GiB - 1", dest);
		return -EFBIG;
	}
	r = add_entry(a, name, S_IFREG | (mode & 07777), &e);
	if (r < 0)
		return r;
	e->data = malloc(len ? len : 1);
	if (!e->data) {
		seterr(a->err, "out of memory");
		return -ENOMEM;
	}
	if (len)
		memcpy(e->data, data, len);
	e->size = len;
	return 0;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct cpio_entry *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static long find_name(const struct cpio_archive *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->ent[i].name, name) == 0)
			return (long)i;
	return -1;
}

int cpio_finish(struct cpio_archive *a)
{
	struct cpio_entry *e;
	int r;

	if (a->finished)
		return 0;
	/* Parents nobody named, each once; entries added here are
	 * directories whose own parents are added by the same loop. */
	for (size_t i = 0; i < a->n; i++) {
		char path[4096];
		char *slash;

		snprintf(path, sizeof(path), "%s", a->ent[i].name);
		while ((slash = strrchr(path, '/'))) {
			*slash = '\0';
			if (find_name(a, path) >= 0)
				break;
			r = add_entry(a, path, DIR_MODE, &e);
			if (r < 0)
				return r;
			e->implicit = 1;
		}
	}
	/* strcmp order puts a name before every longer name it prefixes,
	 * so each directory comes before what it holds. */
	if (a->n > 1)
		qsort(a->ent, a->n, sizeof(*a->ent), entry_cmp);
	for (size_t i = 0; i + 1 < a->n; i++)
		if (strcmp(a->ent[i].name, a->ent[i + 1].name) == 0) {
			seterr(a->err, "DEST /%s given twice", a->ent[i].name);
			return -EEXIST;
		}
	for (size_t i = 0; i < a->n; i++) {
		char path[4096];
		char *slash;
		long p;

		snprintf(path, sizeof(path), "%s", a->ent[i].name);
		slash = strrchr(path, '/');
		if (!slash)
			continue;
		*slash = '\0';
		p = find_name(a, path);
		if (p >= 0 && !S_ISDIR(a->ent[p].mode)) {
			seterr(a->err, "DEST /%s is inside /%s, which is a file",
			       a->ent[i].name, path);
			return -ENOTDIR;
		}
	}
	a->finished = 1;
	return 0;
}

/* ---- writing ---- */

struct wr {
	int fd;
	size_t off;		/* bytes written so far: padding is relative to it */
};

static int wr_all(struct wr *w, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t k = write(w->fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		len -= (size_t)k;
		w->off += (size_t)k;
	}
	return 0;
}

static int wr_pad(struct wr *w)
{
	static const char zero[4];

	return wr_all(w, zero, cpio_pad4(w->off));
}

static int wr_header(struct wr *w, const struct cpio_hdr *h, const char *name)
{
	char buf[CPIO_HDR_LEN];
	int r;

	cpio_hdr_format(buf, h);
	r = wr_all(w, buf, sizeof(buf));
	if (r == 0)
		r = wr_all(w, name, h->namesize);	/* with the NUL */
	if (r == 0)
		r = wr_pad(w);
	return r;
}

/* Copies exactly e->size bytes of e->src (the size seen when it was added). */
static int wr_copy(struct cpio_archive *a, struct wr *w,
		   const struct cpio_entry *e)
{
	char buf[65536];
	size_t left = e->size;
	struct stat st;
	int fd, r = 0;

	fd = open(e->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		seterr(a->err, "%s: %s", e->src, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != e->size) {
		seterr(a->err, "%s: changed size while being packed", e->src);
		close(fd);
		return -EIO;
	}
	while (left > 0) {
		ssize_t k = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO;
			seterr(a->err, "%s: %s", e->src,
			       k < 0 ? strerror(errno) : "shorter than it was");
			break;
		}
		r = wr_all(w, buf, (size_t)k);
		if (r < 0) {
			seterr(a->err, "writing the archive: %s", strerror(-r));
			break;
		}
		left -= (size_t)k;
	}
	close(fd);
	return r;
}

int cpio_write(struct cpio_archive *a, int fd)
{
	struct wr w = { .fd = fd };
	struct cpio_hdr h;
	int r = cpio_finish(a);

	if (r < 0)
		return r;
	for (size_t i = 0; i < a->n; i++) {
		const struct cpio_entry *e = &a->ent[i];
		int dir = S_ISDIR(e->mode);

		h = (struct cpio_hdr){
			.ino = (uint32_t)(i + 1),
			.mode = e->mode,
			.nlink = dir ? 2 : 1,
			.mtime = a->mtime,
			.filesize = dir ? 0 : (uint32_t)e->size,
			.namesize = (uint32_t)strlen(e->name) + 1,
		};
		r = wr_header(&w, &h, e->name);
		if (r < 0)
			goto werr;
		if (dir)
			continue;
		if (e->src) {
			r = wr_copy(a, &w, e);
			if (r < 0)
				return r;
		} else {
			r = wr_all(&w, e->data, e->size);
			if (r < 0)
				goto werr;
		}
		r = wr_pad(&w);
		if (r < 0)
			goto werr;
	}
	h = (struct cpio_hdr){ .nlink = 1, .namesize = sizeof(CPIO_TRAILER) };
	r = wr_header(&w, &h, CPIO_TRAILER);
	if (r == 0)
		return 0;
werr:
	seterr(a->err, "writing the archive: %s", strerror(-r));
	return r;
}

/* ---- modules.dep ---- */

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
		o += (size_t)snprintf(d->err, CPIO_ERR_LEN, "dependency cycle in modules.dep:");
		for (size_t k = from; k <= depth && o < CPIO_ERR_LEN; k++)
			o += (size_t)snprintf(d->err + o, CPIO_ERR_LEN - o, "%s %s",
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
