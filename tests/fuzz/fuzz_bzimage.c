// SPDX-License-Identifier: MIT
/*
 * bzimage_parse (vmm/boot/bzimage.c): the setup header of the kernel a
 * user names with --kernel. What it accepts, boot_linux_setup trusts:
 * the protected-mode kernel inside the file, a 64-bit entry, a power of
 * two alignment, init_size covering the kernel.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "nestlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bzimage bz;
	struct nl_err err;
	int r;

	memset(&err, 0x5a, sizeof(err));
	r = bzimage_parse(size ? data : NULL, size, &bz, &err);
	if (r) {
		FUZZ_CHECK(r == -EINVAL, "bzimage_parse: %d", r);
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) && err.msg[0] &&
			   !strchr(err.msg, '\n'), "message '%.60s'", err.msg);
		return 0;
	}
	FUZZ_CHECK(bzimage_is_bzimage(data, size), "parsed, but the sniff says no");
	FUZZ_CHECK(bz.version >= BZ_MIN_VERSION, "protocol 0x%x", bz.version);
	FUZZ_CHECK(bz.hdr_len > 0 && bz.hdr_len <= sizeof(bz.hdr) &&
		   BZ_OFF_HDR + bz.hdr_len <= size, "header of %zu bytes", bz.hdr_len);
	FUZZ_CHECK(!memcmp(&bz.hdr, data + BZ_OFF_HDR, bz.hdr_len), "header not as in the file");
	FUZZ_CHECK(bz.setup_sects >= 1 && bz.setup_sects <= 255, "%u setup sectors",
		   bz.setup_sects);
	FUZZ_CHECK(bz.pm_size > 0 && bz.pm_offset + bz.pm_size <= size &&
		   bz.pm_offset + bz.pm_size > bz.pm_offset, "kernel at %llu+%llu of %zu",
		   (unsigned long long)bz.pm_offset, (unsigned long long)bz.pm_size, size);
	FUZZ_CHECK(bz.xloadflags & XLF_KERNEL_64, "no 64-bit entry");
	FUZZ_CHECK(bz.loadflags & LOADED_HIGH, "not loaded high");
	FUZZ_CHECK(!bz.relocatable ||
		   (bz.kernel_alignment && !(bz.kernel_alignment & (bz.kernel_alignment - 1))),
		   "alignment 0x%x", bz.kernel_alignment);
	FUZZ_CHECK(bz.init_size >= bz.pm_size, "init_size 0x%x", bz.init_size);
	FUZZ_CHECK(bz.pref_address < (1ull << 32), "pref_address 0x%llx",
		   (unsigned long long)bz.pref_address);
	return 0;
}
