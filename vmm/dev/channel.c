// SPDX-License-Identifier: MIT
/*
 * The nestlab channel (docs/abi.md): a call port taking the guest-physical
 * address of a record, a mark port the VMM timestamps, an exit port and a
 * no-op port. The guest is untrusted: every record address and length is
 * checked through mem_gpa(), and a bad record is reported, counted and
 * ignored, never followed.
 *
 * NL_REC_FREE is the one record that changes the host: the VMM drops the
 * pages behind a range the guest gave back (a minimal cooperative balloon,
 * docs/abi.md "Giving memory back").
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "nestlab.h"

static void bad(struct channel *ch, const char *fmt, uint64_t a, uint64_t b)
{
	ch->bad_records++;
	snprintf(ch->last_bad, sizeof(ch->last_bad), fmt, a, b);
	if (ch->log && ch->bad_records <= 8)
		fprintf(ch->log, "nestlab: guest sent a bad record: %s\n", ch->last_bad);
}

static void log_text(struct channel *ch, unsigned int vcpu, const char *p,
		     uint32_t n)
{
	char line[NL_REC_MAX];
	uint32_t k = 0;

	ch->logs++;
	if (!ch->log)
		return;
	for (uint32_t i = 0; i < n; i++)
		line[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '.';
	while (k && line[k - 1] == '.')
		k--;
	fprintf(ch->log, "guest[%u]: %.*s\n", vcpu, (int)k, line);
}

/* Copies a fixed-size payload; the record must carry exactly that much. */
static int take(struct channel *ch, const struct nl_rec *r, void *dst, size_t n)
{
	if (r->len != sizeof(*r) + n) {
		bad(ch, "record type %" PRIu64 " has length %" PRIu64,
		    r->type, r->len);
		return -EINVAL;
	}
	memcpy(dst, r + 1, n);
	return 0;
}

/* Bytes of [p, p + len) resident on the host; p is page aligned. */
static uint64_t resident_bytes(const uint8_t *p, uint64_t len)
{
	enum { CHUNK = 4096 };
	unsigned char vec[CHUNK];
	uint64_t res = 0;

	for (uint64_t off = 0; off < len; off += (uint64_t)CHUNK * NL_FREE_ALIGN) {
		uint64_t n = len - off;

		if (n > (uint64_t)CHUNK * NL_FREE_ALIGN)
			n = (uint64_t)CHUNK * NL_FREE_ALIGN;
		if (mincore((void *)(p + off), n, vec))
			return 0; /* unknown: counted as none rather than guessed */
		for (uint64_t i = 0; i < n / NL_FREE_ALIGN; i++)
			res += (vec[i] & 1) ? NL_FREE_ALIGN : 0;
	}
	return res;
}

/* The range is the guest's to give: aligned, inside memory, not the VMM's
 * own pages below NL_GPA_IMAGE_MIN (boot GDT, page tables, boot info). */
static int give_back(struct channel *ch, const struct nl_free *f)
{
	uint8_t *p;
	uint64_t res;

	if (!f->len || (f->gpa | f->len) & (NL_FREE_ALIGN - 1)) {
		bad(ch, "free of 0x%" PRIx64 "+0x%" PRIx64 " is empty or not 4 KiB aligned",
		    f->gpa, f->len);
		return -EINVAL;
	}
	if (f->gpa < NL_GPA_IMAGE_MIN) {
		bad(ch, "free at 0x%" PRIx64 " (0x%" PRIx64 " bytes) reaches below 1 MiB, the VMM's own pages",
		    f->gpa, f->len);
		return -EINVAL;
	}
	p = mem_gpa(ch->mem, f->gpa, f->len);
	if (!p || ((uintptr_t)p & (NL_FREE_ALIGN - 1))) {
		bad(ch, "free of 0x%" PRIx64 "+0x%" PRIx64 " is not inside guest memory",
		    f->gpa, f->len);
		return -EFAULT;
	}
	res = resident_bytes(p, f->len);
	/* Anonymous private memory: the next guest access faults in a zero
	 * page, which is what the guest agreed to. */
	if (madvise(p, f->len, MADV_DONTNEED)) {
		bad(ch, "free of 0x%" PRIx64 "+0x%" PRIx64 ": the host refused MADV_DONTNEED",
		    f->gpa, f->len);
		return -EINVAL;
	}
	ch->freed_records++;
	ch->freed_bytes += f->len;
	ch->freed_resident_bytes += res;
	return 0;
}

static int record_locked(struct channel *ch, unsigned int vcpu, uint64_t gpa)
{
	const struct nl_rec *hdr = mem_gpa(ch->mem, gpa, sizeof(*hdr));
	struct nl_rec r;
	const struct nl_rec *full;
	int rc = 0;

	if (!hdr) {
		bad(ch, "record address 0x%" PRIx64 " is outside guest memory (%" PRIu64 " bytes)",
		    gpa, ch->mem->size);
		return -EFAULT;
	}
	/* One copy of the header: the guest may change memory under us. */
	memcpy(&r, hdr, sizeof(r));
	if (r.magic != NL_REC_MAGIC) {
		bad(ch, "record at 0x%" PRIx64 " has bad magic 0x%" PRIx64, gpa, r.magic);
		return -EINVAL;
	}
	if (r.len < sizeof(r) || r.len > NL_REC_MAX) {
		bad(ch, "record at 0x%" PRIx64 " has bad length %" PRIu64, gpa, r.len);
		return -EINVAL;
	}
	full = mem_gpa(ch->mem, gpa, r.len);
	if (!full) {
		bad(ch, "record at 0x%" PRIx64 " of length %" PRIu64 " runs past guest memory",
		    gpa, r.len);
		return -EFAULT;
	}
	/* Work on a private copy so the payload cannot change while parsed. */
	uint8_t copy[NL_REC_MAX];

	memcpy(copy, full, r.len);
	((struct nl_rec *)copy)->len = r.len;
	full = (const struct nl_rec *)copy;
	ch->records++;
	switch (r.type) {
	case NL_REC_LOG:
		log_text(ch, vcpu, (const char *)(full + 1), r.len - (uint32_t)sizeof(r));
		break;
	case NL_REC_HELLO:
		if (!(rc = take(ch, full, &ch->hello, sizeof(ch->hello))))
			ch->have_hello = true;
		break;
	case NL_REC_RESULT:
		if (!(rc = take(ch, full, &ch->result, sizeof(ch->result))))
			ch->have_result = true;
		break;
	case NL_REC_FAULT:
		if (!(rc = take(ch, full, &ch->fault, sizeof(ch->fault))))
			ch->have_fault = true;
		break;
	case NL_REC_ABORT:
		if (!(rc = take(ch, full, &ch->abort, sizeof(ch->abort)))) {
			ch->have_abort = true;
			ch->abort.file[sizeof(ch->abort.file) - 1] = 0;
			ch->abort.msg[sizeof(ch->abort.msg) - 1] = 0;
		}
		break;
	case NL_REC_FREE: {
		struct nl_free f;

		if (!(rc = take(ch, full, &f, sizeof(f))))
			rc = give_back(ch, &f);
		break;
	}
	case NL_REC_PARK:
		ch->parked++;
		rc = 1;
		break;
	default:
		bad(ch, "record at 0x%" PRIx64 " has unknown type %" PRIu64, gpa, r.type);
		rc = -EINVAL;
		break;
	}
	return rc;
}

int channel_record(struct channel *ch, unsigned int vcpu, uint64_t gpa)
{
	int rc;

	pthread_mutex_lock(&ch->lock);
	rc = record_locked(ch, vcpu, gpa);
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

int channel_io(void *ctx, struct io_access *a)
{
	struct channel *ch = ctx;
	uint16_t port = a->port;
	uint8_t *data = a->data;
	uint32_t size = a->size;
	bool out = a->out;
	uint32_t v;

	if (!out || size != 4 || (port & 3)) {
		pthread_mutex_lock(&ch->lock);
		bad(ch, "channel port 0x%" PRIx64 " accessed with size %" PRIu64
		    " (only 32-bit writes are defined)", port, size);
		pthread_mutex_unlock(&ch->lock);
		if (!out)
			memset(data, 0xff, size);
		return EXIT_CONTINUE;
	}
	memcpy(&v, data, 4);
	switch (port) {
	case NL_PORT_CALL: {
		int rc = channel_record(ch, a->vcpu, v);

		return rc == 1 ? EXIT_PARK : EXIT_CONTINUE;
	}
	case NL_PORT_MARK:
		pthread_mutex_lock(&ch->lock);
		if (v < sizeof(ch->marks_ns) / sizeof(ch->marks_ns[0]))
			ch->marks_ns[v] = nl_now_ns();
		else
			bad(ch, "unknown mark id %" PRIu64, v, 0);
		pthread_mutex_unlock(&ch->lock);
		return EXIT_CONTINUE;
	case NL_PORT_EXIT:
		pthread_mutex_lock(&ch->lock);
		ch->exited = true;
		ch->exit_status = v;
		pthread_mutex_unlock(&ch->lock);
		return io_stop(a, NL_OUT_EXITED, "guest exited with status %u", v);
	default:
		__atomic_fetch_add(&ch->nops, 1, __ATOMIC_RELAXED);
		return EXIT_CONTINUE;
	}
}
