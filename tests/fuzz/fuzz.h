/* SPDX-License-Identifier: MIT */
/*
 * What the harnesses share (docs/fuzzing.md). A harness checks a
 * property with FUZZ_CHECK: a failed one is a finding like a crash, so it
 * aborts, and libFuzzer (or tests/fuzz/driver.c) keeps the input.
 */
#ifndef NESTLAB_FUZZ_H
#define NESTLAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, \
				__LINE__, #cond);                               \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

#endif /* NESTLAB_FUZZ_H */
