// SPDX-License-Identifier: MIT
/* Port I/O handlers, registered explicitly with an overlap check. */
#include <errno.h>

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
