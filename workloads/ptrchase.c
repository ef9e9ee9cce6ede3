// SPDX-License-Identifier: MIT
/*
 * ptrchase: a random cyclic pointer chase over the whole footprint. Each
 * node is a 64-byte cache line whose first word is the next node's index;
 * the permutation is one cycle (Sattolo's algorithm), so every hop is a
 * dependent load to a random line and, over a large footprint, a TLB miss.
 */
#include "wl_lib.h"

#define NODE_WORDS 8  /* 64 bytes */

int wl_ptrchase(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	uint64_t n = p->footprint / (NODE_WORDS * 8);
	uint64_t *nodes = env->arena;
	uint64_t s = p->seed, h = 0, cur = 0, hops = 0;

	if (n < 2)
		return -1;
	/* Sattolo: a uniformly random single cycle through all n nodes. The
	 * permutation is built in place in the first words. */
	for (uint64_t i = 0; i < n; i++)
		nodes[i * NODE_WORDS] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = wl_rand(&s, i);
		uint64_t t = nodes[i * NODE_WORDS];

		nodes[i * NODE_WORDS] = nodes[j * NODE_WORDS];
		nodes[j * NODE_WORDS] = t;
	}
	/* Self-check on the first lap: back at the start after exactly n. */
	do {
		cur = nodes[cur * NODE_WORDS];
		hops++;
	} while (cur != 0 && hops <= n);
	if (hops != n) {
		wl_log(env, "ptrchase: the chase is not one cycle (", hops, " hops)");
		return -1;
	}
	for (uint64_t it = 0; it < p->iters; it++)
		for (uint64_t k = 0; k < n; k++) {
			cur = nodes[cur * NODE_WORDS];
			h += cur ^ k;
		}
	r->checksum = wl_mix(h, cur);
	r->work = p->iters * n;
	return 0;
}
