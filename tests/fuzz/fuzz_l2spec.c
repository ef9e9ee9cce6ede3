// SPDX-License-Identifier: MIT
/*
 * l2spec_parse (lib/l2spec.c): nestlab parses an --l2 spec at L0 and
 * puts l2spec_format's text on L1's command line, where l1-shim parses
 * it again. What L0 accepts, L1 must accept as the same spec; and the
 * command lines made from it must fit their buffer or say -ENOSPC. And
 * one level further down: nestlab checks guest-kernel's command line
 * with wl_parse before it boots, but a Linux L2's only with
 * l2spec_parse, so l2init's l2_parse must take whatever that accepted,
 * as the same run.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "l2spec.h"
#include "l2words.h"
#include "wl.h"

/* The text in a heap block of exactly len bytes, so that ASan sees a
 * write one byte past the buffer the caller said it had. */
static int in_exact(int (*fn)(const struct l2_spec *, char *, size_t),
		    const struct l2_spec *s, size_t len, char *copy, size_t copylen)
{
	char *b = malloc(len ? len : 1);
	int r;

	FUZZ_CHECK(b, "out of memory");
	r = fn(s, b, len);
	if (r >= 0 && copy) {
		FUZZ_CHECK((size_t)r < copylen, "%d bytes", r);
		memcpy(copy, b, (size_t)r + 1);
	}
	free(b);
	return r;
}

/* fn's text for s: it fits in 4096 (L1's command line is 2048), and
 * each shorter buffer gets -ENOSPC, never a cut text said to be whole. */
static int check_writer(int (*fn)(const struct l2_spec *, char *, size_t),
			const char *what, const struct l2_spec *s, char *out, size_t outlen)
{
	int n = in_exact(fn, s, outlen, out, outlen);

	FUZZ_CHECK(n > 0, "%s: %d", what, n);
	FUZZ_CHECK(strlen(out) == (size_t)n, "%s: said %d, wrote %zu", what, n, strlen(out));
	FUZZ_CHECK(in_exact(fn, s, (size_t)n + 1, NULL, 0) == n, "%s: no room for its NUL", what);
	FUZZ_CHECK(in_exact(fn, s, (size_t)n, NULL, 0) == -ENOSPC, "%s: one byte short", what);
	FUZZ_CHECK(in_exact(fn, s, (size_t)n / 2, NULL, 0) == -ENOSPC, "%s: half", what);
	FUZZ_CHECK(in_exact(fn, s, 1, NULL, 0) == -ENOSPC, "%s: one byte", what);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct l2_spec a, b;
	char err[256], text[4096], again[4096], cmd[4096];
	int n;

	memset(err, 0x5a, sizeof(err));
	if (l2spec_parse((const char *)data, size, &a, err, sizeof(err)) < 0) {
		/* the message is terminated within err, and one line unless
		 * it quotes a newline the spec had */
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "message not terminated");
		FUZZ_CHECK(err[0], "refused without a message");
		FUZZ_CHECK(!strchr(err, '\n') || memchr(data, '\n', size),
			   "message of more than one line: %s", err);
		return 0;
	}
	n = check_writer(l2spec_format, "l2spec_format", &a, text, sizeof(text));
	if (l2spec_parse(text, (size_t)n, &b, err, sizeof(err)) < 0)
		FUZZ_CHECK(0, "L1 refuses '%s' (from '%.*s'): %s", text, (int)size,
			   (const char *)data, err);
	FUZZ_CHECK(!memcmp(&a, &b, sizeof(a)), "'%s' reads back as another spec (from '%.*s')",
		   text, (int)size, (const char *)data);
	/* canonical: formatting it again gives the same text */
	FUZZ_CHECK(check_writer(l2spec_format, "l2spec_format", &b, again, sizeof(again)) == n &&
		   !strcmp(text, again), "'%s' then '%s'", text, again);
	/* one word per key=value and nothing that ends the command line */
	check_writer(l2spec_cmdline, "l2spec_cmdline", &a, cmd, sizeof(cmd));
	FUZZ_CHECK(!strpbrk(cmd, "\n\"'"), "command line '%s'", cmd);
	FUZZ_CHECK(!strpbrk(text, " \t\n\"'"), "spec '%s'", text);

	static const char *const fails[] = { "none", "exit", "panic" };

	if (a.linux_guest) {
		struct fuzz_l2_words w;

		if (fuzz_l2_words(cmd, &w, err, sizeof(err)))
			FUZZ_CHECK(0, "the Linux L2 refuses '%s' (from '%.*s'): %s", cmd, (int)size,
				   (const char *)data, err);
		FUZZ_CHECK(!strcmp(w.program, a.workload) && w.size == a.footprint &&
			   w.seed == a.seed && w.iters == a.iters && a.fail < 3 &&
			   !strcmp(w.fail, fails[a.fail]), "the Linux L2 reads '%s' as another run", cmd);
	} else {
		struct wl_params wp;

		/* wl_parse may refuse (nestlab then does, at L0); what it
		 * takes must be the spec's run */
		if (!wl_parse(cmd, &wp, NULL, err, sizeof(err)))
			FUZZ_CHECK(!strcmp(wp.name, a.workload) && wp.footprint == a.footprint &&
				   wp.iters == a.iters && wp.seed == a.seed,
				   "guest-kernel reads '%s' as another run", cmd);
	}
	return 0;
}
