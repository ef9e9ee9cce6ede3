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

#include "nestlab.h"

#define KERNEL_FILE_MAX (512ull << 20)

int boot_read_file(const char *path, const char *what, uint64_t max,
		   uint8_t **buf, size_t *len, struct nl_err *err)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (!f) {
		int e = errno;

		nl_seterr(err, "%s %s: %s", what, path, strerror(e));
		return e == ENOENT || e == EACCES || e == EISDIR ? -EINVAL : -e;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		nl_seterr(err, "%s %s: not a regular file", what, path);
		fclose(f);
		return -EINVAL;
	}
	if ((uint64_t)n > max) {
		nl_seterr(err, "%s %s: %ld MiB is larger than %" PRIu64 " MiB", what, path,
			  n >> 20, max >> 20);
		fclose(f);
		return -EINVAL;
	}
	*buf = malloc(n ? (size_t)n : 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		nl_seterr(err, "%s %s: read failed", what, path);
		free(*buf);
		*buf = NULL;
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	*len = (size_t)n;
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
