// SPDX-License-Identifier: MIT
/*
 * Port I/O and MMIO handlers, registered explicitly with an overlap check. A
 * handler gets the access and its own context only; it ends a run by
 * returning a stop reason (io_stop), never by reaching into the VM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "nestlab.h"

int iobus_register(struct iobus *b, uint16_t base, uint16_t len, io_fn fn,
		   void *ctx, const char *name)
{
	if (!len || (uint32_t)base + len > 0x10000 || b->n == IOBUS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < b->n; i++)
		if (base < b->r[i].base + b->r[i].len &&
		    b->r[i].base < base + len)
			return -EEXIST;
	b->r[b->n++] = (struct io_range){ base, len, fn, ctx, name };
	return 0;
}

const struct io_range *iobus_find(const struct iobus *b, uint16_t port)
{
	for (unsigned int i = 0; i < b->n; i++)
		if (port >= b->r[i].base && port - b->r[i].base < b->r[i].len)
			return &b->r[i];
	return NULL;
}

int io_stop(struct io_access *a, enum nl_outcome o, const char *fmt, ...)
{
	va_list ap;

	a->stop = o;
	va_start(ap, fmt);
	vsnprintf(a->stop_msg, sizeof(a->stop_msg), fmt, ap);
	va_end(ap);
	return EXIT_STOP;
}

int mmiobus_register(struct mmiobus *b, uint64_t base, uint64_t len, mmio_fn fn,
		     void *ctx, const char *name)
{
	if (!len || base + len < base || b->n == MMIOBUS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < b->n; i++)
		if (base < b->r[i].base + b->r[i].len && b->r[i].base < base + len)
			return -EEXIST;
	b->r[b->n++] = (struct mmio_range){ base, len, fn, ctx, name };
	return 0;
}

/* The range holding all of [gpa, gpa+len): an access straddling a device's
 * end belongs to no device. */
const struct mmio_range *mmiobus_find(const struct mmiobus *b, uint64_t gpa, uint32_t len)
{
	for (unsigned int i = 0; i < b->n; i++)
		if (gpa >= b->r[i].base && gpa - b->r[i].base < b->r[i].len &&
		    len <= b->r[i].len - (gpa - b->r[i].base))
			return &b->r[i];
	return NULL;
}
