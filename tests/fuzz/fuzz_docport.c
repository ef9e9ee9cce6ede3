// SPDX-License-Identifier: MIT
/*
 * The document port (vmm/dev/docport.c): a Linux guest's port I/O, one
 * access at a time, then docport_take. The input is a script of
 * accesses: control words, document bytes, reads, other ports. What the
 * guest gets back is the magic or all ones; what nestlab takes is
 * exactly the bytes between the last begin and its end, and one JSON
 * object, or NULL with a reason.
 */
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "nestlab.h"

/* One access, its data in a heap block of exactly its size. */
static void io(struct docport *d, uint16_t port, bool out, const uint8_t *p, uint32_t size,
	       uint8_t *got)
{
	uint8_t *b = malloc(size);
	struct io_access a = { .port = port, .out = out, .size = size };

	FUZZ_CHECK(b, "out of memory");
	if (out)
		memcpy(b, p, size);
	a.data = b;
	FUZZ_CHECK(docport_io(d, &a) == EXIT_CONTINUE, "an access ended the run");
	if (!out)
		memcpy(got, b, size);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t model[1 << 16];
	size_t mlen = 0, i = 0, len = 0;
	bool open = false, complete = false, begun = false;
	struct docport d;
	char why[160];
	const char *doc;

	docport_init(&d);
	while (i < size) {
		uint8_t op = data[i++];
		uint32_t sz = 1 + ((op >> 2) & 3), v = 0;
		uint8_t w[4] = { 0 }, got[4];

		switch (op & 3) {
		case 0: /* a control word: begin, end or something else */
			v = (op >> 4) < 6 ? NL_DOC_BEGIN : (op >> 4) < 12 ? NL_DOC_END : op;
			memcpy(w, &v, 4);
			io(&d, NL_PORT_DOC_CTL, true, w, sz, NULL);
			memcpy(&v, w, sz); /* what a short write says */
			if (sz < 4)
				v &= (1u << (8 * sz)) - 1;
			if (v == NL_DOC_BEGIN) {
				open = begun = true;
				complete = false;
				mlen = 0;
			} else if (v == NL_DOC_END && open) {
				open = false;
				complete = true;
			}
			break;
		case 1: { /* document bytes, up to 63 at once (rep outsb) */
			uint32_t n = op >> 2;

			if (n > size - i)
				n = (uint32_t)(size - i);
			if (!n)
				break;
			io(&d, NL_PORT_DOC, true, data + i, n, NULL);
			if (open) {
				memcpy(model + mlen, data + i, n);
				mlen += n;
			}
			i += n;
			break;
		}
		case 2: /* a read of either port */
			io(&d, op & 0x10 ? NL_PORT_DOC_CTL : NL_PORT_DOC, false, NULL, sz, got);
			v = (op & 0x10) && sz == 4 ? NL_DOC_MAGIC : 0xffffffffu;
			FUZZ_CHECK(!memcmp(got, &v, sz), "read of %u bytes", sz);
			break;
		default: /* a port that is not the document's */
			io(&d, (uint16_t)(0x500 + (op >> 4)), true, w, sz, NULL);
		}
		if (mlen > sizeof(model) - 256)
			break;
	}
	doc = docport_take(&d, &len, why, sizeof(why));
	if (!doc) {
		FUZZ_CHECK(why[0] && memchr(why, '\0', sizeof(why)) && !strchr(why, '\n'),
			   "no reason");
	} else {
		size_t at = 0, k = 0;

		FUZZ_CHECK(begun && complete && len == mlen && !memcmp(doc, model, len),
			   "took %zu bytes, the guest sent %zu", len, mlen);
		FUZZ_CHECK(!json_check(doc, len, &at), "took a document that is not JSON");
		while (k < len && strchr(" \t\r\n", doc[k]) && doc[k])
			k++;
		FUZZ_CHECK(k < len && doc[k] == '{', "took a document that is not an object");
	}
	docport_free(&d);
	return 0;
}
