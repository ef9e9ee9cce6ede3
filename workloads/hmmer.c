// SPDX-License-Identifier: MIT
/*
 * hmmer: Viterbi alignment of sequences to a Plan7-style profile hidden
 * Markov model, in integer log-odds scores as HMMER does (SPEC CPU2006
 * 456.hmmer runs hmmsearch). The profile has M nodes of match, insert and
 * delete states plus the flanking N, B, E, C states (single local hit).
 * Full dynamic-programming matrices are kept so the best path can be
 * traced back; their size, set by the footprint, decides how long the
 * searched sequences are.
 *
 * Self-check: the score recomputed along the traced-back path equals the
 * Viterbi score for every sequence, and sequences sampled from the profile
 * score higher on average than random ones.
 */
#include "wl_lib.h"

#define M_NODES 200
#define ALPHA 20
#define NSEQ 32
#define NEG (-1000000000)

struct profile {
	int32_t msc[M_NODES + 1][ALPHA], isc[M_NODES + 1][ALPHA];
	int32_t tmm[M_NODES + 1], tmi[M_NODES + 1], tmd[M_NODES + 1];
	int32_t tim[M_NODES + 1], tii[M_NODES + 1], tdm[M_NODES + 1], tdd[M_NODES + 1];
	int32_t bsc[M_NODES + 1], esc[M_NODES + 1];
	uint8_t consensus[M_NODES + 1];
	int32_t tnn, tnb, tcc, tec;
};

struct dp {
	uint64_t L;          /* rows allocated - 1 */
	int32_t *m, *i, *d;  /* (L+1) x (M+1) */
	int32_t *n, *b, *e, *c;
};

#define AT(x, r, k) (x)[(uint64_t)(r) * (M_NODES + 1) + (k)]

static int32_t max2(int32_t a, int32_t b) { return a > b ? a : b; }

static void make_profile(struct profile *p, uint64_t *s)
{
	for (int k = 1; k <= M_NODES; k++) {
		p->consensus[k] = (uint8_t)wl_rand(s, ALPHA);
		for (int a = 0; a < ALPHA; a++) {
			p->msc[k][a] = a == p->consensus[k] ? 1800 + (int32_t)wl_rand(s, 600)
							    : -400 - (int32_t)wl_rand(s, 900);
			p->isc[k][a] = 0;
		}
		p->tmm[k] = -20 - (int32_t)wl_rand(s, 40);
		p->tmi[k] = -2800 - (int32_t)wl_rand(s, 800);
		p->tmd[k] = -2800 - (int32_t)wl_rand(s, 800);
		p->tim[k] = -300 - (int32_t)wl_rand(s, 300);
		p->tii[k] = -400 - (int32_t)wl_rand(s, 300);
		p->tdm[k] = -300 - (int32_t)wl_rand(s, 300);
		p->tdd[k] = -400 - (int32_t)wl_rand(s, 300);
		p->bsc[k] = -3000 - (int32_t)wl_rand(s, 500);
		p->esc[k] = -3000 - (int32_t)wl_rand(s, 500);
	}
	p->tnn = -4;
	p->tnb = -500;
	p->tcc = -4;
	p->tec = -500;
}

/* A sequence: random residues, or a path sampled through the profile
 * (matches with mutations, occasional inserts and deletes) in random
 * flanks. */
static void make_seq(const struct profile *p, uint8_t *x, uint64_t L, bool hit,
		     uint64_t *s)
{
	uint64_t i = 0;

	for (; i < L; i++)
		x[i] = (uint8_t)wl_rand(s, ALPHA);
	if (!hit || L < 2 * M_NODES)
		return;
	i = wl_rand(s, L - 2 * M_NODES);
	for (int k = 1; k <= M_NODES && i < L; k++) {
		uint64_t r = wl_rand(s, 100);

		if (r < 4)
			continue;                           /* delete */
		x[i++] = r < 80 ? p->consensus[k] : (uint8_t)wl_rand(s, ALPHA);
		if (r >= 97 && i < L)
			x[i++] = (uint8_t)wl_rand(s, ALPHA); /* insert */
	}
}

static int32_t viterbi(const struct profile *p, struct dp *t, const uint8_t *x,
		       uint64_t L)
{
	for (int k = 0; k <= M_NODES; k++)
		AT(t->m, 0, k) = AT(t->i, 0, k) = AT(t->d, 0, k) = NEG;
	t->n[0] = 0;
	t->b[0] = p->tnb;
	t->e[0] = t->c[0] = NEG;
	for (uint64_t r = 1; r <= L; r++) {
		uint8_t a = x[r - 1];
		int32_t e = NEG;

		AT(t->m, r, 0) = AT(t->i, r, 0) = AT(t->d, r, 0) = NEG;
		for (int k = 1; k <= M_NODES; k++) {
			int32_t mv = max2(max2(AT(t->m, r - 1, k - 1) + p->tmm[k - 1],
					       AT(t->i, r - 1, k - 1) + p->tim[k - 1]),
					  max2(AT(t->d, r - 1, k - 1) + p->tdm[k - 1],
					       t->b[r - 1] + p->bsc[k]));
			int32_t iv = max2(AT(t->m, r - 1, k) + p->tmi[k],
					  AT(t->i, r - 1, k) + p->tii[k]);
			int32_t dv = max2(AT(t->m, r, k - 1) + p->tmd[k - 1],
					  AT(t->d, r, k - 1) + p->tdd[k - 1]);

			AT(t->m, r, k) = max2(mv, NEG) + p->msc[k][a];
			AT(t->i, r, k) = max2(iv, NEG) + p->isc[k][a];
			AT(t->d, r, k) = max2(dv, NEG);
			e = max2(e, AT(t->m, r, k) + p->esc[k]);
		}
		t->e[r] = e;
		t->n[r] = t->n[r - 1] + p->tnn;
		t->b[r] = t->n[r] + p->tnb;
		t->c[r] = max2(t->c[r - 1] + p->tcc, e + p->tec);
	}
	return t->c[L];
}

/* Traces the best path back and sums its scores independently. */
static int64_t traceback(const struct profile *p, const struct dp *t,
			 const uint8_t *x, uint64_t L)
{
	enum { S_C, S_E, S_M, S_I, S_D, S_B } st = S_C;
	uint64_t r = L;
	int k = 0;
	int64_t sum = 0;

	for (;;) {
		switch (st) {
		case S_C:
			if (r > 0 && t->c[r] == t->c[r - 1] + p->tcc) {
				sum += p->tcc;
				r--;
			} else {
				sum += p->tec;
				st = S_E;
			}
			break;
		case S_E:
			for (k = 1; k <= M_NODES; k++)
				if (AT(t->m, r, k) + p->esc[k] == t->e[r])
					break;
			if (k > M_NODES)
				return INT64_MIN;
			sum += p->esc[k];
			st = S_M;
			break;
		case S_M: {
			int32_t prev = AT(t->m, r, k) - p->msc[k][x[r - 1]];

			sum += p->msc[k][x[r - 1]];
			if (prev == t->b[r - 1] + p->bsc[k]) {
				sum += p->bsc[k];
				st = S_B;
			} else if (prev == AT(t->m, r - 1, k - 1) + p->tmm[k - 1]) {
				sum += p->tmm[k - 1];
			} else if (prev == AT(t->i, r - 1, k - 1) + p->tim[k - 1]) {
				sum += p->tim[k - 1];
				st = S_I;
			} else {
				sum += p->tdm[k - 1];
				st = S_D;
			}
			r--;
			k--;
			break;
		}
		case S_I: {
			int32_t prev = AT(t->i, r, k) - p->isc[k][x[r - 1]];

			sum += p->isc[k][x[r - 1]];
			if (prev == AT(t->m, r - 1, k) + p->tmi[k]) {
				sum += p->tmi[k];
				st = S_M;
			} else {
				sum += p->tii[k];
			}
			r--;
			break;
		}
		case S_D:
			if (AT(t->d, r, k) == AT(t->m, r, k - 1) + p->tmd[k - 1]) {
				sum += p->tmd[k - 1];
				st = S_M;
			} else {
				sum += p->tdd[k - 1];
			}
			k--;
			break;
		case S_B:
			/* B at row r (0 included: the hit starts at the first
			 * residue) was entered from N: r steps of N->N. */
			return sum + p->tnb + (int64_t)r * p->tnn;
		}
		if (k < 0 || (k == 0 && st != S_B && st != S_C && st != S_E) ||
		    (st != S_B && st != S_C && r == 0))
			return INT64_MIN;  /* a path that cannot exist */
	}
}

int wl_hmmer(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	struct wl_arena ar = { env->arena, p->footprint, 0 };
	struct profile *prof = wl_alloc(&ar, sizeof(*prof));
	uint64_t per_row = 3ull * (M_NODES + 1) * 4 + 16 + NSEQ;
	uint64_t L = (p->footprint - sizeof(*prof) - 4096) / per_row;
	struct dp t;
	uint8_t *seqs;
	uint64_t s = p->seed, h = 0;
	int64_t hits = 0, randoms = 0;

	if (!prof || L < 2 * M_NODES + 2) {
		wl_log(env, "hmmer: footprint too small for the profile (", p->footprint, " bytes)");
		return -1;
	}
	L -= 2;
	t.L = L;
	t.m = wl_alloc(&ar, (L + 1) * (M_NODES + 1) * 4);
	t.i = wl_alloc(&ar, (L + 1) * (M_NODES + 1) * 4);
	t.d = wl_alloc(&ar, (L + 1) * (M_NODES + 1) * 4);
	t.n = wl_alloc(&ar, (L + 1) * 4);
	t.b = wl_alloc(&ar, (L + 1) * 4);
	t.e = wl_alloc(&ar, (L + 1) * 4);
	t.c = wl_alloc(&ar, (L + 1) * 4);
	seqs = wl_alloc(&ar, NSEQ * L);
	if (!t.m || !t.i || !t.d || !t.n || !t.b || !t.e || !t.c || !seqs)
		return -1;
	make_profile(prof, &s);
	for (int q = 0; q < NSEQ; q++)
		make_seq(prof, seqs + q * L, L, q % 2 == 0, &s);
	for (uint64_t it = 0; it < p->iters; it++)
		for (int q = 0; q < NSEQ; q++) {
			const uint8_t *x = seqs + q * L;
			int32_t sc = viterbi(prof, &t, x, L);

			if (traceback(prof, &t, x, L) != sc) {
				wl_log(env, "hmmer: traceback disagrees with Viterbi on sequence ", (uint64_t)q, "");
				return -1;
			}
			if (q % 2 == 0)
				hits += sc;
			else
				randoms += sc;
			h = wl_mix(h, (uint64_t)(int64_t)sc);
		}
	if (hits <= randoms) {
		wl_log(env, "hmmer: sampled sequences do not outscore random ones", 0, "");
		return -1;
	}
	r->checksum = h;
	r->work = p->iters * NSEQ * L * M_NODES;
	return 0;
}
