/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader (lib/jsonread.c): one document (RFC 8259, strictly)
 * of bounded size -> a tree of nodes in one array, looked up by member
 * name or by a dotted path. Iterative with a bounded depth, so no input
 * can exhaust the stack; anything malformed is refused with the byte
 * offset. For programs that read result documents (bench's nestlab-expt)
 * instead of piping them through jq. Plain C: no KVM.
 */
#ifndef NESTLAB_LIB_JSONREAD_H
#define NESTLAB_LIB_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JR_MAX_DEPTH 64          /* arrays and objects inside each other */
#define JR_MAX_NUMBER 64         /* characters of one number */

enum jr_type { JR_NULL, JR_FALSE, JR_TRUE, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_node {
	enum jr_type type;
	size_t off, len;         /* the value's text; a string's without its quotes */
	size_t key_off, key_len; /* an object member's name, without quotes */
	bool key_esc, esc;       /* the name / the string has escapes */
	double num;              /* JR_NUMBER */
	int child;               /* first element or member; -1 none */
	int next;                /* next sibling; -1 none */
	int count;               /* elements or members */
};

struct jr_doc {
	const char *text;        /* not copied: it must outlive the doc */
	size_t len;
	struct jr_node *n;       /* n[0] is the document's value */
	int nn, cap;
};

/*
 * Parse text[0..len) as exactly one JSON value (whitespace around it
 * allowed). 0, or -EINVAL with "byte N: why" in err (-ENOMEM, -E2BIG for
 * more than INT_MAX nodes). jr_free frees what it allocated.
 */
int jr_parse(const char *text, size_t len, struct jr_doc *d, char *err, size_t errlen);
void jr_free(struct jr_doc *d);

/* The member of object node named key, the last one if the name repeats
 * (as jq reads it); -1 when node is not an object or has no such member. */
int jr_get(const struct jr_doc *d, int node, const char *key);
/*
 * Follows "a.b.c" from node. Returns the node, -1 when a step is missing
 * or null (as jq's .a.b.c gives null), or -EINVAL when a step is reached
 * through something that is neither an object nor null.
 */
int jr_path(const struct jr_doc *d, int node, const char *path);
int jr_type(const struct jr_doc *d, int node); /* JR_NULL for -1 */
/* Whether node is a string equal to s (after its escapes). */
bool jr_streq(const struct jr_doc *d, int node, const char *s);
/* A string's text after its escapes (\uXXXX as UTF-8), NUL-terminated and
 * cut to n - 1 bytes; returns its full length, or -EINVAL if not a string. */
int jr_string(const struct jr_doc *d, int node, char *buf, size_t n);

#endif /* NESTLAB_LIB_JSONREAD_H */
