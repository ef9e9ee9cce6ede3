/* SPDX-License-Identifier: MIT */
/*
 * The L2 VMs of a nested run (docs/nested.md): one parser for nestlab at
 * L0 and for l1-shim in L1, so that the two levels cannot disagree.
 */
#ifndef NESTLAB_LIB_L2SPEC_H
#define NESTLAB_LIB_L2SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- l2spec.c: the L2 VMs of a nested run (docs/nested.md) ---- */
#define L2_MAX 16                 /* L2 VMs in one L1 */
#define L2_KERNEL_MAX 64
struct l2_spec {
	char workload[16];
	uint64_t mem;
	uint64_t footprint;
	uint64_t iters, seed;
	unsigned int count;       /* identical VMs from this spec */
	unsigned int cpus;
	bool prebuilt;            /* guest-kernel paging: prebuilt, else demand */
	uint64_t page_size;       /* 4096 or 2 MiB */
	char kernel[L2_KERNEL_MAX]; /* path inside L1 */
	bool linux_guest;        /* guest=linux: a Linux L2 (guest-linux), else guest-kernel */
	unsigned int fail;       /* a Linux L2 failing on purpose: L2_FAIL_* (nl2.fail) */
	unsigned int resident;   /* guest-kernel's OS share, per cent of mem (resident=) */
	bool release;            /* guest-kernel gives its arena back at the end (release=) */
};
enum { L2_FAIL_NONE, L2_FAIL_EXIT, L2_FAIL_PANIC };
/* A Linux L2's kernel and initramfs inside L1 (docs/guest-linux.md); the
 * programs its /init runs, by the names guest-linux/l2prog.c gives them. */
#define L2_LINUX_KERNEL "/l2/bzImage"
#define L2_LINUX_INITRD "/l2/initrd.cpio"
#define L2_LINUX_PROGRAMS "bzip2, gnugo, hmmer, mcf"
/* "workload=mcf,mem=64M,footprint=24M[,iters=N][,seed=N][,count=N]
 * [,cpus=N][,paging=demand|prebuilt][,pagesize=4K|2M][,kernel=/PATH]
 * [,guest=kernel|linux][,fail=none|exit|panic][,resident=0..90][,release=0|1]" */
int l2spec_parse(const char *text, size_t len, struct l2_spec *s,
		 char *err, size_t errlen);
/* The canonical text of s (what l1-shim gets on L1's command line). */
int l2spec_format(const struct l2_spec *s, char *buf, size_t len);
/* The kernel command line of one VM of s: guest-kernel's words, or a
 * Linux L2's with the nl2.* words its /init reads. */
int l2spec_cmdline(const struct l2_spec *s, char *buf, size_t len);

#endif /* NESTLAB_LIB_L2SPEC_H */
