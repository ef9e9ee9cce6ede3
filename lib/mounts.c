// SPDX-License-Identifier: MIT
/* The file systems a guest's /init mounts first (lib/mounts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mounts.h"

int mounts_guest(char *msg, size_t n)
{
	static const struct { const char *src, *dst, *type; } m[] = {
		{ "proc", "/proc", "proc" },
		{ "sysfs", "/sys", "sysfs" },
		{ "devtmpfs", "/dev", "devtmpfs" },
		/* a Linux L2's inputs live here: memory the L2 must hold, as
		 * SPEC's files were page cache */
		{ "tmpfs", "/tmp", "tmpfs" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		mkdir(m[i].dst, 0755);
		/* EBUSY: already there (a kernel that mounted devtmpfs itself) */
		if (mount(m[i].src, m[i].dst, m[i].type, 0, NULL) < 0 && errno != EBUSY) {
			int e = errno;

			snprintf(msg, n, "mount %s on %s: %s", m[i].type, m[i].dst, strerror(e));
			return -e;
		}
	}
	return 0;
}
