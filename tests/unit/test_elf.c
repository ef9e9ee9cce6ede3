// SPDX-License-Identifier: MIT
/* Unit tests: the ELF loader against good and hand-broken images. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nestlab.h"

#define MEM (8u << 20)

struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	uint8_t body[256];
};

static void make(struct img *im, unsigned int nph)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = 0x100000;
	im->eh.e_phoff = offsetof(struct img, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = (uint16_t)nph;
	for (unsigned int i = 0; i < nph; i++) {
		im->ph[i].p_type = PT_LOAD;
		im->ph[i].p_flags = PF_R | PF_X;
		im->ph[i].p_offset = offsetof(struct img, body) + i * 64;
		im->ph[i].p_paddr = im->ph[i].p_vaddr = 0x100000 + i * 0x1000;
		im->ph[i].p_filesz = 64;
		im->ph[i].p_memsz = 0x800;
	}
	for (unsigned int i = 0; i < sizeof(im->body); i++)
		im->body[i] = (uint8_t)(i + 1);
}

static char path[64];

static int load_bytes(const void *buf, size_t len, struct nl_mem *m,
		      struct elf_image *ei, struct nl_err *err)
{
	int fd;

	strcpy(path, "/tmp/nestlab-elf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	int rc = elf_load(path, m, NL_GPA_IMAGE_MIN, ei, err);

	unlink(path);
	return rc;
}

static struct nl_mem mem;

static int setup(void **state)
{
	(void)state;
	mem_attach(&mem, calloc(1, MEM), MEM);
	return mem.host ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem.host);
	return 0;
}

static void good(void **state)
{
	struct img im;
	struct elf_image ei;
	struct nl_err err;

	(void)state;
	make(&im, 2);
	memset(mem.host + 0x100000 + 64, 0xee, 64); /* bss must be cleared */
	assert_int_equal(load_bytes(&im, sizeof(im), &mem, &ei, &err), 0);
	assert_int_equal(ei.entry, 0x100000);
	assert_int_equal(ei.lo, 0x100000);
	assert_int_equal(ei.hi, 0x101800);
	assert_int_equal(ei.nsegs, 2);
	assert_memory_equal(mem.host + 0x100000, im.body, 64);
	assert_memory_equal(mem.host + 0x101000, im.body + 64, 64);
	assert_int_equal(mem.host[0x100000 + 64], 0);
}

#define EXPECT_BAD(im, len, text) do {					\
	struct elf_image ei; struct nl_err err;				\
	assert_int_equal(load_bytes(im, len, &mem, &ei, &err), -EINVAL); \
	if (!strstr(err.msg, text))					\
		fail_msg("message '%s' lacks '%s'", err.msg, text);	\
} while (0)

static void bad_files(void **state)
{
	struct img im;
	struct elf_image ei;
	struct nl_err err;

	(void)state;
	assert_int_equal(elf_load("/nonexistent/kernel", &mem, NL_GPA_IMAGE_MIN, &ei, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "No such file"));
	EXPECT_BAD("hello, I am not an ELF file at all", 34, "not an ELF");
	make(&im, 1);
	EXPECT_BAD(&im, 40, "");                 /* truncated ELF header */
	make(&im, 2);
	EXPECT_BAD(&im, offsetof(struct img, ph) + 60, "truncated");
	make(&im, 2);
	EXPECT_BAD(&im, offsetof(struct img, body) + 70, "past the end of the file");
	make(&im, 1);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	EXPECT_BAD(&im, sizeof(im), "64-bit");
	make(&im, 1);
	im.eh.e_machine = EM_AARCH64;
	EXPECT_BAD(&im, sizeof(im), "not for x86-64");
	make(&im, 1);
	im.eh.e_type = ET_DYN;
	EXPECT_BAD(&im, sizeof(im), "not an executable");
	make(&im, 2);
	im.ph[1].p_paddr = 0x100400;             /* overlaps segment 0 */
	EXPECT_BAD(&im, sizeof(im), "overlap");
	make(&im, 1);
	im.ph[0].p_paddr = MEM - 0x100;          /* runs past guest memory */
	EXPECT_BAD(&im, sizeof(im), "outside usable guest memory");
	make(&im, 1);
	im.ph[0].p_paddr = 0x1000;               /* over the VMM's boot area */
	EXPECT_BAD(&im, sizeof(im), "outside usable guest memory");
	make(&im, 1);
	im.ph[0].p_paddr = UINT64_MAX - 0x10;    /* wraps */
	EXPECT_BAD(&im, sizeof(im), "wraps");
	make(&im, 1);
	im.ph[0].p_filesz = 0x1000;              /* filesz > memsz */
	EXPECT_BAD(&im, sizeof(im), "file size larger");
	make(&im, 1);
	im.ph[0].p_offset = UINT64_MAX - 8;      /* offset overflow */
	EXPECT_BAD(&im, sizeof(im), "past the end");
	make(&im, 1);
	im.eh.e_entry = 0x200000;                /* entry outside segments */
	EXPECT_BAD(&im, sizeof(im), "entry point");
	make(&im, 1);
	im.ph[0].p_type = PT_NOTE;
	EXPECT_BAD(&im, sizeof(im), "no loadable segments");
	make(&im, 1);
	im.eh.e_phnum = 200;                     /* headers past the file */
	EXPECT_BAD(&im, sizeof(im), "truncated");
}

static void magic(void **state)
{
	(void)state;
	assert_true(elf_is_elf((const uint8_t *)"\177ELF\2", 5));
	assert_false(elf_is_elf((const uint8_t *)"MZ", 2));
	assert_false(elf_is_elf((const uint8_t *)"\177EL", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(magic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
