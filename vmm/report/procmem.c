// SPDX-License-Identifier: MIT
/*
 * nestlab's own resident memory beside the guest's: the process's RSS from
 * /proc/self/status, and the guest mapping's RSS from /proc/self/smaps, so
 * the VMM's footprint is their difference, whatever the guest touched.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nestlab.h"

static uint64_t status_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	uint64_t v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtoull(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static uint64_t mapping_rss_kb(const void *start)
{
	char line[512];
	bool in = false;
	uint64_t v = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = lo == (uintptr_t)start;
			continue;
		}
		if (in && !strncmp(line, "Rss:", 4)) {
			v = strtoull(line + 4, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

void procmem_read(const struct nl_mem *guest, struct procmem *pm)
{
	pm->rss_kb = status_kb("VmRSS");
	pm->hwm_kb = status_kb("VmHWM");
	pm->guest_rss_kb = guest->host ? mapping_rss_kb(guest->host) : 0;
	pm->vmm_rss_kb = pm->rss_kb > pm->guest_rss_kb ? pm->rss_kb - pm->guest_rss_kb : 0;
}
