// SPDX-License-Identifier: MIT
/*
 * The seccomp filter (vmm/core/confine.c, docs/security.md), installed in
 * forked children so the test runner itself stays free: what the run loop
 * needs still works under it, from a thread too; a socket, a second
 * process or an execve ends the process with exit status 5 and a line
 * that names the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nestlab.h"

static void builds(void **state)
{
	struct sock_filter p[256];
	size_t n = confine_build(p, 256);

	(void)state;
	assert_true(n > 10 && n <= 256);
	/* the architecture is checked before any number is */
	assert_int_equal(p[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(p[0].k, 4);            /* offsetof(seccomp_data, arch) */
	assert_int_equal(p[n - 1].code, BPF_RET | BPF_K);
	/* a buffer too small is not overrun, and the size needed is said */
	assert_int_equal(confine_build(p, 3), n);
	assert_string_equal(confine_syscall_name(SYS_socket), "socket");
	assert_string_equal(confine_syscall_name(0), "read");
	assert_null(confine_syscall_name(-1));
	assert_null(confine_syscall_name(1 << 20));
	assert_int_equal(confine_mode(), 0);    /* the test runner: no filter */
}

static void *thread_allowed(void *arg)
{
	const char *dir = arg;
	char a[256], b[256];
	int fd;

	snprintf(a, sizeof(a), "%s/doc.tmp", dir);
	snprintf(b, sizeof(b), "%s/doc.json", dir);
	/* the result file's path: create, write, fsync, rename */
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "{}\n", 3) != 3 || fsync(fd) || close(fd) || rename(a, b))
		return (void *)1;
	return malloc(4096) ? NULL : (void *)2;
}

static void *thread_forbidden(void *arg)
{
	(void)arg;
	syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	return (void *)3;  /* not reached: the filter ends the process */
}

/* Runs fn in a child under the filter; returns its wait status and what it
 * wrote to stderr. */
static int in_child(int (*fn)(void), char *err, size_t errlen)
{
	int p[2], st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct nl_err e = { { 0 } };

		close(p[0]);
		dup2(p[1], 2);
		if (confine_install(&e) < 0) {
			dprintf(2, "install: %s\n", e.msg);
			_exit(90);
		}
		_exit(fn());
	}
	close(p[1]);
	while (got + 1 < errlen && (n = read(p[0], err + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static int child_allowed(void)
{
	char buf[4096], dir[256];
	pthread_t t;
	void *r;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return 10;
	buf[n] = 0;
	if (!strstr(buf, "Seccomp:\t2") || confine_mode() != 2)
		return 11;                       /* the filter is in force */
	close(fd);
	/* mkdtemp's mkdir is not on the list: made before, by the parent */
	snprintf(dir, sizeof(dir), "%s", getenv("CONFINE_DIR"));
	if (pthread_create(&t, NULL, thread_allowed, dir) || pthread_join(t, &r))
		return 12;
	return r ? 13 : 0;
}

static int child_socket(void)
{
	pthread_t t;
	void *r;

	if (pthread_create(&t, NULL, thread_forbidden, NULL) || pthread_join(t, &r))
		return 20;
	return 21;
}

static int child_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	return 30;
}

static int child_exec(void)
{
	char *argv[] = { "/bin/true", NULL };

	execv(argv[0], argv);
	return 40;
}

static void allowed_calls_work(void **state)
{
	char err[1024], dir[] = "/tmp/confine.XXXXXX", path[256];
	int st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("CONFINE_DIR", dir, 1);
	st = in_child(child_allowed, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("child: status 0x%x, stderr '%s'", st, err);
	snprintf(path, sizeof(path), "%s/doc.json", dir);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
}

static void forbidden(void **state, int (*fn)(void), const char *name)
{
	char err[1024], want[64];
	int st = in_child(fn, err, sizeof(err));

	(void)state;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != NL_EXIT_CONFINED)
		fail_msg("%s: status 0x%x, stderr '%s'", name, st, err);
	snprintf(want, sizeof(want), "(%s) is outside nestlab's filter", name);
	if (!strstr(err, want) || !strstr(err, "nestlab: seccomp: system call "))
		fail_msg("%s: stderr '%s'", name, err);
}

static void socket_from_a_thread(void **state) { forbidden(state, child_socket, "socket"); }
static void a_second_process(void **state) { forbidden(state, child_fork, "clone"); }
static void exec(void **state) { forbidden(state, child_exec, "execve"); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builds),
		cmocka_unit_test(allowed_calls_work),
		cmocka_unit_test(socket_from_a_thread),
		cmocka_unit_test(a_second_process),
		cmocka_unit_test(exec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
