// SPDX-License-Identifier: MIT
/*
 * One step of a program as a child process, in the current (work)
 * directory, its stdin and stdout files there. In the VM the program is
 * at its guest path; at L0 it runs from the tree it was packed from,
 * through that tree's own dynamic loader and libraries, never the host's,
 * so the reference checksum comes from the same bytes the VM runs.
 * Its stderr goes to a file there too, so that a failing step's own last
 * words ("bzip2: No space left on device") reach the document's error,
 * not only the console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l2.h"

#define LOADER "/lib64/ld-linux-x86-64.so.2"
#define STEP_ERR "step.stderr"

uint64_t l2_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int redirect(const char *path, int flags, int to)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (dup2(fd, to) < 0)
		return -1;
	close(fd);
	return 0;
}

/* The packed tree's loader: its /lib64 name is a link, absolute in
 * Debian's libc6, that must be read inside the tree, not on the host. */
static void loader_path(const char *root, char *buf, size_t n)
{
	char link[256];
	ssize_t k;

	snprintf(buf, n, "%s%s", root, LOADER);
	k = readlink(buf, link, sizeof(link) - 1);
	if (k <= 0)
		return;
	link[k] = 0;
	if (link[0] == '/')
		snprintf(buf, n, "%s%s", root, link);
	else
		snprintf(buf, n, "%s/lib64/%s", root, link);
}

/* the child: never returns */
static void child(const char *root, const char *own, const struct l2_step *s)
{
	char loader[512], prog[512], libs[1100];
	const char *argv[L2_MAX_ARGS + 8];
	int a = 0;

	if (redirect(s->in ? s->in : "/dev/null", O_RDONLY, 0) ||
	    redirect(s->out ? s->out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 1) ||
	    redirect(STEP_ERR, O_WRONLY | O_CREAT | O_TRUNC, 2)) {
		fprintf(stderr, "l2init: %s: %s\n", s->in ? s->in : s->out, strerror(errno));
		_exit(126);
	}
	if (root && s->own) {
		/* static, and meson's, not the tree's: run as it is */
		if (!own) {
			fprintf(stderr, "l2init: %s runs %s: give its path at L0 with --workload\n",
				s->name, s->argv[0]);
			_exit(127);
		}
		argv[a++] = own;
	} else if (root) {
		loader_path(root, loader, sizeof(loader));
		snprintf(prog, sizeof(prog), "%s%s", root, s->argv[0]);
		snprintf(libs, sizeof(libs), "%s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu",
			 root, root);
		argv[a++] = loader;
		argv[a++] = "--argv0";   /* the program sees the name it has in the VM */
		argv[a++] = s->argv[0];
		argv[a++] = "--library-path";
		argv[a++] = libs;
		argv[a++] = prog;
	} else {
		argv[a++] = s->argv[0];
	}
	for (int i = 1; i < L2_MAX_ARGS && s->argv[i]; i++)
		argv[a++] = s->argv[i];
	argv[a] = NULL;
	execv(argv[0], (char **)argv);
	fprintf(stderr, "l2init: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The step's stderr: copied to ours (the console, in the VM), at most 4
 * KiB of it, and its last non-empty line, cut to fit, into why. */
static void step_stderr(char *why, size_t n)
{
	char buf[4096], *last = NULL;
	ssize_t k;
	int fd = open(STEP_ERR, O_RDONLY | O_CLOEXEC);

	why[0] = 0;
	if (fd < 0)
		return;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return;
	buf[k] = 0;
	fputs(buf, stderr);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (line[strspn(line, " \t")])
			last = line;
	if (last)
		snprintf(why, n, ": %.*s", (int)(n > 3 ? n - 3 : 0), last + strspn(last, " \t"));
}

int l2_exec(const char *root, const char *own, const struct l2_step *s,
	    struct l2_step_result *r)
{
	char why[160];
	uint64_t t0 = l2_now_ns();
	pid_t pid;
	int e;

	memset(r, 0, sizeof(*r));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
		return -errno;
	}
	if (!pid)
		child(root, own, s);
	while (waitpid(pid, &r->status, 0) < 0)
		if (errno != EINTR) {
			snprintf(r->error, sizeof(r->error), "waitpid: %s", strerror(errno));
			return -errno;
		}
	r->wall_ns = l2_now_ns() - t0;
	if (WIFSIGNALED(r->status)) {
		step_stderr(why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "%s: killed by signal %d (%s)%s", s->name,
			 WTERMSIG(r->status), strsignal(WTERMSIG(r->status)), why);
		return -EINTR;
	}
	if (WEXITSTATUS(r->status)) {
		step_stderr(why, sizeof(why));
		snprintf(r->error, sizeof(r->error), "%s: %s exited with status %d%s", s->name,
			 s->argv[0], WEXITSTATUS(r->status), why);
		return -ECHILD;
	}
	e = l2_sum_file(s->sum ? s->sum : s->out, s->skip, &r->sum, &r->out_bytes);
	if (e) {
		snprintf(r->error, sizeof(r->error), "%s: reading %s: %s", s->name,
			 s->sum ? s->sum : s->out, strerror(-e));
		return e;
	}
	return 0;
}
