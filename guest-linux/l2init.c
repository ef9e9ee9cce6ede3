// SPDX-License-Identifier: MIT
/*
 * l2init: a Linux L2's /init (docs/guest-linux.md). Reads its run from
 * nl2.* words on the kernel command line, generates the input, runs the
 * program's steps, checks the output and hands one nestlab-l2/1 document
 * (docs/results.md) to nestlab one level down through the document port;
 * then ends the run with its exit status (0 ok, 1 the program failed,
 * 2 bad nl2.* words). Run at L0 as
 *   l2init --native ROOT [--workdir DIR] [--json FILE] nl2.program=... ...
 * it runs the same steps from ROOT (the tree the L2 initramfs is packed
 * from) and writes the document to FILE or stdout: the reference.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "guestdoc.h"
#include "json.h"
#include "mounts.h"
#include "l2.h"
#include "procstat.h"

#define L2_SCHEMA "nestlab-l2/1"

struct l2_run {
	struct l2_params p;
	const struct l2_prog *prog;
	const char *root;           /* NULL in the VM */
	const char *own;            /* --workload: nestlab-workload at L0 */
	const char *where;          /* "vm" or "native" */
	struct l2_plan plan;
	struct l2_step_result res[L2_MAX_STEPS];
	uint64_t first_sum[L2_MAX_STEPS], wall[L2_MAX_STEPS];
	unsigned int iters_done;
	uint64_t boot_ns, t_prep, t_work, sum, found_sum;
	struct vmstat vs0, vs1;
	char error[L2_MSG];
	bool parsed;
};

static uint64_t boottime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* 0 ok, or -errno with r->error set */
static int run(struct l2_run *r, const char *workdir)
{
	uint64_t t0;
	int e;

	if (mkdir(workdir, 0755) < 0 && errno != EEXIST) {
		snprintf(r->error, sizeof(r->error), "mkdir %s: %s", workdir, strerror(errno));
		return -errno;
	}
	if (chdir(workdir) < 0) {
		snprintf(r->error, sizeof(r->error), "chdir %s: %s", workdir, strerror(errno));
		return -errno;
	}
	procstat_vmstat(&r->vs0);
	t0 = l2_now_ns();
	e = r->prog->prepare(&r->p, &r->plan, r->error, sizeof(r->error));
	r->t_prep = l2_now_ns() - t0;
	if (e)
		return e;
	t0 = l2_now_ns();
	for (unsigned int it = 0; it < r->p.iters; it++) {
		for (unsigned int i = 0; i < r->plan.n; i++) {
			e = l2_exec(r->root, r->own, &r->plan.step[i], &r->res[i]);
			r->wall[i] += r->res[i].wall_ns;
			if (e) {
				snprintf(r->error, sizeof(r->error), "%s", r->res[i].error);
				goto out;
			}
			if (!it) {
				r->first_sum[i] = r->res[i].sum;
			} else if (r->res[i].sum != r->first_sum[i]) {
				/* the same input must give the same output every time */
				snprintf(r->error, sizeof(r->error),
					 "%s: round %u gave checksum 0x%016llx, round 1 0x%016llx",
					 r->plan.step[i].name, it + 1,
					 (unsigned long long)r->res[i].sum,
					 (unsigned long long)r->first_sum[i]);
				e = -EBADMSG;
				goto out;
			}
		}
		if (r->prog->check &&
		    (e = r->prog->check(&r->plan, &r->found_sum, r->error, sizeof(r->error))))
			goto out;
		r->iters_done++;
	}
	r->sum = 0xcbf29ce484222325ull;
	for (unsigned int i = 0; i < r->plan.n; i++)
		for (unsigned int b = 0; b < 8; b++)
			r->sum = (r->sum ^ ((r->first_sum[i] >> (8 * b)) & 0xff)) * 0x100000001b3ull;
	if (r->found_sum)
		r->sum = r->found_sum;
out:
	r->t_work = l2_now_ns() - t0;
	procstat_vmstat(&r->vs1);
	return e;
}

static char *document(const struct l2_run *r, bool ok, size_t *len)
{
	struct utsname u;
	struct json j;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	uname(&u);
	json_begin(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "schema", L2_SCHEMA);
	json_str(&j, "where", r->where);
	json_str(&j, "kernel", u.release);
	json_str(&j, "program", r->parsed ? r->p.program : NULL);
	json_obj(&j, "params");
	if (r->parsed) {
		json_u64(&j, "size", r->p.size);
		json_u64(&j, "seed", r->p.seed);
		json_u64(&j, "iters", r->p.iters);
	}
	json_end_obj(&j);
	json_bool(&j, "ok", ok);
	json_str(&j, "error", ok ? NULL : r->error);
	json_u64(&j, "input_bytes", r->plan.input_bytes);
	json_arr(&j, "steps");
	for (unsigned int i = 0; i < r->plan.n; i++) {
		const struct l2_step *s = &r->plan.step[i];

		json_obj(&j, NULL);
		json_str(&j, "name", s->name);
		json_arr(&j, "argv");
		for (unsigned int a = 0; a < L2_MAX_ARGS && s->argv[a]; a++)
			json_str(&j, NULL, s->argv[a]);
		json_end_arr(&j);
		json_u64(&j, "wall_ns", r->wall[i]);
		json_u64(&j, "output_bytes", r->res[i].out_bytes);
		json_hex(&j, "checksum", r->first_sum[i]);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_u64(&j, "iters_done", r->iters_done);
	json_str(&j, "checksum_of", r->prog ? r->prog->sum_of : NULL);
	if (ok)
		json_hex(&j, "checksum", r->sum);
	else
		json_str(&j, "checksum", NULL);
	json_obj(&j, "time");
	/* CLOCK_BOOTTIME when /init started: the kernel's boot, by its clock */
	json_u64(&j, "boot_to_init_ns", r->boot_ns);
	json_u64(&j, "prepare_ns", r->t_prep);
	json_u64(&j, "workload_ns", r->t_work);
	json_end_obj(&j);
	procstat_meminfo_json(&j, "meminfo_end");
	json_u64(&j, "page_cache_end_bytes", procstat_meminfo("Cached"));
	procstat_vmstat_delta(&j, "vmstat_delta", &r->vs0, &r->vs1);
	json_end_obj(&j);
	json_finish(&j);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The kernel command line, read once. */
static int read_cmdline(char *buf, size_t n, char *msg, size_t mn)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0) {
		snprintf(msg, mn, "/proc/cmdline: %s", strerror(errno));
		return -errno;
	}
	k = read(fd, buf, n - 1);
	close(fd);
	if (k < 0) {
		snprintf(msg, mn, "/proc/cmdline: %s", strerror(errno));
		return -EIO;
	}
	buf[k] = 0;
	return 0;
}

static int vm_main(struct l2_run *r)
{
	char line[4096], msg[L2_MSG];
	size_t len = 0;
	char *doc;
	int st = 0;

	r->where = "vm";
	if (mounts_guest(r->error, sizeof(r->error)) ||
	    read_cmdline(line, sizeof(line), r->error, sizeof(r->error))) {
		st = 1;
	} else if (l2_parse(line, &r->p, r->error, sizeof(r->error))) {
		st = 2;
	} else {
		r->parsed = true;
		r->prog = l2_prog_find(r->p.program);
		if (r->p.fail == L2_FAIL_PANIC) {
			/* init exiting makes the kernel panic: the failure the tests ask for */
			fprintf(stderr, "l2init: nl2.fail=panic: /init exits\n");
			return 1;
		}
		if (run(r, "/tmp/l2"))
			st = 1;
		else if (r->p.fail == L2_FAIL_EXIT) {
			snprintf(r->error, sizeof(r->error), "asked to fail (nl2.fail=exit)");
			st = 1;
		}
	}
	if (st)
		fprintf(stderr, "l2init: %s\n", r->error);
	doc = document(r, !st, &len);
	if (!doc)
		fprintf(stderr, "l2init: no memory for the document\n");
	else if (gdoc_send(doc, len, msg, sizeof(msg)))
		fprintf(stderr, "l2init: %s\n", msg);
	free(doc);
	sync();
	gdoc_exit((uint32_t)st);
	/* no nestlab below (another VMM): power off through ACPI */
	reboot(RB_POWER_OFF);
	return st;
}

static int usage(void)
{
	fprintf(stderr, "usage: l2init --native ROOT [--workload NESTLAB_WORKLOAD] [--workdir DIR] [--json FILE]\n"
		"              nl2.program=P nl2.size=S [nl2.seed=N] [nl2.iters=N]\n");
	return 2;
}

/* The steps write plain files into the work directory, no subfolders. */
static void remove_workdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (rmdir(dir))
		fprintf(stderr, "l2init: cannot remove %s: %s\n", dir, strerror(errno));
}

static int native_main(struct l2_run *r, int argc, char **argv)
{
	const char *workdir = NULL, *json = NULL;
	char words[4096] = "", tmpl[] = "/tmp/l2native.XXXXXX";
	bool made = false;
	char *doc;
	size_t len = 0, used = 0;
	int st;

	r->where = "native";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--native") && i + 1 < argc)
			r->root = argv[++i];
		else if (!strcmp(argv[i], "--workload") && i + 1 < argc)
			r->own = argv[++i];
		else if (!strcmp(argv[i], "--workdir") && i + 1 < argc)
			workdir = argv[++i];
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strncmp(argv[i], "nl2.", 4) && used + strlen(argv[i]) + 2 < sizeof(words))
			used += (size_t)sprintf(words + used, "%s ", argv[i]);
		else
			return usage();
	}
	if (!r->root || r->root[0] != '/') {
		fprintf(stderr, "l2init: --native needs an absolute ROOT\n");
		return 2;
	}
	if (l2_parse(words, &r->p, r->error, sizeof(r->error))) {
		fprintf(stderr, "l2init: %s\n", r->error);
		return 2;
	}
	r->parsed = true;
	r->prog = l2_prog_find(r->p.program);
	for (const char *const *f = r->prog->files; *f && !r->own; f++)
		if (!strcmp(*f, L2_WORKLOAD_PATH)) {
			fprintf(stderr, "l2init: %s runs nestlab's own %s: give it with --workload PATH "
				"(a static build, meson's guest-linux/nestlab-workload-static)\n",
				r->p.program, L2_WORKLOAD_PATH);
			return 2;
		}
	if (!workdir) {
		if (!(workdir = mkdtemp(tmpl))) {
			fprintf(stderr, "l2init: mkdtemp: %s\n", strerror(errno));
			return 1;
		}
		made = true;
	}
	st = run(r, workdir) ? 1 : 0;
	if (made)
		remove_workdir(workdir);
	if (st)
		fprintf(stderr, "l2init: %s\n", r->error);
	doc = document(r, !st, &len);
	if (!doc) {
		fprintf(stderr, "l2init: no memory for the document\n");
		return 1;
	}
	if (json) {
		FILE *f = fopen(json, "we");

		if (!f || fwrite(doc, 1, len, f) != len || fclose(f)) {
			fprintf(stderr, "l2init: %s: %s\n", json, strerror(errno));
			st = 1;
		}
	} else {
		fwrite(doc, 1, len, stdout);
	}
	free(doc);
	return st;
}

int main(int argc, char **argv)
{
	static struct l2_run r;   /* large (vmstat twice): not on the stack */

	r.boot_ns = boottime_ns();
	if (getpid() == 1)
		return vm_main(&r);
	return native_main(&r, argc, argv);
}
