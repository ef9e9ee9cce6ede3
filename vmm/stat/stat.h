/* SPDX-License-Identifier: MIT */
/*
 * nestlab stat (docs/stat.md): result documents read back into a small
 * model, and that model printed as the tables `perf kvm stat report` and
 * kvm_stat users expect, or as a diff of two. Reading (stat_load.c) and
 * printing (stat_text.c, stat_json.c, stat_csv.c) meet only here, in the
 * model (stat_model.c), so a new document member is one loader change and
 * a new output one renderer. Plain C: no KVM.
 */
#ifndef NESTLAB_VMM_STAT_H
#define NESTLAB_VMM_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ST_DOC_MAX (64u << 20)  /* one document: L1's alone may be 16 MiB */
#define ST_WIDTH 100            /* columns of every text line */
#define ST_MARK '~'             /* ends a name or line cut to fit */

enum st_format { ST_TEXT, ST_JSON, ST_CSV };
enum st_sort { ST_SORT_COUNT, ST_SORT_TIME };
#define ST_LEVEL_ALL (-1)

struct st_opts {
	enum st_format format;
	enum st_sort sort;
	int level;              /* 0, 1, 2 or ST_LEVEL_ALL */
	const char *doc[2];
	int ndocs;
};

/*
 * What a table holds decides its columns:
 * ST_EXITS: exits by reason (count, handling time: userspace exits or a
 *           trace's kvm_exit); ST_VALUES: named numbers (KVM statistics,
 *           a guest's own counters); ST_MULT: the exit multiplication of
 *           an L0 trace.
 */
enum st_kind { ST_EXITS, ST_VALUES, ST_MULT };

struct st_kv {
	char *name;
	double n;
};

/* A distribution as the multiplication records it. */
struct st_dist {
	double mean, p50, p99, max;
};

struct st_row {
	char *name;
	double count;              /* EXITS samples, VALUES value, MULT L2 exits */
	double total_ns, max_ns;   /* EXITS, over the timed samples */
	double untimed;            /* EXITS from a trace: no kvm_entry followed */
	struct st_dist l0x, l0ns, l1ns; /* MULT: L0 exits, L0 ns, L1 ns per L2 exit */
	struct st_kv *l0r;         /* MULT: L0 exit reasons of the intervals */
	int nl0r;
	int docs;                  /* documents merged into it */
};

/* The multiplication's header numbers, in this order. */
enum {
	ST_MH_LOST, ST_MH_REFLECTED, ST_MH_CLOSED, ST_MH_AT_END, ST_MH_UNCLOSED, ST_MH_DROPPED,
	ST_MH_L0_TOTAL, ST_MH_L0_IN, ST_MH_N
};
extern const char *const st_mh_names[ST_MH_N];

struct st_table {
	enum st_kind kind;
	char *id;                  /* the same in every document: what diffs match */
	char *title;
	bool timed;                /* EXITS: times are recorded */
	bool traced;               /* EXITS: from a trace (untimed, clock, lost) */
	char *clock;               /* a trace's clock, NULL elsewhere */
	double lost;               /* a trace's lost events */
	double mh[ST_MH_N];        /* MULT */
	bool sampled;              /* MULT: some percentiles are from a reservoir */
	struct st_kv *alone;       /* MULT: handled_by_l0_alone */
	int nalone;
	struct st_row *rows;
	int nrows, cap;
};

/* One VM as one level saw it, or one level's own counters. */
struct st_sec {
	char *id;
	char *title;
	int level;
	struct st_table **tabs;     /* each its own allocation: pointers stay valid */
	int ntabs, cap;
};

/* A VM's line at the top: how its run ended. */
struct st_sum {
	char *id;                  /* "VM", "VM[1]", "L1", "L2[0]" */
	char *outcome;             /* "mixed" when summed documents disagree */
	char *checksum;            /* NULL: none */
	bool checksum_mixed;
	double wall_ns, workload_ns; /* NAN: not recorded */
	int ndocs;
};

/* One DOC argument: a document, or a directory's documents summed. */
struct st_set {
	char *path;
	bool dir;
	int ndocs;
	char *schema;              /* "mixed" when a directory has several */
	char *desc;                /* the run: paging, sizes, workload */
	bool desc_mixed;
	struct st_sum **sums;
	int nsums, csums;
	struct st_sec **secs;
	int nsecs, csecs;
	char **notes;              /* files of a directory that were skipped, and why */
	int nnotes, cnotes;
};

/* ---- stat_model.c: building, merging and walking the model ---- */
void st_set_free(struct st_set *s);
/* Find-or-add by id; NULL when memory runs out. Sums, sections and
 * tables stay where they are; a row only until its table grows. */
struct st_sum *st_sum_get(struct st_set *s, const char *id);
struct st_sec *st_sec_get(struct st_set *s, const char *id, const char *title, int level);
struct st_table *st_tab_get(struct st_sec *sec, enum st_kind kind, const char *id,
			    const char *title);
struct st_row *st_row_get(struct st_table *t, const char *name);
struct st_sec *st_sec_find(const struct st_set *s, const char *id);
struct st_table *st_tab_find(const struct st_sec *sec, const char *id);
struct st_sum *st_sum_find(const struct st_set *s, const char *id);
/* Adds n to the pair named name of a list (row reasons, handled alone). */
int st_kv_add(struct st_kv **kv, int *nkv, const char *name, double n);
/* The row merge: one document's row into what earlier ones made. */
void st_row_merge_exits(struct st_row *r, double count, double total_ns,
			double max_ns, double untimed);
void st_row_merge_value(struct st_row *r, double v);
void st_row_merge_mult(struct st_row *r, double count, const struct st_dist *l0x,
		       const struct st_dist *l0ns, const struct st_dist *l1ns);
int st_note(struct st_set *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *st_strdup(const char *s);

/* A row of one table, or of two side by side (either NULL, not both). */
struct st_pair {
	const struct st_row *a, *b;
};
/* The rows of a and b (either NULL) by name, in the order the sort asks:
 * largest first (the larger of the two sides in a diff), then by name.
 * *out is malloc'd; -ENOMEM. */
int st_join(const struct st_table *a, const struct st_table *b, enum st_sort sort,
	    struct st_pair **out, int *n);
/* Tables of a and b, sections of two sets: the union by id, in a's order
 * then b's. The callback sees each once with either side NULL when absent. */
typedef int (*st_sec_fn)(void *ctx, const struct st_sec *a, const struct st_sec *b);
int st_each_sec(const struct st_set *a, const struct st_set *b, int level,
		st_sec_fn fn, void *ctx);
typedef int (*st_tab_fn)(void *ctx, const struct st_table *a, const struct st_table *b);
int st_each_tab(const struct st_sec *a, const struct st_sec *b, st_tab_fn fn, void *ctx);
typedef int (*st_sum_fn)(void *ctx, const struct st_sum *a, const struct st_sum *b);
int st_each_sum(const struct st_set *a, const struct st_set *b, st_sum_fn fn, void *ctx);

/* Derived numbers; NAN when there is nothing to divide by. */
double st_mean_ns(const struct st_row *r);
double st_tab_count(const struct st_table *t);
double st_tab_ns(const struct st_table *t);
double st_ratio(double a, double b);    /* b / a */
double st_pct(double part, double whole);
/* The L0 exit reasons of a multiplication row, largest first: up to max
 * of them into out (pointers into r). */
int st_top_reasons(const struct st_row *r, const struct st_kv **out, int max);
const char *st_level_name(int level);   /* "l0", "l1", "l2" */
const char *st_kind_name(enum st_kind k);

/* ---- stat_load.c: documents and directories into the model ---- */
/*
 * Reads path (a result document, or a directory whose *.json are summed)
 * into s, each file at most max bytes. 0, or a negative errno with one
 * line "PATH: why" in err: -ENOENT and regfile's errors, -EINVAL (not
 * JSON, not a result document), -ENODATA (a directory without any),
 * -ENOMEM. A directory's skipped files are in s->notes.
 */
int st_load(const char *path, size_t max, struct st_set *s, char *err, size_t errlen);

/* ---- stat_text.c, stat_json.c, stat_csv.c: the outputs ---- */
/* b NULL: a's tables; else the diff of a and b. -ENOMEM, or -EIO when f
 * could not be written. */
int st_text(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b);
int st_json(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b);
int st_csv(FILE *f, const struct st_opts *o, const struct st_set *a, const struct st_set *b);

/* ---- stat_cmd.c: the command ---- */
/* 0, 1 for --help, or -EINVAL with the reason in err. */
int st_parse(int argc, char **argv, struct st_opts *o, char *err, size_t errlen);
void st_usage(FILE *f);
/* nestlab stat ARGS (argv[0] is "stat"): prints, and returns the exit status. */
int stat_main(int argc, char **argv);

#endif /* NESTLAB_VMM_STAT_H */
