/* SPDX-License-Identifier: MIT */
/*
 * Opening and reading a file that must be a regular file (lib/regfile.c):
 * what a program is given as input (a description, a measured TSV, a
 * result document). A FIFO, a device or a directory named by mistake gets
 * a clear error instead of a hang, an endless read or an empty result.
 * Plain C and POSIX: no KVM.
 */
#ifndef NESTLAB_LIB_REGFILE_H
#define NESTLAB_LIB_REGFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opens path read-only; *size gets its size at the open. Returns the fd,
 * or a negative errno with "PATH: why" in err: -EISDIR ("is a directory"),
 * -EINVAL ("is not a regular file"), or what open(2) said.
 */
int regfile_open(const char *path, uint64_t *size, char *err, size_t errlen);

/*
 * The whole regular file at path, at most max bytes, NUL-terminated in
 * *buf (the caller frees it; *len excludes the NUL). The bound holds for
 * a file that grows while it is read. Negative errno with "PATH: why" in
 * err: regfile_open's, -EFBIG (larger than max), -EIO, -ENOMEM.
 */
int regfile_read(const char *path, size_t max, char **buf, size_t *len,
		 char *err, size_t errlen);

#endif /* NESTLAB_LIB_REGFILE_H */
