/* SPDX-License-Identifier: MIT */
/* l2words.c: a Linux L2's nl2.* words, for fuzz_l2spec. */
#ifndef NESTLAB_FUZZ_L2WORDS_H
#define NESTLAB_FUZZ_L2WORDS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_l2_words {
	char program[16];
	uint64_t size, seed, iters;
	const char *fail; /* "none", "exit", "panic" */
};
/* l2_parse's result and, when 0, what it read. */
int fuzz_l2_words(const char *line, struct fuzz_l2_words *w, char *msg, size_t n);

#endif
