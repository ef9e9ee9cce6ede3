// SPDX-License-Identifier: MIT
/*
 * elf_load and vmlinux_probe (vmm/boot/elf_load.c, vmlinux.c): the ELF
 * kernel a user names with --kernel, read through libelf and checked
 * header by header. Whatever loads must lie inside guest memory above
 * the floor and be entered inside an executable segment; what is refused
 * is refused with one line. They read a path, so each input goes into a
 * memfd, a regular file as far as they can tell.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "nestlab.h"

#define MEM (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nl_mem mem;
	static int fd = -1;
	static char path[64];
	struct elf_image img;
	struct bzimage bz;
	struct nl_err err;
	bool is_linux;
	int r;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz-elf", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		mem_attach(&mem, calloc(1, MEM), MEM);
		if (!mem.host)
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	memset(&err, 0x5a, sizeof(err));
	/* -EINVAL when libelf cannot begin on the file: boot.c then leaves
	 * the reason to elf_load */
	r = vmlinux_probe(path, &is_linux, &err);
	FUZZ_CHECK(r == 0 || (r == -EINVAL && !is_linux), "vmlinux_probe: %d %s", r, err.msg);

	memset(&err, 0x5a, sizeof(err));
	r = elf_load(path, &mem, NL_GPA_IMAGE_MIN, &img, &err);
	if (r) {
		FUZZ_CHECK(r == -EINVAL, "elf_load: %d %s", r, err.msg);
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) && err.msg[0] &&
			   !strchr(err.msg, '\n'), "message '%.60s'", err.msg);
		return 0;
	}
	FUZZ_CHECK(elf_is_elf(data, size), "loaded without the ELF magic");
	FUZZ_CHECK(img.nsegs >= 1 && img.nsegs <= 64, "%u segments", img.nsegs);
	FUZZ_CHECK(img.lo >= NL_GPA_IMAGE_MIN && img.lo < img.hi && img.hi <= MEM,
		   "loaded at 0x%llx..0x%llx", (unsigned long long)img.lo,
		   (unsigned long long)img.hi);
	FUZZ_CHECK(img.entry >= img.lo && img.entry < img.hi, "entry 0x%llx",
		   (unsigned long long)img.entry);
	if (is_linux && !vmlinux_header(&img, &bz, &err))
		FUZZ_CHECK(bz.pref_address == img.lo && bz.init_size == img.hi - img.lo,
			   "vmlinux header");
	return 0;
}
