/* SPDX-License-Identifier: MIT */
/*
 * A Linux guest's side of nestlab's document port and exit port
 * (lib/guestdoc.c; the ABI: include/nestlab/abi.h, docs/abi.md). Used by
 * the /init programs of L1 (l1-shim) and of a Linux L2 (guest-linux).
 */
#ifndef NESTLAB_LIB_GUESTDOC_H
#define NESTLAB_LIB_GUESTDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true when nestlab, one level down, listens on the document port */
bool gdoc_listens(void);
/* The whole document; 0, or -ENODEV with a message when no one listens. */
int gdoc_send(const char *buf, size_t len, char *msg, size_t n);
/* Ends the run with status through the channel's exit port. */
void gdoc_exit(uint32_t status);

#endif
