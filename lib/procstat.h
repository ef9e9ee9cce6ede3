/* SPDX-License-Identifier: MIT */
/*
 * What a Linux guest's kernel says about its memory (lib/procstat.c):
 * /proc/vmstat, /proc/meminfo and their JSON. Shared by the guests' /init
 * programs (l1-shim, guest-linux/l2init), which report them to the level
 * below.
 */
#ifndef NESTLAB_LIB_PROCSTAT_H
#define NESTLAB_LIB_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* /proc/vmstat: every counter, by name. */
#define VMSTAT_MAX 256
struct vmstat {
	unsigned int n;
	char name[VMSTAT_MAX][40];
	uint64_t val[VMSTAT_MAX];
};
int procstat_vmstat(struct vmstat *v);
/* The counters that changed from a to b, as object KEY. */
void procstat_vmstat_delta(struct json *j, const char *key, const struct vmstat *a,
			   const struct vmstat *b);
/* A /proc/meminfo value in bytes, 0 when absent. */
uint64_t procstat_meminfo(const char *key);
/* The meminfo lines that say where memory went (docs/guest-linux.md), as
 * object KEY, in bytes. */
void procstat_meminfo_json(struct json *j, const char *key);

/* The mode in effect in a THP sysfs line, the bracketed one
 * ("always [madvise] never" -> "madvise"); -1 when there is none or it
 * does not fit in n. */
int procstat_thp_mode(const char *line, char *out, size_t n);

/* Whether word is one of the space-separated words of list (a
 * /proc/cpuinfo "flags" line: "ept" is not "ept_ad"). */
bool procstat_has_word(const char *list, const char *word);
/* Whether /proc/cpuinfo's first "flags" line has flag. */
bool procstat_cpu_flag(const char *flag);

#endif
