/* SPDX-License-Identifier: MIT */
/*
 * guest-linux: the Linux L2 (docs/guest-linux.md). Its /init, l2init,
 * runs one of SPEC CPU2006's programs (as Debian ships it) on an input
 * generated from a seed, checks the output and sends one nestlab-l2/1
 * document down through the document port. The same binary, run at L0
 * with --native, runs the same programs on the same input and gives the
 * reference checksum. The map of its files.
 */
#ifndef NESTLAB_L2_H
#define NESTLAB_L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define L2_MSG 256
#define L2_MAX_STEPS 4
#define L2_MAX_ARGS 16

/* ---- l2params.c: what to run, from nl2.* words (docs/guest-linux.md) ---- */
enum l2_fail { L2_FAIL_NONE, L2_FAIL_PANIC, L2_FAIL_EXIT };
struct l2_params {
	char program[16];    /* bzip2, gnugo, hmmer, mcf */
	uint64_t size;       /* bytes of input (gnugo: its cache) */
	uint64_t seed;
	uint32_t iters;      /* bzip2 round trips, gnugo moves, hmmer searches */
	enum l2_fail fail;   /* a fault the test suite asks for */
};
/* Parses space-separated words; words without the nl2. prefix are
 * ignored (the rest of a kernel command line). 0 or -EINVAL with msg. */
int l2_parse(const char *words, struct l2_params *p, char *msg, size_t n);

/* ---- l2prog.c: the programs, their inputs and steps ---- */
/* nestlab's own static workload program (workloads/native.c), packed at
 * this path: mcf is not in Debian, so 429.mcf runs the same Löbel-style
 * solver guest-kernel runs, as a process of the Linux L2. */
#define L2_WORKLOAD_PATH "/usr/bin/nestlab-workload"

struct l2_step {
	const char *name;
	const char *argv[L2_MAX_ARGS];   /* argv[0]: the program's guest path */
	const char *in, *out;            /* in the work directory; NULL: none */
	const char *sum;                 /* the file whose checksum counts (out if NULL) */
	const char *const *skip;         /* its lines that may differ run to run */
	bool own;                        /* argv[0] is L2_WORKLOAD_PATH, not Debian's */
};
struct l2_plan {
	struct l2_step step[L2_MAX_STEPS];
	unsigned int n;
	uint64_t input_bytes;
	char buf[256];                   /* the steps' numeric arguments */
	size_t used;
};
struct l2_prog {
	const char *name;
	const char *const *files;        /* guest paths the initramfs must hold */
	/* writes the inputs into the current directory and plans the steps */
	int (*prepare)(const struct l2_params *p, struct l2_plan *pl, char *msg, size_t n);
	/* after the steps: checks their outputs (bzip2: the round trip,
	 * hmmer: the family found). A program whose output bytes depend on
	 * the CPU model (floating point) sets *sum to a checksum of what it
	 * found instead; NULL: the outputs are exact */
	int (*check)(const struct l2_plan *pl, uint64_t *sum, char *msg, size_t n);
	const char *sum_of;              /* what the run's checksum covers */
};
const struct l2_prog *l2_prog_find(const char *name);
/* 64-bit FNV-1a of a file, skipping lines that start with one of the
 * prefixes (a date in an HMM file); -errno when it cannot be read. */
int l2_sum_file(const char *path, const char *const *skip, uint64_t *sum,
		uint64_t *bytes);

/* ---- l2exec.c: one step as a child process ---- */
struct l2_step_result {
	int status;           /* wait status */
	uint64_t wall_ns;
	uint64_t out_bytes, sum;
	char error[L2_MSG];
};
/* root: NULL in the VM (programs at their guest paths); at L0 the tree
 * they were packed from, run through its own dynamic loader. own: at L0,
 * the static nestlab-workload a step with own set runs (it is not in the
 * tree: meson builds it); NULL in the VM. */
int l2_exec(const char *root, const char *own, const struct l2_step *s,
	    struct l2_step_result *r);
uint64_t l2_now_ns(void);

#endif
