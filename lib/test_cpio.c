/*
 * test_cpio.c: unit tests of the newc writer (cpio.h). Archives are
 * written to a temporary file and read back byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"

/* ---- helpers ---- */

struct buf {
	char *p;
	size_t len;
};

/* Writes a to a temporary file and returns its bytes. */
static struct buf write_archive(struct cpio_archive *a)
{
	FILE *f = tmpfile();
	struct buf b = { 0 };
	long len;

	assert_non_null(f);
	assert_int_equal(cpio_write(a, fileno(f)), 0);
	len = lseek(fileno(f), 0, SEEK_END);
	assert_true(len > 0);
	b.len = (size_t)len;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	assert_int_equal(pread(fileno(f), b.p, b.len, 0), (ssize_t)b.len);
	fclose(f);
	return b;
}

struct ent {
	struct cpio_hdr h;
	const char *name;	/* in the buffer */
	const char *data;
	size_t next;		/* offset of the next header */
};

/* Parses the entry at off, checking the padding is there and zero. */
static struct ent parse_at(const struct buf *b, size_t off)
{
	struct ent e;
	size_t nend, dend;

	assert_true(off % 4 == 0);
	assert_true(off + CPIO_HDR_LEN <= b->len);
	assert_int_equal(cpio_hdr_parse(b->p + off, &e.h), 0);
	e.name = b->p + off + CPIO_HDR_LEN;
	nend = off + CPIO_HDR_LEN + e.h.namesize;
	assert_true(nend <= b->len);
	assert_int_equal(e.name[e.h.namesize - 1], '\0');
	assert_int_equal(strlen(e.name) + 1, e.h.namesize);
	for (size_t i = nend; i < nend + cpio_pad4(nend); i++)
		assert_int_equal(b->p[i], 0);
	nend += cpio_pad4(nend);
	e.data = b->p + nend;
	dend = nend + e.h.filesize;
	assert_true(dend <= b->len);
	for (size_t i = dend; i < dend + cpio_pad4(dend); i++)
		assert_int_equal(b->p[i], 0);
	e.next = dend + cpio_pad4(dend);
	return e;
}

/* The names in archive order up to the trailer, as "a b c". */
static void names_of(const struct buf *b, char *out, size_t outlen)
{
	size_t off = 0, o = 0;

	out[0] = '\0';
	for (;;) {
		struct ent e = parse_at(b, off);

		if (strcmp(e.name, CPIO_TRAILER) == 0) {
			assert_int_equal(e.next, b->len);
			return;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "",
				      e.name);
		assert_true(o < outlen);
		off = e.next;
	}
}

static char *tmpfile_with(const char *content, mode_t mode)
{
	char *path = strdup("/tmp/test_cpio.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* ---- headers ---- */

/* Every field of one known header, at its offset, in upper-case hex. */
static void test_hdr_fields(void **state)
{
	const struct cpio_hdr h = {
		.ino = 0x12, .mode = 0100644, .uid = 0, .gid = 0, .nlink = 1,
		.mtime = 0x5f5e100, .filesize = 0xabcdef, .devmajor = 3,
		.devminor = 4, .rdevmajor = 5, .rdevminor = 6, .namesize = 7,
		.check = 0,
	};
	static const char *const field[13] = {
		"00000012",	/* ino */
		"000081A4",	/* mode 0100644 */
		"00000000",	/* uid */
		"00000000",	/* gid */
		"00000001",	/* nlink */
		"05F5E100",	/* mtime */
		"00ABCDEF",	/* filesize */
		"00000003",	/* devmajor */
		"00000004",	/* devminor */
		"00000005",	/* rdevmajor */
		"00000006",	/* rdevminor */
		"00000007",	/* namesize */
		"00000000",	/* check */
	};
	char out[CPIO_HDR_LEN + 1];
	struct cpio_hdr back;

	(void)state;
	memset(out, 'x', sizeof(out));
	cpio_hdr_format(out, &h);
	assert_int_equal(out[CPIO_HDR_LEN], 'x');	/* exactly 110 bytes */
	assert_memory_equal(out, "070701", 6);
	for (int i = 0; i < 13; i++)
		assert_memory_equal(out + 6 + 8 * i, field[i], 8);
	assert_int_equal(cpio_hdr_parse(out, &back), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	out[0] = '1';
	assert_int_equal(cpio_hdr_parse(out, &back), -EINVAL);
}

/* One file entry in a written archive, every header field checked. */
static void test_file_entry(void **state)
{
	struct cpio_archive a;
	struct buf b;
	struct ent e;

	(void)state;
	cpio_init(&a, 1234);
	assert_int_equal(cpio_add_data(&a, "/hello", "hi!\n\0x", 6, 0600), 0);
	b = write_archive(&a);
	/* "070701" ino 1, mode 0100600, uid 0, gid 0, nlink 1, mtime 1234,
	 * size 6, dev 0:0, rdev 0:0, namesize 6, check 0, then "hello\0". */
	assert_memory_equal(b.p,
		"070701" "00000001" "00008180" "00000000" "00000000"
		"00000001" "000004D2" "00000006" "00000000" "00000000"
		"00000000" "00000000" "00000006" "00000000" "hello\0", 116);
	/* 116 is a multiple of 4: no name padding; data, 2 bytes of padding */
	assert_memory_equal(b.p + 116, "hi!\n\0x\0\0", 8);
	e = parse_at(&b, 124);
	assert_string_equal(e.name, CPIO_TRAILER);
	free(b.p);
	cpio_free(&a);
}

/* Name and data padding for every length mod 4, with the zero bytes. */
static void test_padding(void **state)
{
	static const char *const names[] = { "/a", "/ab", "/abc", "/abcd" };
	static const char data[] = "0123456";
	struct cpio_archive a;

	(void)state;
	for (size_t dl = 0; dl < 4; dl++) {
		struct buf b;
		size_t off = 0;

		cpio_init(&a, 0);
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(cpio_add_data(&a, names[i], data, dl + i, 0644), 0);
		b = write_archive(&a);
		assert_int_equal(b.len % 4, 0);
		for (size_t i = 0; i < 4; i++) {
			struct ent e = parse_at(&b, off);	/* checks the zeros */
			size_t nend = off + CPIO_HDR_LEN + e.h.namesize;

			assert_string_equal(e.name, names[i] + 1);
			assert_int_equal(e.h.filesize, dl + i);
			assert_int_equal(e.data - b.p, nend + cpio_pad4(nend));
			assert_memory_equal(e.data, data, dl + i);
			off = e.next;
		}
		assert_string_equal(parse_at(&b, off).name, CPIO_TRAILER);
		free(b.p);
		cpio_free(&a);
	}
}

/* The trailer: name TRAILER!!!, everything 0 but nlink 1 and namesize 11,
 * ending the archive on a 4-byte boundary; an empty archive is just it. */
static void test_trailer(void **state)
{
	struct cpio_archive a;
	struct buf b;
	struct ent e;

	(void)state;
	cpio_init(&a, 77);
	b = write_archive(&a);
	e = parse_at(&b, 0);
	assert_string_equal(e.name, "TRAILER!!!");
	assert_int_equal(e.h.namesize, 11);
	assert_int_equal(e.h.nlink, 1);
	assert_int_equal(e.h.ino, 0);
	assert_int_equal(e.h.mode, 0);
	assert_int_equal(e.h.mtime, 0);
	assert_int_equal(e.h.filesize, 0);
	assert_int_equal(b.len, 124);		/* 110 + 11, padded */
	assert_int_equal(e.next, b.len);
	free(b.p);
	cpio_free(&a);
}

/* Parents nobody named are added, as 0755 directories with nlink 2, once. */
static void test_implicit_parents(void **state)
{
	struct cpio_archive a;
	char names[256];
	struct buf b;
	size_t off = 0;

	(void)state;
	cpio_init(&a, 9);
	assert_int_equal(cpio_add_data(&a, "/x/y/z", "z", 1, 0644), 0);
	assert_int_equal(cpio_add_data(&a, "/x/y/w", "w", 1, 0644), 0);
	assert_int_equal(cpio_add_dir(&a, "/x/v"), 0);
	b = write_archive(&a);
	names_of(&b, names, sizeof(names));
	assert_string_equal(names, "x x/v x/y x/y/w x/y/z");
	for (int i = 0; i < 5; i++) {
		struct ent e = parse_at(&b, off);
		int dir = i < 3;

		assert_int_equal(e.h.ino, i + 1);	/* in archive order */
		assert_int_equal(e.h.mode, dir ? 040755 : 0100644);
		assert_int_equal(e.h.nlink, dir ? 2 : 1);
		assert_int_equal(e.h.filesize, dir ? 0 : 1);
		assert_int_equal(e.h.mtime, 9);
		assert_int_equal(e.h.uid, 0);
		assert_int_equal(e.h.gid, 0);
		off = e.next;
	}
	free(b.p);
	cpio_free(&a);
}

/* Sorted by name whatever the order given, directories before contents
 * even where '-' sorts before '/'; same bytes both ways round. */
static void test_sort_order(void **state)
{
	static const char *const dests[] = {
		"/lib/modules/kvm.ko", "/init", "/lib-x", "/bin/nestlab",
		"/lib/a", "/dev",
	};
	struct cpio_archive a, r;
	struct buf b1, b2;
	char names[512];

	(void)state;
	cpio_init(&a, 0);
	cpio_init(&r, 0);
	for (size_t i = 0; i < 6; i++) {
		const char *d = dests[i], *rd = dests[5 - i];

		assert_int_equal(!strcmp(d, "/dev") ? cpio_add_dir(&a, d) :
				 cpio_add_data(&a, d, d, strlen(d), 0644), 0);
		assert_int_equal(!strcmp(rd, "/dev") ? cpio_add_dir(&r, rd) :
				 cpio_add_data(&r, rd, rd, strlen(rd), 0644), 0);
	}
	b1 = write_archive(&a);
	b2 = write_archive(&r);
	names_of(&b1, names, sizeof(names));
	assert_string_equal(names,
		"bin bin/nestlab dev init lib lib-x lib/a lib/modules lib/modules/kvm.ko");
	assert_int_equal(b1.len, b2.len);
	assert_memory_equal(b1.p, b2.p, b1.len);
	free(b1.p);
	free(b2.p);
	cpio_free(&a);
	cpio_free(&r);
}

/* Files from disk: contents copied, mode from the execute bits or given. */
static void test_add_file(void **state)
{
	char *exe = tmpfile_with("#!/bin/sh\n", 0700);
	char *txt = tmpfile_with("text", 0600);
	struct cpio_archive a;
	struct buf b;
	struct ent e;

	(void)state;
	cpio_init(&a, 0);
	assert_int_equal(cpio_add_file(&a, "/a-exe", exe, -1), 0);
	assert_int_equal(cpio_add_file(&a, "/b-txt", txt, -1), 0);
	assert_int_equal(cpio_add_file(&a, "/c-given", txt, 04711), 0);
	b = write_archive(&a);
	e = parse_at(&b, 0);
	assert_int_equal(e.h.mode, 0100755);
	assert_int_equal(e.h.filesize, 10);
	assert_memory_equal(e.data, "#!/bin/sh\n", 10);
	e = parse_at(&b, e.next);
	assert_int_equal(e.h.mode, 0100644);
	assert_memory_equal(e.data, "text", 4);
	e = parse_at(&b, e.next);
	assert_int_equal(e.h.mode, 0104711);
	free(b.p);
	cpio_free(&a);

	cpio_init(&a, 0);
	assert_int_equal(cpio_add_file(&a, "/x", "/nonexistent/file", -1), -ENOENT);
	assert_non_null(strstr(a.err, "/nonexistent/file"));
	assert_int_equal(cpio_add_file(&a, "/x", "/tmp", -1), -EINVAL);
	assert_non_null(strstr(a.err, "not a regular file"));
	cpio_free(&a);
	unlink(exe);
	unlink(txt);
	free(exe);
	free(txt);
}

static void test_path_norm(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(cpio_path_norm("/lib//modules/./kvm.ko/", out, sizeof(out)), 0);
	assert_string_equal(out, "lib/modules/kvm.ko");
	assert_int_equal(cpio_path_norm("/init", out, sizeof(out)), 0);
	assert_string_equal(out, "init");
	assert_int_equal(cpio_path_norm("/a..b/..c", out, sizeof(out)), 0);
	assert_string_equal(out, "a..b/..c");
	assert_int_equal(cpio_path_norm("init", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("/", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("//./", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("/a/../b", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("/a/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(cpio_path_norm("/abcdefgh", out, 8), -ENAMETOOLONG);
	assert_int_equal(cpio_path_norm("/abcdefgh", out, 9), 0);
	assert_string_equal(out, "abcdefgh");
}

/* Bad DESTs through the archive API: refused with a message naming them. */
static void test_bad_dest(void **state)
{
	struct cpio_archive a;

	(void)state;
	cpio_init(&a, 0);
	assert_int_equal(cpio_add_dir(&a, "relative/dir"), -EINVAL);
	assert_non_null(strstr(a.err, "'relative/dir' is not an absolute path"));
	assert_int_equal(cpio_add_data(&a, "/lib/../etc/x", "", 0, 0644), -EINVAL);
	assert_non_null(strstr(a.err, "contains '..'"));
	assert_int_equal(cpio_add_dir(&a, "/"), -EINVAL);
	assert_int_equal(a.n, 0);

	/* the same name twice, however spelled */
	assert_int_equal(cpio_add_data(&a, "/bin/x", "1", 1, 0644), 0);
	assert_int_equal(cpio_add_data(&a, "//bin/./x", "2", 1, 0644), 0);
	assert_int_equal(cpio_finish(&a), -EEXIST);
	assert_string_equal(a.err, "DEST /bin/x given twice");
	cpio_free(&a);

	/* a file used as a directory */
	cpio_init(&a, 0);
	assert_int_equal(cpio_add_data(&a, "/bin", "1", 1, 0644), 0);
	assert_int_equal(cpio_add_data(&a, "/bin/x", "2", 1, 0644), 0);
	assert_int_equal(cpio_finish(&a), -ENOTDIR);
	assert_non_null(strstr(a.err, "/bin/x is inside /bin, which is a file"));
	cpio_free(&a);

	/* a named directory is not doubled by its implicit twin */
	cpio_init(&a, 0);
	assert_int_equal(cpio_add_data(&a, "/bin/x", "2", 1, 0644), 0);
	assert_int_equal(cpio_add_dir(&a, "/bin"), 0);
	assert_int_equal(cpio_finish(&a), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.ent[0].implicit, 0);
	cpio_free(&a);
}

static void test_epoch(void **state)
{
	uint32_t t = 5;

	(void)state;
	assert_int_equal(cpio_epoch_parse(NULL, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cpio_epoch_parse("1700000000", &t), 0);
	assert_int_equal(t, 1700000000u);
	assert_int_equal(cpio_epoch_parse("4294967295", &t), 0);
	assert_int_equal(t, 4294967295u);
	assert_int_equal(cpio_epoch_parse("4294967296", &t), -EINVAL);
	assert_int_equal(cpio_epoch_parse("-1", &t), -EINVAL);
	assert_int_equal(cpio_epoch_parse("12abc", &t), -EINVAL);
}

/* ---- the stream ---- */

/* Entries in the order given, each padded, then the trailer: what the
 * testbed's /init sends, and the same bytes cpio_write gives. */
static void test_stream(void **state)
{
	struct cpio_archive a;
	struct cpio_stream s;
	struct buf b, w;
	struct ent e;
	char names[256];
	FILE *f = tmpfile();
	long len;

	(void)state;
	assert_non_null(f);
	cpio_stream_init(&s, fileno(f), 7);
	assert_int_equal(cpio_stream_entry(&s, "d", S_IFDIR | 0755, 0), 0);
	assert_int_equal(cpio_stream_entry(&s, "d/f", S_IFREG | 0600, 3), 0);
	assert_int_equal(cpio_stream_data(&s, "abc", 3), 0);
	assert_int_equal(cpio_stream_pad(&s), 0);
	assert_int_equal(cpio_stream_trailer(&s), 0);
	len = lseek(fileno(f), 0, SEEK_END);
	assert_int_equal((size_t)len, s.off);
	b.len = (size_t)len;
	b.p = malloc(b.len);
	assert_non_null(b.p);
	assert_int_equal(pread(fileno(f), b.p, b.len, 0), (ssize_t)b.len);
	fclose(f);
	names_of(&b, names, sizeof(names));
	assert_string_equal(names, "d d/f");
	e = parse_at(&b, 0);
	assert_int_equal(e.h.ino, 1);
	assert_int_equal(e.h.nlink, 2);
	assert_int_equal(e.h.mtime, 7);
	e = parse_at(&b, e.next);
	assert_int_equal(e.h.ino, 2);
	assert_int_equal(e.h.mode, S_IFREG | 0600);
	assert_int_equal(e.h.filesize, 3);
	assert_memory_equal(e.data, "abc", 3);

	cpio_init(&a, 7);
	assert_int_equal(cpio_add_data(&a, "/d/f", "abc", 3, 0600), 0);
	w = write_archive(&a);
	assert_int_equal(w.len, b.len);
	assert_memory_equal(w.p, b.p, b.len);
	cpio_free(&a);
	free(w.p);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_fields),
		cmocka_unit_test(test_file_entry),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_implicit_parents),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_add_file),
		cmocka_unit_test(test_path_norm),
		cmocka_unit_test(test_bad_dest),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
