// SPDX-License-Identifier: MIT
/*
 * ELF loader for guest-kernel images (libelf). libelf parses; we still
 * check every program header ourselves, because the file is untrusted and
 * a bad p_offset/p_filesz/p_paddr must never make us read or write outside
 * the file or guest memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nestlab.h"

#define ELF_MAX_SEGS 64

bool elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, ELFMAG, SELFMAG);
}

struct seg {
	uint64_t paddr, memsz, filesz, offset;
	bool exec;
};

static int load_segments(Elf *e, const char *path, uint64_t fsize,
			 struct seg *segs, unsigned int *nsegs,
			 struct nl_err *err)
{
	size_t phnum;
	unsigned int n = 0;

	if (elf_getphdrnum(e, &phnum)) {
		nl_seterr(err, "%s: cannot read program headers: %s", path,
			  elf_errmsg(-1));
		return -EINVAL;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			nl_seterr(err, "%s: program header %zu unreadable: %s",
				  path, i, elf_errmsg(-1));
			return -EINVAL;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz) {
			nl_seterr(err, "%s: segment %zu has file size larger than memory size",
				  path, i);
			return -EINVAL;
		}
		if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
			nl_seterr(err, "%s: segment %zu extends past the end of the file (truncated?)",
				  path, i);
			return -EINVAL;
		}
		if (ph.p_paddr + ph.p_memsz < ph.p_paddr) {
			nl_seterr(err, "%s: segment %zu wraps the address space", path, i);
			return -EINVAL;
		}
		if (n == ELF_MAX_SEGS) {
			nl_seterr(err, "%s: more than %d loadable segments", path,
				  ELF_MAX_SEGS);
			return -EINVAL;
		}
		segs[n++] = (struct seg){ ph.p_paddr, ph.p_memsz, ph.p_filesz,
					  ph.p_offset, (ph.p_flags & PF_X) != 0 };
	}
	if (!n) {
		nl_seterr(err, "%s: no loadable segments", path);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (segs[i].paddr < segs[j].paddr + segs[j].memsz &&
			    segs[j].paddr < segs[i].paddr + segs[i].memsz) {
				nl_seterr(err, "%s: loadable segments overlap at 0x%" PRIx64,
					  path, segs[i].paddr > segs[j].paddr ?
					  segs[i].paddr : segs[j].paddr);
				return -EINVAL;
			}
	*nsegs = n;
	return 0;
}

static int check_header(Elf *e, const char *path, uint64_t fsize,
			struct nl_err *err)
{
	GElf_Ehdr eh;

	if (elf_kind(e) != ELF_K_ELF) {
		nl_seterr(err, "%s: not an ELF file", path);
		return -EINVAL;
	}
	if (gelf_getclass(e) != ELFCLASS64) {
		nl_seterr(err, "%s: not a 64-bit ELF file", path);
		return -EINVAL;
	}
	if (!gelf_getehdr(e, &eh)) {
		nl_seterr(err, "%s: unreadable ELF header: %s", path, elf_errmsg(-1));
		return -EINVAL;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		nl_seterr(err, "%s: ELF file is not for x86-64 (e_machine %u)", path,
			  eh.e_machine);
		return -EINVAL;
	}
	if (eh.e_type != ET_EXEC) {
		nl_seterr(err, "%s: ELF file is not an executable (e_type %u)", path,
			  eh.e_type);
		return -EINVAL;
	}
	/* libelf may hand back zeroed headers for a short file: check here. */
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > fsize ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > fsize - eh.e_phoff) {
		nl_seterr(err, "%s: program headers lie past the end of the file (truncated?)",
			  path);
		return -EINVAL;
	}
	return 0;
}

int elf_open(const char *path, struct elf_file *f, struct nl_err *err)
{
	f->e = NULL;
	f->fd = boot_open_regular(path, "--kernel", &f->size, err);
	if (f->fd < 0)
		return f->fd;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		nl_seterr(err, "libelf: %s", elf_errmsg(-1));
		goto fail;
	}
	f->e = elf_begin(f->fd, ELF_C_READ, NULL);
	if (!f->e) {
		nl_seterr(err, "%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	return -EINVAL;
}

void elf_close(struct elf_file *f)
{
	if (f->e)
		elf_end(f->e);
	f->e = NULL;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int elf_load(const char *path, struct nl_mem *m, uint64_t min_gpa,
	     struct elf_image *img, struct nl_err *err)
{
	struct seg segs[ELF_MAX_SEGS];
	struct elf_file f;
	unsigned int n = 0;
	GElf_Ehdr eh;
	int rc;
	bool entry_ok = false;

	if ((rc = elf_open(path, &f, err)))
		return rc;
	if ((rc = check_header(f.e, path, f.size, err)))
		goto out;
	gelf_getehdr(f.e, &eh);
	if ((rc = load_segments(f.e, path, f.size, segs, &n, err)))
		goto out;
	rc = -EINVAL;
	img->lo = UINT64_MAX;
	img->hi = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct seg *s = &segs[i];
		uint8_t *dst;

		if (s->paddr < min_gpa || !(dst = mem_gpa(m, s->paddr, s->memsz))) {
			nl_seterr(err, "%s: segment at 0x%" PRIx64 "+0x%" PRIx64
				  " lies outside usable guest memory (0x%" PRIx64 "..0x%" PRIx64 ")",
				  path, s->paddr, s->memsz, min_gpa, m->size);
			goto out;
		}
		if (s->filesz &&
		    pread(f.fd, dst, s->filesz, (off_t)s->offset) != (ssize_t)s->filesz) {
			nl_seterr(err, "%s: short read of segment at offset 0x%" PRIx64,
				  path, s->offset);
			goto out;
		}
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		if (s->exec && eh.e_entry >= s->paddr &&
		    eh.e_entry < s->paddr + s->memsz)
			entry_ok = true;
		if (s->paddr < img->lo)
			img->lo = s->paddr;
		if (s->paddr + s->memsz > img->hi)
			img->hi = s->paddr + s->memsz;
	}
	if (!entry_ok) {
		nl_seterr(err, "%s: entry point 0x%" PRIx64 " is not in an executable segment",
			  path, (uint64_t)eh.e_entry);
		goto out;
	}
	img->entry = eh.e_entry;
	img->nsegs = n;
	rc = 0;
out:
	elf_close(&f);
	return rc;
}
