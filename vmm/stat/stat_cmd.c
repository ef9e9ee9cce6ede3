// SPDX-License-Identifier: MIT
/*
 * nestlab stat: its options and the command (docs/stat.md). Options are
 * read by hand rather than with getopt_long, whose state is global: the
 * command is a handful of words, and its unit test calls st_parse over
 * and over in one process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nestlab.h"
#include "stat.h"

void st_usage(FILE *f)
{
	fputs("usage: nestlab stat [--json|--csv] [--sort count|time] [--level l0|l1|l2|all] DOC [DOC2]\n"
	      "  DOC: a result document (nestlab-run/1, nestlab-flat/1, nestlab-nested/1), or a\n"
	      "  directory whose *.json documents are summed; with DOC2, B against A side by side\n"
	      "  --json, --csv   one JSON object, or one CSV table per section (default: text)\n"
	      "  --sort S        rows by count (default) or by time\n"
	      "  --level L       only what L0, L1 or L2 measured (default all)\n"
	      "exit status: 0, or 2 for bad input (docs/stat.md)\n", f);
}

/* "--name VALUE" or "--name=VALUE": the value, or NULL when this is not
 * the option; *bad when it is but has no value. */
static const char *valued(int argc, char **argv, int *i, const char *name, bool *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*bad = true;
		return NULL;
	}
	return argv[++*i];
}

int st_parse(int argc, char **argv, struct st_opts *o, char *err, size_t errlen)
{
	bool opts = true, bad = false;
	const char *v;

	memset(o, 0, sizeof(*o));
	o->level = ST_LEVEL_ALL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts || a[0] != '-' || !a[1]) {
			if (o->ndocs == 2) {
				snprintf(err, errlen, "at most two documents, not also '%.200s'", a);
				return -EINVAL;
			}
			o->doc[o->ndocs++] = a;
		} else if (!strcmp(a, "--")) {
			opts = false;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			return 1;
		} else if (!strcmp(a, "--json") || !strcmp(a, "--csv")) {
			enum st_format f = a[2] == 'j' ? ST_JSON : ST_CSV;

			if (o->format != ST_TEXT && o->format != f) {
				snprintf(err, errlen, "--json and --csv exclude each other");
				return -EINVAL;
			}
			o->format = f;
		} else if ((v = valued(argc, argv, &i, "--sort", &bad))) {
			if (!strcmp(v, "count")) {
				o->sort = ST_SORT_COUNT;
			} else if (!strcmp(v, "time")) {
				o->sort = ST_SORT_TIME;
			} else {
				snprintf(err, errlen, "--sort %.100s: count or time", v);
				return -EINVAL;
			}
		} else if ((v = valued(argc, argv, &i, "--level", &bad))) {
			if (!strcmp(v, "all")) {
				o->level = ST_LEVEL_ALL;
			} else if ((v[0] == 'l' || v[0] == 'L') && v[1] >= '0' && v[1] <= '2' && !v[2]) {
				o->level = v[1] - '0';
			} else {
				snprintf(err, errlen, "--level %.100s: l0, l1, l2 or all", v);
				return -EINVAL;
			}
		} else if (bad) {
			snprintf(err, errlen, "option %.100s needs a value", a);
			return -EINVAL;
		} else {
			snprintf(err, errlen, "unknown option '%.100s' (try 'nestlab stat --help')", a);
			return -EINVAL;
		}
	}
	if (!o->ndocs) {
		snprintf(err, errlen, "no document (try 'nestlab stat --help')");
		return -EINVAL;
	}
	return 0;
}

/* A path or a parser's message may hold anything: one line it stays. */
static void say(const char *what, const char *msg)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", msg);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	fprintf(stderr, "nestlab: stat: %s%s\n", what, buf);
}

int stat_main(int argc, char **argv)
{
	struct st_set set[2] = { { 0 } };
	struct st_opts o;
	char err[1024];
	int r, status = NL_EXIT_OK;

	r = st_parse(argc, argv, &o, err, sizeof(err));
	if (r == 1) {
		st_usage(stdout);
		return NL_EXIT_OK;
	}
	if (r < 0) {
		say("", err);
		return NL_EXIT_USAGE;
	}
	for (int i = 0; i < o.ndocs; i++)
		if ((r = st_load(o.doc[i], ST_DOC_MAX, &set[i], err, sizeof(err))) < 0) {
			say("", err);
			status = r == -ENOMEM ? NL_EXIT_HOST : NL_EXIT_USAGE;
			goto out;
		}
	for (int i = 0; i < o.ndocs; i++)
		for (int k = 0; k < set[i].nnotes; k++)
			say("note: ", set[i].notes[k]);
	r = o.format == ST_JSON ? st_json(stdout, &o, &set[0], o.ndocs > 1 ? &set[1] : NULL) :
	    o.format == ST_CSV ? st_csv(stdout, &o, &set[0], o.ndocs > 1 ? &set[1] : NULL) :
	    st_text(stdout, &o, &set[0], o.ndocs > 1 ? &set[1] : NULL);
	if (r < 0) {
		say("", r == -ENOMEM ? "out of memory" : "cannot write the output");
		status = NL_EXIT_HOST;
	}
out:
	st_set_free(&set[0]);
	st_set_free(&set[1]);
	return status;
}
