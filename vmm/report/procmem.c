// SPDX-License-Identifier: MIT
/*
 * nestlab's own resident memory beside the guest's: the process's RSS from
 * /proc/self/status, and the guest mapping's RSS and swap from
 * /proc/self/smaps (read as the memory sampler reads it, memseries.c), so
 * the VMM's footprint is their difference, whatever the guest touched.
 */
#include <errno.h>
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

void procmem_read(const struct nl_mem *guest, struct procmem *pm)
{
	char *buf = guest->host ? malloc(MEMSERIES_BUF) : NULL;

	pm->rss_kb = status_kb("VmRSS");
	pm->hwm_kb = status_kb("VmHWM");
	pm->guest_rss_kb = pm->guest_swap_kb = 0;
	pm->smaps_error = 0;
	if (guest->host)
		pm->smaps_error = buf ? memseries_guest(guest->host, buf, MEMSERIES_BUF, &pm->guest_rss_kb,
							&pm->guest_swap_kb) : -ENOMEM;
	free(buf);
	pm->vmm_rss_kb = pm->rss_kb > pm->guest_rss_kb ? pm->rss_kb - pm->guest_rss_kb : 0;
}
