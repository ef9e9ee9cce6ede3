// SPDX-License-Identifier: MIT
/*
 * The JSON reader (jsonread.h). One pass over the text with an explicit
 * stack of open containers (JR_MAX_DEPTH), so the nesting of a hostile
 * document costs a fixed amount of memory and no recursion. Nodes point
 * into the text rather than copying it: a document is read once and
 * looked up a few times.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

struct jr_parser {
	struct jr_doc *d;
	const char *p, *end;
	char *err;
	size_t errlen;
};

static int bad(struct jr_parser *ps, const char *why)
{
	snprintf(ps->err, ps->errlen, "byte %zu: %s", (size_t)(ps->p - ps->d->text), why);
	return -EINVAL;
}

static void ws(struct jr_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int new_node(struct jr_parser *ps, enum jr_type t)
{
	struct jr_doc *d = ps->d;

	if (d->nn == d->cap) {
		int cap = d->cap ? (d->cap > INT_MAX / 2 ? INT_MAX : 2 * d->cap) : 64;
		struct jr_node *n;

		if (d->nn == INT_MAX) {
			snprintf(ps->err, ps->errlen, "too many values");
			return -E2BIG;
		}
		if (!(n = realloc(d->n, (size_t)cap * sizeof(*n)))) {
			snprintf(ps->err, ps->errlen, "out of memory");
			return -ENOMEM;
		}
		d->n = n;
		d->cap = cap;
	}
	memset(&d->n[d->nn], 0, sizeof(d->n[0]));
	d->n[d->nn].type = t;
	d->n[d->nn].child = d->n[d->nn].next = -1;
	d->n[d->nn].off = (size_t)(ps->p - d->text);
	return d->nn++;
}

/* A string at ps->p (the opening quote): its span and whether it has
 * escapes. Leaves ps->p after the closing quote. */
static int string(struct jr_parser *ps, size_t *off, size_t *len, bool *esc)
{
	const char *s = ++ps->p;

	*esc = false;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"') {
			*off = (size_t)(s - ps->d->text);
			*len = (size_t)(ps->p - s);
			ps->p++;
			return 0;
		}
		if (c < 0x20)
			return bad(ps, "control character in a string");
		if (c == '\\') {
			*esc = true;
			if (++ps->p >= ps->end)
				break;
			if (*ps->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (ps->p + i >= ps->end || hexval(ps->p[i]) < 0)
						return bad(ps, "bad \\u escape");
				ps->p += 4;
			} else if (!*ps->p || !strchr("\"\\/bfnrt", *ps->p)) {
				return bad(ps, "bad escape");
			}
		}
		ps->p++;
	}
	return bad(ps, "unterminated string");
}

static int number(struct jr_parser *ps, double *v)
{
	const char *s = ps->p;
	char buf[JR_MAX_NUMBER + 1];
	size_t n;

#define DIGITS(p) ((p) < ps->end && *(p) >= '0' && *(p) <= '9')
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!DIGITS(ps->p))
		return bad(ps, "bad number");
	if (*ps->p == '0')
		ps->p++;
	else
		while (DIGITS(ps->p))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!DIGITS(ps->p))
			return bad(ps, "bad number: no digit after '.'");
		while (DIGITS(ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!DIGITS(ps->p))
			return bad(ps, "bad number: no digit in the exponent");
		while (DIGITS(ps->p))
			ps->p++;
	}
#undef DIGITS
	n = (size_t)(ps->p - s);
	if (n > JR_MAX_NUMBER) {
		ps->p = s;
		return bad(ps, "number too long");
	}
	/* strtod needs a terminated copy: the text is not ours to change */
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtod(buf, NULL); /* out of range: +-HUGE_VAL or 0, as jq reads it */
	return 0;
}

static int literal(struct jr_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return bad(ps, "not a JSON value");
	ps->p += n;
	return 0;
}

/* One value at ps->p, appended as a node; containers are only opened
 * here (their node's count stays open until the caller closes them). */
static int value(struct jr_parser *ps, int *id)
{
	struct jr_node *n;
	int r, k;

	if (ps->p >= ps->end)
		return bad(ps, "document ends where a value should be");
	switch (*ps->p) {
	case '{': k = JR_OBJECT; break;
	case '[': k = JR_ARRAY; break;
	case '"': k = JR_STRING; break;
	case 't': k = JR_TRUE; break;
	case 'f': k = JR_FALSE; break;
	case 'n': k = JR_NULL; break;
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
			return bad(ps, "not a JSON value");
		k = JR_NUMBER;
	}
	if ((r = new_node(ps, (enum jr_type)k)) < 0)
		return r;
	*id = r;
	n = &ps->d->n[r];
	switch (k) {
	case JR_OBJECT:
	case JR_ARRAY:
		ps->p++;
		return 0;
	case JR_STRING: {
		size_t off, len;
		bool esc;

		if ((r = string(ps, &off, &len, &esc)))
			return r;
		n = &ps->d->n[*id];
		n->off = off;
		n->len = len;
		n->esc = esc;
		return 0;
	}
	case JR_TRUE:
		r = literal(ps, "true");
		break;
	case JR_FALSE:
		r = literal(ps, "false");
		break;
	case JR_NULL:
		r = literal(ps, "null");
		break;
	default: {
		double v;

		if ((r = number(ps, &v)))
			return r;
		n = &ps->d->n[*id];
		n->num = v;
	}
	}
	if (r)
		return r;
	n = &ps->d->n[*id];
	n->len = (size_t)(ps->p - ps->d->text) - n->off;
	return 0;
}

int jr_parse(const char *text, size_t len, struct jr_doc *d, char *err, size_t errlen)
{
	/* end is set after the NULL check: NULL + 0 is undefined too */
	struct jr_parser ps = { d, text, NULL, err, errlen };
	int stack[JR_MAX_DEPTH], last[JR_MAX_DEPTH], depth = 0, id, r;

	memset(d, 0, sizeof(*d));
	d->text = text;
	d->len = len;
	if (!text) {
		snprintf(err, errlen, "byte 0: no document");
		return -EINVAL;
	}
	ps.end = text + len;
	ws(&ps);
	/* Each turn: a value where one is expected, then close whatever
	 * containers end after it. A container's members are chained by
	 * next, and last[] remembers where to chain the following one. */
	for (;;) {
		size_t koff = 0, klen = 0;
		bool kesc = false, member = depth && d->n[stack[depth - 1]].type == JR_OBJECT;

		if (member) {
			if (ps.p >= ps.end || *ps.p != '"') {
				r = bad(&ps, "expected a member name");
				goto fail;
			}
			if ((r = string(&ps, &koff, &klen, &kesc)))
				goto fail;
			ws(&ps);
			if (ps.p >= ps.end || *ps.p != ':') {
				r = bad(&ps, "expected ':' after a member name");
				goto fail;
			}
			ps.p++;
			ws(&ps);
		}
		if ((r = value(&ps, &id)))
			goto fail;
		if (member) {
			d->n[id].key_off = koff;
			d->n[id].key_len = klen;
			d->n[id].key_esc = kesc;
		}
		if (depth) {
			struct jr_node *c = &d->n[stack[depth - 1]];

			if (last[depth - 1] < 0)
				c->child = id;
			else
				d->n[last[depth - 1]].next = id;
			last[depth - 1] = id;
			c->count++;
		}
		if (d->n[id].type == JR_ARRAY || d->n[id].type == JR_OBJECT) {
			char close = d->n[id].type == JR_ARRAY ? ']' : '}';

			if (depth == JR_MAX_DEPTH) {
				ps.p--;
				r = bad(&ps, "nested deeper than 64");
				goto fail;
			}
			stack[depth] = id;
			last[depth++] = -1;
			ws(&ps);
			if (ps.p < ps.end && *ps.p == close) {
				ps.p++;
				depth--;
				d->n[id].len = (size_t)(ps.p - text) - d->n[id].off;
			} else {
				continue;
			}
		}
		/* after a value: ',' for the next one, or close containers */
		for (;;) {
			ws(&ps);
			if (!depth)
				goto done;
			struct jr_node *c = &d->n[stack[depth - 1]];
			char close = c->type == JR_ARRAY ? ']' : '}';

			if (ps.p >= ps.end) {
				r = bad(&ps, c->type == JR_ARRAY ? "unterminated array" : "unterminated object");
				goto fail;
			}
			if (*ps.p == ',') {
				ps.p++;
				ws(&ps);
				break;
			}
			if (*ps.p != close) {
				r = bad(&ps, c->type == JR_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
				goto fail;
			}
			ps.p++;
			c->len = (size_t)(ps.p - text) - c->off;
			depth--;
		}
	}
done:
	if (ps.p != ps.end) {
		r = bad(&ps, "text after the document");
		goto fail;
	}
	return 0;
fail:
	jr_free(d);
	return r;
}

void jr_free(struct jr_doc *d)
{
	free(d->n);
	d->n = NULL;
	d->nn = d->cap = 0;
}

int jr_type(const struct jr_doc *d, int node)
{
	return node < 0 || node >= d->nn ? JR_NULL : (int)d->n[node].type;
}

/* Decode the escaped span text[off..off+len) into out (at most n - 1
 * bytes kept); returns the decoded length. The span was checked by the
 * parser, so every escape is whole. */
static size_t unescape(const char *s, size_t len, char *out, size_t n)
{
	size_t k = 0;

#define PUT(c) do { if (k + 1 < n) out[k] = (char)(c); k++; } while (0)
	for (size_t i = 0; i < len; i++) {
		unsigned cp;

		if (s[i] != '\\') {
			PUT(s[i]);
			continue;
		}
		switch (s[++i]) {
		case 'b': PUT('\b'); continue;
		case 'f': PUT('\f'); continue;
		case 'n': PUT('\n'); continue;
		case 'r': PUT('\r'); continue;
		case 't': PUT('\t'); continue;
		case 'u': break;
		default: PUT(s[i]); continue;
		}
		cp = 0;
		for (size_t j = 1; j <= 4; j++)
			cp = cp * 16 + (unsigned)hexval(s[i + j]);
		i += 4;
		/* a high surrogate and a low one: one code point. The parser
		 * checked every escape, so a "\\u" here has its 4 digits. */
		if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < len && s[i + 1] == '\\' && s[i + 2] == 'u') {
			unsigned lo = 0;

			for (size_t j = 3; j <= 6; j++)
				lo = lo * 16 + (unsigned)hexval(s[i + j]);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd; /* a lone surrogate: jq reads it as U+FFFD */
		}
		if (cp < 0x80) {
			PUT(cp);
		} else if (cp < 0x800) {
			PUT(0xc0 | (cp >> 6));
			PUT(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			PUT(0xe0 | (cp >> 12));
			PUT(0x80 | ((cp >> 6) & 0x3f));
			PUT(0x80 | (cp & 0x3f));
		} else {
			PUT(0xf0 | (cp >> 18));
			PUT(0x80 | ((cp >> 12) & 0x3f));
			PUT(0x80 | ((cp >> 6) & 0x3f));
			PUT(0x80 | (cp & 0x3f));
		}
	}
#undef PUT
	if (n)
		out[k < n ? k : n - 1] = '\0';
	return k;
}

/* Whether the span (escaped or not) reads as exactly s. */
static bool span_eq(const struct jr_doc *d, size_t off, size_t len, bool esc, const char *s)
{
	size_t sl = strlen(s);

	if (!esc)
		return len == sl && !memcmp(d->text + off, s, sl);
	/* escapes only shorten the text, so decoding sl + 1 bytes is enough
	 * to tell a longer string from an equal one */
	char *buf = malloc(sl + 2);
	bool eq;

	if (!buf)
		return false;
	eq = unescape(d->text + off, len, buf, sl + 2) == sl && !memcmp(buf, s, sl);
	free(buf);
	return eq;
}

int jr_get(const struct jr_doc *d, int node, const char *key)
{
	int found = -1;

	if (jr_type(d, node) != JR_OBJECT)
		return -1;
	for (int c = d->n[node].child; c >= 0; c = d->n[c].next)
		if (span_eq(d, d->n[c].key_off, d->n[c].key_len, d->n[c].key_esc, key))
			found = c;
	return found;
}

int jr_path(const struct jr_doc *d, int node, const char *path)
{
	char step[128];

	while (*path) {
		size_t n = strcspn(path, ".");

		if (jr_type(d, node) == JR_NULL)
			return -1;
		if (jr_type(d, node) != JR_OBJECT || n >= sizeof(step))
			return -EINVAL;
		memcpy(step, path, n);
		step[n] = '\0';
		node = jr_get(d, node, step);
		path += n + (path[n] == '.');
	}
	return node;
}

bool jr_streq(const struct jr_doc *d, int node, const char *s)
{
	return jr_type(d, node) == JR_STRING &&
	       span_eq(d, d->n[node].off, d->n[node].len, d->n[node].esc, s);
}

int jr_string(const struct jr_doc *d, int node, char *buf, size_t n)
{
	size_t k;

	if (jr_type(d, node) != JR_STRING)
		return -EINVAL;
	k = unescape(d->text + d->n[node].off, d->n[node].len, buf, n);
	return k > INT_MAX ? INT_MAX : (int)k;
}
