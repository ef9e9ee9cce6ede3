/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux's uncompressed vmlinux ELF (vmlinux.c). docs/linux-boot.md
 * explains why and what the setup header holds.
 */
#ifndef NESTLAB_VMLINUX_H
#define NESTLAB_VMLINUX_H

#include <stdbool.h>

#include "bzimage.h"
#include "nestlab.h"

/* The owner name of the ELF notes every Linux kernel carries. */
#define VMLINUX_NOTE_OWNER   "Linux"
/* What arch/x86/boot/header.S says for every x86-64 kernel: */
#define VMLINUX_PROTOCOL     0x020f       /* boot protocol 2.15 */
#define VMLINUX_ALIGN        0x200000u    /* CONFIG_PHYSICAL_ALIGN's minimum */
#define VMLINUX_CMDLINE_SIZE 2047u        /* COMMAND_LINE_SIZE - 1 */
#define VMLINUX_INITRD_MAX   0x7fffffffu  /* highest initrd byte */

/* Sets *is_linux when path is an ELF file with a "Linux" note. Returns 0
 * (also for files that are not ELF: elf_load() reports those), or a
 * negative errno with a one-line message when path cannot be opened. */
int vmlinux_probe(const char *path, bool *is_linux, struct nl_err *err);

/* Fills bz with the setup header of the vmlinux that elf_load() put at
 * img: footprint [img->lo, img->hi), entry img->entry. Returns 0, or
 * -EINVAL with a message when the image cannot be entered as loaded. */
int vmlinux_header(const struct elf_image *img, struct bzimage *bz,
		   struct nl_err *err);

#endif /* NESTLAB_VMLINUX_H */
