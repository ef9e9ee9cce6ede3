// SPDX-License-Identifier: MIT
/*
 * Split virtqueues (virtio 1.x, section 2.7) read from guest memory that
 * the guest may change under us at any time. So: every ring and buffer
 * address goes through mem_gpa() before it is touched, a descriptor is
 * copied out once and used from the copy, a chain is followed at most
 * num links (a loop cannot hang the vCPU), and an index the driver moved
 * by more than the queue holds is an error, not a long walk. Indirect
 * descriptors are never offered, so one seen is an error too.
 *
 * Layout (num entries): descriptor table 16 * num bytes, 16-aligned; the
 * driver ("avail") ring: flags, idx, ring[num], used_event, all 16-bit,
 * 2-aligned; the device ("used") ring: flags, idx (16-bit), then num
 * {id, len} pairs of 32-bit, avail_event, 4-aligned. Little-endian, as x86.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nestlab.h"

#define VQ_DESC_F_NEXT     1u
#define VQ_DESC_F_WRITE    2u
#define VQ_DESC_F_INDIRECT 4u

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
_Static_assert(sizeof(struct vq_desc) == 16, "a split-ring descriptor is 16 bytes");

static uint64_t avail_bytes(uint16_t num) { return 4 + 2ull * num + 2; }
static uint64_t used_bytes(uint16_t num) { return 4 + 8ull * num + 2; }

int virtq_check(const struct virtq *q, const struct nl_mem *m, char *why, size_t n)
{
	if (!q->num || q->num > VQ_MAX || (q->num & (q->num - 1))) {
		snprintf(why, n, "queue size %u is not a power of 2 in 1..%u", q->num, VQ_MAX);
		return -EINVAL;
	}
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
		snprintf(why, n, "rings misaligned (descriptors 0x%llx, driver 0x%llx, device 0x%llx)",
			 (unsigned long long)q->desc, (unsigned long long)q->avail,
			 (unsigned long long)q->used);
		return -EINVAL;
	}
	if (!mem_gpa(m, q->desc, 16ull * q->num) || !mem_gpa(m, q->avail, avail_bytes(q->num)) ||
	    !mem_gpa(m, q->used, used_bytes(q->num))) {
		snprintf(why, n, "a ring lies outside guest memory (descriptors 0x%llx, driver 0x%llx, device 0x%llx)",
			 (unsigned long long)q->desc, (unsigned long long)q->avail,
			 (unsigned long long)q->used);
		return -EINVAL;
	}
	return 0;
}

int virtq_pop(struct virtq *q, const struct nl_mem *m, uint16_t *head,
	      struct vq_seg *seg, unsigned int *nseg, char *why, size_t n)
{
	/* checked when the queue was made ready; guest memory does not move */
	uint16_t *avail = mem_gpa(m, q->avail, avail_bytes(q->num));
	const uint8_t *table = mem_gpa(m, q->desc, 16ull * q->num);
	uint16_t idx, pending, i;
	bool seen_write = false;

	if (!avail || !table) {
		snprintf(why, n, "rings outside guest memory");
		return -EINVAL;
	}
	/* Acquire: the ring entry and descriptors the driver wrote before
	 * it published idx are read after it. */
	idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	pending = (uint16_t)(idx - q->last_avail);
	if (!pending)
		return 0;
	if (pending > q->num) {
		snprintf(why, n, "driver index %u is %u ahead of the device's %u; the queue holds %u",
			 idx, pending, q->last_avail, q->num);
		return -EINVAL;
	}
	i = __atomic_load_n(&avail[2 + q->last_avail % q->num], __ATOMIC_RELAXED);
	if (i >= q->num) {
		snprintf(why, n, "chain head %u outside the queue of %u", i, q->num);
		return -EINVAL;
	}
	*head = i;
	for (unsigned int k = 0;; k++) {
		struct vq_desc d;

		if (k == q->num) {
			snprintf(why, n, "chain from %u is longer than the queue (a loop)", *head);
			return -EINVAL;
		}
		memcpy(&d, table + 16u * i, sizeof(d));
		if (d.flags & VQ_DESC_F_INDIRECT) {
			snprintf(why, n, "indirect descriptor %u, a feature never offered", i);
			return -EINVAL;
		}
		if (!d.len || !(seg[k].p = mem_gpa(m, d.addr, d.len))) {
			snprintf(why, n, "descriptor %u: %u bytes at 0x%llx %s", i, d.len,
				 (unsigned long long)d.addr,
				 d.len ? "lie outside guest memory" : "(empty)");
			return -EINVAL;
		}
		seg[k].len = d.len;
		seg[k].write = d.flags & VQ_DESC_F_WRITE;
		/* 2.7.4.2: device-readable buffers come first */
		if (seen_write && !seg[k].write) {
			snprintf(why, n, "descriptor %u: device-readable after device-writable", i);
			return -EINVAL;
		}
		seen_write |= seg[k].write;
		if (!(d.flags & VQ_DESC_F_NEXT)) {
			*nseg = k + 1;
			break;
		}
		if (d.next >= q->num) {
			snprintf(why, n, "descriptor %u: next %u outside the queue of %u", i, d.next,
				 q->num);
			return -EINVAL;
		}
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_push(struct virtq *q, const struct nl_mem *m, uint16_t head, uint32_t len)
{
	uint8_t *used = mem_gpa(m, q->used, used_bytes(q->num));
	uint32_t elem[2] = { head, len };

	if (!used)
		return;
	memcpy(used + 4 + 8u * (q->used_idx % q->num), elem, sizeof(elem));
	q->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
}
