// SPDX-License-Identifier: MIT
/*
 * A virtio block device (virtio 1.x, section 5.2) on a host file: what a
 * Linux L1 swaps to when its swap should be a disk rather than zram
 * (`nestlab nested --l1-swap-device disk`), or any disk image a Linux
 * guest of `nestlab run --disk FILE` should see as /dev/vda.
 *
 * Requests are served in the vCPU thread that wrote QueueNotify, with
 * pread/pwrite on the file straight into or out of guest memory, before
 * the guest runs again: the guest's wait for its disk is a wait in L0's
 * page cache (or, past it, on L0's own disk), counted in io_ns. No I/O
 * thread, no ioeventfd: one exit per notify, which the document counts.
 *
 * A request is a chain: a 16-byte header the device reads (type,
 * reserved, sector), the data, and a status byte the device writes, last.
 * Only that framing is assumed (the header at the start of the first
 * buffer, the status at the end of the last); data may share their
 * buffers. Every sector range is checked against the capacity.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nestlab.h"

#define VIRTIO_ID_BLOCK       2
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)
#define VIRTIO_BLK_T_IN       0u
#define VIRTIO_BLK_T_OUT      1u
#define VIRTIO_BLK_T_FLUSH    4u
#define VIRTIO_BLK_T_GET_ID   8u
#define VIRTIO_BLK_S_OK       0u
#define VIRTIO_BLK_S_IOERR    1u
#define VIRTIO_BLK_S_UNSUPP   2u
#define VIRTIO_BLK_ID_BYTES   20u
#define SECTOR                512u
#define VBLK_QUEUE_MAX        128u
#define VBLK_ID               "nestlab-disk"

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static const uint8_t *vblk_config(void *dev, size_t *len)
{
	struct virtio_blk *b = dev;

	*len = sizeof(b->config);
	return b->config;
}

/* Data bytes of a request: the segments between header and status. */
struct span {
	struct vq_seg *seg;
	unsigned int n;
	uint64_t bytes;
	bool all_write, all_read;
};

static int io_loop(struct virtio_blk *b, const struct span *s, uint64_t off, bool rd)
{
	uint64_t t0 = nl_now_ns();
	int rc = 0;

	for (unsigned int i = 0; i < s->n && !rc; i++) {
		uint8_t *p = s->seg[i].p;
		size_t left = s->seg[i].len;

		while (left) {
			ssize_t r = rd ? pread(b->fd, p, left, (off_t)off) :
					 pwrite(b->fd, p, left, (off_t)off);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = -errno;
				break;
			}
			if (!r) {
				if (!rd) {
					rc = -EIO;
					break;
				}
				memset(p, 0, left);  /* past the file's end: a hole */
				r = (ssize_t)left;
			}
			p += r;
			left -= (size_t)r;
			off += (uint64_t)r;
		}
	}
	b->st.io_ns += nl_now_ns() - t0;
	return rc;
}

/* One request; returns the bytes written into the chain's buffers, or -1
 * when its framing is broken (no header, no status). */
static int64_t request(struct virtio_blk *b, struct vq_seg *seg, unsigned int n)
{
	struct vq_seg *last = &seg[n - 1];
	struct span s = { .seg = seg, .n = n, .all_write = true, .all_read = true };
	struct blk_hdr h;
	uint8_t *status;
	uint8_t st = VIRTIO_BLK_S_OK;
	uint64_t written = 0;

	if (n < 2 || seg[0].write || seg[0].len < sizeof(h) || !last->write)
		return -1;
	memcpy(&h, seg[0].p, sizeof(h));
	status = last->p + last->len - 1;
	/* the data: the rest of the first buffer, the middle ones, all but
	 * the last byte of the last; empty pieces dropped */
	seg[0].p += sizeof(h);
	seg[0].len -= (uint32_t)sizeof(h);
	last->len--;
	if (!seg[0].len) {
		s.seg++;
		s.n--;
	}
	if (s.n && !s.seg[s.n - 1].len)
		s.n--;
	for (unsigned int i = 0; i < s.n; i++) {
		s.bytes += s.seg[i].len;
		s.all_write &= s.seg[i].write;
		s.all_read &= !s.seg[i].write;
	}

	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = h.type == VIRTIO_BLK_T_IN;

		in ? b->st.reads++ : b->st.writes++;
		if ((in ? !s.all_write : !s.all_read) || s.bytes % SECTOR ||
		    h.sector > b->sectors || s.bytes / SECTOR > b->sectors - h.sector) {
			b->st.bad_requests++;
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (io_loop(b, &s, h.sector * SECTOR, in) < 0) {
			b->st.io_errors++;
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (in) {
			b->st.bytes_read += s.bytes;
			written = s.bytes;
		} else {
			b->st.bytes_written += s.bytes;
		}
		break;
	}
	case VIRTIO_BLK_T_FLUSH: {
		uint64_t t0 = nl_now_ns();

		b->st.flushes++;
		if (fdatasync(b->fd) < 0) {
			b->st.io_errors++;
			st = VIRTIO_BLK_S_IOERR;
		}
		b->st.io_ns += nl_now_ns() - t0;
		break;
	}
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_ID_BYTES] = VBLK_ID;
		uint64_t k = 0;

		b->st.get_ids++;
		if (!s.all_write) {
			b->st.bad_requests++;
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		for (unsigned int i = 0; i < s.n && k < sizeof(id); i++) {
			size_t c = s.seg[i].len < sizeof(id) - k ? s.seg[i].len : sizeof(id) - k;

			memcpy(s.seg[i].p, id + k, c);
			k += c;
		}
		written = k;
		break;
	}
	default:
		b->st.unsupported++;
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*status = st;
	return (int64_t)written + 1;
}

static void vblk_notify(void *dev, struct virtio_mmio *t, struct virtq *q)
{
	struct virtio_blk *b = dev;
	unsigned int n;
	uint16_t head;
	char why[200];
	bool any = false;
	int r;

	while ((r = virtq_pop(q, t->mem, &head, b->seg, &n, why, sizeof(why))) > 0) {
		int64_t w = request(b, b->seg, n);

		if (w < 0) {
			vmmio_fail(t, "request %u: no 16-byte header first or no status byte last", head);
			break;
		}
		virtq_push(q, t->mem, head, (uint32_t)w);
		any = true;
	}
	if (r < 0)
		vmmio_fail(t, "queue 0: %s", why);
	if (any)
		vmmio_signal_used(t);
}

static const struct vmmio_ops vblk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_FLUSH,
	.nqueues = 1,
	.queue_max = VBLK_QUEUE_MAX,
	.config = vblk_config,
	.notify = vblk_notify,
};

static int open_temp(struct virtio_blk *b, uint64_t size, struct nl_err *err)
{
	const char *dir = getenv("TMPDIR");
	struct stat st;

	if (!dir || !*dir)
		dir = "/var/tmp";
	snprintf(b->path, sizeof(b->path), "%s", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		nl_seterr(err, "temporary disk: %s is not a directory (set TMPDIR)", dir);
		return -ENOTDIR;
	}
	b->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (b->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* a file system without O_TMPFILE: a named file, unlinked at once */
		char name[sizeof(b->path) + 32];

		snprintf(name, sizeof(name), "%s/nestlab-disk.XXXXXX", dir);
		b->fd = mkostemp(name, O_CLOEXEC);
		if (b->fd >= 0)
			unlink(name);
	}
	if (b->fd < 0) {
		nl_seterr(err, "temporary disk in %s: %s (set TMPDIR to a writable directory)",
			  dir, strerror(errno));
		return -errno;
	}
	/* sparse: L0 gives the disk only what the guest writes */
	if (ftruncate(b->fd, (off_t)size) < 0) {
		nl_seterr(err, "temporary disk of %" PRIu64 " MiB in %s: %s", size >> 20, dir,
			  strerror(errno));
		return -errno;
	}
	b->temporary = true;
	b->sectors = size / SECTOR;
	return 0;
}

static int open_file(struct virtio_blk *b, const char *path, struct nl_err *err)
{
	struct stat st;

	snprintf(b->path, sizeof(b->path), "%s", path);
	/* O_NONBLOCK: a FIFO must not hang the open; cleared below */
	b->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (b->fd < 0) {
		nl_seterr(err, "--disk %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(b->fd, &st) < 0) {
		nl_seterr(err, "--disk %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		nl_seterr(err, "--disk %s: %s", path,
			  S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
		return -EINVAL;
	}
	if (!st.st_size || st.st_size % SECTOR) {
		nl_seterr(err, "--disk %s: its size (%lld bytes) is not a positive multiple of %u",
			  path, (long long)st.st_size, SECTOR);
		return -EINVAL;
	}
	fcntl(b->fd, F_SETFL, fcntl(b->fd, F_GETFL) & ~O_NONBLOCK);
	b->sectors = (uint64_t)st.st_size / SECTOR;
	return 0;
}

int vblk_open(struct virtio_blk *b, const char *path, uint64_t temp_size,
	      struct nl_err *err)
{
	uint32_t seg_max = VBLK_QUEUE_MAX - 2;  /* header and status take two */
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (!path && (!temp_size || temp_size % SECTOR)) {
		nl_seterr(err, "temporary disk: %" PRIu64 " bytes is not a positive multiple of %u",
			  temp_size, SECTOR);
		return -EINVAL;
	}
	rc = path ? open_file(b, path, err) : open_temp(b, temp_size, err);
	if (rc) {
		vblk_close(b);
		return rc;
	}
	memcpy(b->config, &b->sectors, 8);        /* capacity */
	memcpy(b->config + 12, &seg_max, 4);      /* seg_max */
	return 0;
}

void vblk_attach(struct virtio_blk *b, const struct nl_mem *mem, int irq_fd, uint32_t gsi)
{
	vmmio_init(&b->t, &vblk_ops, b, mem, irq_fd, gsi);
}

void vblk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
