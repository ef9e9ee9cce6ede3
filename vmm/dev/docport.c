// SPDX-License-Identifier: MIT
/*
 * The document port (include/nestlab/abi.h, docs/abi.md): a Linux guest
 * streams one result document to the VMM. The guest is untrusted: the
 * document is bounded by NL_DOC_MAX, and whoever uses it checks that it is
 * JSON first (jsoncheck.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nestlab.h"

void docport_init(struct docport *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
}

void docport_free(struct docport *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = d->cap = 0;
}

/* Appends under the lock; past NL_DOC_MAX or when memory runs out the
 * document is marked overflowed and later bytes are dropped. */
static void append(struct docport *d, const uint8_t *p, size_t n)
{
	if (d->overflow)
		return;
	if (d->len + n > NL_DOC_MAX) {
		d->overflow = true;
		return;
	}
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		uint8_t *b;

		while (cap < d->len + n)
			cap *= 2;
		b = realloc(d->buf, cap);
		if (!b) {
			d->overflow = true;
			return;
		}
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

int docport_io(void *ctx, struct io_access *a)
{
	struct docport *d = ctx;
	uint16_t port = a->port;
	uint8_t *data = a->data;
	uint32_t size = a->size;
	bool out = a->out;
	uint32_t v = 0;

	if (!out) {
		if (port == NL_PORT_DOC_CTL && size == 4)
			v = NL_DOC_MAGIC;
		else
			v = 0xffffffffu;
		memcpy(data, &v, size);
		return EXIT_CONTINUE;
	}
	pthread_mutex_lock(&d->lock);
	if (port == NL_PORT_DOC) {
		if (d->open)
			append(d, data, size);
		else
			d->stray++;
	} else if (port == NL_PORT_DOC_CTL) {
		memcpy(&v, data, size < 4 ? size : 4);
		if (v == NL_DOC_BEGIN) {
			d->len = 0;
			d->overflow = false;
			d->open = true;
			d->complete = false;
			d->begins++;
		} else if (v == NL_DOC_END && d->open) {
			d->open = false;
			d->complete = true;
		} else {
			d->stray++;
		}
	} else {
		d->stray++;
	}
	pthread_mutex_unlock(&d->lock);
	return EXIT_CONTINUE;
}

const char *docport_take(const struct docport *d, size_t *len, char *why,
			 size_t whylen)
{
	size_t at = 0;
	const char *msg;

	if (!d->begins) {
		snprintf(why, whylen, "the guest sent no document");
		return NULL;
	}
	if (!d->complete) {
		snprintf(why, whylen, "the guest's document is incomplete (%zu bytes, no end mark)",
			 d->len);
		return NULL;
	}
	if (d->overflow) {
		snprintf(why, whylen, "the guest's document is larger than %u bytes or could not be kept",
			 NL_DOC_MAX);
		return NULL;
	}
	msg = json_check((const char *)d->buf, d->len, &at);
	if (!msg) {
		/* one JSON value: it must be an object */
		for (at = 0; at < d->len && memchr(" \t\r\n", d->buf[at], 4); at++)
			;
		if (at == d->len || d->buf[at] != '{')
			msg = "not an object";
	}
	if (msg) {
		snprintf(why, whylen, "the guest's document is not JSON: %s at byte %zu",
			 msg, at);
		return NULL;
	}
	*len = d->len;
	return (const char *)d->buf;
}
