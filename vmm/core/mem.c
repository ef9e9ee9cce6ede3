// SPDX-License-Identifier: MIT
/*
 * Guest memory: one anonymous MAP_NORESERVE mapping, so that a guest may be
 * given more than the host has (overcommit is the experiment, not an
 * error), and the single checked gpa -> host pointer helper.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nestlab.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int mem_map(struct nl_mem *m, uint64_t size, struct nl_err *err)
{
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		nl_seterr(err, "cannot reserve %" PRIu64 " MiB of address space for guest memory: %s",
			  size >> 20, strerror(e));
		return -e;
	}
	mem_attach(m, p, size);
	return 0;
}

void mem_advise(struct nl_mem *m, bool thp, bool ksm, struct mem_advice *a)
{
	memset(a, 0, sizeof(*a));
	a->thp_asked = thp;
	a->ksm_asked = ksm;
	/* THP makes the host side cheaper (fewer, larger NPT/EPT entries);
	 * off, the host backs the guest with 4K pages only, the paper's
	 * setting to compare against. */
	a->thp_ok = !madvise(m->host, m->size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (!a->thp_ok)
		a->thp_errno = errno;
	/* KSM merges identical guest pages only where they are marked; the
	 * host's ksmd must also run (/sys/kernel/mm/ksm/run), which nestlab
	 * at L0 reads and never changes. */
	if (ksm) {
		a->ksm_ok = !madvise(m->host, m->size, MADV_MERGEABLE);
		if (!a->ksm_ok)
			a->ksm_errno = errno;
	}
}

void mem_attach(struct nl_mem *m, uint8_t *host, uint64_t size)
{
	m->host = host;
	m->size = size;
	m->nslots = 1;
	m->slot[0] = (struct nl_slot){ 0, 0, size };
}

void mem_unmap(struct nl_mem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	m->host = NULL;
	m->size = 0;
}

void *mem_gpa(const struct nl_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < m->nslots; i++) {
		const struct nl_slot *s = &m->slot[i];

		if (gpa >= s->gpa && gpa - s->gpa <= s->size &&
		    len <= s->size - (gpa - s->gpa))
			return m->host + s->host_off + (gpa - s->gpa);
	}
	return NULL;
}

int mem_prefault(struct nl_mem *m, struct nl_err *err)
{
	/* MADV_POPULATE_WRITE fails with an errno instead of SIGBUS or the OOM
	 * killer when memory cannot be had, which is the point. */
	if (madvise(m->host, m->size, MADV_POPULATE_WRITE) == 0)
		return 0;
	int e = errno;

	if (e == EINVAL)
		nl_seterr(err, "--prefault: this kernel lacks MADV_POPULATE_WRITE (Linux 5.14+)");
	else
		nl_seterr(err, "--prefault: cannot populate %" PRIu64 " MiB of guest memory: %s",
			  m->size >> 20, strerror(e));
	return -e;
}

uint64_t mem_parse_meminfo(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *end;
			unsigned long long v = strtoull(p + kl + 1, &end, 10);

			while (*end == ' ')
				end++;
			if (!strncmp(end, "kB", 2))
				v *= 1024;
			return v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static size_t read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

/* memory.max of our own cgroup (v2), or 0 when unlimited or unknown. */
static uint64_t cgroup_limit(void)
{
	char cg[512], path[700], val[64];
	char *rel;

	if (!read_small("/proc/self/cgroup", cg, sizeof(cg)))
		return 0;
	rel = strstr(cg, "0::");
	if (!rel)
		return 0;
	rel += 3;
	rel[strcspn(rel, "\n")] = 0;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max",
		 strcmp(rel, "/") ? rel : "");
	if (!read_small(path, val, sizeof(val)) || !strncmp(val, "max", 3))
		return 0;
	return strtoull(val, NULL, 10);
}

void mem_overcommit(uint64_t requested, struct nl_overcommit *oc)
{
	char buf[8192];

	memset(oc, 0, sizeof(*oc));
	oc->requested = requested;
	if (read_small("/proc/meminfo", buf, sizeof(buf)))
		oc->mem_available = mem_parse_meminfo(buf, "MemAvailable");
	oc->cgroup_limit = cgroup_limit();
	oc->limit = oc->mem_available;
	if (oc->cgroup_limit && (!oc->limit || oc->cgroup_limit < oc->limit))
		oc->limit = oc->cgroup_limit;
	oc->ratio = oc->limit ? (double)requested / (double)oc->limit : 0.0;
}
