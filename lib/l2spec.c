// SPDX-License-Identifier: MIT
/*
 * The L2 VMs of a nested run, one spec per `--l2` option (docs/nested.md).
 * nestlab parses a spec at L0 and writes its canonical form onto L1's
 * command line; l1-shim parses that again with this same file, so the two
 * levels cannot disagree about what a spec means.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nestlab/abi.h>

#include "l2spec.h"
#include "wl.h"

#define MIB (1ull << 20)

static bool is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && !memcmp(k, name, kn);
}

/* The keys, in the order of the "unknown key" message; each may be given
 * once, so a spec means one thing at both levels. */
static const char *const keys[] = { "workload", "mem", "footprint", "iters", "seed",
				    "count", "cpus", "paging", "pagesize", "kernel", "guest",
				    "fail", "resident", "release" };

static int key_index(const char *k, size_t kn)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (is(k, kn, keys[i]))
			return (int)i;
	return -1;
}

/* A path that goes onto L1's kernel command line: only characters that
 * cannot end a parameter, quote, or start another line there. */
static bool path_chars_ok(const char *v, size_t vn)
{
	for (size_t i = 0; i < vn; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_' ||
		      c == '-' || c == '+'))
			return false;
	}
	return true;
}

/* Smallest L2 memory that holds guest-kernel, its page-table pool and
 * the arena (guest-kernel/kmain.c, build_tables). */
static uint64_t mem_needed(uint64_t footprint)
{
	return footprint + footprint / 256 + 8 * MIB;
}

/*
 * A Linux L2: one of l2init's programs, and memory for a kernel, its
 * initramfs and the program's files in tmpfs (bzip2 keeps its input, the
 * compressed and the decompressed copy: 3 x footprint). Below that the
 * run is not refused: an L2 that runs out of memory is a result (the
 * OOM kill its document records), and what the paper measures.
 */
#define LINUX_MIN_MEM (64 * MIB)
#define LINUX_BASE_MEM (128 * MIB)

static int linux_checks(struct l2_spec *s, unsigned int seen, bool have_mem,
			char *err, size_t errlen)
{
	static const char *const progs[] = { "bzip2", "gnugo", "hmmer", "mcf" };
	bool known = false;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		known |= !strcmp(s->workload, progs[i]);
	if (!known) {
		snprintf(err, errlen, "guest=linux runs %s, not '%s'", L2_LINUX_PROGRAMS,
			 s->workload);
		return -EINVAL;
	}
	if (s->footprint < 4096) {
		snprintf(err, errlen, "footprint: a Linux L2's input is at least 4K");
		return -EINVAL;
	}
	/* l2init's own bound (guest-linux/l2params.c) */
	if (s->iters > 100000) {
		snprintf(err, errlen, "iters: a Linux L2 runs at most 100000 rounds");
		return -EINVAL;
	}
	if (seen & (1u << key_index("paging", 6)) || seen & (1u << key_index("pagesize", 8))) {
		snprintf(err, errlen, "paging and pagesize are guest-kernel's: a Linux L2 manages its own memory");
		return -EINVAL;
	}
	if (!(seen & (1u << key_index("kernel", 6))))
		snprintf(s->kernel, sizeof(s->kernel), "%s", L2_LINUX_KERNEL);
	if (!have_mem) {
		s->mem = (LINUX_BASE_MEM + 3 * s->footprint + MIB - 1) & ~(MIB - 1);
		if (s->mem > (NL_MAX_MEM_GIB << 30)) {
			snprintf(err, errlen, "footprint %llu MiB needs mem %llu MiB, more than the largest L2 (64G): give a smaller footprint",
				 (unsigned long long)(s->footprint >> 20),
				 (unsigned long long)(s->mem >> 20));
			return -EINVAL;
		}
	}
	if (s->mem < LINUX_MIN_MEM) {
		snprintf(err, errlen, "mem: a Linux L2 needs at least 64M");
		return -EINVAL;
	}
	return 0;
}

int l2spec_parse(const char *text, size_t len, struct l2_spec *s,
		 char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	bool have_wl = false, have_fp = false, have_mem = false;
	unsigned int seen = 0;

	memset(s, 0, sizeof(*s));
	s->iters = 1;
	s->seed = 1;
	s->count = 1;
	s->cpus = 1;
	s->page_size = 4096;
	snprintf(s->kernel, sizeof(s->kernel), "/guest-kernel");
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *f_end = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(f_end - p));
		const char *k = p, *v;
		size_t kn, vn;
		uint64_t x;

		if (!eq) {
			snprintf(err, errlen, "'%.*s' is not key=value", (int)(f_end - p), p);
			return -EINVAL;
		}
		kn = (size_t)(eq - k);
		v = eq + 1;
		vn = (size_t)(f_end - v);
		int ki = key_index(k, kn);

		if (ki >= 0 && (seen & (1u << ki))) {
			snprintf(err, errlen, "%.*s: given twice", (int)kn, k);
			return -EINVAL;
		}
		if (ki >= 0)
			seen |= 1u << ki;
		if (is(k, kn, "workload")) {
			if (!vn || vn >= sizeof(s->workload)) {
				snprintf(err, errlen, "workload: bad name '%.*s'", (int)vn, v);
				return -EINVAL;
			}
			for (size_t i = 0; i < vn; i++)
				if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9'))) {
					snprintf(err, errlen, "workload: bad name '%.*s'", (int)vn, v);
					return -EINVAL;
				}
			memcpy(s->workload, v, vn);
			have_wl = true;
		} else if (is(k, kn, "mem") || is(k, kn, "footprint") ||
			   is(k, kn, "pagesize")) {
			if (wl_parse_size(v, vn, &x) < 0) {
				snprintf(err, errlen, "%.*s: '%.*s' is not a size", (int)kn, k,
					 (int)vn, v);
				return -EINVAL;
			}
			if (is(k, kn, "mem")) {
				if (x < 4 * MIB || x > (NL_MAX_MEM_GIB << 30)) {
					snprintf(err, errlen, "mem: %.*s is out of range (4M..64G)",
						 (int)vn, v);
					return -EINVAL;
				}
				s->mem = x;
				have_mem = true;
			} else if (is(k, kn, "footprint")) {
				if (x > (NL_MAX_MEM_GIB << 30)) {
					snprintf(err, errlen, "footprint: %.*s is larger than the largest L2 (64G)",
						 (int)vn, v);
					return -EINVAL;
				}
				s->footprint = x;
				have_fp = true;
			} else {
				if (x != 4096 && x != 2 * MIB) {
					snprintf(err, errlen, "pagesize: must be 4K or 2M, not %.*s",
						 (int)vn, v);
					return -EINVAL;
				}
				s->page_size = x;
			}
		} else if (is(k, kn, "resident")) {
			/* guest-kernel's resident= (docs/guest-kernel.md) */
			if (wl_parse_u64(v, vn, &x) < 0 || x > 90) {
				snprintf(err, errlen, "resident: '%.*s' must be a whole per cent, 0..90",
					 (int)(vn > 32 ? 32 : vn), v);
				return -EINVAL;
			}
			s->resident = (unsigned int)x;
		} else if (is(k, kn, "release")) {
			/* guest-kernel's release= (docs/guest-kernel.md) */
			if (vn != 1 || (v[0] != '0' && v[0] != '1')) {
				snprintf(err, errlen, "release: '%.*s' must be 0 or 1",
					 (int)(vn > 32 ? 32 : vn), v);
				return -EINVAL;
			}
			s->release = v[0] == '1';
		} else if (is(k, kn, "iters") || is(k, kn, "seed") ||
			   is(k, kn, "count") || is(k, kn, "cpus")) {
			uint64_t max = is(k, kn, "count") ? L2_MAX :
				       is(k, kn, "cpus") ? NL_MAX_VCPUS : UINT64_MAX;

			if (wl_parse_u64(v, vn, &x) < 0 || x > max ||
			    (x == 0 && !is(k, kn, "seed"))) {
				snprintf(err, errlen, "%.*s: '%.*s' must be a whole number in 1..%llu",
					 (int)kn, k, (int)vn, v, (unsigned long long)max);
				return -EINVAL;
			}
			if (is(k, kn, "iters"))
				s->iters = x;
			else if (is(k, kn, "seed"))
				s->seed = x;
			else if (is(k, kn, "count"))
				s->count = (unsigned int)x;
			else
				s->cpus = (unsigned int)x;
		} else if (is(k, kn, "paging")) {
			if (vn == 6 && !memcmp(v, "demand", 6)) {
				s->prebuilt = false;
			} else if (vn == 8 && !memcmp(v, "prebuilt", 8)) {
				s->prebuilt = true;
			} else {
				snprintf(err, errlen, "paging: '%.*s' is not demand or prebuilt",
					 (int)vn, v);
				return -EINVAL;
			}
		} else if (is(k, kn, "kernel")) {
			if (!vn || vn >= sizeof(s->kernel) || v[0] != '/' || !path_chars_ok(v, vn)) {
				/* The value is not echoed: it may hold a newline. */
				snprintf(err, errlen, "kernel: must be an absolute path inside L1, at most %zu bytes of A-Z a-z 0-9 / . _ - +",
					 sizeof(s->kernel) - 1);
				return -EINVAL;
			}
			memcpy(s->kernel, v, vn);
			s->kernel[vn] = 0;
		} else if (is(k, kn, "guest")) {
			if (vn == 5 && !memcmp(v, "linux", 5)) {
				s->linux_guest = true;
			} else if (vn == 6 && !memcmp(v, "kernel", 6)) {
				s->linux_guest = false;
			} else {
				snprintf(err, errlen, "guest: '%.*s' is not kernel or linux",
					 (int)(vn > 32 ? 32 : vn), v);
				return -EINVAL;
			}
		} else if (is(k, kn, "fail")) {
			/* l2init's nl2.fail: how a failing L2 is reported, shown on purpose */
			if (vn == 4 && !memcmp(v, "none", 4)) {
				s->fail = L2_FAIL_NONE;
			} else if (vn == 4 && !memcmp(v, "exit", 4)) {
				s->fail = L2_FAIL_EXIT;
			} else if (vn == 5 && !memcmp(v, "panic", 5)) {
				s->fail = L2_FAIL_PANIC;
			} else {
				snprintf(err, errlen, "fail: '%.*s' is not none, exit or panic",
					 (int)(vn > 32 ? 32 : vn), v);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "unknown key '%.*s' (workload, mem, footprint, iters, seed, count, cpus, paging, pagesize, kernel, guest, fail, resident, release)",
				 (int)kn, k);
			return -EINVAL;
		}
		p = comma ? comma + 1 : end;
	}
	if (!have_wl || !have_fp) {
		snprintf(err, errlen, "needs at least workload=NAME and footprint=SIZE");
		return -EINVAL;
	}
	if (s->linux_guest && s->resident) {
		snprintf(err, errlen, "resident: is guest-kernel's; a Linux L2's kernel keeps its own memory resident");
		return -EINVAL;
	}
	if (s->linux_guest && s->release) {
		snprintf(err, errlen, "release: is guest-kernel's; a Linux L2 would need a balloon or free page reporting (docs/abi.md)");
		return -EINVAL;
	}
	if (s->linux_guest)
		return linux_checks(s, seen, have_mem, err, errlen);
	if (s->fail != L2_FAIL_NONE) {
		snprintf(err, errlen, "fail: is a Linux L2's (guest=linux); a guest-kernel L2 that crashes is kernel=/PATH to a kernel that does");
		return -EINVAL;
	}
	if (!have_mem) {
		/* room for the arena, its tables and slack; the OS share on top */
		s->mem = (mem_needed(s->footprint) + s->footprint / 8) * 100 / (100 - s->resident);
		s->mem = (s->mem + MIB - 1) & ~(MIB - 1);
		if (s->mem > (NL_MAX_MEM_GIB << 30)) {
			snprintf(err, errlen, "footprint %llu MiB needs mem %llu MiB, more than the largest L2 (64G): give a smaller footprint",
				 (unsigned long long)(s->footprint >> 20),
				 (unsigned long long)(s->mem >> 20));
			return -EINVAL;
		}
	}
	/* guest-kernel's share: whole 2 MiB pages of mem * resident / 100 */
	uint64_t share = s->mem * s->resident / 100 & ~(2 * MIB - 1);

	if (s->mem < mem_needed(s->footprint) + share) {
		snprintf(err, errlen, "footprint %llu MiB does not fit in mem %llu MiB (guest-kernel needs about %llu MiB%s)",
			 (unsigned long long)(s->footprint >> 20),
			 (unsigned long long)(s->mem >> 20),
			 (unsigned long long)((mem_needed(s->footprint) + share + MIB - 1) >> 20),
			 share ? ", its resident share included" : "");
		return -EINVAL;
	}
	return 0;
}

static const char *const fail_names[] = { "none", "exit", "panic" };

/* Sizes with the largest suffix that is exact, so the text stays short. */
static const char *size_str(uint64_t v, char *b, size_t n)
{
	static const char sfx[] = "KMGT";
	int i = -1;

	while (i < 3 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(b, n, "%llu", (unsigned long long)v);
	else
		snprintf(b, n, "%llu%c", (unsigned long long)v, sfx[i]);
	return b;
}

int l2spec_format(const struct l2_spec *s, char *buf, size_t len)
{
	char m[24], f[24], ps[24];
	int n;

	if (s->linux_guest)
		n = snprintf(buf, len,
			     "workload=%s,mem=%s,footprint=%s,iters=%llu,seed=%llu,count=%u,cpus=%u,kernel=%s,guest=linux,fail=%s",
			     s->workload, size_str(s->mem, m, sizeof(m)),
			     size_str(s->footprint, f, sizeof(f)),
			     (unsigned long long)s->iters, (unsigned long long)s->seed,
			     s->count, s->cpus, s->kernel, fail_names[s->fail]);
	else
		n = snprintf(buf, len,
			     "workload=%s,mem=%s,footprint=%s,iters=%llu,seed=%llu,count=%u,cpus=%u,paging=%s,pagesize=%s,kernel=%s",
			     s->workload, size_str(s->mem, m, sizeof(m)),
			     size_str(s->footprint, f, sizeof(f)),
			     (unsigned long long)s->iters, (unsigned long long)s->seed,
			     s->count, s->cpus, s->prebuilt ? "prebuilt" : "demand",
			     size_str(s->page_size, ps, sizeof(ps)), s->kernel);
	/* only when set: the canonical text of every spec without it stays */
	if (n >= 0 && (size_t)n < len && !s->linux_guest && s->resident)
		n += snprintf(buf + n, len - (size_t)n, ",resident=%u", s->resident);
	if (n >= 0 && (size_t)n < len && !s->linux_guest && s->release)
		n += snprintf(buf + n, len - (size_t)n, ",release=1");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int l2spec_cmdline(const struct l2_spec *s, char *buf, size_t len)
{
	char f[24];
	int n;

	if (s->linux_guest) {
		/* the line a Linux L2 boots with (docs/guest-linux.md) */
		n = snprintf(buf, len, "console=ttyS0 quiet panic=-1 pci=off nl2.program=%s nl2.size=%s nl2.iters=%llu nl2.seed=%llu nl2.fail=%s",
			     s->workload, size_str(s->footprint, f, sizeof(f)),
			     (unsigned long long)s->iters, (unsigned long long)s->seed,
			     fail_names[s->fail]);
		return n < 0 || (size_t)n >= len ? -ENOSPC : n;
	}
	n = snprintf(buf, len, "workload=%s footprint=%s iters=%llu seed=%llu",
			 s->workload, size_str(s->footprint, f, sizeof(f)),
			 (unsigned long long)s->iters, (unsigned long long)s->seed);
	if (n >= 0 && (size_t)n < len && s->resident)
		n += snprintf(buf + n, len - (size_t)n, " resident=%u", s->resident);
	if (n >= 0 && (size_t)n < len && s->release)
		n += snprintf(buf + n, len - (size_t)n, " release=1");

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
