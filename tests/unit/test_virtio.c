// SPDX-License-Identifier: MIT
/*
 * The virtio disk without a guest: this file plays the driver, as Linux's
 * virtio_mmio and virtio_blk do (registers, feature negotiation, a split
 * queue in "guest memory"), then the hostile driver: broken chains, rings
 * outside memory, indexes that jump, wrong register widths. The device
 * must answer each with a status or DEVICE_NEEDS_RESET, never touch
 * memory outside the guest's, never loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nestlab.h"

#define MEM      (1u << 20)
#define QN       8u
#define DESC     0x1000u
#define AVAIL    0x2000u
#define USED     0x3000u
#define HDR      0x4000u          /* request headers, 16 bytes apart */
#define DATA     0x8000u          /* data buffers */
#define STATUS   0x7000u          /* status bytes */
#define DISK     (64u * 512u)

struct fx {
	struct nl_mem mem;
	uint8_t *g;
	struct virtio_blk b;
	char path[64];
	uint16_t avail_idx;
};

static uint32_t rd(struct fx *f, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	vmmio_access(&f->b.t, off, (uint8_t *)&v, 4, false);
	return v;
}

static void wr(struct fx *f, uint64_t off, uint32_t v)
{
	vmmio_access(&f->b.t, off, (uint8_t *)&v, 4, true);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct nl_err err = { 0 };
	int fd;

	f->g = calloc(1, MEM);
	mem_attach(&f->mem, f->g, MEM);
	snprintf(f->path, sizeof(f->path), "/tmp/nestlab-vblk-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0 || ftruncate(fd, DISK) < 0)
		return -1;
	close(fd);
	if (vblk_open(&f->b, f->path, 0, &err))
		return -1;
	vblk_attach(&f->b, &f->mem, -1, 16);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vblk_close(&f->b);
	unlink(f->path);
	free(f->g);
	free(f);
	return 0;
}

/* What Linux does at probe: reset, ACKNOWLEDGE|DRIVER, features, queue 0. */
static void bring_up(struct fx *f, uint32_t feat_lo, uint32_t feat_hi)
{
	wr(f, 0x070, 0);
	wr(f, 0x070, 1 | 2);
	wr(f, 0x024, 0);
	wr(f, 0x020, feat_lo);
	wr(f, 0x024, 1);
	wr(f, 0x020, feat_hi);
	wr(f, 0x070, 1 | 2 | 8);
	wr(f, 0x030, 0);
	wr(f, 0x038, QN);
	wr(f, 0x080, DESC);
	wr(f, 0x084, 0);
	wr(f, 0x090, AVAIL);
	wr(f, 0x094, 0);
	wr(f, 0x0a0, USED);
	wr(f, 0x0a4, 0);
	wr(f, 0x044, 1);
	wr(f, 0x070, 1 | 2 | 8 | 4);
	f->avail_idx = 0;
}

static void desc(struct fx *f, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	uint8_t *d = f->g + DESC + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Offers chain head and notifies queue 0. */
static void kick(struct fx *f, uint16_t head)
{
	uint16_t *avail = (uint16_t *)(f->g + AVAIL);

	avail[2 + f->avail_idx % QN] = head;
	avail[1] = ++f->avail_idx;
	wr(f, 0x050, 0);
}

static uint16_t used_idx(struct fx *f)
{
	return *(uint16_t *)(f->g + USED + 2);
}

static uint32_t used_len(struct fx *f, uint16_t slot)
{
	uint32_t len;

	memcpy(&len, f->g + USED + 4 + 8 * (slot % QN) + 4, 4);
	return len;
}

/* A request in descriptors base.. : header, data (one or two pieces),
 * status. Returns the head. */
static uint16_t request(struct fx *f, unsigned int base, uint32_t type, uint64_t sector,
			uint32_t len, bool data_write, unsigned int pieces)
{
	uint8_t *h = f->g + HDR + 16 * base;
	uint16_t n = (uint16_t)base;
	const uint16_t NEXT = 1, WRITE = 2;

	memcpy(h, &type, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &sector, 8);
	desc(f, n, HDR + 16 * base, 16, NEXT, (uint16_t)(n + 1));
	n++;
	for (unsigned int p = 0; len && p < pieces; p++, n++)
		desc(f, n, DATA + (uint64_t)p * (len / pieces), len / pieces,
		     (uint16_t)(NEXT | (data_write ? WRITE : 0)), (uint16_t)(n + 1));
	f->g[STATUS + base] = 0xee;
	desc(f, n, STATUS + base, 1, WRITE, 0);
	return (uint16_t)base;
}

static void test_probe_registers(void **state)
{
	struct fx *f = *state;
	uint64_t cap = 0;
	uint32_t lo, hi, seg;
	uint16_t w = 0;

	assert_int_equal(rd(f, 0x000), 0x74726976);
	assert_int_equal(rd(f, 0x004), 2);
	assert_int_equal(rd(f, 0x008), 2);            /* block */
	wr(f, 0x014, 0);
	lo = rd(f, 0x010);
	wr(f, 0x014, 1);
	hi = rd(f, 0x010);
	assert_int_equal(hi, 1);                      /* VERSION_1 */
	assert_true(lo & (1u << 9));                  /* FLUSH */
	assert_true(lo & (1u << 2));                  /* SEG_MAX */
	wr(f, 0x014, 2);
	assert_int_equal(rd(f, 0x010), 0);
	assert_int_equal(rd(f, 0x034), 128);          /* QueueNumMax of queue 0 */
	wr(f, 0x030, 1);
	assert_int_equal(rd(f, 0x034), 0);            /* no queue 1 */
	/* config: capacity as one 8-byte read and as two 4-byte reads */
	vmmio_access(&f->b.t, 0x100, (uint8_t *)&cap, 8, false);
	assert_int_equal(cap, DISK / 512);
	lo = rd(f, 0x100);
	hi = rd(f, 0x104);
	assert_int_equal(((uint64_t)hi << 32) | lo, DISK / 512);
	seg = rd(f, 0x10c);
	assert_int_equal(seg, 126);
	assert_int_equal(rd(f, 0x200), 0);            /* past the config */
	/* registers are 32-bit: a 2-byte read is counted and reads 0 */
	vmmio_access(&f->b.t, 0x000, (uint8_t *)&w, 2, false);
	assert_int_equal(w, 0);
	assert_int_equal(f->b.t.bad_accesses, 1);
}

static void test_features(void **state)
{
	struct fx *f = *state;

	bring_up(f, 1u << 9, 0);                      /* no VERSION_1 */
	assert_false(rd(f, 0x070) & 8);
	bring_up(f, 1u << 9 | 1u << 5, 1);            /* bit 5 was never offered */
	assert_false(rd(f, 0x070) & 8);
	bring_up(f, 1u << 9, 1);
	assert_true(rd(f, 0x070) & 8);
	assert_int_equal(f->b.t.drv_features, (1ull << 32) | (1u << 9));
	/* after FEATURES_OK the features stay as they were */
	wr(f, 0x024, 0);
	wr(f, 0x020, 0);
	assert_int_equal(f->b.t.drv_features, (1ull << 32) | (1u << 9));
	assert_true(rd(f, 0x044));                    /* queue 0 ready */
}

static void test_write_read_back(void **state)
{
	struct fx *f = *state;
	uint8_t buf[1024], file[1024];
	int fd;

	bring_up(f, 1u << 9 | 1u << 2, 1);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	memcpy(f->g + DATA, buf, sizeof(buf));
	kick(f, request(f, 0, 1, 3, sizeof(buf), false, 2));   /* OUT, 2 pieces */
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 1);
	assert_int_equal(f->g[STATUS], 0);
	assert_true(f->b.t.irq_level);
	assert_int_equal(rd(f, 0x060), 1);
	wr(f, 0x064, 1);                                   /* ACK drops the line */
	assert_false(f->b.t.irq_level);
	fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, file, sizeof(file), 3 * 512), sizeof(file));
	close(fd);
	assert_memory_equal(file, buf, sizeof(buf));

	memset(f->g + DATA, 0, sizeof(buf));
	kick(f, request(f, 0, 0, 3, sizeof(buf), true, 1));    /* IN */
	assert_int_equal(used_idx(f), 2);
	assert_int_equal(used_len(f, 1), sizeof(buf) + 1);
	assert_int_equal(f->g[STATUS], 0);
	assert_memory_equal(f->g + DATA, buf, sizeof(buf));
	assert_int_equal(f->b.st.bytes_written, sizeof(buf));
	assert_int_equal(f->b.st.bytes_read, sizeof(buf));

	kick(f, request(f, 0, 4, 0, 0, false, 0));             /* FLUSH */
	assert_int_equal(f->g[STATUS], 0);
	assert_int_equal(f->b.st.flushes, 1);
	kick(f, request(f, 0, 8, 0, 20, true, 1));             /* GET_ID */
	assert_int_equal(f->g[STATUS], 0);
	assert_string_equal((char *)f->g + DATA, "nestlab-disk");
	kick(f, request(f, 0, 99, 0, 0, false, 0));            /* unknown */
	assert_int_equal(f->g[STATUS], 2);                     /* UNSUPP */
	assert_int_equal(f->b.t.guest_errors, 0);
}

/* Bad requests get IOERR and leave the file alone; the device goes on. */
static void test_bad_requests(void **state)
{
	struct fx *f = *state;

	bring_up(f, 0, 1);
	kick(f, request(f, 0, 1, DISK / 512 - 1, 1024, false, 1));  /* past the end */
	assert_int_equal(f->g[STATUS], 1);
	kick(f, request(f, 0, 1, UINT64_MAX, 512, false, 1));       /* sector wraps */
	assert_int_equal(f->g[STATUS], 1);
	kick(f, request(f, 0, 1, 0, 100, false, 1));                /* not whole sectors */
	assert_int_equal(f->g[STATUS], 1);
	kick(f, request(f, 0, 0, 0, 512, false, 1));                /* IN into readable data */
	assert_int_equal(f->g[STATUS], 1);
	kick(f, request(f, 0, 1, 0, 512, true, 1));                 /* OUT from writable data */
	assert_int_equal(f->g[STATUS], 1);
	assert_int_equal(f->b.st.bad_requests, 5);
	assert_int_equal(f->b.st.bytes_written, 0);
	assert_int_equal(f->b.t.guest_errors, 0);
	assert_int_equal(used_idx(f), 5);
	/* still working */
	kick(f, request(f, 0, 1, 0, 512, false, 1));
	assert_int_equal(f->g[STATUS], 0);
}

/* Each broken ring or chain: DEVICE_NEEDS_RESET, a reason, nothing used,
 * and no request served until the driver resets the device. */
static void expect_broken(struct fx *f, const char *why)
{
	assert_int_equal(f->b.t.guest_errors, 1);
	assert_non_null(strstr(f->b.t.guest_error, why));
	assert_true(rd(f, 0x070) & 64);
	assert_int_equal(used_idx(f), 0);
	assert_false(rd(f, 0x044));
	f->b.t.guest_errors = 0;
}

static void test_hostile_chains(void **state)
{
	struct fx *f = *state;
	uint16_t *avail = (uint16_t *)(f->g + AVAIL);

	bring_up(f, 0, 1);
	desc(f, 0, HDR, 16, 1, 1);
	desc(f, 1, DATA, 512, 1, 0);                     /* loops back to 0 */
	kick(f, 0);
	expect_broken(f, "loop");
	kick(f, 0);                                      /* ignored until reset */
	assert_int_equal(used_idx(f), 0);

	bring_up(f, 0, 1);
	request(f, 0, 1, 0, 512, false, 1);
	desc(f, 1, MEM - 256, 512, 1, 2);                /* data past guest memory */
	kick(f, 0);
	expect_broken(f, "outside guest memory");

	bring_up(f, 0, 1);
	request(f, 0, 1, 0, 512, false, 1);
	desc(f, 1, DATA, 512, 1, 40);                    /* next outside the queue */
	kick(f, 0);
	expect_broken(f, "outside the queue");

	bring_up(f, 0, 1);
	kick(f, 9);                                      /* head outside the queue */
	expect_broken(f, "chain head 9");

	bring_up(f, 0, 1);
	request(f, 0, 1, 0, 512, false, 1);
	avail[1] = 200;                                  /* index far ahead */
	wr(f, 0x050, 0);
	expect_broken(f, "ahead");

	bring_up(f, 0, 1);
	request(f, 0, 1, 0, 512, false, 1);
	desc(f, 1, DATA, 512, 1 | 4, 2);                 /* indirect, never offered */
	kick(f, 0);
	expect_broken(f, "indirect");

	bring_up(f, 0, 1);
	desc(f, 0, HDR, 16, 1 | 2, 1);                   /* writable, then readable */
	desc(f, 1, DATA, 512, 0, 0);
	kick(f, 0);
	expect_broken(f, "readable after");

	bring_up(f, 0, 1);
	desc(f, 0, HDR, 8, 1, 1);                        /* header too short */
	desc(f, 1, STATUS, 1, 2, 0);
	kick(f, 0);
	expect_broken(f, "header");

	bring_up(f, 0, 1);
	desc(f, 0, HDR, 0, 1, 1);                        /* empty descriptor */
	kick(f, 0);
	expect_broken(f, "empty");

	/* a reset makes it whole again */
	bring_up(f, 0, 1);
	kick(f, request(f, 0, 1, 0, 512, false, 1));
	assert_int_equal(f->g[STATUS], 0);
	assert_int_equal(used_idx(f), 1);
}

static void test_hostile_rings(void **state)
{
	struct fx *f = *state;
	static const struct { uint32_t num; uint64_t desc, avail, used; const char *why; } bad[] = {
		{ 6, DESC, AVAIL, USED, "power of 2" },
		{ 0, DESC, AVAIL, USED, "power of 2" },
		{ 256, DESC, AVAIL, USED, "above the maximum" },
		{ QN, DESC + 8, AVAIL, USED, "misaligned" },
		{ QN, DESC, AVAIL + 1, USED, "misaligned" },
		{ QN, DESC, AVAIL, USED + 2, "misaligned" },
		{ QN, MEM - 64, AVAIL, USED, "outside guest memory" },
		{ QN, DESC, AVAIL, (uint64_t)MEM - 16, "outside guest memory" },
		{ QN, DESC, AVAIL, 1ull << 40, "outside guest memory" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wr(f, 0x070, 0);
		wr(f, 0x070, 1 | 2);
		wr(f, 0x024, 1);
		wr(f, 0x020, 1);
		wr(f, 0x070, 1 | 2 | 8);
		wr(f, 0x038, bad[i].num);
		wr(f, 0x080, (uint32_t)bad[i].desc);
		wr(f, 0x084, (uint32_t)(bad[i].desc >> 32));
		wr(f, 0x090, (uint32_t)bad[i].avail);
		wr(f, 0x0a0, (uint32_t)bad[i].used);
		wr(f, 0x0a4, (uint32_t)(bad[i].used >> 32));
		wr(f, 0x044, 1);
		assert_false(rd(f, 0x044));
		assert_true(rd(f, 0x070) & 64);
		assert_non_null(strstr(f->b.t.guest_error, bad[i].why));
		f->b.t.guest_errors = 0;
	}
	/* a notify before DRIVER_OK, or for a queue that does not exist, does nothing */
	bring_up(f, 0, 1);
	wr(f, 0x050, 5);
	assert_int_equal(f->b.st.reads + f->b.st.writes, 0);
}

static void test_open_errors(void **state)
{
	struct virtio_blk b;
	struct nl_err err = { 0 };
	char dir[] = "/tmp/nestlab-vblkd-XXXXXX", p[96];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(vblk_open(&b, dir, 0, &err), -EISDIR);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(vblk_open(&b, p, 0, &err), -EINVAL);  /* no hang */
	assert_non_null(strstr(err.msg, "not a regular file"));
	unlink(p);
	snprintf(p, sizeof(p), "%s/odd", dir);
	fd = open(p, O_CREAT | O_RDWR, 0600);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(vblk_open(&b, p, 0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "multiple of 512"));
	unlink(p);
	snprintf(p, sizeof(p), "%s/none", dir);
	assert_int_equal(vblk_open(&b, p, 0, &err), -ENOENT);
	assert_int_equal(vblk_open(&b, NULL, 1000, &err), -EINVAL);
	/* a temporary disk: sparse, unlinked, in TMPDIR */
	setenv("TMPDIR", dir, 1);
	assert_int_equal(vblk_open(&b, NULL, 1 << 20, &err), 0);
	assert_true(b.temporary);
	assert_int_equal(b.sectors, 2048);
	vblk_close(&b);
	setenv("TMPDIR", p, 1);                       /* no such directory */
	assert_int_equal(vblk_open(&b, NULL, 1 << 20, &err), -ENOTDIR);
	unsetenv("TMPDIR");
	assert_int_equal(rmdir(dir), 0);              /* nothing left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rings, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
