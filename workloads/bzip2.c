// SPDX-License-Identifier: MIT
/*
 * bzip2: block-sorting compression as SPEC CPU2006 401.bzip2 does it, and
 * the decompression that must give back every byte.
 *
 * Compress, per block (at most 900 000 bytes, as bzip2 -9): the
 * Burrows-Wheeler transform by sorting the block's rotations (prefix
 * doubling with radix sorts), move-to-front, bzip2's run-length coding of
 * zero runs (RUNA/RUNB), and a canonical Huffman code (lengths limited to
 * 17 bits) written to a bit stream. Decompress: canonical Huffman decoding,
 * inverse run-length and move-to-front, and the inverse BWT by LF mapping.
 *
 * Input: generated text, words drawn with a skewed distribution from a
 * random vocabulary, with punctuation and occasional byte runs.
 * Self-check: the round trip reproduces the input exactly.
 */
#include "wl_lib.h"

#define BLOCK_MAX 900000u
#define NSYM 258          /* RUNA, RUNB, MTF 1..255, EOB */
#define RUNA 0
#define RUNB 1
#define EOB 257
#define MAXLEN 17

struct bits {
	uint8_t *buf;
	uint64_t cap, pos;    /* pos in bits */
};

static bool put(struct bits *b, uint32_t v, unsigned int n)
{
	if (b->pos + n > b->cap * 8)
		return false;
	for (int i = (int)n - 1; i >= 0; i--) {
		uint64_t byte = b->pos >> 3;
		unsigned int sh = 7 - (b->pos & 7);

		if ((v >> i) & 1)
			b->buf[byte] |= (uint8_t)(1u << sh);
		else
			b->buf[byte] &= (uint8_t)~(1u << sh);
		b->pos++;
	}
	return true;
}

static uint32_t get(struct bits *b, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++, b->pos++)
		v = (v << 1) | ((b->buf[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
	return v;
}

static void gen_text(uint8_t *d, uint64_t n, uint64_t *s)
{
	char vocab[512][10];
	uint8_t vlen[512];

	for (int w = 0; w < 512; w++) {
		vlen[w] = (uint8_t)(2 + wl_rand(s, 8));
		for (int c = 0; c < vlen[w]; c++)
			vocab[w][c] = (char)('a' + wl_rand(s, 26));
	}
	for (uint64_t i = 0; i < n;) {
		uint64_t r = wl_rand(s, 1000);

		if (r < 5) {            /* a run, as in binary or padded data */
			uint8_t c = (uint8_t)wl_rand(s, 256);

			for (uint64_t k = wl_rand(s, 200); k-- && i < n;)
				d[i++] = c;
		} else {
			uint64_t w = wl_rand(s, wl_rand(s, 512) + 1);  /* skewed */

			for (int c = 0; c < vlen[w] && i < n; c++)
				d[i++] = (uint8_t)vocab[w][c];
			if (i < n)
				d[i++] = r < 60 ? '.' : r < 100 ? ',' : r < 110 ? '\n' : ' ';
		}
	}
}

/* Sorts the rotations of x[0..n) into sa (prefix doubling). */
static void sort_rotations(const uint8_t *x, uint32_t n, uint32_t *sa,
			   uint32_t *rank, uint32_t *tmp, uint32_t *cnt)
{
	uint32_t classes = 256;

	wl_memset(cnt, 0, 257 * 4);
	for (uint32_t i = 0; i < n; i++)
		cnt[x[i] + 1]++;
	for (uint32_t c = 1; c <= 256; c++)
		cnt[c] += cnt[c - 1];
	for (uint32_t i = 0; i < n; i++)
		sa[cnt[x[i]]++] = i;
	for (uint32_t i = 0; i < n; i++)
		rank[i] = x[i];
	for (uint32_t k = 1; k < n; k <<= 1) {
		/* By second key: rotation i-k comes in the order of i. */
		for (uint32_t j = 0; j < n; j++)
			tmp[j] = sa[j] >= k ? sa[j] - k : sa[j] + n - k;
		/* Stable counting sort by first key. */
		wl_memset(cnt, 0, (classes + 1) * 4ull);
		for (uint32_t j = 0; j < n; j++)
			cnt[rank[tmp[j]] + 1]++;
		for (uint32_t c = 1; c <= classes; c++)
			cnt[c] += cnt[c - 1];
		for (uint32_t j = 0; j < n; j++)
			sa[cnt[rank[tmp[j]]]++] = tmp[j];
		/* New classes from (rank[i], rank[i+k]) pairs. */
		tmp[sa[0]] = 0;
		classes = 1;
		for (uint32_t j = 1; j < n; j++) {
			uint32_t a = sa[j - 1], b = sa[j];
			uint32_t a2 = a + k < n ? a + k : a + k - n, b2 = b + k < n ? b + k : b + k - n;

			if (rank[a] != rank[b] || rank[a2] != rank[b2])
				classes++;
			tmp[b] = classes - 1;
		}
		wl_memcpy(rank, tmp, n * 4ull);
		if (classes == n)
			break;
	}
}

/* Code lengths for freq, at most MAXLEN bits (bzip2 halves and retries). */
static void huff_lengths(const uint32_t *freq, uint8_t *len)
{
	uint64_t f[NSYM], w[2 * NSYM];
	int parent[2 * NSYM];

	for (int i = 0; i < NSYM; i++)
		f[i] = freq[i] ? freq[i] : 1;
	for (;;) {
		int nodes = NSYM, alive[2 * NSYM], nalive = NSYM, maxl = 0;

		for (int i = 0; i < NSYM; i++) {
			w[i] = f[i];
			alive[i] = i;
		}
		while (nalive > 1) {  /* join the two lightest (O(n^2) is fine) */
			int a = 0, b = 1;

			if (w[alive[b]] < w[alive[a]])
				a = 1, b = 0;
			for (int i = 2; i < nalive; i++) {
				if (w[alive[i]] < w[alive[a]])
					b = a, a = i;
				else if (w[alive[i]] < w[alive[b]])
					b = i;
			}
			w[nodes] = w[alive[a]] + w[alive[b]];
			parent[alive[a]] = parent[alive[b]] = nodes;
			alive[a] = nodes++;
			alive[b] = alive[--nalive];
		}
		parent[nodes - 1] = -1;
		for (int i = 0; i < NSYM; i++) {
			int l = 0;

			for (int p = parent[i]; p >= 0; p = parent[p])
				l++;
			len[i] = (uint8_t)l;
			if (l > maxl)
				maxl = l;
		}
		if (maxl <= MAXLEN)
			return;
		for (int i = 0; i < NSYM; i++)
			f[i] = 1 + f[i] / 2;
	}
}

static void canonical(const uint8_t *len, uint32_t *code)
{
	uint32_t c = 0;

	for (int l = 1; l <= MAXLEN; l++) {
		for (int s = 0; s < NSYM; s++)
			if (len[s] == l)
				code[s] = c++;
		c <<= 1;
	}
}

struct work {
	uint32_t *sa, *rank, *tmp, *cnt;
	uint16_t *syms;
	uint8_t *last;
};

static bool compress_block(const uint8_t *x, uint32_t n, struct work *w,
			   struct bits *out)
{
	uint8_t mtf[256], len[NSYM];
	uint32_t freq[NSYM] = { 0 }, code[NSYM], primary = 0, ns = 0, run = 0;

	sort_rotations(x, n, w->sa, w->rank, w->tmp, w->cnt);
	for (uint32_t j = 0; j < n; j++) {
		w->last[j] = x[w->sa[j] ? w->sa[j] - 1 : n - 1];
		if (!w->sa[j])
			primary = j;
	}
	for (int i = 0; i < 256; i++)
		mtf[i] = (uint8_t)i;
	for (uint32_t j = 0; j <= n; j++) {
		uint8_t c = j < n ? w->last[j] : 0, k = 0;

		if (j < n) {
			while (mtf[k] != c)
				k++;
			for (int t = k; t > 0; t--)
				mtf[t] = mtf[t - 1];
			mtf[0] = c;
		}
		if (j < n && k == 0) {
			run++;
			continue;
		}
		/* A zero run of length run, in bijective base 2 (RUNA=1, RUNB=2). */
		for (; run; run = (run - 1) >> 1)
			w->syms[ns++] = (run - 1) & 1 ? RUNB : RUNA;
		if (j < n)
			w->syms[ns++] = (uint16_t)(k + 1);
	}
	w->syms[ns++] = EOB;
	for (uint32_t i = 0; i < ns; i++)
		freq[w->syms[i]]++;
	huff_lengths(freq, len);
	canonical(len, code);
	if (!put(out, n, 32) || !put(out, primary, 32))
		return false;
	for (int s = 0; s < NSYM; s++)
		if (!put(out, len[s], 5))
			return false;
	for (uint32_t i = 0; i < ns; i++)
		if (!put(out, code[w->syms[i]], len[w->syms[i]]))
			return false;
	return true;
}

static bool decompress_block(struct bits *in, uint8_t *dst, uint64_t room,
			     struct work *w, uint32_t *outn)
{
	uint8_t len[NSYM], mtf[256];
	uint32_t n = get(in, 32), primary = get(in, 32), first[MAXLEN + 2],
		 count[MAXLEN + 2] = { 0 }, base[MAXLEN + 2], cnt[256] = { 0 }, j = 0, run = 0, rb = 1;
	uint16_t sorted[NSYM];

	if (n > room || n > BLOCK_MAX || primary >= n)
		return false;
	for (int s = 0; s < NSYM; s++) {
		len[s] = (uint8_t)get(in, 5);
		if (len[s] > MAXLEN)
			return false;
		count[len[s]]++;
	}
	uint32_t c = 0, k = 0;

	for (int l = 1; l <= MAXLEN; l++) {
		first[l] = c;
		base[l] = k;
		for (int s = 0; s < NSYM; s++)
			if (len[s] == l)
				sorted[k++] = (uint16_t)s;
		c = (c + count[l]) << 1;
	}
	for (int i = 0; i < 256; i++)
		mtf[i] = (uint8_t)i;
	for (;;) {
		uint32_t v = 0, s;
		int l;

		for (l = 1; l <= MAXLEN; l++) {
			v = (v << 1) | get(in, 1);
			if (count[l] && v - first[l] < count[l])
				break;
		}
		if (l > MAXLEN)
			return false;
		s = sorted[base[l] + v - first[l]];
		if (s == RUNA || s == RUNB) {
			run += rb << (s == RUNB);
			rb <<= 1;
			continue;
		}
		for (; run; run--) {
			if (j >= n)
				return false;
			w->last[j++] = mtf[0];
		}
		rb = 1;
		if (s == EOB)
			break;
		uint8_t ch = mtf[s - 1];

		for (int t = (int)s - 1; t > 0; t--)
			mtf[t] = mtf[t - 1];
		mtf[0] = ch;
		if (j >= n)
			return false;
		w->last[j++] = ch;
	}
	if (j != n)
		return false;
	/* Inverse BWT: LF mapping from the last column. */
	uint32_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		cnt[w->last[i]]++;
	for (int i = 0; i < 256; i++) {
		uint32_t t = cnt[i];

		cnt[i] = sum;
		sum += t;
	}
	for (uint32_t i = 0; i < n; i++)
		w->tmp[i] = cnt[w->last[i]]++;
	for (uint32_t i = n, p = primary; i-- > 0;) {
		dst[i] = w->last[p];
		p = w->tmp[p];
	}
	*outn = n;
	return true;
}

int wl_bzip2(const struct wl_params *p, struct wl_env *env, struct wl_result *r)
{
	struct wl_arena ar = { env->arena, p->footprint, 0 };
	uint64_t block = p->footprint / 48 < BLOCK_MAX ? p->footprint / 48 : BLOCK_MAX;
	uint64_t dlen = (p->footprint - 24 * block - 65536) / 4, s = p->seed, h = 0, total = 0;
	struct work w;
	uint8_t *data, *back;
	struct bits out;

	w.sa = wl_alloc(&ar, 4 * block);
	w.rank = wl_alloc(&ar, 4 * block);
	w.tmp = wl_alloc(&ar, 4 * block);
	w.cnt = wl_alloc(&ar, 4 * block + 1028);
	w.syms = wl_alloc(&ar, 2 * block + 4);
	w.last = wl_alloc(&ar, block);
	data = wl_alloc(&ar, dlen);
	back = wl_alloc(&ar, dlen);
	out.cap = dlen + dlen / 4 + 4096;
	out.buf = wl_alloc(&ar, out.cap);
	if (block < 4096 || !w.sa || !w.rank || !w.tmp || !w.cnt || !w.syms ||
	    !w.last || !data || !back || !out.buf) {
		wl_log(env, "bzip2: footprint too small (", p->footprint, " bytes)");
		return -1;
	}
	gen_text(data, dlen, &s);
	for (uint64_t it = 0; it < p->iters; it++) {
		uint64_t off = 0, got = 0;

		out.pos = 0;
		for (; off < dlen; off += block) {
			uint32_t n = (uint32_t)(dlen - off < block ? dlen - off : block);

			if (!compress_block(data + off, n, &w, &out)) {
				wl_log(env, "bzip2: output buffer overflow at ", off, "");
				return -1;
			}
		}
		uint64_t bits = out.pos;
		struct bits in = { out.buf, out.cap, 0 };

		while (got < dlen) {
			uint32_t n;

			if (in.pos >= bits || !decompress_block(&in, back + got, dlen - got, &w, &n)) {
				wl_log(env, "bzip2: corrupt stream at byte ", got, "");
				return -1;
			}
			got += n;
		}
		for (uint64_t i = 0; i < dlen; i++)
			if (back[i] != data[i]) {
				wl_log(env, "bzip2: round trip differs at byte ", i, "");
				return -1;
			}
		for (uint64_t i = 0; i < (bits + 7) / 8; i += 8) {
			uint64_t v = 0;

			for (uint64_t k = i; k < i + 8 && k < (bits + 7) / 8; k++)
				v = v << 8 | out.buf[k];
			h = wl_mix(h, v);
		}
		h = wl_mix(h, bits);
		total += bits / 8;
		/* Next pass: a different input from the same generator. */
		data[it % dlen] ^= 0x5a;
	}
	r->checksum = h;
	r->work = total;
	return 0;
}
