// SPDX-License-Identifier: MIT
/*
 * mcf: single-depot vehicle scheduling as a minimum-cost flow problem,
 * solved with the primal network simplex, as SPEC CPU2006 429.mcf does.
 *
 * Instance: T timetabled trips. Node a_i (supply 1) is "a vehicle has just
 * finished trip i", node b_j (demand 1) is "trip j needs a vehicle". Arcs:
 * a_i -> b_j when trip j can follow trip i (deadhead time fits), costing
 * the deadhead; a_i -> depot (return) and depot -> b_j (pull-out, with the
 * fixed cost of a vehicle). The optimum is the cheapest fleet and
 * deadheading that covers every trip.
 *
 * Solver: spanning-tree basis rooted at the depot, starting from the
 * trivial schedule (one vehicle per trip); node potentials, parent / predecessor arc / depth and child lists; block
 * pricing over the arc array (SPEC mcf's "pricing in blocks"); the ratio
 * test keeps the tree strongly feasible (last blocking arc on the cycle);
 * the leaving subtree is re-rooted and its depths and potentials rebuilt.
 * The arc array dominates the footprint and is scanned and chased at
 * random: pointer chasing over a large array.
 *
 * Self-check: conservation at every node, capacity bounds, and reduced-cost optimality on every arc.
 */
#include "wl_lib.h"

#define LOWER 1
#define UPPER -1
#define TREE 0
#define K_SUCC 8           /* compatible successors kept per trip */
#define CAP_INF (1 << 30)

struct arc {
	uint32_t tail, head;
	int64_t cost;
	int32_t flow, cap;
	int32_t state;
	uint32_t pad;
};

struct net {
	uint32_t n, m, root, nreal;   /* nreal: real arcs (all of them: m) */
	struct arc *arc;
	int64_t *pi, *supply;
	uint32_t *parent, *pred, *depth, *child, *next, *prev, *stack;
};

#define NONE UINT32_MAX

static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 1;

	while ((r + 1) * (r + 1) <= v)
		r++;
	return r;
}

static void unlink_child(struct net *g, uint32_t w)
{
	uint32_t p = g->parent[w];

	if (g->prev[w] != NONE)
		g->next[g->prev[w]] = g->next[w];
	else
		g->child[p] = g->next[w];
	if (g->next[w] != NONE)
		g->prev[g->next[w]] = g->prev[w];
}

static void link_child(struct net *g, uint32_t w, uint32_t p)
{
	g->parent[w] = p;
	g->prev[w] = NONE;
	g->next[w] = g->child[p];
	if (g->child[p] != NONE)
		g->prev[g->child[p]] = w;
	g->child[p] = w;
}

/* Depth and potential of every node under y, from its parent down. */
static void relabel(struct net *g, uint32_t y)
{
	uint32_t sp = 0;

	g->stack[sp++] = y;
	while (sp) {
		uint32_t w = g->stack[--sp], p = g->parent[w];
		const struct arc *a = &g->arc[g->pred[w]];

		g->depth[w] = g->depth[p] + 1;
		/* Tree arcs have reduced cost 0: cost + pi[tail] - pi[head]. */
		g->pi[w] = a->head == w ? g->pi[p] + a->cost : g->pi[p] - a->cost;
		for (uint32_t c = g->child[w]; c != NONE; c = g->next[c])
			g->stack[sp++] = c;
	}
}

static int64_t reduced(const struct net *g, const struct arc *a)
{
	return a->cost + g->pi[a->tail] - g->pi[a->head];
}

/* Block pricing: the most violating arc of the first block that has one. */
static uint32_t price(const struct net *g, uint32_t *next_arc, uint32_t block)
{
	uint32_t best = NONE, a = *next_arc;
	int64_t best_v = 0;

	for (uint32_t seen = 0; seen < g->m; seen++) {
		const struct arc *x = &g->arc[a];

		if (x->state != TREE) {
			int64_t v = x->state * reduced(g, x);

			if (v < best_v) {
				best_v = v;
				best = a;
			}
		}
		if (++a == g->m)
			a = 0;
		if ((seen + 1) % block == 0 && best != NONE)
			break;
	}
	*next_arc = a;
	return best;
}

static void pivot(struct net *g, uint32_t e)
{
	struct arc *ea = &g->arc[e];
	uint32_t first = ea->state == LOWER ? ea->tail : ea->head;
	uint32_t second = ea->state == LOWER ? ea->head : ea->tail;
	uint32_t a = first, b = second, join, leave_node = NONE;
	int64_t delta = ea->state == LOWER ? ea->cap - ea->flow : ea->flow;
	bool leave_first = false, leave_e = true;

	while (a != b) {
		if (g->depth[a] > g->depth[b])
			a = g->parent[a];
		else if (g->depth[b] > g->depth[a])
			b = g->parent[b];
		else {
			a = g->parent[a];
			b = g->parent[b];
		}
	}
	join = a;
	/* Ratio test in flow order: join..first, e, second..join; ties go to
	 * the last blocking arc, which keeps the tree strongly feasible. */
	int64_t best = INT64_MAX;

	for (uint32_t w = first; w != join; w = g->parent[w]) {
		const struct arc *t = &g->arc[g->pred[w]];
		int64_t res = t->head == w ? t->cap - t->flow : t->flow;

		if (res < best) {
			best = res;
			leave_node = w;
			leave_first = true;
		}
	}
	if (delta <= best) {
		best = delta;
		leave_e = true;
		leave_node = NONE;
	} else {
		leave_e = false;
	}
	for (uint32_t w = second; w != join; w = g->parent[w]) {
		const struct arc *t = &g->arc[g->pred[w]];
		int64_t res = t->tail == w ? t->cap - t->flow : t->flow;

		if (res <= best) {
			best = res;
			leave_node = w;
			leave_first = false;
			leave_e = false;
		}
	}
	delta = best;
	if (delta) {
		ea->flow += (int32_t)(ea->state == LOWER ? delta : -delta);
		for (uint32_t w = first; w != join; w = g->parent[w]) {
			struct arc *t = &g->arc[g->pred[w]];

			t->flow += (int32_t)(t->head == w ? delta : -delta);
		}
		for (uint32_t w = second; w != join; w = g->parent[w]) {
			struct arc *t = &g->arc[g->pred[w]];

			t->flow += (int32_t)(t->tail == w ? delta : -delta);
		}
	}
	if (leave_e) {
		ea->state = -ea->state;
		return;
	}
	/* Arc pred[leave_node] leaves; e enters and carries the subtree. */
	uint32_t y = leave_first ? first : second;
	uint32_t newpar = leave_first ? second : first, newpred = e;
	struct arc *la = &g->arc[g->pred[leave_node]];

	la->state = la->flow == 0 ? LOWER : UPPER;
	ea->state = TREE;
	for (uint32_t w = y;;) {
		uint32_t oldpar = g->parent[w], oldpred = g->pred[w];

		unlink_child(g, w);
		link_child(g, w, newpar);
		g->pred[w] = newpred;
		if (w == leave_node)
			break;
		newpar = w;
		newpred = oldpred;
		w = oldpar;
	}
	relabel(g, y);
}

/* Generates the instance into g; returns false if it does not fit. */
static bool generate(struct net *g, struct wl_arena *ar, uint64_t trips,
		     uint64_t seed)
{
	uint64_t s = seed;
	uint32_t T = (uint32_t)trips, depot = 2 * T;
	uint32_t *start = wl_alloc(ar, 4ull * T), *dur = wl_alloc(ar, 4ull * T);
	uint16_t *x = wl_alloc(ar, 2ull * T), *y = wl_alloc(ar, 2ull * T);
	uint64_t cap_arcs = (uint64_t)T * (K_SUCC + 2);

	g->n = 2 * T + 1;
	g->root = depot;
	g->arc = wl_alloc(ar, cap_arcs * sizeof(struct arc));
	g->pi = wl_alloc(ar, 8ull * g->n);
	g->supply = wl_alloc(ar, 8ull * g->n);
	g->parent = wl_alloc(ar, 4ull * g->n);
	g->pred = wl_alloc(ar, 4ull * g->n);
	g->depth = wl_alloc(ar, 4ull * g->n);
	g->child = wl_alloc(ar, 4ull * g->n);
	g->next = wl_alloc(ar, 4ull * g->n);
	g->prev = wl_alloc(ar, 4ull * g->n);
	g->stack = wl_alloc(ar, 4ull * g->n);
	if (!start || !dur || !x || !y || !g->arc || !g->pi || !g->supply ||
	    !g->parent || !g->pred || !g->depth || !g->child || !g->next ||
	    !g->prev || !g->stack)
		return false;
	/* Trips sorted by start: starts grow by a random gap (minutes). */
	uint32_t t = 0;

	for (uint32_t i = 0; i < T; i++) {
		t += (uint32_t)wl_rand(&s, 3);
		start[i] = t;
		dur[i] = 20 + (uint32_t)wl_rand(&s, 100);
		x[i] = (uint16_t)wl_rand(&s, 200);
		y[i] = (uint16_t)wl_rand(&s, 200);
	}
	uint32_t m = 0;

	for (uint32_t i = 0; i < T; i++) {
		uint32_t kept = 0, end = start[i] + dur[i];

		for (uint32_t j = i + 1; j < T && kept < K_SUCC && j < i + 64 * K_SUCC; j++) {
			uint32_t dx = x[i] > x[j] ? x[i] - x[j] : x[j] - x[i];
			uint32_t dy = y[i] > y[j] ? y[i] - y[j] : y[j] - y[i];
			uint32_t dh = (dx + dy) / 4;

			if (end + dh > start[j])
				continue;
			g->arc[m++] = (struct arc){ i, T + j, dh + (start[j] - end - dh) / 8,
						    0, 1, LOWER, 0 };
			kept++;
		}
		/* Return to the depot (at 100,100) and pull-out with a vehicle. */
		uint32_t dd = ((x[i] > 100 ? x[i] - 100 : 100 - x[i]) +
			       (y[i] > 100 ? y[i] - 100 : 100 - y[i])) / 4;

		g->arc[m++] = (struct arc){ i, depot, dd, 0, CAP_INF, LOWER, 0 };
		g->arc[m++] = (struct arc){ depot, T + i, 2000 + dd, 0, CAP_INF, LOWER, 0 };
	}
	g->nreal = m;
	for (uint32_t v = 0; v < g->n; v++) {
		g->supply[v] = v < T ? 1 : v < 2 * T ? -1 : 0;
		g->child[v] = NONE;
	}
	g->parent[g->root] = NONE;
	g->pred[g->root] = NONE;
	g->depth[g->root] = 0;
	g->pi[g->root] = 0;
	/* The initial basis is the trivial schedule, one vehicle per trip: the
	 * depot is the root, every a_i hangs off it by its return arc and every
	 * b_j by its pull-out arc, each carrying one unit. Depot arcs have no
	 * real capacity limit, so the tree is strongly feasible. */
	for (uint32_t a = 0; a < m; a++) {
		struct arc *x = &g->arc[a];
		uint32_t v;

		if (x->head == depot)
			v = x->tail;
		else if (x->tail == depot)
			v = x->head;
		else
			continue;
		x->flow = 1;
		x->state = TREE;
		g->pred[v] = a;
		link_child(g, v, g->root);
		g->depth[v] = 1;
		g->pi[v] = x->head == depot ? -x->cost : x->cost;
	}
	g->m = m;
	return true;
}

static int verify(const struct net *g, struct wl_env *env, int64_t *cost)
{
	int64_t *bal = g->pi;  /* potentials are done with: reuse as balance */
	int64_t total = 0;

	for (uint32_t a = 0; a < g->nreal; a++) {
		const struct arc *x = &g->arc[a];
		int64_t rc = reduced(g, x);

		if (x->flow < 0 || x->flow > x->cap) {
			wl_log(env, "mcf: arc ", a, " violates its capacity");
			return -1;
		}
		if ((x->flow < x->cap && rc < 0) || (x->flow > 0 && rc > 0)) {
			wl_log(env, "mcf: arc ", a, " violates optimality");
			return -1;
		}
		total += x->cost * x->flow;
	}
	for (uint32_t v = 0; v < g->n; v++)
		bal[v] = 0;
	for (uint32_t a = 0; a < g->nreal; a++) {
		bal[g->arc[a].tail] += g->arc[a].flow;
		bal[g->arc[a].head] -= g->arc[a].flow;
	}
	for (uint32_t v = 0; v < g->n; v++)
		if (bal[v] != g->supply[v]) {
			wl_log(env, "mcf: flow is not conserved at node ", v, "");
			return -1;
		}
	*cost = total;
	return 0;
}

/*
 * One network simplex over a whole large timetable is superlinear (the
 * depot's subtree is re-rooted again and again), so a large footprint is
 * cut into operating days of at most DAY_TRIPS trips, each an independent
 * network of about 14 MiB in its own part of the arena. The days are
 * solved in lock step, one pricing and one pivot per day per round, so the
 * whole arena is live at once, as mcf's single arc array is: every pivot
 * lands in a different region of memory.
 */
#ifndef DAY_TRIPS
#define DAY_TRIPS 32768u
#endif

struct day {
	struct net g;
	uint32_t next_arc, block;
	bool done;
};

int wl_mcf(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	/* Bytes per trip: K_SUCC+2 arcs of 32 bytes, two nodes of 44 bytes,
	 * 12 bytes of timetable, and slack for alignment. */
	uint64_t per_trip = (K_SUCC + 2) * sizeof(struct arc) + 2 * 44 + 12 + 32;
	uint64_t trips = p->footprint / per_trip;
	uint64_t days = (trips + DAY_TRIPS - 1) / DAY_TRIPS;
	uint64_t h = 0, pivots = 0;
	struct wl_arena top = { env->arena, p->footprint, 0 };
	struct day *day;
	uint64_t chunk;

	if (trips < 64) {
		wl_log(env, "mcf: footprint gives too few trips: ", trips, "");
		return -1;
	}
	day = wl_alloc(&top, days * sizeof(*day));
	if (!day)
		return -1;
	chunk = ((p->footprint - top.used) / days) & ~63ull;
	for (uint64_t it = 0; it < p->iters; it++) {
		uint64_t left = days;

		for (uint64_t d = 0; d < days; d++) {
			struct wl_arena ar = { (uint8_t *)env->arena + top.used + d * chunk, chunk, 0 };
			struct day *y = &day[d];

			if (!generate(&y->g, &ar, trips / days, p->seed * 1000003 + it * 7919 + d)) {
				wl_log(env, "mcf: a day does not fit the footprint (", trips / days, " trips)");
				return -1;
			}
			y->next_arc = 0;
			y->block = (uint32_t)isqrt(y->g.m);
			if (y->block < 16)
				y->block = 16;
			y->done = false;
		}
		while (left)
			for (uint64_t d = 0; d < days; d++) {
				struct day *y = &day[d];
				uint32_t e;

				if (y->done)
					continue;
				e = price(&y->g, &y->next_arc, y->block);
				if (e == NONE) {
					y->done = true;
					left--;
					continue;
				}
				pivot(&y->g, e);
				pivots++;
			}
		for (uint64_t d = 0; d < days; d++) {
			struct net *g = &day[d].g;
			int64_t cost;
			uint64_t flowhash = 0;

			/* Potentials from scratch, then a full optimality scan. */
			for (uint32_t c = g->child[g->root]; c != NONE; c = g->next[c])
				relabel(g, c);
			for (uint32_t a = 0; a < g->nreal; a++)
				if (g->arc[a].flow)
					flowhash = wl_mix(flowhash, a);
			if (verify(g, env, &cost))
				return -1;
			h = wl_mix(wl_mix(h, (uint64_t)cost), flowhash);
		}
	}
	r->checksum = h;
	r->work = pivots;
	return 0;
}
