// SPDX-License-Identifier: MIT
/*
 * A strict JSON syntax check (RFC 8259) for documents that come from a
 * guest, before nestlab embeds them in its own output: a document that is
 * not exactly one JSON value would make the whole result unreadable.
 * Iterative, with a bounded nesting depth, so no input can exhaust the
 * stack.
 */
#include <stdint.h>
#include <string.h>

#include "json.h"

#define JC_DEPTH 64

struct jc {
	const char *p, *end, *start;
};

static void ws(struct jc *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

static const char *string(struct jc *c)
{
	c->p++; /* opening quote */
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"') {
			c->p++;
			return NULL;
		}
		if (ch < 0x20)
			return "control character in a string";
		if (ch == '\\') {
			if (++c->p >= c->end)
				break;
			if (*c->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (c->p + i >= c->end || !hex(c->p[i]))
						return "bad \\u escape";
				c->p += 5;
				continue;
			}
			/* strchr() finds the terminating NUL too: a NUL byte
			 * after a backslash is not an escape. */
			if (!*c->p || !strchr("\"\\/bfnrt", *c->p))
				return "bad escape";
		}
		c->p++;
	}
	return "unterminated string";
}

static const char *number(struct jc *c)
{
	if (*c->p == '-')
		c->p++;
	if (c->p >= c->end)
		return "bad number";
	if (*c->p == '0') {
		c->p++;
	} else if (*c->p >= '1' && *c->p <= '9') {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	} else {
		return "bad number";
	}
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return "bad number";
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return "bad number";
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return NULL;
}

static const char *literal(struct jc *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return "unexpected character";
	c->p += n;
	return NULL;
}

const char *json_check(const char *buf, size_t len, size_t *at)
{
	struct jc c = { buf, buf, buf };
	char stack[JC_DEPTH];   /* '{' or '[' of each open container */
	int depth = 0;
	const char *e = NULL;

	/* Nothing is not a document (and NULL + 0 is undefined). */
	if (!buf || !len) {
		*at = 0;
		return "empty document";
	}
	c.end = buf + len;

	for (;;) {
		/* a value is expected here */
		ws(&c);
		if (c.p >= c.end) {
			e = "unexpected end";
			goto out;
		}
		if (*c.p == '{' || *c.p == '[') {
			if (depth == JC_DEPTH) {
				e = "nested too deeply";
				goto out;
			}
			stack[depth++] = *c.p++;
			ws(&c);
			if (c.p < c.end && *c.p == (stack[depth - 1] == '{' ? '}' : ']')) {
				c.p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto want_key;
			continue;
		}
		if (*c.p == '"')
			e = string(&c);
		else if (*c.p == '-' || (*c.p >= '0' && *c.p <= '9'))
			e = number(&c);
		else if (*c.p == 't')
			e = literal(&c, "true");
		else if (*c.p == 'f')
			e = literal(&c, "false");
		else if (*c.p == 'n')
			e = literal(&c, "null");
		else
			e = "unexpected character";
		if (e)
			goto out;
after_value:
		ws(&c);
		if (!depth) {
			if (c.p != c.end)
				e = "text after the document";
			goto out;
		}
		if (c.p >= c.end) {
			e = "unexpected end";
			goto out;
		}
		if (*c.p == ',') {
			c.p++;
			if (stack[depth - 1] == '[')
				continue;
			goto want_key;
		}
		if (*c.p == (stack[depth - 1] == '{' ? '}' : ']')) {
			c.p++;
			depth--;
			goto after_value;
		}
		e = "expected ',' or the end of a container";
		goto out;
want_key:
		ws(&c);
		if (c.p >= c.end || *c.p != '"') {
			e = "expected a string key";
			goto out;
		}
		if ((e = string(&c)))
			goto out;
		ws(&c);
		if (c.p >= c.end || *c.p != ':') {
			e = "expected ':'";
			goto out;
		}
		c.p++;
	}
out:
	*at = (size_t)(c.p - c.start);
	return e;
}
