/* SPDX-License-Identifier: MIT */
/*
 * tracefs.h: live exit tracing through tracefs (tracefs.c), feeding the
 * parser of lib/ktrace.h, whose tables, kt_get and kt_json_* read out the
 * result. Linux and root only, so not in lib/'s unit tests' reach.
 */
#ifndef TRACEFS_H
#define TRACEFS_H

#include <stdbool.h>
#include <stddef.h>

#include "ktrace.h"

/* Starts tracing. *t is NULL on failure. err gets the reason (always
 * NUL-terminated when errlen > 0). -ENOENT: no tracefs or no KVM events
 * (kvm module not loaded); -EACCES/-EPERM: not root; others from tracefs. */
int kt_start(struct ktrace **t, char *err, size_t errlen);

/* kt_start, and with userspace also kvm_userspace_exit, which only a
 * timeline reads (kt_timeline_open): the VMM's exits to userspace as
 * slices of their own (docs/exit-multiplication.md). */
int kt_start_events(struct ktrace **t, bool userspace, char *err, size_t errlen);

/* Stops tracing: disables the events, drains trace_pipe, joins the reader,
 * reads the lost-event counters, restores tracefs's previous settings.
 * Idempotent; returns the first error the reader or tracefs met. */
int kt_stop(struct ktrace *t);

#endif /* TRACEFS_H */
