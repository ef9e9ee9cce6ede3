/* SPDX-License-Identifier: MIT */
/*
 * An ELF file opened for libelf, checked to be a regular file first: the
 * one open sequence of elf_load.c (loading) and vmlinux.c (probing notes).
 */
#ifndef NESTLAB_ELF_FILE_H
#define NESTLAB_ELF_FILE_H

#include <libelf.h>
#include <stdint.h>

#include "nestlab.h"

struct elf_file {
	int fd;
	uint64_t size;   /* bytes in the file: bounds every offset in it */
	Elf *e;          /* any kind: the caller checks elf_kind() */
};

/* Returns 0, or a negative errno with a one-line message naming path
 * (-errno when it cannot be opened, -EINVAL otherwise). */
int elf_open(const char *path, struct elf_file *f, struct nl_err *err);
void elf_close(struct elf_file *f);

#endif /* NESTLAB_ELF_FILE_H */
