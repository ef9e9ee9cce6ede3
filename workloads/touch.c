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
	for (uint64_t it = 1; it < p->iters; it++)
		for (uint64_t i = 0; i < pages; i++) {
			volatile uint64_t *w = (volatile uint64_t *)(a + i * PAGE + (it % 8) * 8);

			*w = *w + it;
		}
	for (uint64_t i = 0; i < pages; i++) {
		const uint64_t *w = (const uint64_t *)(a + i * PAGE);
		uint64_t m = (p->iters - 1) / 8;  /* passes that hit word 0 */
		uint64_t want = (p->seed ^ (i * 0x9e3779b97f4a7c15ull)) + 4 * m * (m + 1);
		if (w[0] != want) {
			wl_log(env, "touch: page ", i, " lost its value");
			return -1;
		}
		for (unsigned int k = 0; k < 8; k++)
			h = wl_mix(h, w[k]);
	}
	r->checksum = h;
	r->work = pages * p->iters;
	return 0;
}
