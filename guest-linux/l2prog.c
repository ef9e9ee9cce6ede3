// SPDX-License-Identifier: MIT
/*
 * The programs a Linux L2 runs, each as SPEC CPU2006 ran its counterpart
 * (docs/guest-linux.md): bzip2 compresses and decompresses a generated
 * text, GNU Go answers GTP commands on a seeded position, HMMER 2 builds,
 * calibrates and searches with a profile of a generated protein family,
 * and mcf (not in Debian) is nestlab's own static nestlab-workload.
 * Inputs come from a seed alone, so L0 (l2init --native) and a VM at any
 * level make the same bytes; they are written to the work directory,
 * which in a VM is tmpfs, so they take guest memory as SPEC's did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l2.h"

/* splitmix64: small, and the same sequence everywhere */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char *arg(struct l2_plan *pl, const char *fmt, unsigned long long v)
{
	char *at = pl->buf + pl->used;
	int k = snprintf(at, sizeof(pl->buf) - pl->used, fmt, v);

	if (k < 0 || (size_t)k >= sizeof(pl->buf) - pl->used)
		return NULL;
	pl->used += (size_t)k + 1;
	return at;
}

/* Writes buffered output; a short write is an error (a full tmpfs). */
struct out {
	FILE *f;
	uint64_t bytes;
};

static int out_open(struct out *o, const char *path, char *msg, size_t n)
{
	o->bytes = 0;
	o->f = fopen(path, "we");
	if (!o->f) {
		snprintf(msg, n, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int out_close(struct out *o, const char *path, char *msg, size_t n)
{
	int bad = ferror(o->f);

	if (fclose(o->f) || bad) {
		snprintf(msg, n, "writing %s: %s", path, strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

/* ---- bzip2 (401.bzip2) ---- */

/* Text of words from a skewed vocabulary: compressible about as well as
 * SPEC's mix of text and program source, so bzip2 does its full work
 * (sorting blocks of 900 KB at -9). */
static int bz_prepare(const struct l2_params *p, struct l2_plan *pl, char *msg, size_t n)
{
	char vocab[4096][12];
	uint64_t s = p->seed, left = p->size;
	struct out o;
	int e;

	for (unsigned int i = 0; i < 4096; i++) {
		unsigned int len = 2 + (unsigned int)(rnd(&s) % 9);

		for (unsigned int k = 0; k < len; k++)
			vocab[i][k] = (char)('a' + rnd(&s) % 26);
		vocab[i][len] = 0;
	}
	if ((e = out_open(&o, "input", msg, n)))
		return e;
	for (unsigned int w = 0; left; w++) {
		uint64_t r = rnd(&s);
		/* the product of two uniform indices: a few words are common */
		const char *word = vocab[((r & 4095) * ((r >> 12) & 4095)) >> 12];
		size_t len = strlen(word);

		if (len + 1 > left)
			len = left - 1;
		fwrite(word, 1, len, o.f);
		fputc(w % 12 == 11 || len + 1 == left ? '\n' : ' ', o.f);
		left -= len + 1;
	}
	if ((e = out_close(&o, "input", msg, n)))
		return e;
	pl->input_bytes = p->size;
	pl->step[0] = (struct l2_step){ "compress", { "/bin/bzip2", "-9", "-c", "input" },
					NULL, "input.bz2", NULL, NULL, false };
	pl->step[1] = (struct l2_step){ "decompress", { "/bin/bzip2", "-d", "-c", "input.bz2" },
					NULL, "output", NULL, NULL, false };
	pl->n = 2;
	return 0;
}

static int bz_check(const struct l2_plan *pl, uint64_t *sum, char *msg, size_t n)
{
	char a[65536], b[65536];
	FILE *x = fopen("input", "re"), *y = fopen("output", "re");
	int e = 0;

	(void)pl;
	(void)sum;
	if (!x || !y) {
		snprintf(msg, n, "round trip: %s", strerror(errno));
		e = -errno;
		goto out;
	}
	for (uint64_t at = 0;;) {
		size_t ka = fread(a, 1, sizeof(a), x), kb = fread(b, 1, sizeof(b), y);

		if (ka != kb || memcmp(a, b, ka)) {
			snprintf(msg, n, "round trip: the decompressed file differs from the input after byte %llu",
				 (unsigned long long)at);
			e = -EBADMSG;
			break;
		}
		if (!ka)
			break;
		at += ka;
	}
out:
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return e;
}

/* ---- GNU Go (445.gobmk) ---- */

/* A seeded opening, then moves GNU Go generates, then its estimate of the
 * score: what 445.gobmk's GTP test files ask. size is GNU Go's cache
 * (--cache-size, in MiB), the one knob of its memory use. */
static int go_prepare(const struct l2_params *p, struct l2_plan *pl, char *msg, size_t n)
{
	static const char cols[] = "ABCDEFGHJKLMNOPQRST";   /* no I, as GTP has it */
	bool taken[19][19] = { { false } };
	uint64_t s = p->seed;
	struct out o;
	int e;

	if ((e = out_open(&o, "game.gtp", msg, n)))
		return e;
	fputs("boardsize 19\nclear_board\nkomi 7.5\n", o.f);
	for (unsigned int i = 0; i < 12;) {
		/* inside the third line, where openings are played */
		unsigned int x = 2 + (unsigned int)(rnd(&s) % 15), y = 2 + (unsigned int)(rnd(&s) % 15);

		if (taken[x][y])
			continue;
		taken[x][y] = true;
		fprintf(o.f, "play %s %c%u\n", i % 2 ? "white" : "black", cols[x], y + 1);
		i++;
	}
	for (unsigned int i = 0; i < 2 * p->iters; i++)
		fprintf(o.f, "genmove %s\n", i % 2 ? "white" : "black");
	fputs("estimate_score\nquit\n", o.f);
	if ((e = out_close(&o, "game.gtp", msg, n)))
		return e;
	pl->input_bytes = p->size;
	pl->step[0] = (struct l2_step){ "gtp", { "/usr/games/gnugo", "--mode", "gtp", "--seed",
				  arg(pl, "%llu", p->seed % 2147483647 + 1), "--cache-size",
				  arg(pl, "%llu", (p->size + (1 << 20) - 1) >> 20) },
				  "game.gtp", "answers", NULL, NULL, false };
	pl->n = 1;
	return pl->step[0].argv[4] && pl->step[0].argv[6] ? 0 : -E2BIG;
}

/* ---- HMMER 2 (456.hmmer) ---- */

static const char amino[] = "ACDEFGHIKLMNPQRSTVWY";

static void mutate(char *dst, const char *src, size_t len, unsigned int pct, uint64_t *s)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = rnd(s) % 100 < pct ? amino[rnd(s) % 20] : src[i];
}

/* A family of 24 sequences from one ancestor (the profile's alignment)
 * and a database of size bytes of random proteins with a family member
 * (30% of its residues changed) every 25th, which hmmsearch must find. */
#define HMM_EVERY 25
#define HMM_CUT 1e-5    /* E-value: homologs score ~1e-40, random ones ~1 */
static int hmm_prepare(const struct l2_params *p, struct l2_plan *pl, char *msg, size_t n)
{
	enum { FAM = 24, LEN = 160 };
	char anc[LEN], seq[LEN + 400];
	uint64_t s = p->seed, written = 0;
	struct out o;
	int e;

	for (unsigned int i = 0; i < LEN; i++)
		anc[i] = amino[rnd(&s) % 20];
	if ((e = out_open(&o, "family.sto", msg, n)))
		return e;
	fputs("# STOCKHOLM 1.0\n\n", o.f);
	for (unsigned int i = 0; i < FAM; i++) {
		mutate(seq, anc, LEN, 25, &s);
		fprintf(o.f, "fam%02u %.*s\n", i, LEN, seq);
	}
	fputs("//\n", o.f);
	if ((e = out_close(&o, "family.sto", msg, n)))
		return e;
	if ((e = out_open(&o, "db.fa", msg, n)))
		return e;
	for (unsigned int i = 0; written < p->size; i++) {
		size_t len = 100 + rnd(&s) % 300;
		int k;

		if (i % HMM_EVERY == HMM_EVERY - 1) {
			mutate(seq, anc, LEN, 30, &s);
			len = LEN;
		} else {
			for (size_t j = 0; j < len; j++)
				seq[j] = amino[rnd(&s) % 20];
		}
		k = fprintf(o.f, ">s%u\n", i);
		for (size_t j = 0; j < len; j += 60)
			k += fprintf(o.f, "%.*s\n", (int)(len - j < 60 ? len - j : 60), seq + j);
		written += k > 0 ? (uint64_t)k : 0;
	}
	if ((e = out_close(&o, "db.fa", msg, n)))
		return e;
	pl->input_bytes = written;
	static const char *const date[] = { "DATE", NULL };
	pl->step[0] = (struct l2_step){ "build", { "/usr/bin/hmm2build", "-F", "family.hmm", "family.sto" },
					NULL, "build.txt", NULL, NULL, false };
	/* 456.hmmer calibrates with a fixed seed; 500 samples, not 5000:
	 * the search is the part that scales with the input */
	pl->step[1] = (struct l2_step){ "calibrate", { "/usr/bin/hmm2calibrate", "--cpu", "0",
				  "--num", "500", "--seed", arg(pl, "%llu", p->seed % 2147483647 + 1),
				  "family.hmm" }, NULL, "calibrate.txt", "family.hmm", date, false };
	pl->step[2] = (struct l2_step){ "search", { "/usr/bin/hmm2search", "--cpu", "0",
					"family.hmm", "db.fa" }, NULL, "search.txt", NULL, NULL, false };
	pl->n = 3;
	return pl->step[1].argv[6] ? 0 : -E2BIG;
}

/*
 * HMMER's scores go through libm's exp and log, and glibc picks their
 * code by CPU feature (FMA, AVX2, AVX, ...) with results that differ in
 * the last bit: the same input gave five different output checksums on
 * five CPU models (measured: four feature masks on one host, and the
 * testbed's emulated CPU), as SPEC's own hmmer check allows with its
 * tolerances. So the run's checksum is of what the search found: the
 * sequences with an E-value below HMM_CUT, which must be exactly the
 * family members the database was made with.
 */
static int hmm_check(const struct l2_plan *pl, uint64_t *sum, char *msg, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, found = 0, nseq = 0, wrong = 0, bad_name = UINT64_MAX;
	bool in_table = false;
	char line[512];
	FILE *f = fopen("search.txt", "re");

	(void)pl;
	if (!f) {
		snprintf(msg, n, "search.txt: %s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned int idx;
		double score, ev;

		if (!strncmp(line, "Scores for complete sequences", 29)) {
			in_table = true;
			continue;
		}
		if (!in_table)
			continue;
		if (line[0] == '\n')
			break;
		if (sscanf(line, "%63s %lf %lf", name, &score, &ev) != 3 ||
		    sscanf(name, "s%u", &idx) != 1 || ev > HMM_CUT)
			continue;
		found++;
		if (idx % HMM_EVERY != HMM_EVERY - 1 && wrong++ == 0)
			bad_name = idx;
		/* a sum of mixed indices: the order of equal-looking scores
		 * is the CPU model's too */
		uint64_t m = idx;
		h += rnd(&m);
	}
	fclose(f);
	f = fopen("db.fa", "re");
	if (!f) {
		snprintf(msg, n, "db.fa: %s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f))
		nseq += line[0] == '>';
	fclose(f);
	if (wrong) {
		snprintf(msg, n, "hmmsearch: %llu hits below E %g that are not family members (s%llu)",
			 (unsigned long long)wrong, HMM_CUT, (unsigned long long)bad_name);
		return -EBADMSG;
	}
	if (found != nseq / HMM_EVERY) {
		snprintf(msg, n, "hmmsearch found %llu of the %llu family members",
			 (unsigned long long)found, (unsigned long long)(nseq / HMM_EVERY));
		return -EBADMSG;
	}
	*sum = h;
	return 0;
}

/* ---- mcf (429.mcf) ---- */

/* The same solver, network and checksum as guest-kernel's mcf
 * (workloads/mcf.c), so a Linux L2's mcf and a guest-kernel L2's give one
 * checksum: here as a process, with the Linux kernel's memory management
 * under it. size is its footprint; it generates its own input. */
static int mcf_prepare(const struct l2_params *p, struct l2_plan *pl, char *msg, size_t n)
{
	(void)msg;
	(void)n;
	pl->input_bytes = p->size;
	pl->step[0] = (struct l2_step){ "solve", { L2_WORKLOAD_PATH, "workload=mcf",
				  arg(pl, "footprint=%llu", p->size), arg(pl, "iters=%llu", p->iters),
				  arg(pl, "seed=%llu", p->seed) }, NULL, "mcf.txt", NULL, NULL, true };
	pl->n = 1;
	return pl->step[0].argv[2] && pl->step[0].argv[3] && pl->step[0].argv[4] ? 0 : -E2BIG;
}

/* Its one line, "checksum=0x... work=N seconds=S cycles=C": the time
 * differs run to run, so the run's checksum is the solver's own. */
static int mcf_check(const struct l2_plan *pl, uint64_t *sum, char *msg, size_t n)
{
	unsigned long long c, work;
	char line[256];
	int lines = 0, got = 0;
	FILE *f = fopen("mcf.txt", "re");

	(void)pl;
	if (!f) {
		snprintf(msg, n, "mcf.txt: %s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		lines++;
		got += sscanf(line, "checksum=0x%llx work=%llu ", &c, &work) == 2;
	}
	fclose(f);
	if (lines != 1 || got != 1) {
		snprintf(msg, n, "mcf: expected one line 'checksum=0x... work=...', got %d lines, %d of them such",
			 lines, got);
		return -EBADMSG;
	}
	*sum = c;
	return 0;
}

static const char *const bz_files[] = { "/bin/bzip2", NULL };
static const char *const go_files[] = { "/usr/games/gnugo", NULL };
static const char *const hmm_files[] = { "/usr/bin/hmm2build", "/usr/bin/hmm2calibrate",
					 "/usr/bin/hmm2search", NULL };
static const char *const mcf_files[] = { L2_WORKLOAD_PATH, NULL };

static const struct l2_prog progs[] = {
	{ "bzip2", bz_files, bz_prepare, bz_check, "outputs" },
	{ "gnugo", go_files, go_prepare, NULL, "outputs" },
	{ "hmmer", hmm_files, hmm_prepare, hmm_check, "hits" },
	{ "mcf", mcf_files, mcf_prepare, mcf_check, "solver" },
};

const struct l2_prog *l2_prog_find(const char *name)
{
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (!strcmp(progs[i].name, name))
			return &progs[i];
	return NULL;
}

int l2_sum_file(const char *path, const char *const *skip, uint64_t *sum,
		uint64_t *bytes)
{
	uint64_t h = 0xcbf29ce484222325ull, nb = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while ((k = getline(&line, &cap, f)) > 0) {
		bool drop = false;

		nb += (uint64_t)k;
		for (const char *const *p = skip; p && *p && !drop; p++)
			drop = !strncmp(line, *p, strlen(*p));
		if (drop)
			continue;
		for (ssize_t i = 0; i < k; i++)
			h = (h ^ (unsigned char)line[i]) * 0x100000001b3ull;
	}
	free(line);
	k = ferror(f) ? -EIO : 0;
	fclose(f);
	*sum = h;
	*bytes = nb;
	return (int)k;
}
