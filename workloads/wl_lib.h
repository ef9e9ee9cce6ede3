/* SPDX-License-Identifier: MIT */
/* Helpers for freestanding workloads: PRNG, hashing, arena allocation. */
#ifndef NESTLAB_WL_LIB_H
#define NESTLAB_WL_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wl.h"

#define wl_memset __builtin_memset
#define wl_memcpy __builtin_memcpy

static inline uint64_t wl_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (bias is irrelevant for generated inputs). */
static inline uint64_t wl_rand(uint64_t *s, uint64_t n)
{
	return wl_splitmix(s) % n;
}

static inline uint64_t wl_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* A bump allocator over the workload's arena. */
struct wl_arena {
	uint8_t *base;
	uint64_t size, used;
};

static inline void *wl_alloc(struct wl_arena *a, uint64_t n)
{
	uint64_t off = (a->used + 63) & ~63ull;

	if (off > a->size || n > a->size - off)
		return NULL;
	a->used = off + n;
	return a->base + off;
}

/* Logs through the host, if it gave a log function. */
void wl_log(struct wl_env *env, const char *a, uint64_t v, const char *b);

/* The workloads. */
int wl_mcf(const struct wl_params *p, struct wl_env *env, struct wl_result *r);
int wl_bzip2(const struct wl_params *p, struct wl_env *env, struct wl_result *r);
int wl_gobmk(const struct wl_params *p, struct wl_env *env, struct wl_result *r);
int wl_hmmer(const struct wl_params *p, struct wl_env *env, struct wl_result *r);
int wl_ptrchase(const struct wl_params *p, struct wl_env *env, struct wl_result *r);
int wl_touch(const struct wl_params *p, struct wl_env *env, struct wl_result *r);

#endif
