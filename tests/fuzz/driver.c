// SPDX-License-Identifier: MIT
/*
 * The gcc build's stand-in for libFuzzer (docs/fuzzing.md): runs a
 * harness's LLVMFuzzerTestOneInput on every file of its corpus, then on
 * a fixed number of mutations of them drawn from a seeded PRNG. No
 * coverage feedback, but the same seed gives the same inputs on every
 * machine, so the short runs in the unit suite are reproducible, and
 * they need no clang.
 *
 *   fuzz_NAME [-n RUNS] [-s SEED] [-m MAXLEN] CORPUS_DIR_OR_FILE...
 *
 * An input that crashes (or fails a harness's check, which aborts) is
 * written to crash-NAME-RUN in the current directory, or in
 * $FUZZ_CRASH_DIR, and `fuzz_NAME that-file` runs it alone.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set by ASan and UBSan's runtimes when they are linked in: a report
 * ends the process with _exit, past any signal handler. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

struct input {
	uint8_t *p;
	size_t n;
};

static struct input *corpus;
static size_t ncorpus, capcorpus;

/* What is running now, for the crash file. */
static const uint8_t *cur;
static size_t cur_n;
static unsigned long cur_run;
static const char *prog = "fuzz";

static void add(uint8_t *p, size_t n)
{
	if (ncorpus == capcorpus) {
		capcorpus = capcorpus ? 2 * capcorpus : 64;
		corpus = realloc(corpus, capcorpus * sizeof(*corpus));
		if (!corpus) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(1);
		}
	}
	corpus[ncorpus++] = (struct input){ p, n };
}

static int load_file(const char *path)
{
	struct stat st;
	uint8_t *p;
	ssize_t r;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	/* +1: a zero-byte file still gets a buffer of its own */
	if (!(p = malloc((size_t)st.st_size + 1))) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size && (r = read(fd, p + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	add(p, got);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's files in name order: readdir's order differs between
 * file systems, and the mutations depend on the corpus order. */
static int load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			if (!(names = realloc(names, cap * sizeof(*names)))) {
				fprintf(stderr, "%s: out of memory\n", prog);
				exit(1);
			}
		}
		if (asprintf(&names[n++], "%s/%s", dir, e->d_name) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			exit(1);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (!r && !stat(names[i], &st) && S_ISREG(st.st_mode))
			r = load_file(names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

static void save_crash(void)
{
	static const char hex[] = "0123456789abcdef";
	char path[512], num[24];
	const char *dir = getenv("FUZZ_CRASH_DIR");
	size_t k = 0, j = sizeof(num);
	unsigned long v = cur_run;
	int fd;

	if (!cur)
		return;
	/* Only async-signal-safe calls from here: a signal may have got us. */
	num[--j] = '\0';
	do {
		num[--j] = hex[v % 16];
		v /= 16;
	} while (v);
#define APPEND(s) for (const char *q = (s); *q && k + 1 < sizeof(path); q++) path[k++] = *q
	if (dir && *dir) {
		APPEND(dir);
		APPEND("/");
	}
	APPEND("crash-");
	APPEND(prog);
	APPEND("-");
	APPEND(num + j);
#undef APPEND
	path[k] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, cur, cur_n) == (ssize_t)cur_n) {
			static const char m1[] = "fuzz driver: the input is in ";

			/* nothing more to say it with if this fails */
			if (write(2, m1, sizeof(m1) - 1) > 0 && write(2, path, k) > 0)
				k = (size_t)write(2, "\n", 1);
		}
		close(fd);
	}
	cur = NULL;
}

static void on_signal(int sig)
{
	save_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* xorshift64*: small, and the same sequence everywhere. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* Bytes that the parsers here split on or treat specially. */
static const uint8_t interesting[] = {
	0, 0xff, 0x7f, 0x80, 0x20, '\t', '\n', '\r', '0', '1', '9', ',', '=', '.', '-', '+',
	'/', ':', '"', '\\', '{', '}', '[', ']', 'e', 'u', 'K', 'M', 'G', 'T', 'i', 'B', '#',
};

/* One mutation of buf[0..*n) in place (capacity max). */
static void mutate_once(uint8_t *buf, size_t *n, size_t max)
{
	size_t len = *n, at, k;
	const struct input *o;

	switch (rnd() % 10) {
	case 0: /* flip a bit */
		if (len)
			buf[below(len)] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* a random byte */
		if (len)
			buf[below(len)] = (uint8_t)rnd();
		break;
	case 2: /* an interesting byte in place */
		if (len)
			buf[below(len)] = interesting[below(sizeof(interesting))];
		break;
	case 3: /* insert an interesting or random byte */
		if (len < max) {
			at = below(len + 1);
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = rnd() & 1 ? interesting[below(sizeof(interesting))] : (uint8_t)rnd();
			*n = len + 1;
		}
		break;
	case 4: /* delete a range */
		if (len) {
			at = below(len);
			k = 1 + below(len - at < 8 ? len - at : 8);
			memmove(buf + at, buf + at + k, len - at - k);
			*n = len - k;
		}
		break;
	case 5: /* duplicate a range */
		if (len && len < max) {
			at = below(len);
			k = 1 + below(len - at);
			if (k > max - len)
				k = max - len;
			memmove(buf + at + k, buf + at, len - at);
			*n = len + k;
		}
		break;
	case 6: /* splice: our head, another entry's tail */
		o = &corpus[below(ncorpus)];
		at = below(len + 1);
		k = o->n ? below(o->n) : 0;
		if (at + (o->n - k) > max)
			k = o->n - (max - at);
		memcpy(buf + at, o->p + k, o->n - k);
		*n = at + (o->n - k);
		break;
	case 7: /* overwrite a range with another entry's bytes */
		o = &corpus[below(ncorpus)];
		if (len && o->n) {
			at = below(len);
			k = 1 + below(o->n < len - at ? o->n : len - at);
			memcpy(buf + at, o->p + below(o->n - k + 1), k);
		}
		break;
	case 8: /* truncate */
		*n = below(len + 1);
		break;
	default: /* a little-endian 16/32-bit value, 0, -1 or a small one */
		if (len >= 4) {
			static const uint32_t vals[] = { 0, 0xffffffffu, 1, 0x80000000u, 0x7fffffffu,
							 0x10, 0x200, 0x1000 };
			uint32_t v = vals[below(sizeof(vals) / sizeof(vals[0]))];
			size_t w = rnd() & 1 ? 2 : 4;

			at = below(len - w + 1);
			for (size_t i = 0; i < w; i++)
				buf[at + i] = (uint8_t)(v >> (8 * i));
		}
	}
}

/* The input is copied into a buffer of exactly its size, as libFuzzer
 * does, so that ASan sees a read one byte past it. */
static void run_one(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	memcpy(copy, p, n);
	cur = copy;
	cur_n = n;
	LLVMFuzzerTestOneInput(copy, n);
	cur = NULL;
	free(copy);
	cur_run++;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-n RUNS] [-s SEED] [-m MAXLEN] CORPUS_DIR_OR_FILE...\n", prog);
	exit(2);
}

static unsigned long long number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long runs = 10000, seed = 1, maxlen = 4096;
	uint8_t *buf;
	int c;

	if (argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		prog = slash ? slash + 1 : argv[0];
	}
	while ((c = getopt(argc, argv, "n:s:m:")) != -1) {
		switch (c) {
		case 'n': runs = number(optarg); break;
		case 's': seed = number(optarg); break;
		case 'm': maxlen = number(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc || !maxlen)
		usage();
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i], strerror(errno));
			return 2;
		}
		if ((S_ISDIR(st.st_mode) ? load_dir(argv[i]) : load_file(argv[i])) < 0)
			return 2;
	}
	if (!ncorpus) {
		fprintf(stderr, "%s: the corpus is empty\n", prog);
		return 2;
	}
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_crash);
	signal(SIGSEGV, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);

	for (size_t i = 0; i < ncorpus; i++)
		run_one(corpus[i].p, corpus[i].n);

	for (size_t i = 0; i < ncorpus; i++)
		if (corpus[i].n > maxlen)
			maxlen = corpus[i].n;
	if (!(buf = malloc(maxlen))) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	/* never 0: xorshift would stay there */
	rng_state = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!rng_state)
		rng_state = 1;
	for (unsigned long long r = 0; r < runs; r++) {
		const struct input *in = &corpus[below(ncorpus)];
		size_t n = in->n;
		unsigned k = 1;

		/* mostly one or two changes: a text parser refuses most inputs
		 * after a few, and the accepted ones are where the checks are */
		while (k < 8 && rnd() % 3 == 0)
			k++;

		memcpy(buf, in->p, n);
		while (k--)
			mutate_once(buf, &n, maxlen);
		run_one(buf, n);
	}
	free(buf);
	printf("%s: %zu corpus inputs, %llu mutations (seed %llu): no failure\n", prog, ncorpus,
	       runs, seed);
	return 0;
}
