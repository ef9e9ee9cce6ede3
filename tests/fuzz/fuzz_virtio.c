// SPDX-License-Identifier: MIT
/*
 * The virtio disk (vmm/dev/virtio_mmio.c, virtq.c, virtio_blk.c) driven
 * by a hostile driver: the input's first 16 KiB are guest memory (its
 * descriptor table, rings, request headers and data, as they come), the
 * rest a script of register accesses of any offset, width and value,
 * notifies among them. Guest memory is a heap block of exactly its size,
 * so a device access outside it is a sanitizer report. Checked: the used
 * ring never runs ahead of what the driver made available, and once the
 * device needs a reset it serves nothing until it gets one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nestlab.h"

#define GMEM (16u << 10)

static struct virtio_blk disk;
static bool opened;

static void acc(uint64_t off, uint32_t v, uint32_t len, bool write, uint32_t *out)
{
	uint8_t b[8] = { 0 };

	memcpy(b, &v, 4);
	vmmio_access(&disk.t, off, b, len, write);
	if (out)
		memcpy(out, b, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_mem mem;
	struct nl_err err;
	uint8_t *g;
	size_t i;
	uint64_t served = 0;

	if (!opened) {
		setenv("TMPDIR", "/tmp", 0);
		FUZZ_CHECK(vblk_open(&disk, NULL, 1u << 20, &err) == 0, "cannot open a temporary disk");
		opened = true;
	}
	g = calloc(1, GMEM);
	FUZZ_CHECK(g, "out of memory");
	memcpy(g, data, size < GMEM ? size : GMEM);
	mem_attach(&mem, g, GMEM);
	vblk_attach(&disk, &mem, -1, 16);
	memset(&disk.st, 0, sizeof(disk.st));
	disk.t.guest_errors = 0;

	/* A driver's bring-up, so that most inputs reach the queue; the
	 * script below may undo any of it. Queue size and ring places
	 * from the input's first bytes. */
	acc(0x070, 0, 4, true, NULL);
	acc(0x070, 3, 4, true, NULL);
	acc(0x024, 1, 4, true, NULL);
	acc(0x020, 1, 4, true, NULL);
	acc(0x070, 11, 4, true, NULL);
	acc(0x038, size ? 1u << (data[0] % 9) : 8, 4, true, NULL);
	acc(0x080, size > 1 ? (uint32_t)data[1] << 6 : 0, 4, true, NULL);
	acc(0x090, size > 2 ? (uint32_t)data[2] << 6 : 0x1000, 4, true, NULL);
	acc(0x0a0, size > 3 ? (uint32_t)data[3] << 6 : 0x2000, 4, true, NULL);
	acc(0x044, 1, 4, true, NULL);
	acc(0x070, 15, 4, true, NULL);

	for (i = GMEM; i + 6 <= size; i += 6) {
		uint64_t off = ((uint64_t)data[i] | (uint64_t)data[i + 1] << 8) % VMMIO_SIZE;
		uint32_t len = 1u << (data[i + 2] & 3), v, got;
		bool write = data[i + 2] & 4;
		bool broken = disk.t.status & VIRTIO_STATUS_NEEDS_RESET;
		uint64_t before = disk.st.reads + disk.st.writes + disk.st.flushes +
				  disk.st.get_ids + disk.st.unsupported;

		memcpy(&v, data + i + 3, 2);
		v |= (uint32_t)data[i + 5] << 16;
		if (data[i + 2] & 8) {             /* a notify of queue 0 */
			off = 0x050;
			v = 0;
			len = 4;
			write = true;
		}
		acc(off, v, len, write, &got);
		served = disk.st.reads + disk.st.writes + disk.st.flushes + disk.st.get_ids +
			 disk.st.unsupported;
		FUZZ_CHECK(!broken || served == before, "a device needing a reset served a request");
		/* used entries go out one per request served, never ahead */
		FUZZ_CHECK(served - before <= VQ_MAX, "more requests served than a queue holds");
	}
	acc(0x070, 0, 4, true, NULL);              /* reset: the next input starts clean */
	free(g);
	return 0;
}
