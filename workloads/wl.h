/* SPDX-License-Identifier: MIT */
/*
 * Workload interface. The same sources are linked into guest-kernel (ring 3,
 * freestanding, no libc) and into the native program nestlab-workload, so a
 * workload may use only what this header and wl_lib.h provide.
 */
#ifndef NESTLAB_WL_H
#define NESTLAB_WL_H

#include <stddef.h>
#include <stdint.h>

#define WL_NAME_MAX 16

struct wl_params {
	char     name[WL_NAME_MAX]; /* "mcf", "bzip2", ... */
	uint64_t footprint;         /* bytes of arena the workload uses */
	uint64_t iters;             /* repetitions of the kernel of work */
	uint64_t seed;
};

/* What the host (guest kernel or native driver) gives the workload. */
struct wl_env {
	void    *arena;             /* footprint bytes, zero-filled, 4 KiB aligned */
	uint64_t arena_size;
	/* Optional (may be NULL): progress text, no newline needed. */
	void   (*log)(struct wl_env *env, const char *msg);
	void    *priv;
};

struct wl_result {
	uint64_t checksum;          /* identical for identical params anywhere */
	uint64_t work;              /* workload-defined count of units done */
};

/*
 * Parse "workload=mcf footprint=64M iters=1 seed=1" (space separated;
 * unknown keys are errors unless they belong to the host, see
 * wl_parse()'s 'ignore' list). Returns 0, or -1 with a one-line message in
 * err.
 */
int wl_parse(const char *cmdline, struct wl_params *p,
	     const char *const *ignore, char *err, size_t errlen);

/*
 * Digits with an optional binary suffix K, M, G, T (case-insensitive,
 * optionally followed by B or iB): reads exactly n bytes of s. Returns 0,
 * or -1 for empty input, junk, an unknown suffix or uint64 overflow.
 */
int wl_parse_size(const char *s, size_t n, uint64_t *out);
/* Digits only, no sign, no overflow: 0 and *out, or -1. */
int wl_parse_u64(const char *s, size_t n, uint64_t *out);

/* Run. Returns 0 when the workload's self-check passed, negative if not. */
int wl_run(const struct wl_params *p, struct wl_env *env, struct wl_result *r);

/* The smallest footprint a workload accepts, or 0 if the name is unknown. */
uint64_t wl_min_footprint(const char *name);

/* Names, NULL-terminated, for help texts. */
extern const char *const wl_names[];

#endif /* NESTLAB_WL_H */
