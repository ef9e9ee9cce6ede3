// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport, version 2 (virtio 1.x, section 4.2.2): the
 * register block a driver finds through the ACPI device the DSDT
 * describes (boot/acpi.c, docs/abi.md "The virtio disk"). It keeps the
 * device's status, features and queues and raises its interrupt; what a
 * queue's buffers mean is the device's (virtio_blk.c).
 *
 * The interrupt is level-triggered: the line is high while
 * InterruptStatus is not zero and drops when the driver acknowledges the
 * last bit, so a notification can never be lost between the two.
 *
 * The guest is not trusted: a register access of the wrong size is
 * ignored and counted, and a driver that breaks the rules (a bad ring, a
 * broken chain) gets DEVICE_NEEDS_RESET and a device that does nothing
 * more until it resets it; the run goes on and the document says why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "nestlab.h"

#define VMMIO_MAGIC   0x74726976u  /* "virt" */
#define VMMIO_VENDOR  0x4c54534eu  /* "NSTL" */
#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_FAILED      128u
#define VMMIO_INT_VRING 1u

enum {
	R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008, R_VENDOR_ID = 0x00c,
	R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050,
	R_INT_STATUS = 0x060, R_INT_ACK = 0x064, R_STATUS = 0x070,
	R_QUEUE_DESC_LO = 0x080, R_QUEUE_DESC_HI = 0x084,
	R_QUEUE_DRIVER_LO = 0x090, R_QUEUE_DRIVER_HI = 0x094,
	R_QUEUE_DEVICE_LO = 0x0a0, R_QUEUE_DEVICE_HI = 0x0a4,
	R_SHM_LEN_LO = 0x0b0, R_SHM_LEN_HI = 0x0b4,
	R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100,
};

static void set_line(struct virtio_mmio *t, bool level)
{
	struct kvm_irq_level l = { .irq = t->gsi, .level = level };

	if (t->irq_level == level)
		return;
	t->irq_level = level;
	if (t->irq_fd >= 0)
		ioctl(t->irq_fd, KVM_IRQ_LINE, &l);
}

static uint64_t offered(const struct virtio_mmio *t)
{
	return t->ops->features | VIRTIO_F_VERSION_1;
}

static void reset(struct virtio_mmio *t)
{
	t->dev_feat_sel = t->drv_feat_sel = t->queue_sel = t->status = t->int_status = 0;
	t->drv_features = 0;
	memset(t->q, 0, sizeof(t->q));
	set_line(t, false);
}

void vmmio_init(struct virtio_mmio *t, const struct vmmio_ops *ops, void *dev,
		const struct nl_mem *mem, int irq_fd, uint32_t gsi)
{
	pthread_mutex_init(&t->lock, NULL);
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->irq_fd = irq_fd;
	t->gsi = gsi;
	t->irq_level = false;
	reset(t);
}

void vmmio_signal_used(struct virtio_mmio *t)
{
	t->int_status |= VMMIO_INT_VRING;
	t->interrupts++;
	set_line(t, true);
}

void vmmio_fail(struct virtio_mmio *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->guest_errors++) {
		va_start(ap, fmt);
		vsnprintf(t->guest_error, sizeof(t->guest_error), fmt, ap);
		va_end(ap);
	}
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	for (unsigned int i = 0; i < VMMIO_MAX_QUEUES; i++)
		t->q[i].ready = false;
}

static struct virtq *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nqueues ? &t->q[t->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = selected(t);

	switch (off) {
	case R_MAGIC:
		return VMMIO_MAGIC;
	case R_VERSION:
		return 2;
	case R_DEVICE_ID:
		return t->ops->device_id;
	case R_VENDOR_ID:
		return VMMIO_VENDOR;
	case R_DEV_FEATURES:
		return t->dev_feat_sel < 2 ? (uint32_t)(offered(t) >> (32 * t->dev_feat_sel)) : 0;
	case R_QUEUE_NUM_MAX:
		return q ? t->ops->queue_max : 0;
	case R_QUEUE_READY:
		return q && q->ready;
	case R_INT_STATUS:
		return t->int_status;
	case R_STATUS:
		return t->status;
	case R_SHM_LEN_LO:
	case R_SHM_LEN_HI:
		return 0xffffffffu;        /* no shared memory regions */
	case R_CONFIG_GEN:
		return 0;                  /* the config never changes */
	default:
		return 0;
	}
}

static void set_half(uint64_t *v, bool high, uint32_t x)
{
	*v = high ? (*v & 0xffffffffull) | (uint64_t)x << 32 : (*v & ~0xffffffffull) | x;
}

static void status_write(struct virtio_mmio *t, uint32_t v)
{
	if (!v) {
		reset(t);
		return;
	}
	/* 3.1.1: FEATURES_OK holds only for features the device offered,
	 * VERSION_1 among them (a version 2 transport has no legacy mode) */
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((t->drv_features & ~offered(t)) || !(t->drv_features & VIRTIO_F_VERSION_1)))
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	/* The driver cannot clear bits but by reset, nor set NEEDS_RESET. */
	t->status |= v & (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK |
			  VIRTIO_STATUS_FAILED);
}

static void queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t v)
{
	char why[200];

	if (!v) {
		q->ready = false;
		return;
	}
	if (q->num > t->ops->queue_max || virtq_check(q, t->mem, why, sizeof(why))) {
		if (q->num > t->ops->queue_max)
			snprintf(why, sizeof(why), "queue size %u above the maximum %u", q->num,
				 t->ops->queue_max);
		vmmio_fail(t, "queue %u: %s", t->queue_sel, why);
		return;
	}
	q->last_avail = q->used_idx = 0;
	q->ready = true;
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = selected(t);
	/* queue set-up only while the queue is off, features only before
	 * FEATURES_OK (4.2.3.2, 3.1.1) */
	struct virtq *qs = q && !q->ready ? q : NULL;
	bool feat = !(t->status & VIRTIO_STATUS_FEATURES_OK);

	switch (off) {
	case R_DEV_FEATURES_SEL:
		t->dev_feat_sel = v;
		break;
	case R_DRV_FEATURES:
		if (feat && t->drv_feat_sel < 2)
			set_half(&t->drv_features, t->drv_feat_sel, v);
		break;
	case R_DRV_FEATURES_SEL:
		t->drv_feat_sel = v;
		break;
	case R_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case R_QUEUE_NUM:
		if (qs)
			qs->num = (uint16_t)(v > 0xffff ? 0xffff : v);
		break;
	case R_QUEUE_READY:
		if (q && !(t->status & VIRTIO_STATUS_NEEDS_RESET))
			queue_ready(t, q, v);
		break;
	case R_QUEUE_NOTIFY:
		t->notifies++;
		if (v < t->ops->nqueues && t->q[v].ready &&
		    (t->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
			    VIRTIO_STATUS_DRIVER_OK)
			t->ops->notify(t->dev, t, &t->q[v]);
		break;
	case R_INT_ACK:
		t->int_status &= ~v;
		if (!t->int_status)
			set_line(t, false);
		break;
	case R_STATUS:
		status_write(t, v);
		break;
	case R_QUEUE_DESC_LO:
	case R_QUEUE_DESC_HI:
		if (qs)
			set_half(&qs->desc, off == R_QUEUE_DESC_HI, v);
		break;
	case R_QUEUE_DRIVER_LO:
	case R_QUEUE_DRIVER_HI:
		if (qs)
			set_half(&qs->avail, off == R_QUEUE_DRIVER_HI, v);
		break;
	case R_QUEUE_DEVICE_LO:
	case R_QUEUE_DEVICE_HI:
		if (qs)
			set_half(&qs->used, off == R_QUEUE_DEVICE_HI, v);
		break;
	default:
		break;                     /* read-only or reserved: ignored */
	}
}

void vmmio_access(void *ctx, uint64_t off, uint8_t *data, uint32_t len, bool write)
{
	struct virtio_mmio *t = ctx;
	uint32_t v;

	pthread_mutex_lock(&t->lock);
	if (off >= R_CONFIG) {
		/* config: any width up to 8, read-only for a block device */
		size_t clen = 0;
		const uint8_t *c = t->ops->config(t->dev, &clen);

		if (!write) {
			memset(data, 0, len);
			if (off - R_CONFIG < clen)
				memcpy(data, c + (off - R_CONFIG),
				       len < clen - (off - R_CONFIG) ? len : clen - (off - R_CONFIG));
		}
	} else if (len != 4 || (off & 3)) {
		/* 4.2.2.2: registers are 32-bit, aligned */
		t->bad_accesses++;
		if (!write)
			memset(data, 0, len);
	} else if (write) {
		memcpy(&v, data, 4);
		reg_write(t, off, v);
	} else {
		v = reg_read(t, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}
