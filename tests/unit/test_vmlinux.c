// SPDX-License-Identifier: MIT
/*
 * Unit tests for booting an uncompressed vmlinux, without /dev/kvm: telling
 * a Linux ELF from a guest-kernel ELF by its notes (also with broken
 * notes), the setup header nestlab writes for it, and the whole boot set-up
 * read back from a plain buffer.
 *
 *   test_vmlinux                  the synthetic tests (cmocka)
 *   test_vmlinux --vmlinux FILE   loads a real vmlinux (for example the one
 *                                 scripts/get-kernel.sh takes out of
 *                                 Debian's package); exits 77 when absent
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nestlab.h"

#define MIB (1ull << 20)
#define MEM (64 * MIB)
#define KBASE (16 * MIB)

/* A vmlinux in miniature: one text segment at 16 MiB, entered at its
 * start, and a PT_NOTE holding one note with a given owner. */
struct fake {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[8];
	uint32_t desc;
	uint8_t text[128];
};

static void make(struct fake *f, const char *owner)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_entry = KBASE;
	f->eh.e_phoff = offsetof(struct fake, ph);
	f->eh.e_ehsize = sizeof(Elf64_Ehdr);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 2;
	f->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				 .p_offset = offsetof(struct fake, text),
				 .p_vaddr = 0xffffffff81000000ull, .p_paddr = KBASE,
				 .p_filesz = sizeof(f->text), .p_memsz = 3 * MIB };
	f->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(struct fake, nh),
				 .p_filesz = sizeof(f->nh) + sizeof(f->name) + sizeof(f->desc) };
	f->nh.n_namesz = (Elf64_Word)strlen(owner) + 1;
	f->nh.n_descsz = sizeof(f->desc);
	f->nh.n_type = 0x100;
	snprintf(f->name, sizeof(f->name), "%s", owner);
	for (unsigned int i = 0; i < sizeof(f->text); i++)
		f->text[i] = (uint8_t)(0x90 + i);
}

static char path[64];

static void put(const void *buf, size_t len)
{
	int fd;

	strcpy(path, "/tmp/nestlab-vmlinux-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int probe_bytes(const void *buf, size_t len, bool *is_linux)
{
	struct nl_err err;
	int rc;

	put(buf, len);
	rc = vmlinux_probe(path, is_linux, &err);
	unlink(path);
	return rc;
}

static void probe(void **state)
{
	struct fake f;
	bool lx = true;
	struct nl_err err;
	uint8_t junk[600] = { 0 };

	(void)state;
	make(&f, "Linux");
	assert_int_equal(probe_bytes(&f, sizeof(f), &lx), 0);
	assert_true(lx);
	/* Xen's notes alone (a Xen PVH kernel without them would not exist,
	 * but the owner is what counts), and a guest-kernel ELF without notes. */
	make(&f, "Xen");
	assert_int_equal(probe_bytes(&f, sizeof(f), &lx), 0);
	assert_false(lx);
	make(&f, "Linux");
	f.eh.e_phnum = 1;
	assert_int_equal(probe_bytes(&f, sizeof(f), &lx), 0);
	assert_false(lx);
	/* A note whose name would run past its segment is not read. */
	make(&f, "Linux");
	f.nh.n_namesz = 4000;
	assert_int_equal(probe_bytes(&f, sizeof(f), &lx), 0);
	assert_false(lx);
	/* A PT_NOTE that points past the end of the file. */
	make(&f, "Linux");
	f.ph[1].p_offset = 1 << 20;
	assert_int_equal(probe_bytes(&f, sizeof(f), &lx), 0);
	assert_false(lx);
	/* Not ELF at all (a bzImage's boot sector, say): no error, not Linux. */
	junk[0x1fe] = 0x55;
	junk[0x1ff] = 0xaa;
	assert_int_equal(probe_bytes(junk, sizeof(junk), &lx), 0);
	assert_false(lx);
	assert_true(vmlinux_probe("/nonexistent/vmlinux", &lx, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/vmlinux"));
}

static void header(void **state)
{
	struct elf_image img = { .entry = KBASE, .lo = KBASE, .hi = KBASE + 3 * MIB };
	struct bzimage bz;
	struct nl_err err;

	(void)state;
	assert_int_equal(vmlinux_header(&img, &bz, &err), 0);
	assert_int_equal(bz.hdr.boot_flag, 0xaa55);
	assert_int_equal(bz.hdr.header, 0x53726448);
	assert_int_equal(bz.hdr.version, 0x020f);
	assert_true(bz.hdr.loadflags & LOADED_HIGH);
	assert_true(bz.xloadflags & XLF_KERNEL_64);
	assert_false(bz.relocatable);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz.pref_address, KBASE);
	assert_int_equal(bz.init_size, 3 * MIB);
	assert_int_equal(bz.hdr_len, sizeof(bz.hdr));
	img.lo = img.entry = KBASE + 0x1000;
	assert_int_equal(vmlinux_header(&img, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "2 MiB"));
	img.lo = img.entry = KBASE;
	img.hi = 0xc0001000ull;                    /* into the MMIO hole */
	assert_int_equal(vmlinux_header(&img, &bz, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "3 GiB"));
}

static void boot(void **state)
{
	static const uint8_t initrd[8192] = { 1, 2, 3 };
	struct boot_linux_out o;
	struct elf_image img;
	struct nl_mem m;
	struct bzimage bz;
	struct nl_err err;
	struct fake f;
	char *cl;
	const uint8_t *zp;

	(void)state;
	mem_attach(&m, calloc(1, MEM), MEM);
	assert_non_null(m.host);
	make(&f, "Linux");
	put(&f, sizeof(f));
	assert_int_equal(elf_load(path, &m, BL_GPA_HIMEM, &img, &err), 0);
	unlink(path);
	assert_int_equal(vmlinux_header(&img, &bz, &err), 0);
	assert_int_equal(boot_linux_setup(&m, &bz, NULL, 0, &img, initrd, sizeof(initrd),
					  "console=ttyS0", 2, 0, &o, &err), 0);
	assert_int_equal(o.entry, KBASE);          /* startup_64, not +0x200 */
	assert_int_equal(o.load_addr, KBASE);
	assert_int_equal(o.kernel_end, KBASE + 3 * MIB);
	assert_true(o.initrd_gpa >= o.kernel_end);
	assert_memory_equal(m.host + o.initrd_gpa, initrd, sizeof(initrd));
	assert_memory_equal(m.host + KBASE, f.text, sizeof(f.text));
	/* The zero page, read at the boot protocol's offsets. */
	zp = m.host + o.zero_page;
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x1fe] | zp[0x1ff] << 8, 0xaa55);
	assert_int_equal(zp[0x210], 0xff);          /* type_of_loader */
	assert_int_equal(*(const uint32_t *)(zp + 0x238), 2047);   /* cmdline_size */
	assert_int_equal(*(const uint32_t *)(zp + 0x218), o.initrd_gpa);
	assert_string_equal((const char *)m.host + o.cmdline_gpa, "console=ttyS0");
	assert_int_equal(*(const uint64_t *)(zp + 0x070), BL_GPA_ACPI);   /* acpi_rsdp_addr */
	assert_memory_equal(m.host + BL_GPA_ACPI, "RSD PTR ", 8);
	/* The command line limit is vmlinux's 2047 bytes. */
	cl = malloc(2049);
	assert_non_null(cl);
	memset(cl, 'x', 2048);
	cl[2048] = 0;
	assert_int_equal(boot_linux_setup(&m, &bz, NULL, 0, &img, NULL, 0, cl, 1, 0, &o, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "2047"));
	free(cl);
	free(m.host);
}

/* A real vmlinux: recognised, loaded, set up for 2 CPUs in 256 MiB. */
static int check_file(const char *file)
{
	static const uint8_t initrd[4096];
	struct boot_linux_out o;
	struct elf_image img;
	struct nl_mem m;
	struct bzimage bz;
	struct nl_err err = { 0 };
	bool lx = false;
	int ok = 1;

	if (access(file, R_OK)) {
		printf("SKIP: %s: absent (scripts/get-kernel.sh writes it)\n", file);
		return 77;
	}
	mem_attach(&m, calloc(1, 256 * MIB), 256 * MIB);
#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (%s)\n", #c, err.msg); ok = 0; } } while (0)
	CHECK(m.host != NULL);
	CHECK(vmlinux_probe(file, &lx, &err) == 0 && lx);
	CHECK(ok && elf_load(file, &m, BL_GPA_HIMEM, &img, &err) == 0);
	CHECK(ok && vmlinux_header(&img, &bz, &err) == 0);
	CHECK(ok && boot_linux_setup(&m, &bz, NULL, 0, &img, initrd, sizeof(initrd),
				     "console=ttyS0", 2, 0, &o, &err) == 0);
	if (ok) {
		CHECK(o.entry == img.entry && o.entry >= img.lo && o.entry < img.hi);
		CHECK(o.initrd_gpa >= img.hi);
		printf("%s: %u segments at 0x%llx..0x%llx, entry 0x%llx, initrd at 0x%llx\n",
		       file, img.nsegs, (unsigned long long)img.lo, (unsigned long long)img.hi,
		       (unsigned long long)o.entry, (unsigned long long)o.initrd_gpa);
	}
#undef CHECK
	free(m.host);
	printf("%s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe),
		cmocka_unit_test(header),
		cmocka_unit_test(boot),
	};

	if (argc == 3 && !strcmp(argv[1], "--vmlinux"))
		return check_file(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
