// SPDX-License-Identifier: MIT
/* A small streaming JSON writer: enough for result documents, with
 * correct string escaping (guest-supplied text ends up in them). */
#include <inttypes.h>
#include <math.h>

#include "json.h"

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	j->after_key = false;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

void json_put_escaped(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void key(struct json *j, const char *k)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			fputc(',', j->f);
		indent(j);
	}
	j->need_comma[j->depth] = true;
	if (k) {
		json_put_escaped(j->f, k, SIZE_MAX);
		fputs(": ", j->f);
	}
}

static void open_(struct json *j, const char *k, char c)
{
	key(j, k);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->f);
}

void json_obj(struct json *j, const char *k) { open_(j, k, '{'); }
void json_arr(struct json *j, const char *k) { open_(j, k, '['); }
void json_end_obj(struct json *j) { close_(j, '}'); }
void json_end_arr(struct json *j) { close_(j, ']'); }

void json_strn(struct json *j, const char *k, const char *v, size_t n)
{
	key(j, k);
	if (v)
		json_put_escaped(j->f, v, n);
	else
		fputs("null", j->f);
}

void json_str(struct json *j, const char *k, const char *v)
{
	json_strn(j, k, v, SIZE_MAX);
}

void json_u64(struct json *j, const char *k, uint64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, const char *k, int64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRId64, v);
}

void json_dbl(struct json *j, const char *k, double v)
{
	key(j, k);
	if (isfinite(v))
		fprintf(j->f, "%.9g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}

void json_hex(struct json *j, const char *k, uint64_t v)
{
	key(j, k);
	fprintf(j->f, "\"0x%016" PRIx64 "\"", v);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}

void json_raw(struct json *j, const char *k, const char *text, size_t n)
{
	key(j, k);
	fwrite(text, 1, n, j->f);
}
