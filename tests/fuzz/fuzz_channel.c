// SPDX-License-Identifier: MIT
/*
 * The nestlab channel (vmm/dev/channel.c): a guest-kernel's records and
 * port accesses, from a hostile guest. Guest memory is 2 MiB (page
 * aligned, as a VM's is: NL_REC_FREE drops pages); the input's first
 * 64 KiB are what the guest wrote at 1 MiB, the rest a script of 9-byte
 * steps: a record at 1 MiB + a 16-bit offset, a record at any 64-bit
 * address, a port access of any port, size and direction, or a 32-bit
 * store into guest memory (the guest rewriting a record). Checked: every
 * record call counts as a record or a bad one; the VMM's own pages below
 * 1 MiB are never dropped; a range given back reads as zeros after it;
 * the texts nestlab keeps stay terminated.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "nestlab.h"

#define GMEM   (2u << 20)
#define BULK   (64u << 10)
#define LOW    NL_GPA_IMAGE_MIN

static uint8_t *g;

static uint8_t low_pattern(size_t i)
{
	return (uint8_t)(i * 131 + 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_mem mem;
	struct channel ch;
	size_t i;

	if (!g) {
		g = mmap(NULL, GMEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FUZZ_CHECK(g != MAP_FAILED, "cannot map guest memory");
	}
	for (i = 0; i < LOW; i += 4096)
		g[i] = low_pattern(i);              /* one byte a page: the VMM's pages */
	memset(g + LOW, 0, GMEM - LOW);
	memcpy(g + LOW, data, size < BULK ? size : BULK);
	mem_attach(&mem, g, GMEM);
	memset(&ch, 0, sizeof(ch));
	ch.mem = &mem;
	pthread_mutex_init(&ch.lock, NULL);

	for (i = BULK; i + 9 <= size; i += 9) {
		uint8_t op = data[i];
		uint64_t arg, before = ch.records + ch.bad_records, freed = ch.freed_bytes;
		struct nl_free last = { 0 };

		memcpy(&arg, data + i + 1, 8);
		switch (op & 3) {
		case 0:
		case 1: {
			uint64_t gpa = (op & 3) ? arg : LOW + (arg & 0xffff);
			struct nl_rec hdr;
			/* the guest's address may be anything: copied, not cast */
			const uint8_t *r = mem_gpa(&mem, gpa, sizeof(hdr) + sizeof(last));

			if (r) {
				memcpy(&hdr, r, sizeof(hdr));
				if (hdr.type == NL_REC_FREE)
					memcpy(&last, r + sizeof(hdr), sizeof(last));
			}
			channel_record(&ch, op >> 4, gpa);
			FUZZ_CHECK(ch.records + ch.bad_records > before,
				   "a record call counted as neither a record nor a bad one");
			if (ch.freed_bytes > freed) {
				const uint8_t *p = mem_gpa(&mem, last.gpa, last.len);

				FUZZ_CHECK(last.gpa >= LOW && p, "a range outside the guest's was given back");
				for (uint64_t k = 0; k < last.len; k += 512)
					FUZZ_CHECK(!p[k], "a range given back does not read as zeros");
			}
			break;
		}
		case 2: {
			uint8_t buf[4];
			struct io_access a = {
				.vcpu = op >> 4, .port = (uint16_t)(NL_PORT_CALL + (arg & 15)),
				.out = arg & 16, .data = buf, .size = 1u << ((arg >> 5) & 3) > 4 ? 4 : 1u << ((arg >> 5) & 3),
			};

			memcpy(buf, (const uint8_t *)&arg + 4, 4);
			if (a.port == NL_PORT_CALL && a.out && a.size == 4)
				break;                      /* a record: cases 0 and 1 */
			(void)channel_io(&ch, &a);
			break;
		}
		default:
			memcpy(g + LOW + (arg & 0xfffc), (const uint8_t *)&arg + 4, 4);
			break;
		}
		FUZZ_CHECK(memchr(ch.last_bad, 0, sizeof(ch.last_bad)), "last_bad is not terminated");
		if (ch.have_abort)
			FUZZ_CHECK(memchr(ch.abort.file, 0, sizeof(ch.abort.file)) &&
				   memchr(ch.abort.msg, 0, sizeof(ch.abort.msg)),
				   "the abort's texts are not terminated");
	}
	for (i = 0; i < LOW; i += 4096)
		FUZZ_CHECK(g[i] == low_pattern(i), "a page below 1 MiB, the VMM's, was dropped");
	pthread_mutex_destroy(&ch.lock);
	return 0;
}
