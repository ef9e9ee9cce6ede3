// SPDX-License-Identifier: MIT
/*
 * gobmk: game-tree search for Go, in the spirit of SPEC CPU2006 445.gobmk
 * (GNU Go). A 9x9 board with captures, suicide and simple ko rules;
 * negamax alpha-beta search with iterative deepening, move ordering from a
 * transposition table keyed by Zobrist hashes; area evaluation (stones
 * plus empty regions that touch one colour only). The transposition table
 * fills the footprint. Each iteration self-plays one short game from a
 * seeded opening.
 *
 * Self-check: on the opening position, alpha-beta with the table, alpha-
 * beta without it, and plain minimax agree at depth 2.
 */
#include "wl_lib.h"

#define N 9
#define W (N + 2)
#define CELLS (W * W)
#define EMPTY 0
#define BLACK 1
#define WHITE 2
#define EDGE 3
#define PASS 0
#define DEPTH 3
#define MOVES_PER_GAME 10
#define KOMI 65          /* 6.5 points, in tenths */
#define INF 1000000

enum { TT_EXACT = 1, TT_LOWER = 2, TT_UPPER = 3 };

struct tt_entry {
	uint64_t key;
	int32_t score;
	uint8_t depth, flag, best, gen;
};

struct pos {
	uint8_t b[CELLS];
	uint8_t ko;           /* forbidden point, 0 = none */
	uint8_t passed;       /* the previous move was a pass */
	uint64_t hash;
};

struct go {
	uint64_t zob[3][CELLS], zko[CELLS], zpass, zside;
	struct tt_entry *tt;
	uint64_t tt_entries;      /* any count: the whole footprint is table */
	uint8_t gen;
	bool use_tt;
	uint64_t nodes;
};

static const int dirs[4] = { 1, -1, W, -W };

static int other(int c) { return 3 - c; }

/* hash * n / 2^64: a uniform slot in a table of any size, no division. */
static uint64_t tt_index(uint64_t hash, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)hash * n) >> 64);
}

/* Counts the liberties of the group at p (stops at limit). */
static int liberties(const struct pos *s, int p, int limit, uint8_t *stones,
		     int *nstones)
{
	uint8_t seen[CELLS] = { 0 }, stack[CELLS];
	int sp = 0, libs = 0, c = s->b[p], ns = 0;

	stack[sp++] = (uint8_t)p;
	seen[p] = 1;
	while (sp) {
		int q = stack[--sp];

		if (stones)
			stones[ns] = (uint8_t)q;
		ns++;
		for (int d = 0; d < 4; d++) {
			int r = q + dirs[d];

			if (seen[r])
				continue;
			seen[r] = 1;
			if (s->b[r] == EMPTY) {
				if (++libs >= limit && !stones)
					return libs;
			} else if (s->b[r] == c) {
				stack[sp++] = (uint8_t)r;
			}
		}
	}
	if (nstones)
		*nstones = ns;
	return libs;
}

/* Plays color at p (PASS allowed); false if illegal. */
static bool play(const struct go *g, struct pos *s, int p, int color)
{
	uint8_t stones[CELLS];
	int captured = 0, last_cap = 0;

	s->hash ^= g->zko[s->ko] ^ (s->passed ? g->zpass : 0) ^ g->zside;
	s->ko = 0;
	if (p == PASS) {
		s->passed = 1;
		s->hash ^= g->zpass ^ g->zko[0];
		return true;
	}
	s->passed = 0;
	if (s->b[p] != EMPTY)
		return false;
	s->b[p] = (uint8_t)color;
	s->hash ^= g->zob[color][p];
	for (int d = 0; d < 4; d++) {
		int q = p + dirs[d], ns;

		if (s->b[q] != other(color) || liberties(s, q, 1, NULL, NULL))
			continue;
		liberties(s, q, CELLS, stones, &ns);
		for (int i = 0; i < ns; i++) {
			s->hash ^= g->zob[other(color)][stones[i]];
			s->b[stones[i]] = EMPTY;
		}
		captured += ns;
		last_cap = stones[0];
	}
	if (!liberties(s, p, 1, NULL, NULL))
		return false;  /* suicide */
	if (captured == 1) {
		int ns;

		liberties(s, p, CELLS, stones, &ns);
		if (ns == 1 && liberties(s, p, 2, NULL, NULL) == 1)
			s->ko = (uint8_t)last_cap;
	}
	s->hash ^= g->zko[s->ko];
	return true;
}

/* Area score for color, in tenths, komi counted against black. */
static int evaluate(const struct pos *s, int color)
{
	uint8_t seen[CELLS] = { 0 }, stack[CELLS];
	int area[3] = { 0 };

	for (int p = 0; p < CELLS; p++) {
		if (s->b[p] == BLACK || s->b[p] == WHITE) {
			area[s->b[p]]++;
			continue;
		}
		if (s->b[p] != EMPTY || seen[p])
			continue;
		int sp = 0, size = 0, touch = 0;

		stack[sp++] = (uint8_t)p;
		seen[p] = 1;
		while (sp) {
			int q = stack[--sp];

			size++;
			for (int d = 0; d < 4; d++) {
				int r = q + dirs[d];

				if (s->b[r] == BLACK || s->b[r] == WHITE)
					touch |= s->b[r];
				else if (s->b[r] == EMPTY && !seen[r]) {
					seen[r] = 1;
					stack[sp++] = (uint8_t)r;
				}
			}
		}
		if (touch == BLACK || touch == WHITE)
			area[touch] += size;
	}
	int black = (area[BLACK] - area[WHITE]) * 10 - KOMI;

	return color == BLACK ? black : -black;
}

/* Candidate moves: empty points within distance 2 of a stone, and pass. */
static int gen_moves(const struct pos *s, uint8_t *mv)
{
	int n = 0;
	bool any = false;

	for (int p = 0; p < CELLS; p++)
		any |= s->b[p] == BLACK || s->b[p] == WHITE;
	for (int p = 0; p < CELLS; p++) {
		if (s->b[p] != EMPTY || p == s->ko)
			continue;
		bool near = !any;

		for (int dr = -2; dr <= 2 && !near; dr++)
			for (int dc = -2; dc <= 2 && !near; dc++) {
				int q = p + dr * W + dc;

				if ((dr < 0 ? -dr : dr) + (dc < 0 ? -dc : dc) <= 2 &&
				    q >= 0 && q < CELLS && (s->b[q] == BLACK || s->b[q] == WHITE))
					near = true;
			}
		if (near)
			mv[n++] = (uint8_t)p;
	}
	mv[n++] = PASS;
	return n;
}

static int search(struct go *g, const struct pos *s, int color, int depth,
		  int alpha, int beta, bool prune, uint8_t *best_out)
{
	uint8_t mv[CELLS + 1];
	struct tt_entry *e = NULL;
	int n, best = -INF, alpha0 = alpha;
	uint8_t best_mv = PASS, hint = 0xff;

	g->nodes++;
	if (depth == 0)
		return evaluate(s, color);
	if (g->use_tt) {
		e = &g->tt[tt_index(s->hash, g->tt_entries)];
		if (e->key == s->hash && e->gen == g->gen) {
			hint = e->best;
			if (e->depth >= depth &&
			    (e->flag == TT_EXACT || (e->flag == TT_LOWER && e->score >= beta) ||
			     (e->flag == TT_UPPER && e->score <= alpha))) {
				if (best_out)
					*best_out = e->best;
				return e->score;
			}
		}
	}
	n = gen_moves(s, mv);
	for (int i = 0; i < n && hint != 0xff; i++)
		if (mv[i] == hint) {  /* the table's best move first */
			mv[i] = mv[0];
			mv[0] = hint;
			break;
		}
	for (int i = 0; i < n; i++) {
		struct pos t = *s;
		int v;

		if (!play(g, &t, mv[i], color))
			continue;
		if (s->passed && mv[i] == PASS)
			v = evaluate(&t, color);  /* two passes end the game */
		else
			v = -search(g, &t, other(color), depth - 1, -beta, -alpha, prune, NULL);
		if (v > best) {
			best = v;
			best_mv = mv[i];
		}
		if (prune) {
			if (v > alpha)
				alpha = v;
			if (alpha >= beta)
				break;
		}
	}
	if (e) {
		e->key = s->hash;
		e->gen = g->gen;
		e->score = best;
		e->depth = (uint8_t)depth;
		e->best = best_mv;
		e->flag = best <= alpha0 ? TT_UPPER : best >= beta ? TT_LOWER : TT_EXACT;
	}
	if (best_out)
		*best_out = best_mv;
	return best;
}

static void opening(const struct go *g, struct pos *s, uint64_t *seed)
{
	wl_memset(s, 0, sizeof(*s));
	for (int p = 0; p < CELLS; p++)
		if (p / W == 0 || p / W == W - 1 || p % W == 0 || p % W == W - 1)
			s->b[p] = EDGE;
	s->hash = g->zko[0];
	for (int k = 0; k < 6; k++) {
		int p = (int)((1 + wl_rand(seed, N)) * W + 1 + wl_rand(seed, N));

		play(g, s, p, k % 2 ? WHITE : BLACK);
	}
}

int wl_gobmk(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	struct wl_arena ar = { env->arena, p->footprint, 0 };
	struct go *g = wl_alloc(&ar, sizeof(*g));
	uint64_t s = p->seed, entries = 1, h = 0;

	if (!g)
		return -1;
	entries = (p->footprint - ar.used - 64) / sizeof(struct tt_entry);
	g->tt = wl_alloc(&ar, entries * sizeof(struct tt_entry));
	if (!g->tt || entries < 1024) {
		wl_log(env, "gobmk: footprint too small for the table (", p->footprint, " bytes)");
		return -1;
	}
	g->tt_entries = entries;
	wl_memset(g->tt, 0, entries * sizeof(struct tt_entry));
	for (int c = 0; c < 3; c++)
		for (int q = 0; q < CELLS; q++)
			g->zob[c][q] = wl_splitmix(&s);
	for (int q = 0; q < CELLS; q++)
		g->zko[q] = wl_splitmix(&s);
	g->zpass = wl_splitmix(&s);
	g->zside = wl_splitmix(&s);
	g->nodes = 0;
	for (uint64_t it = 0; it < p->iters; it++) {
		struct pos pos;
		int color = BLACK;

		opening(g, &pos, &s);
		if (it == 0) {  /* self-check: pruning and the table change nothing */
			int v_mm, v_ab, v_tt;

			g->use_tt = false;
			v_mm = search(g, &pos, color, 2, -INF, INF, false, NULL);
			v_ab = search(g, &pos, color, 2, -INF, INF, true, NULL);
			g->use_tt = true;
			g->gen++;
			v_tt = search(g, &pos, color, 2, -INF, INF, true, NULL);
			if (v_mm != v_ab || v_ab != v_tt) {
				wl_log(env, "gobmk: searches disagree (minimax ", (uint64_t)(int64_t)v_mm, ")");
				return -1;
			}
			h = wl_mix(h, (uint64_t)(int64_t)v_mm);
		}
		g->use_tt = true;
		for (int m = 0; m < MOVES_PER_GAME; m++) {
			uint8_t best = PASS;
			int v = 0;

			g->gen++;
			for (int d = 1; d <= DEPTH; d++)  /* iterative deepening */
				v = search(g, &pos, color, d, -INF, INF, true, &best);
			if (!play(g, &pos, best, color))
				return -1;
			h = wl_mix(wl_mix(h, best), (uint64_t)(int64_t)v);
			color = other(color);
		}
		h = wl_mix(h, pos.hash);
	}
	r->checksum = h;
	r->work = g->nodes;
	return 0;
}
