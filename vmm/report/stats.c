// SPDX-License-Identifier: MIT
/*
 * KVM binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst
 * 4.133): the descriptors are read once, the values are read before and
 * after the run, and the report shows deltas of cumulative counters and the
 * final value of instant and peak ones. A run the watchdog stops also has
 * a mark taken shortly before the stop (stopstate.c), so that what the
 * counters did in the run's last moments can be told from the whole run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nestlab.h"

int ks_open(struct kvm_stats *ks, int kvm_obj_fd)
{
	struct kvm_stats_header h;
	size_t dsz;
	uint8_t *buf = NULL;
	int rc = -EIO;

	memset(ks, 0, sizeof(*ks));
	ks->fd = ioctl(kvm_obj_fd, KVM_GET_STATS_FD, NULL);
	if (ks->fd < 0)
		return -errno;
	if (pread(ks->fd, &h, sizeof(h), 0) != sizeof(h) || h.name_size == 0 ||
	    h.name_size > 4096 || h.num_desc > 4096)
		goto fail;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	buf = malloc(dsz * h.num_desc);
	ks->desc = calloc(h.num_desc ? h.num_desc : 1, sizeof(*ks->desc));
	if (!buf || !ks->desc) {
		rc = -ENOMEM;
		goto fail;
	}
	if (pread(ks->fd, buf, dsz * h.num_desc, h.desc_offset) !=
	    (ssize_t)(dsz * h.num_desc))
		goto fail;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(buf + i * dsz);
		struct ks_desc *o = &ks->desc[i];
		size_t nl = strnlen(d->name, h.name_size);

		if (d->offset % 8 || d->size == 0)
			goto fail;
		if (nl >= sizeof(o->name))
			nl = sizeof(o->name) - 1;
		memcpy(o->name, d->name, nl);
		o->name[nl] = 0;
		o->flags = d->flags;
		o->exponent = d->exponent;
		o->size = d->size;
		o->offset = d->offset / 8;
		if (o->offset + o->size > ks->nvals)
			ks->nvals = o->offset + o->size;
	}
	ks->ndesc = h.num_desc;
	ks->data_off = h.data_offset;
	ks->before = calloc(ks->nvals ? ks->nvals : 1, 8);
	ks->after = calloc(ks->nvals ? ks->nvals : 1, 8);
	ks->mark = calloc(ks->nvals ? ks->nvals : 1, 8);
	if (!ks->before || !ks->after || !ks->mark) {
		rc = -ENOMEM;
		goto fail;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	ks_close(ks);
	return rc;
}

static int read_values(const struct kvm_stats *ks, uint64_t *dst)
{
	ssize_t want = (ssize_t)(ks->nvals * 8);

	if (ks->fd < 0 || !dst)
		return -EBADF;
	if (pread(ks->fd, dst, (size_t)want, (off_t)ks->data_off) != want)
		return -EIO;
	return 0;
}

int ks_snapshot(struct kvm_stats *ks, bool after)
{
	return read_values(ks, after ? ks->after : ks->before);
}

int ks_mark(struct kvm_stats *ks)
{
	int rc = read_values(ks, ks->mark);

	ks->marked = rc == 0;
	return rc;
}

bool ks_cumulative(const struct ks_desc *d)
{
	uint32_t t = d->flags & KVM_STATS_TYPE_MASK;

	return t != KVM_STATS_TYPE_INSTANT && t != KVM_STATS_TYPE_PEAK;
}

/* A histogram counts as the sum of its buckets. */
uint64_t ks_value(const struct ks_desc *d, const uint64_t *vals)
{
	uint64_t v = 0;

	for (unsigned int s = 0; s < d->size; s++)
		v += vals[d->offset + s];
	return v;
}

int ks_since_mark(const struct kvm_stats *ks, const char *name, uint64_t *delta)
{
	for (unsigned int i = 0; ks->marked && i < ks->ndesc; i++) {
		const struct ks_desc *d = &ks->desc[i];

		if (strcmp(d->name, name) || !ks_cumulative(d))
			continue;
		*delta = ks_value(d, ks->after) - ks_value(d, ks->mark);
		return 0;
	}
	return -ENOENT;
}

void ks_close(struct kvm_stats *ks)
{
	if (ks->fd >= 0)
		close(ks->fd);
	free(ks->desc);
	free(ks->before);
	free(ks->after);
	free(ks->mark);
	memset(ks, 0, sizeof(*ks));
	ks->fd = -1;
}
