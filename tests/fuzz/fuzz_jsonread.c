// SPDX-License-Identifier: MIT
/*
 * jr_parse and its look-ups (lib/jsonread.c): nestlab-expt reads result
 * documents that guests helped write. Beyond not crashing, the tree must
 * describe the text: every span inside it, containers' counts matching
 * their chains, a string's unescaped text never longer than its escaped
 * one (span_eq relies on that), and look-ups by the names the document
 * has finding a member of that name.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "jsonread.h"

/* A member name as jr_get takes it: unescaped, no NUL inside. */
static bool key_text(const struct jr_doc *d, int c, char *buf, size_t n)
{
	const struct jr_node *m = &d->n[c];

	if (m->key_esc || m->key_len >= n || memchr(d->text + m->key_off, '\0', m->key_len))
		return false;
	memcpy(buf, d->text + m->key_off, m->key_len);
	buf[m->key_len] = '\0';
	return true;
}

static void check_node(const struct jr_doc *d, int i)
{
	const struct jr_node *n = &d->n[i];
	char small[4], big[256];

	FUZZ_CHECK(n->off <= d->len && n->len <= d->len - n->off, "node %d spans past the text", i);
	FUZZ_CHECK(jr_type(d, i) == (int)n->type, "node %d type", i);
	if (n->type == JR_STRING) {
		int k = jr_string(d, i, small, sizeof(small));
		int k2 = jr_string(d, i, big, sizeof(big));

		FUZZ_CHECK(k >= 0 && k == k2, "node %d: %d then %d", i, k, k2);
		FUZZ_CHECK((size_t)k <= n->len, "node %d: %d bytes from %zu", i, k, n->len);
		FUZZ_CHECK(strlen(small) <= sizeof(small) - 1 && strlen(big) <= sizeof(big) - 1,
			   "node %d: cut wrongly", i);
		FUZZ_CHECK(!n->esc == !memchr(d->text + n->off, '\\', n->len), "node %d: esc", i);
		/* a string with no NUL after unescaping equals itself */
		if ((size_t)k < sizeof(big) && strlen(big) == (size_t)k)
			FUZZ_CHECK(jr_streq(d, i, big), "node %d is not equal to '%s'", i, big);
		FUZZ_CHECK(jr_string(d, i, NULL, 0) == k, "node %d: n = 0", i);
	} else {
		FUZZ_CHECK(jr_string(d, i, big, sizeof(big)) == -EINVAL, "node %d: not a string", i);
		FUZZ_CHECK(!jr_streq(d, i, ""), "node %d: not a string", i);
	}
	if (n->type == JR_ARRAY || n->type == JR_OBJECT) {
		int count = 0;

		FUZZ_CHECK(d->text[n->off] == (n->type == JR_ARRAY ? '[' : '{') &&
			   d->text[n->off + n->len - 1] == (n->type == JR_ARRAY ? ']' : '}'),
			   "node %d: not its brackets", i);
		for (int c = n->child; c >= 0; c = d->n[c].next) {
			FUZZ_CHECK(c > i && c < d->nn, "node %d: child %d", i, c);
			FUZZ_CHECK(d->n[c].off >= n->off && d->n[c].off + d->n[c].len <= n->off + n->len,
				   "node %d: child %d outside it", i, c);
			count++;
			if (n->type == JR_OBJECT && key_text(d, c, big, sizeof(big))) {
				int f = jr_get(d, i, big);

				/* the last member of that name (there may be more) */
				FUZZ_CHECK(f >= c, "node %d: '%s' found at %d, not %d or later", i, big,
					   f, c);
				/* jr_path's steps are the program's own names, at
				 * most 127 bytes (its step buffer) */
				FUZZ_CHECK(jr_path(d, i, big) == f || strchr(big, '.') || !big[0] ||
					   strlen(big) >= 128, "node %d: path '%s'", i, big);
			}
		}
		FUZZ_CHECK(count == n->count, "node %d: %d members chained, %d counted", i, count,
			   n->count);
	} else {
		FUZZ_CHECK(n->child == -1 && n->count == 0, "node %d: a scalar with members", i);
		FUZZ_CHECK(jr_get(d, i, "a") == -1, "node %d: a scalar with members", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_doc d;
	char err[128];
	int r;

	memset(err, 0x5a, sizeof(err));
	r = jr_parse((const char *)data, size, &d, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "jr_parse: %d", r);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && !strncmp(err, "byte ", 5),
			   "message '%.20s'", err);
		FUZZ_CHECK(!d.n && !d.nn, "a refused document keeps its nodes");
		return 0;
	}
	FUZZ_CHECK(d.nn >= 1 && d.nn <= d.cap, "%d nodes in %d", d.nn, d.cap);
	for (int i = 0; i < d.nn; i++)
		check_node(&d, i);
	/* out of range and odd paths: no crash, no member */
	FUZZ_CHECK(jr_type(&d, d.nn) == JR_NULL && jr_type(&d, -5) == JR_NULL, "jr_type");
	FUZZ_CHECK(jr_get(&d, INT_MAX, "x") == -1, "jr_get");
	r = jr_path(&d, 0, "..a.");
	FUZZ_CHECK(r == -1 || r == -EINVAL || (r >= 0 && r < d.nn), "jr_path: %d", r);
	jr_free(&d);
	return 0;
}
