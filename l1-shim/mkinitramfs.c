/*
 * nestlab-mkinitramfs: writes a reproducible cpio newc archive for Linux's
 * initramfs; meson uses it to pack L1's (docs/initramfs.md).
 *
 *   nestlab-mkinitramfs -o OUT [--file DEST=SRC[:MODE]]... [--dir DEST]...
 *                       [--modules KDIR NAME[,NAME...]]
 *
 * Exit status: 0; 2 for anything wrong with the arguments or inputs
 * (nothing is written); 1 for an I/O error while writing. OUT is written
 * under a temporary name beside it and renamed, so it is either the whole
 * new archive or untouched.
 */
#include "cpio.h"
#include "moddep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG "nestlab-mkinitramfs"
#define EXIT_INPUT 2
#define EXIT_IO 1

static const char usage_text[] =
	"usage: " PROG " -o OUT [--file DEST=SRC[:MODE]]... [--dir DEST]...\n"
	"                           [--modules KDIR NAME[,NAME...] | --l1-modules KDIR]\n"
	"Writes a cpio newc archive (a Linux initramfs) to OUT, reproducibly.\n"
	"  --file DEST=SRC[:MODE]  the file SRC as DEST (absolute); MODE in octal,\n"
	"                          default 0755 if SRC is executable, else 0644\n"
	"  --dir DEST              an empty directory (parents of files are added\n"
	"                          without asking)\n"
	"  --modules KDIR NAMES    the modules NAMES (kvm-amd or kvm_amd) and all they\n"
	"                          need, after KDIR/modules.dep, from KDIR/modules/*.ko,\n"
	"                          as /lib/modules/*.ko with /lib/modules/modules.dep\n"
	"                          and /lib/modules/version (KDIR/version)\n"
	"  --l1-modules KDIR       --modules KDIR " MODDEP_L1_MODULES ": what L1 loads\n"
	"                          (lib/moddep.h)\n"
	"mtime of every entry: $SOURCE_DATE_EPOCH, or 0. Exit status 2: bad\n"
	"arguments or inputs; 1: I/O error writing OUT.\n";

__attribute__((format(printf, 1, 2), noreturn))
static void fail_input(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_INPUT);
}

/* "DEST=SRC[:MODE]": MODE is the part after the last ':' when it is 1 to
 * 4 octal digits (so a SRC ending in ":755" needs an explicit ":0644"). */
static void add_file_arg(struct cpio_archive *a, char *arg)
{
	char *eq = strchr(arg, '=');
	char *colon, *src;
	int mode = -1;

	if (!eq || eq == arg || !eq[1])
		fail_input("--file '%s': expected DEST=SRC[:MODE]", arg);
	*eq = '\0';
	src = eq + 1;
	colon = strrchr(src, ':');
	if (colon && colon != src) {
		size_t len = strlen(colon + 1);

		if (len >= 1 && len <= 4 &&
		    strspn(colon + 1, "01234567") == len) {
			mode = (int)strtol(colon + 1, NULL, 8);
			*colon = '\0';
		}
	}
	if (cpio_add_file(a, arg, src, mode) < 0)
		fail_input("%s", a->err);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static const char *const compressed[] = { ".xz", ".zst", ".gz" };

/* KDIR/modules/NAME.ko for each module of order[], then modules.dep and
 * version in /lib/modules. */
static void add_modules(struct cpio_archive *a, const char *kdir, char *names)
{
	struct moddep d;
	const char **want = NULL;
	size_t nwant = 0, *order, norder;
	char dep[4096], path[4096], dest[4096], *text;
	size_t len;

	moddep_init(&d);
	snprintf(dep, sizeof(dep), "%s/modules.dep", kdir);
	if (moddep_load(&d, dep) < 0)
		fail_input("%s", d.err);
	for (char *tok = strtok(names, ","); tok; tok = strtok(NULL, ",")) {
		want = realloc(want, (nwant + 1) * sizeof(*want));
		if (!want)
			fail_input("out of memory");
		want[nwant++] = tok;
	}
	if (nwant == 0)
		fail_input("--modules %s: no module names", kdir);
	if (moddep_resolve(&d, want, nwant, &order, &norder) < 0)
		fail_input("%s: %s", dep, d.err);
	for (size_t i = 0; i < norder; i++) {
		const char *file = d.m[order[i]].file;
		const char *base = moddep_basename(file);

		for (size_t c = 0; c < sizeof(compressed) / sizeof(*compressed); c++)
			if (has_suffix(base, compressed[c]))
				fail_input("%s: module %s is compressed; modules are packed as they are and "
					   "must be plain .ko (scripts/get-kernel.sh decompresses them)",
					   dep, file);
		if (!has_suffix(base, ".ko"))
			fail_input("%s: module file %s does not end in .ko", dep, file);
		snprintf(path, sizeof(path), "%s/modules/%s", kdir, base);
		if (!exists(path))
			for (size_t c = 0; c < sizeof(compressed) / sizeof(*compressed); c++) {
				char zpath[4200];

				snprintf(zpath, sizeof(zpath), "%s%s", path, compressed[c]);
				if (exists(zpath))
					fail_input("%s is missing, only %s exists: compressed modules are not "
						   "supported, decompress it (scripts/get-kernel.sh does)",
						   path, zpath);
			}
		snprintf(dest, sizeof(dest), "/lib/modules/%s", base);
		if (cpio_add_file(a, dest, path, 0644) < 0)
			fail_input("module %s: %s", d.m[order[i]].name, a->err);
	}
	if (moddep_format(&d, order, norder, &text, &len) < 0)
		fail_input("out of memory");
	if (cpio_add_data(a, "/lib/modules/modules.dep", text, len, 0644) < 0)
		fail_input("%s", a->err);
	free(text);
	snprintf(path, sizeof(path), "%s/version", kdir);
	if (exists(path) && cpio_add_file(a, "/lib/modules/version", path, 0644) < 0)
		fail_input("%s", a->err);
	free(order);
	free(want);
	moddep_free(&d);
}

/* Writes a to OUT through OUT.tmp.XXXXXX and a rename. */
static int write_out(struct cpio_archive *a, const char *out)
{
	size_t len = strlen(out) + sizeof(".tmp.XXXXXX");
	char *tmp = malloc(len);
	int fd, r;

	if (!tmp) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_IO;
	}
	snprintf(tmp, len, "%s.tmp.XXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, PROG ": creating %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return EXIT_IO;
	}
	r = cpio_write(a, fd);
	if (r < 0) {
		fprintf(stderr, PROG ": %s: %s\n", out, a->err);
	} else if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = -errno;
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
	}
	if (close(fd) < 0 && r == 0) {
		r = -errno;
		fprintf(stderr, PROG ": closing %s: %s\n", tmp, strerror(errno));
	}
	if (r == 0 && rename(tmp, out) < 0) {
		r = -errno;
		fprintf(stderr, PROG ": renaming %s to %s: %s\n", tmp, out,
			strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r < 0 ? EXIT_IO : 0;
}

int main(int argc, char **argv)
{
	struct cpio_archive a;
	const char *out = NULL, *kdir = NULL, *sde = getenv("SOURCE_DATE_EPOCH");
	char *mods = NULL, l1_mods[] = MODDEP_L1_MODULES;
	uint32_t mtime;
	int r;

	if (cpio_epoch_parse(sde, &mtime) < 0)
		fail_input("SOURCE_DATE_EPOCH='%s' is not a number of seconds "
			   "in 0..4294967295", sde);
	cpio_init(&a, mtime);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int left = argc - i - 1;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(o, "-o") && left >= 1) {
			if (out)
				fail_input("-o given twice");
			out = argv[++i];
		} else if (!strcmp(o, "--file") && left >= 1) {
			add_file_arg(&a, argv[++i]);
		} else if (!strcmp(o, "--dir") && left >= 1) {
			if (cpio_add_dir(&a, argv[++i]) < 0)
				fail_input("%s", a.err);
		} else if (!strcmp(o, "--modules") && left >= 2) {
			if (kdir)
				fail_input("--modules given twice (name every module in one list)");
			kdir = argv[++i];
			mods = argv[++i];
		} else if (!strcmp(o, "--l1-modules") && left >= 1) {
			if (kdir)
				fail_input("--modules given twice (name every module in one list)");
			kdir = argv[++i];
			mods = l1_mods;
		} else if (!strcmp(o, "-o") || !strcmp(o, "--file") ||
			   !strcmp(o, "--dir") || !strcmp(o, "--modules") ||
			   !strcmp(o, "--l1-modules")) {
			fail_input("%s needs %s (--help)", o,
				   strcmp(o, "--modules") ? "an argument" :
				   "two arguments: KDIR NAME[,NAME...]");
		} else {
			fail_input("unexpected argument '%s' (--help)", o);
		}
	}
	if (!out || !*out)
		fail_input("no output: -o OUT is needed (--help)");
	if (kdir)
		add_modules(&a, kdir, mods);
	if (cpio_finish(&a) < 0)
		fail_input("%s", a.err);
	r = write_out(&a, out);
	cpio_free(&a);
	return r;
}
