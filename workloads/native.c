// SPDX-License-Identifier: MIT
/*
 * nestlab-workload: the native build of the workloads, the physical limit
 * that VM runs are compared with. Same sources, same flags, same checksum.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "wl.h"

static void log_line(struct wl_env *env, const char *msg)
{
	(void)env;
	fprintf(stderr, "nestlab-workload: %s\n", msg);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: nestlab-workload [--json FILE] [--repeat N] 'workload=NAME footprint=SIZE [iters=N] [seed=N]'\n");
	return 2;
}

int main(int argc, char **argv)
{
	char cmd[4096] = "", err[200];
	const char *json = NULL;
	unsigned long repeat = 1;
	struct wl_params p;
	struct wl_env env = { .log = log_line };
	struct wl_result r;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			char *end;

			repeat = strtoul(argv[++i], &end, 10);
			if (*end || !repeat || repeat > 1000) {
				fprintf(stderr, "nestlab-workload: --repeat must be 1..1000\n");
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return usage();
		} else {
			if (strlen(cmd) + strlen(argv[i]) + 2 > sizeof(cmd)) {
				fprintf(stderr, "nestlab-workload: command line too long\n");
				return 2;
			}
			if (cmd[0])
				strcat(cmd, " ");
			strcat(cmd, argv[i]);
		}
	}
	if (!cmd[0])
		return usage();
	if (wl_parse(cmd, &p, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "nestlab-workload: %s\n", err);
		return 2;
	}
	env.arena_size = (p.footprint + 4095) & ~4095ull;
	env.arena = mmap(NULL, env.arena_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (env.arena == MAP_FAILED) {
		fprintf(stderr, "nestlab-workload: cannot map %llu bytes: %s\n",
			(unsigned long long)env.arena_size, strerror(errno));
		return 1;
	}
	for (unsigned long k = 0; k < repeat && !rc; k++) {
		double t0, t1;
		unsigned long long c0, c1;

		if (k) {  /* every repeat starts from fresh, unfaulted memory */
			munmap(env.arena, env.arena_size);
			env.arena = mmap(NULL, env.arena_size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (env.arena == MAP_FAILED)
				return 1;
		}
		t0 = now();
		c0 = __rdtsc();
		rc = wl_run(&p, &env, &r);
		c1 = __rdtsc();
		t1 = now();
		if (rc) {
			fprintf(stderr, "nestlab-workload: %s: self-check failed\n", p.name);
			break;
		}
		printf("checksum=0x%016llx work=%llu seconds=%.6f cycles=%llu\n",
		       (unsigned long long)r.checksum, (unsigned long long)r.work,
		       t1 - t0, c1 - c0);
		if (json) {
			FILE *f = fopen(json, "w");

			if (!f) {
				fprintf(stderr, "nestlab-workload: %s: %s\n", json, strerror(errno));
				return 2;
			}
			fprintf(f, "{\"schema\":\"nestlab-native/1\",\"workload\":\"%s\",\"footprint\":%llu,"
				"\"iters\":%llu,\"seed\":%llu,\"checksum\":\"0x%016llx\",\"seconds\":%.9f,"
				"\"cycles\":%llu,\"status\":\"ok\"}\n", p.name,
				(unsigned long long)p.footprint, (unsigned long long)p.iters,
				(unsigned long long)p.seed, (unsigned long long)r.checksum,
				t1 - t0, c1 - c0);
			fclose(f);
		}
	}
	return rc ? 1 : 0;
}
