// SPDX-License-Identifier: MIT
/*
 * json_check (lib/jsoncheck.c): what a guest sends down the document
 * port is embedded in nestlab's own result only if this says it is one
 * JSON value. Checked against lib/jsonread.c, a second strict reader of
 * the same RFC written separately: the two must accept the same texts,
 * but for the numbers longer than jsonread keeps (JR_MAX_NUMBER).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "jsonread.h"

/* An accepted text, read once more by the plainest rules: no raw
 * control character inside a string, every string closed, brackets
 * balanced, nothing outside strings but JSON's own characters. */
static void plain_reading(const uint8_t *p, size_t n)
{
	bool in_str = false;
	long depth = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (in_str) {
			FUZZ_CHECK(c >= 0x20, "control byte 0x%02x in a string at %zu", c, i);
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else
			FUZZ_CHECK(strchr(" \t\r\n,:-+.0123456789eEtrufalsn", c) && c,
				   "byte 0x%02x outside a string at %zu", c, i);
		FUZZ_CHECK(depth >= 0 && depth <= 64, "depth %ld at %zu", depth, i);
	}
	FUZZ_CHECK(!in_str && !depth, "accepted with a string or container open");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t at = (size_t)-1;
	const char *why = json_check(text, size, &at);
	struct jr_doc d;
	char err[128];
	int r;

	FUZZ_CHECK(at <= size, "offset %zu past the %zu bytes", at, size);
	if (!why)
		plain_reading(data, size);
	r = jr_parse(size ? text : NULL, size, &d, err, sizeof(err));
	if (r == -ENOMEM)
		return 0;
	if (!why && r == -EINVAL && strstr(err, "number too long"))
		return 0;
	FUZZ_CHECK(!why == !r, "json_check: %s (at %zu); jr_parse: %d %s", why ? why : "ok", at,
		   r, r ? err : "");
	if (!r)
		jr_free(&d);
	return 0;
}
