// SPDX-License-Identifier: MIT
/*
 * touch: the first write to every 4 KiB page of the footprint, then more
 * passes over the same pages. The first pass is bound by the page-fault
 * path (guest kernel, and under shadow paging the hypervisor too); later
 * passes show what a mapped page costs.
 */
#include "wl_lib.h"

#define PAGE 4096u

int wl_touch(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	uint64_t pages = p->footprint / PAGE;
	uint8_t *a = env->arena;
	uint64_t h = 0;

	for (uint64_t i = 0; i < pages; i++)
		*(volatile uint64_t *)(a + i * PAGE) = p->seed ^ (i * 0x9e3779b97f4a7c15ull);
	/* Later passes: a read and a write of the same word of every page, so
	 * the result does not depend on what the arena held before. */
	for (uint64_t it = 1; it < p->iters; it++)
		for (uint64_t i = 0; i < pages; i++) {
			volatile uint64_t *w = (volatile uint64_t *)(a + i * PAGE);

			*w = *w + it;
		}
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t w = *(const volatile uint64_t *)(a + i * PAGE);
		uint64_t want = (p->seed ^ (i * 0x9e3779b97f4a7c15ull)) +
				p->iters * (p->iters - 1) / 2;

		if (w != want) {
			wl_log(env, "touch: page ", i, " lost its value");
			return -1;
		}
		h = wl_mix(h, w);
	}
	r->checksum = h;
	r->work = pages * p->iters;
	return 0;
}
