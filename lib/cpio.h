/*
 * cpio.h: a reproducible writer of cpio "newc" archives (the format Linux
 * unpacks as initramfs, Documentation/driver-api/early-userspace/
 * buffer-format.rst). nestlab-mkinitramfs packs L1's initramfs with it
 * (docs/initramfs.md); the testbed's /init sends its results back as one
 * (tests/testbed/init.c).
 *
 * Reproducible means: the bytes depend on the names, modes and contents
 * given, never on the order they were given in, the clock, the user or the
 * source files' inodes. Entries are sorted by name (which puts every
 * directory before what is in it), missing parent directories are added,
 * uid/gid are 0, every entry has the same mtime, inode numbers count from 1
 * in archive order, files have nlink 1 and directories 2.
 *
 * Library code: every function returns 0 or a negative errno and leaves a
 * one-line description of what went wrong in the err[] of its object; it
 * never prints and never exits.
 */
#ifndef NESTLAB_CPIO_H
#define NESTLAB_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_HDR_LEN 110		/* "070701" + 13 fields of 8 hex digits */
#define CPIO_MAGIC "070701"
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_ERR_LEN 512

/* The 13 numeric fields of a newc header, in file order. */
struct cpio_hdr {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	uint32_t namesize;		/* strlen(name) + 1 (the NUL) */
	uint32_t check;			/* always 0 in newc */
};

/* Writes h as exactly CPIO_HDR_LEN bytes (no NUL) at out. */
void cpio_hdr_format(char out[CPIO_HDR_LEN], const struct cpio_hdr *h);
/* Reads a header back; -EINVAL if the magic or a hex digit is wrong. */
int cpio_hdr_parse(const char in[CPIO_HDR_LEN], struct cpio_hdr *h);
/* Zero bytes needed after off to reach a multiple of 4. */
static inline size_t cpio_pad4(size_t off) { return (4 - (off & 3)) & 3; }

/*
 * Normalises an archive path: dest must be absolute; empty and "."
 * components are dropped, ".." is refused (-EINVAL), and "/" alone names no
 * entry (-EINVAL). out receives the name as stored, without the leading
 * '/' ("/lib//modules/" -> "lib/modules"). -ENAMETOOLONG if it does not fit.
 */
int cpio_path_norm(const char *dest, char *out, size_t outlen);

/*
 * Parses $SOURCE_DATE_EPOCH: a decimal number of seconds, 0..2^32-1 (newc
 * keeps 8 hex digits). NULL or "" gives 0. -EINVAL otherwise.
 */
int cpio_epoch_parse(const char *s, uint32_t *mtime);

struct cpio_entry {
	char *name;		/* normalised, no leading '/' */
	uint32_t mode;		/* S_IFDIR or S_IFREG, with permission bits */
	char *src;		/* regular file copied from here, or NULL */
	void *data;		/* ... or these bytes (src == NULL) */
	size_t size;
	int implicit;		/* a parent directory nobody named */
};

struct cpio_archive {
	struct cpio_entry *ent;
	size_t n, cap;
	uint32_t mtime;
	int finished;		/* cpio_finish ran; entries are in archive order */
	char err[CPIO_ERR_LEN];
};

void cpio_init(struct cpio_archive *a, uint32_t mtime);
void cpio_free(struct cpio_archive *a);

/* An empty directory (mode 0755). */
int cpio_add_dir(struct cpio_archive *a, const char *dest);
/*
 * The regular file src (symlinks followed), copied when the archive is
 * written. mode < 0: 0755 if src has any execute bit, else 0644; otherwise
 * mode & 07777. src is opened here so that a missing or unreadable file is
 * reported now, not halfway through writing.
 */
int cpio_add_file(struct cpio_archive *a, const char *dest, const char *src,
		  int mode);
/* A regular file holding a copy of data[0..len). */
int cpio_add_data(struct cpio_archive *a, const char *dest, const void *data,
		  size_t len, unsigned mode);

/*
 * Adds the missing parent directories, sorts the entries into archive order
 * and refuses a name given twice (-EEXIST) or a path through a file
 * (-ENOTDIR). Idempotent; cpio_write calls it.
 */
int cpio_finish(struct cpio_archive *a);
/* Writes the archive and its trailer to fd. -EIO/-ENOSPC/... on I/O errors. */
int cpio_write(struct cpio_archive *a, int fd);

/*
 * The stream cpio_write writes through, for a writer that walks its files
 * as it sends them and must not stop at one that changes underneath it
 * (the testbed's /init sends back whatever a command left in /out, where a
 * process it started may still be writing). Entries go out in the order
 * given, with inode numbers from 1; the caller keeps names sorted and
 * parents first. Each call returns 0 or the write's negative errno.
 */
struct cpio_stream {
	int fd;
	size_t off;		/* bytes written so far: padding is relative to it */
	uint32_t ino;		/* the last inode number given */
	uint32_t mtime;
};

void cpio_stream_init(struct cpio_stream *s, int fd, uint32_t mtime);
/*
 * The header of the entry name (as stored: no leading '/') with mode
 * (S_IFDIR or S_IFREG | permissions) and, for a file, size bytes of data
 * to follow: exactly size bytes through cpio_stream_data, then
 * cpio_stream_pad.
 */
int cpio_stream_entry(struct cpio_stream *s, const char *name, uint32_t mode,
		      uint32_t size);
int cpio_stream_data(struct cpio_stream *s, const void *buf, size_t len);
/* Zero bytes up to the next multiple of 4 of the stream's offset. */
int cpio_stream_pad(struct cpio_stream *s);
/* The TRAILER!!! entry that ends the archive. */
int cpio_stream_trailer(struct cpio_stream *s);

#endif
