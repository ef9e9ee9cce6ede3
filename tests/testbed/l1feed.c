// SPDX-License-Identifier: MIT
/*
 * l1feed PATTERN TEXT CMD [ARGS...]
 *
 * Types one line into a command's stdin once the command is ready for it:
 * runs CMD with a pipe as its stdin and its stdout and stderr on one pipe,
 * copies that output to our stdout line by line, and the first time a line
 * contains PATTERN writes TEXT and a newline into CMD's stdin. Exits with
 * CMD's exit status (128+N for signal N), 125 when it cannot run CMD.
 *
 * tests/testbed/test_l1boot.sh runs nestlab under it inside the testbed
 * (which has no shell): a Linux guest's 8250 driver clears the UART's
 * FIFOs when it opens the port, so input sent too early is lost; the guest
 * says when it listens (l1init=echo) and only then is the line sent.
 *
 * Never waits forever on CMD: once CMD has exited, only the output already
 * in the pipe is copied, even if something else still holds the pipe open.
 * Static, libc only: gcc -static -O2 -Wall -Wextra -Werror -o l1feed l1feed.c
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char line[4096];
static size_t line_len;
static int fed;

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line (or a full buffer's worth) is out: pass it on, maybe answer it. */
static void flush_line(const char *pattern, const char *text, int in_fd)
{
	if (write_all(STDOUT_FILENO, line, line_len))
		perror("l1feed: write stdout");
	line[line_len] = 0;
	/* Lines may hold NULs from a console; strstr then sees a prefix, which
	 * can only miss the pattern, never send twice. */
	if (!fed && strstr(line, pattern)) {
		fed = 1;
		/* CMD may be gone already (EPIPE, SIGPIPE ignored): then its exit
		 * status tells the story, not ours. */
		if (write_all(in_fd, text, strlen(text)) || write_all(in_fd, "\n", 1))
			perror("l1feed: write to the command's stdin");
		else
			fprintf(stderr, "l1feed: sent the line after '%s'\n", pattern);
	}
	line_len = 0;
}

static void take(const char *buf, size_t n, const char *pattern, const char *text, int in_fd)
{
	for (size_t i = 0; i < n; i++) {
		line[line_len++] = buf[i];
		if (buf[i] == '\n' || line_len == sizeof(line) - 1)
			flush_line(pattern, text, in_fd);
	}
}

int main(int argc, char **argv)
{
	int in[2], out[2], st = 0, exited = 0;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: l1feed PATTERN TEXT CMD [ARGS...]\n");
		return 2;
	}
	/* A closed stdin pipe must be a write error we can report, not death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("l1feed: signal");
		return 125;
	}
	if (pipe(in) || pipe(out)) {
		perror("l1feed: pipe");
		return 125;
	}
	pid = fork();
	if (pid < 0) {
		perror("l1feed: fork");
		return 125;
	}
	if (pid == 0) {
		/* The child must not inherit our ignored SIGPIPE. */
		if (signal(SIGPIPE, SIG_DFL) == SIG_ERR || dup2(in[0], 0) < 0 ||
		    dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) {
			perror("l1feed: child setup");
			_exit(125);
		}
		/* Our ends must go, or CMD would never see EOF on its stdin. */
		if (close(in[0]) || close(in[1]) || close(out[0]) || close(out[1])) {
			perror("l1feed: child close");
			_exit(125);
		}
		execvp(argv[3], argv + 3);
		fprintf(stderr, "l1feed: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* Only the child keeps these ends: EOF on out[0] means it is done. */
	if (close(in[0]) || close(out[1])) {
		perror("l1feed: close");
		return 125;
	}

	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		char buf[4096];
		ssize_t n;
		/* After CMD's exit, poll without waiting: take what is there. */
		int r = poll(&p, 1, exited ? 0 : 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("l1feed: poll");
			break;
		}
		if (r > 0) {
			n = read(out[0], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				perror("l1feed: read");
			if (n <= 0)
				break;
			take(buf, (size_t)n, argv[1], argv[2], in[1]);
			continue;
		}
		if (exited)
			break;
		/* Quiet for a second: has CMD ended while a descendant holds
		 * the pipe? */
		r = waitpid(pid, &st, WNOHANG);
		if (r < 0) {
			perror("l1feed: waitpid");
			return 125;
		}
		exited = r == pid;
	}
	if (line_len)
		flush_line(argv[1], argv[2], in[1]);
	/* CMD's stdin ends here: EOF for it, if it still reads. */
	if (close(in[1]) || close(out[0]))
		perror("l1feed: close");
	while (!exited) {
		pid_t r = waitpid(pid, &st, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("l1feed: waitpid");
			return 125;
		}
		exited = 1;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
