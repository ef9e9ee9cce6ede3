/* SPDX-License-Identifier: MIT */
/*
 * bzImage parsing: the x86 Linux boot protocol's setup header
 * (Documentation/arch/x86/boot.rst), read from a byte buffer and checked
 * before anything is written into guest memory. docs/linux-boot.md explains
 * each field and check.
 */
#ifndef NESTLAB_BZIMAGE_H
#define NESTLAB_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "nestlab.h"

/* File offsets of the setup header (boot.rst, "The real-mode kernel header"). */
#define BZ_OFF_HDR        0x1f1  /* struct setup_header starts here */
#define BZ_OFF_BOOT_FLAG  0x1fe  /* 0xAA55 */
#define BZ_OFF_JUMP       0x200  /* 2 bytes: jmp rel8; the rel8 gives the header end */
#define BZ_OFF_MAGIC      0x202  /* "HdrS" */
#define BZ_OFF_VERSION    0x206
#define BZ_BOOT_FLAG      0xaa55
#define BZ_MAGIC          0x53726448u /* "HdrS" little-endian */

/*
 * Oldest protocol nestlab boots: 2.12 is the first with xloadflags, so it is
 * the first where "this kernel has a 64-bit entry point" (XLF_KERNEL_64) can
 * be checked rather than guessed. It also brings cmdline_size (2.06),
 * relocatable_kernel and kernel_alignment (2.05), pref_address and
 * init_size (2.10), which the loader needs.
 */
#define BZ_MIN_VERSION    0x020c
/* The setup header must reach at least to the end of init_size (2.10). */
#define BZ_MIN_HDR_END    (BZ_OFF_HDR + offsetof(struct setup_header, handover_offset))
/* The 64-bit entry point is this far past the protected-mode kernel's start. */
#define BZ_ENTRY64_OFFSET 0x200

struct bzimage {
	/* The setup header exactly as in the file (hdr_len bytes), zero after. */
	struct setup_header hdr;
	size_t hdr_len;
	uint16_t version;          /* 0x020f = 2.15 */
	unsigned int setup_sects;  /* after the "0 means 4" rule */
	uint64_t pm_offset;        /* file offset of the protected-mode kernel */
	uint64_t pm_size;          /* bytes to load: syssize * 16 */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t kernel_alignment; /* power of two when relocatable */
	uint64_t pref_address;
	uint32_t init_size;        /* linear memory needed from the runtime start */
	uint32_t initrd_addr_max;  /* highest byte address an initrd may use */
	uint32_t cmdline_size;     /* longest command line, without its NUL */
};

/* Cheap sniff: boot sector flag 0xAA55 and "HdrS". Used to tell a bzImage
 * from an ELF before choosing a loader. */
bool bzimage_is_bzimage(const uint8_t *buf, size_t len);

/* Parses and checks the setup header of the bzImage in buf. Returns 0 or
 * -EINVAL with a one-line message: not a bzImage, protocol too old,
 * truncated, no 64-bit entry point, or an inconsistent header. */
int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage *out,
		  struct nl_err *err);

#endif /* NESTLAB_BZIMAGE_H */
