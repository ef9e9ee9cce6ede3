// SPDX-License-Identifier: MIT
/*
 * fuzz_l2spec's view of what a Linux L2 reads from its command line
 * (guest-linux/l2params.c). A file of its own: guest-linux/l2.h and
 * lib/l2spec.h both name their L2_FAIL_* constants, with other values.
 */
#include <string.h>

#include "l2.h"
#include "l2words.h"

int fuzz_l2_words(const char *line, struct fuzz_l2_words *w, char *msg, size_t n)
{
	static const char *const fails[] = {
		[L2_FAIL_NONE] = "none", [L2_FAIL_PANIC] = "panic", [L2_FAIL_EXIT] = "exit",
	};
	struct l2_params p;
	int r = l2_parse(line, &p, msg, n);

	if (r)
		return r;
	memcpy(w->program, p.program, sizeof(w->program));
	w->size = p.size;
	w->seed = p.seed;
	w->iters = p.iters;
	w->fail = fails[p.fail];
	return 0;
}
