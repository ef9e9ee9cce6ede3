/*
 * cpio.c: the newc archive writer (cpio.h).
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

/* ---- the stream ---- */

void cpio_stream_init(struct cpio_stream *s, int fd, uint32_t mtime)
{
	*s = (struct cpio_stream){ .fd = fd, .mtime = mtime };
}

int cpio_stream_data(struct cpio_stream *s, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t k = write(s->fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		len -= (size_t)k;
		s->off += (size_t)k;
	}
	return 0;
}

int cpio_stream_pad(struct cpio_stream *s)
{
	static const char zero[4];

	return cpio_stream_data(s, zero, cpio_pad4(s->off));
}

static int stream_header(struct cpio_stream *s, const struct cpio_hdr *h,
			 const char *name)
{
	char buf[CPIO_HDR_LEN];
	int r;

	cpio_hdr_format(buf, h);
	r = cpio_stream_data(s, buf, sizeof(buf));
	if (r == 0)
		r = cpio_stream_data(s, name, h->namesize);	/* with the NUL */
	if (r == 0)
		r = cpio_stream_pad(s);
	return r;
}

int cpio_stream_entry(struct cpio_stream *s, const char *name, uint32_t mode,
		      uint32_t size)
{
	int dir = S_ISDIR(mode);
	struct cpio_hdr h = {
		.ino = ++s->ino,
		.mode = mode,
		.nlink = dir ? 2 : 1,
		.mtime = s->mtime,
		.filesize = dir ? 0 : size,
		.namesize = (uint32_t)strlen(name) + 1,
	};

	return stream_header(s, &h, name);
}

int cpio_stream_trailer(struct cpio_stream *s)
{
	struct cpio_hdr h = { .nlink = 1, .namesize = sizeof(CPIO_TRAILER) };

	return stream_header(s, &h, CPIO_TRAILER);
}

/* ---- writing ---- */

/* Copies exactly e->size bytes of e->src (the size seen when it was added). */
static int wr_copy(struct cpio_archive *a, struct cpio_stream *w,
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
		r = cpio_stream_data(w, buf, (size_t)k);
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
	struct cpio_stream w;
	int r = cpio_finish(a);

	if (r < 0)
		return r;
	/* Inode numbers count from 1 in archive order: entry i is i + 1. */
	cpio_stream_init(&w, fd, a->mtime);
	for (size_t i = 0; i < a->n; i++) {
		const struct cpio_entry *e = &a->ent[i];

		r = cpio_stream_entry(&w, e->name, e->mode, (uint32_t)e->size);
		if (r < 0)
			goto werr;
		if (S_ISDIR(e->mode))
			continue;
		if (e->src) {
			r = wr_copy(a, &w, e);
			if (r < 0)
				return r;
		} else {
			r = cpio_stream_data(&w, e->data, e->size);
			if (r < 0)
				goto werr;
		}
		r = cpio_stream_pad(&w);
		if (r < 0)
			goto werr;
	}
	r = cpio_stream_trailer(&w);
	if (r == 0)
		return 0;
werr:
	seterr(a->err, "writing the archive: %s", strerror(-r));
	return r;
}
