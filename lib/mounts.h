/* SPDX-License-Identifier: MIT */
/*
 * The file systems a guest's /init mounts first (lib/mounts.c): shared by
 * l1-shim (L1) and l2init (a Linux L2), which need the same four.
 */
#ifndef NESTLAB_LIB_MOUNTS_H
#define NESTLAB_LIB_MOUNTS_H

#include <stddef.h>

/* /proc, /sys, /dev (devtmpfs) and /tmp (tmpfs of up to all the guest's
 * memory: a guest's files there are memory its level below must back).
 * 0, or -errno with why in msg. */
int mounts_guest(char *msg, size_t n);

#endif
