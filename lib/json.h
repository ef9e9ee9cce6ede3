/* SPDX-License-Identifier: MIT */
/*
 * The JSON writer and checker that nestlab, l1-shim and the testbed's
 * /init share (lib/json.c, lib/jsoncheck.c). Plain C and stdio: no KVM.
 */
#ifndef NESTLAB_LIB_JSON_H
#define NESTLAB_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- json.c: a small streaming JSON writer ---- */
struct json {
	FILE *f;
	int depth;
	bool need_comma[32];
	bool after_key;
};
void json_begin(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);   /* key NULL in arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_strn(struct json *j, const char *key, const char *v, size_t n);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_dbl(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_hex(struct json *j, const char *key, uint64_t v);
void json_finish(struct json *j);
/* Inserts text that is already one JSON value (checked with json_check). */
void json_raw(struct json *j, const char *key, const char *text, size_t n);

/* ---- jsoncheck.c ---- */
/* NULL when buf is exactly one JSON value; else what is wrong, with *at
 * the byte offset where it was found. */
const char *json_check(const char *buf, size_t len, size_t *at);

/* s (at most n bytes, up to a NUL) as a quoted JSON string, ASCII only:
 * for writers that stream JSON without struct json (ktrace's timeline). */
void json_put_escaped(FILE *f, const char *s, size_t n);

#endif /* NESTLAB_LIB_JSON_H */
