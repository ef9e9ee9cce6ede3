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
	static const struct { const char *src, *dst, *type, *opts; } m[] = {
		{ "proc", "/proc", "proc", NULL },
		{ "sysfs", "/sys", "sysfs", NULL },
		{ "devtmpfs", "/dev", "devtmpfs", NULL },
		/* a Linux L2's inputs live here: memory the L2 must hold, as
		 * SPEC's files were page cache. All of it may: tmpfs's default
		 * cap, half of RAM, would fail a program with ENOSPC at a size
		 * where its memory would still do, a limit the paper's guests
		 * (files on disk) did not have; past the memory, the OOM
		 * killer says so instead */
		{ "tmpfs", "/tmp", "tmpfs", "size=100%" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		mkdir(m[i].dst, 0755);
		/* EBUSY: already there (a kernel that mounted devtmpfs itself) */
		if (mount(m[i].src, m[i].dst, m[i].type, 0, m[i].opts) < 0 && errno != EBUSY) {
			int e = errno;

			snprintf(msg, n, "mount %s on %s: %s", m[i].type, m[i].dst, strerror(e));
			return -e;
		}
	}
	return 0;
}
