/*
 * cpio.h: a reproducible writer of cpio "newc" archives (the format Linux
 * unpacks as initramfs, Documentation/driver-api/early-userspace/
 * buffer-format.rst), and the modules.dep resolver nestlab-mkinitramfs
 * packs kernel modules with (docs/initramfs.md).
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
 * modules.dep, as scripts/get-kernel.sh writes it (depmod's format):
 *     kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko
 * one module a line, then what it needs. Paths are allowed
 * (kernel/arch/x86/kvm/kvm.ko); a module is named by its file name without
 * directory and .ko, with '-' and '_' the same ("kvm-amd" = "kvm_amd").
 */
struct moddep_mod {
	char *file;		/* as written in modules.dep */
	char *name;		/* base name, no .ko*, '-' -> '_' */
	char **deps;		/* as written */
	size_t ndeps;
	int state;		/* resolver: 0 new, 1 visiting, 2 done */
};

struct moddep {
	struct moddep_mod *m;
	size_t n, cap;
	char err[CPIO_ERR_LEN];
};

void moddep_init(struct moddep *d);
void moddep_free(struct moddep *d);
/* Parses text[0..len); origin names it in errors. -EINVAL on a bad line. */
int moddep_parse(struct moddep *d, const char *text, size_t len,
		 const char *origin);
/* Reads and parses the file path. */
int moddep_load(struct moddep *d, const char *path);
/* "kernel/x/kvm-amd.ko.xz" -> "kvm_amd" (malloc'd), NULL without memory. */
char *moddep_name(const char *file);
/* The index of the module called name (either spelling), or -1. */
long moddep_find(const struct moddep *d, const char *name);

/*
 * The modules names[0..n) and everything they need, each after all of its
 * dependencies (dependencies in the order modules.dep lists them, the
 * requested modules in the order of their lines in modules.dep, so the
 * order given does not matter). *order (malloc'd) receives indexes into
 * d->m. -ENOENT: a name, or a dependency, has no line; -ELOOP: a cycle.
 */
int moddep_resolve(struct moddep *d, const char *const *names, size_t n,
		   size_t **order, size_t *norder);

/*
 * The modules.dep of just order[0..n): lines in load order, each listing
 * the module's dependencies (all of them, transitively) in load order, with
 * every path reduced to its file name ("kvm.ko: irqbypass.ko\n").
 */
int moddep_format(const struct moddep *d, const size_t *order, size_t n,
		  char **text, size_t *len);

/* The file name part of a path ("a/b/kvm.ko" -> "kvm.ko"). */
const char *moddep_basename(const char *path);

#endif
