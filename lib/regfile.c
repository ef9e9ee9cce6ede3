// SPDX-License-Identifier: MIT
/*
 * A regular file, opened and read with a bound (regfile.h). The open
 * never blocks: O_NONBLOCK, so that a FIFO is refused by fstat instead of
 * waiting for a writer (reads of a regular file ignore the flag). The
 * same check as vmm/boot/boot.c's boot_open_regular, for the programs
 * that do not link the VMM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regfile.h"

int regfile_open(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int regfile_read(const char *path, size_t max, char **buf, size_t *len,
		 char *err, size_t errlen)
{
	uint64_t size;
	size_t cap, got = 0;
	char *b;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = regfile_open(path, &size, err, errlen)) < 0)
		return fd;
	if (size > max) {
		snprintf(err, errlen, "%s: %llu bytes, larger than the %zu accepted", path,
			 (unsigned long long)size, max);
		close(fd);
		return -EFBIG;
	}
	/* room for one byte past the size at the open: a file that grew
	 * is read on, in steps, up to max + 1 bytes, so that the bound is
	 * the bytes read and not what fstat said */
	cap = (size_t)size + 2;
	if (!(b = malloc(cap))) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (got + 1 == cap) {
			size_t ncap = cap - 1 > max / 2 ? max + 2 : 2 * cap;
			char *nb = got > max ? NULL : realloc(b, ncap);

			if (got > max) {
				snprintf(err, errlen, "%s: larger than the %zu bytes accepted", path, max);
				free(b);
				close(fd);
				return -EFBIG;
			}
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			cap = ncap;
		}
		n = read(fd, b + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: %s", path, strerror(e));
			free(b);
			close(fd);
			return -EIO;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > max) {
		snprintf(err, errlen, "%s: larger than the %zu bytes accepted", path, max);
		free(b);
		return -EFBIG;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}
