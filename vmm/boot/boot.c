// SPDX-License-Identifier: MIT
/*
 * Which boot path a kernel file takes, told by its contents: a guest-kernel
 * ELF, a Linux vmlinux (an ELF with "Linux" notes) or a bzImage. The choice
 * is made once, here, and recorded as vm->boot; nothing else asks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nestlab.h"

#define KERNEL_FILE_MAX (512ull << 20)

int boot_open_regular(const char *path, const char *what, uint64_t *size,
		      struct nl_err *err)
{
	struct stat st;
	int fd, e;

	/* O_NONBLOCK: a FIFO must not block the open before its type is
	 * known; reads of a regular file ignore the flag. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		nl_seterr(err, "%s %s: %s", what, path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		nl_seterr(err, "%s %s: %s", what, path,
			  S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int boot_read_file(const char *path, const char *what, uint64_t max,
		   uint8_t **buf, size_t *len, struct nl_err *err)
{
	uint64_t size, got = 0;
	int fd;

	*buf = NULL;
	if ((fd = boot_open_regular(path, what, &size, err)) < 0)
		return fd == -ENOMEM ? fd : -EINVAL;  /* a name that does not work is bad input */
	if (size > max) {
		nl_seterr(err, "%s %s: %" PRIu64 " MiB is larger than %" PRIu64 " MiB", what,
			  path, size >> 20, max >> 20);
		close(fd);
		return -EINVAL;
	}
	*buf = malloc(size ? (size_t)size : 1);
	while (*buf && got < size) {
		ssize_t n = read(fd, *buf + got, (size_t)(size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	close(fd);
	if (!*buf || got != size) {
		/* A file that shrank while being read is not the file named. */
		int rc = *buf ? -EINVAL : -ENOMEM;

		nl_seterr(err, "%s %s: %s", what, path, *buf ? "read failed" : "out of memory");
		free(*buf);
		*buf = NULL;
		return rc;
	}
	*len = (size_t)size;
	return 0;
}

int boot_load(struct nl_vm *vm, struct nl_err *err)
{
	const char *path = vm->cfg->kernel;
	bool vmlinux = false;
	uint8_t *k;
	size_t klen;
	int rc;

	/* A vmlinux is loaded segment by segment, never read whole; a file
	 * the probe cannot open is reported by boot_read_file() below. */
	if (!vmlinux_probe(path, &vmlinux, err) && vmlinux) {
		vm->boot = &boot_linux_ops;
		return vm->boot->load(vm, NULL, 0, err);
	}
	if ((rc = boot_read_file(path, "--kernel", KERNEL_FILE_MAX, &k, &klen, err)))
		return rc;
	if (elf_is_elf(k, klen))
		vm->boot = &boot_gk_ops;
	else if (bzimage_is_bzimage(k, klen))
		vm->boot = &boot_linux_ops;
	else {
		nl_seterr(err, "%s: not an ELF file or a bzImage", path);
		free(k);
		return -EINVAL;
	}
	rc = vm->boot->load(vm, k, klen, err);
	free(k);
	return rc;
}
