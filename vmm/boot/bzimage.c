// SPDX-License-Identifier: MIT
/*
 * bzImage parsing (x86 boot protocol, Documentation/arch/x86/boot.rst).
 *
 * A bzImage is: a boot sector (512 bytes, with the setup header from 0x1f1),
 * setup_sects more sectors of real-mode setup code, then the protected-mode
 * kernel (a small decompressor plus the compressed vmlinux). nestlab never
 * runs the real-mode part: it reads the setup header, loads only the
 * protected-mode kernel and enters it at its 64-bit entry point. So the
 * checks here are about what that path needs: a modern enough protocol, a
 * 64-bit entry point, and a file that really holds what the header declares.
 *
 * All multi-byte fields are little-endian; they are read byte by byte so the
 * code does not depend on the host's alignment or byte order.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

#define HOFF(field) (BZ_OFF_HDR + offsetof(struct setup_header, field))

bool bzimage_is_bzimage(const uint8_t *buf, size_t len)
{
	return buf && len >= BZ_OFF_MAGIC + 4 &&
	       rd16(buf + BZ_OFF_BOOT_FLAG) == BZ_BOOT_FLAG &&
	       rd32(buf + BZ_OFF_MAGIC) == BZ_MAGIC;
}

int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage *out,
		  struct nl_err *err)
{
	size_t hdr_end;
	uint64_t syssize;

	memset(out, 0, sizeof(*out));
	if (!buf || len < BZ_OFF_BOOT_FLAG + 2 ||
	    rd16(buf + BZ_OFF_BOOT_FLAG) != BZ_BOOT_FLAG) {
		nl_seterr(err, "not a bzImage: no boot sector signature 0xAA55 at offset 0x1FE");
		return -EINVAL;
	}
	if (len < BZ_OFF_VERSION + 2) {
		nl_seterr(err, "bzImage truncated: file is %zu bytes, shorter than the setup header",
			  len);
		return -EINVAL;
	}
	if (rd32(buf + BZ_OFF_MAGIC) != BZ_MAGIC) {
		/* A boot sector without "HdrS" is a pre-2.0 zImage or not Linux. */
		nl_seterr(err, "not a bzImage: no \"HdrS\" setup header magic at offset 0x202");
		return -EINVAL;
	}
	out->version = rd16(buf + BZ_OFF_VERSION);
	if (out->version < BZ_MIN_VERSION) {
		nl_seterr(err, "bzImage boot protocol %u.%02u is too old: nestlab needs %u.%02u or later (64-bit entry flagged in xloadflags)",
			  out->version >> 8, out->version & 0xff,
			  BZ_MIN_VERSION >> 8, BZ_MIN_VERSION & 0xff);
		return -EINVAL;
	}
	/* The jump at 0x200 is "jmp rel8" over the header: its operand says
	 * where the header ends, so newer loaders copy exactly that much. */
	hdr_end = BZ_OFF_JUMP + 2 + buf[BZ_OFF_JUMP + 1];
	if (hdr_end < BZ_MIN_HDR_END) {
		nl_seterr(err, "bzImage setup header ends at 0x%zx, but protocol %u.%02u needs it to reach 0x%zx",
			  hdr_end, out->version >> 8, out->version & 0xff,
			  (size_t)BZ_MIN_HDR_END);
		return -EINVAL;
	}
	if (len < hdr_end) {
		nl_seterr(err, "bzImage truncated: file is %zu bytes, shorter than its setup header (0x%zx bytes)",
			  len, hdr_end);
		return -EINVAL;
	}
	out->hdr_len = hdr_end - BZ_OFF_HDR;
	if (out->hdr_len > sizeof(out->hdr))
		out->hdr_len = sizeof(out->hdr); /* newer fields than we know */
	memcpy(&out->hdr, buf + BZ_OFF_HDR, out->hdr_len);

	/* Protocol: "If this field is 0, the real value is 4." */
	out->setup_sects = buf[HOFF(setup_sects)] ? buf[HOFF(setup_sects)] : 4;
	out->pm_offset = (uint64_t)(out->setup_sects + 1) * 512;
	syssize = rd32(buf + HOFF(syssize));
	out->pm_size = syssize * 16;
	if (!syssize) {
		nl_seterr(err, "bzImage declares an empty protected-mode kernel (syssize 0)");
		return -EINVAL;
	}
	if (len < out->pm_offset + out->pm_size) {
		nl_seterr(err, "bzImage truncated: file is %zu bytes, but its kernel ends at %llu (setup %u sectors + syssize %llu x 16)",
			  len, (unsigned long long)(out->pm_offset + out->pm_size),
			  out->setup_sects, (unsigned long long)syssize);
		return -EINVAL;
	}

	out->loadflags = buf[HOFF(loadflags)];
	out->xloadflags = rd16(buf + HOFF(xloadflags));
	out->relocatable = buf[HOFF(relocatable_kernel)] != 0;
	out->kernel_alignment = rd32(buf + HOFF(kernel_alignment));
	out->pref_address = rd64(buf + HOFF(pref_address));
	out->init_size = rd32(buf + HOFF(init_size));
	out->initrd_addr_max = rd32(buf + HOFF(initrd_addr_max));
	out->cmdline_size = rd32(buf + HOFF(cmdline_size));

	if (!(out->xloadflags & XLF_KERNEL_64)) {
		nl_seterr(err, "bzImage has no 64-bit entry point (xloadflags 0x%x lacks XLF_KERNEL_64): a 32-bit kernel?",
			  out->xloadflags);
		return -EINVAL;
	}
	if (!(out->loadflags & LOADED_HIGH)) {
		nl_seterr(err, "bzImage is not loaded high (loadflags 0x%x lacks LOADED_HIGH): a zImage?",
			  out->loadflags);
		return -EINVAL;
	}
	if (out->relocatable && (out->kernel_alignment == 0 ||
				 (out->kernel_alignment & (out->kernel_alignment - 1)))) {
		nl_seterr(err, "bzImage is relocatable but its kernel_alignment 0x%x is not a power of two",
			  out->kernel_alignment);
		return -EINVAL;
	}
	if (out->init_size < out->pm_size) {
		nl_seterr(err, "bzImage init_size 0x%x is smaller than the kernel it loads (0x%llx bytes)",
			  out->init_size, (unsigned long long)out->pm_size);
		return -EINVAL;
	}
	if (out->pref_address >= (1ull << 32)) {
		nl_seterr(err, "bzImage prefers to run at 0x%llx, above 4 GiB: not supported",
			  (unsigned long long)out->pref_address);
		return -EINVAL;
	}
	return 0;
}
