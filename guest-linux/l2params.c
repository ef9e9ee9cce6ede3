// SPDX-License-Identifier: MIT
/*
 * The L2's run, from nl2.* words on its kernel command line (or on the
 * command line of l2init --native). Strict: an unknown nl2. key, a value
 * out of range or a key given twice is refused, so that what ran is what
 * was asked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "l2.h"
#include "wl.h"

#define PREFIX "nl2."

static int bad(char *msg, size_t n, const char *what, const char *w, size_t wl)
{
	snprintf(msg, n, "%s '%.*s'", what, (int)(wl > 64 ? 64 : wl), w);
	return -EINVAL;
}

int l2_parse(const char *words, struct l2_params *p, char *msg, size_t n)
{
	unsigned int seen = 0;

	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->iters = 1;
	for (const char *w = words; *w;) {
		size_t len = strcspn(w, " \t\n");
		const char *eq, *v;
		size_t kl, vl;
		unsigned int bit;
		uint64_t x;

		if (!len) {
			w++;
			continue;
		}
		if (strncmp(w, PREFIX, strlen(PREFIX))) {
			w += len;
			continue;
		}
		eq = memchr(w, '=', len);
		if (!eq)
			return bad(msg, n, "nl2 word without a value:", w, len);
		kl = (size_t)(eq - w) - strlen(PREFIX);
		v = eq + 1;
		vl = len - (size_t)(v - w);
#define KEY(s) (kl == strlen(s) && !strncmp(w + strlen(PREFIX), s, kl))
		if (KEY("program")) {
			bit = 1;
			if (!vl || vl >= sizeof(p->program))
				return bad(msg, n, "bad nl2.program", v, vl);
			memcpy(p->program, v, vl);
			p->program[vl] = 0;
			if (!l2_prog_find(p->program))
				return bad(msg, n, "unknown program (bzip2, gnugo, hmmer, mcf):", v, vl);
		} else if (KEY("size")) {
			bit = 2;
			/* 4K..64G: the largest guest nestlab makes (NL_MAX_MEM_GIB) */
			if (wl_parse_size(v, vl, &p->size) || p->size < 4096 ||
			    p->size > (64ull << 30))
				return bad(msg, n, "bad nl2.size (4K..64G):", v, vl);
		} else if (KEY("seed")) {
			bit = 4;
			if (wl_parse_u64(v, vl, &p->seed))
				return bad(msg, n, "bad nl2.seed:", v, vl);
		} else if (KEY("iters")) {
			bit = 8;
			if (wl_parse_u64(v, vl, &x) || !x || x > 100000)
				return bad(msg, n, "bad nl2.iters (1..100000):", v, vl);
			p->iters = (uint32_t)x;
		} else if (KEY("fail")) {
			bit = 16;
			if (vl == 5 && !strncmp(v, "panic", 5))
				p->fail = L2_FAIL_PANIC;
			else if (vl == 4 && !strncmp(v, "exit", 4))
				p->fail = L2_FAIL_EXIT;
			else if (vl == 4 && !strncmp(v, "none", 4))
				p->fail = L2_FAIL_NONE;
			else
				return bad(msg, n, "bad nl2.fail (none, panic, exit):", v, vl);
		} else {
			return bad(msg, n, "unknown key", w, (size_t)(eq - w));
		}
#undef KEY
		if (seen & bit)
			return bad(msg, n, "key given twice:", w, (size_t)(eq - w));
		seen |= bit;
		w += len;
	}
	if (!(seen & 1)) {
		snprintf(msg, n, "no nl2.program= (bzip2, gnugo, hmmer, mcf)");
		return -EINVAL;
	}
	if (!(seen & 2)) {
		snprintf(msg, n, "no nl2.size= (the input's size, such as 16M)");
		return -EINVAL;
	}
	return 0;
}
