// SPDX-License-Identifier: MIT
/*
 * /proc/vmstat and /proc/meminfo, read the same way at every level that
 * runs Linux, so that L1's and an L2's counters mean the same thing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procstat.h"

int procstat_vmstat(struct vmstat *v)
{
	char line[128];
	FILE *f = fopen("/proc/vmstat", "re");

	v->n = 0;
	if (!f)
		return -errno;
	while (v->n < VMSTAT_MAX && fgets(line, sizeof(line), f)) {
		unsigned long long x;
		char name[40];

		if (sscanf(line, "%39s %llu", name, &x) == 2) {
			snprintf(v->name[v->n], sizeof(v->name[0]), "%s", name);
			v->val[v->n++] = x;
		}
	}
	fclose(f);
	return 0;
}

void procstat_vmstat_delta(struct json *j, const char *key, const struct vmstat *a,
			   const struct vmstat *b)
{
	json_obj(j, key);
	for (unsigned int i = 0; i < b->n; i++)
		for (unsigned int k = 0; k < a->n; k++)
			if (!strcmp(a->name[k], b->name[i])) {
				if (b->val[i] != a->val[k])
					json_i64(j, b->name[i], (int64_t)(b->val[i] - a->val[k]));
				break;
			}
	json_end_obj(j);
}

uint64_t procstat_meminfo(const char *key)
{
	char line[128];
	size_t kl = strlen(key);
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			sscanf(line + kl + 1, "%llu", &kb);
			break;
		}
	fclose(f);
	return (uint64_t)kb * 1024;
}

void procstat_meminfo_json(struct json *j, const char *key)
{
	/* what the kernel has, what is free, and the page cache with the
	 * tmpfs files (Shmem) that a guest's /tmp keeps in it */
	static const char *const keys[] = {
		"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached",
		"Shmem", "AnonPages", "Slab", "SwapTotal", "SwapFree",
	};

	json_obj(j, key);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_u64(j, keys[i], procstat_meminfo(keys[i]));
	json_end_obj(j);
}

int procstat_thp_mode(const char *line, char *out, size_t n)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (!a || !b || b - a - 1 <= 0 || (size_t)(b - a - 1) >= n)
		return -1;
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = 0;
	return 0;
}

bool procstat_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	if (!n)
		return false;
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == 0 || p[n] == '\n'))
			return true;
	return false;
}

bool procstat_cpu_flag(const char *flag)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");
	bool found = false;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			const char *c = strchr(line, ':');

			found = c && procstat_has_word(c + 1, flag);
			break;
		}
	if (f)
		fclose(f);
	return found;
}
