// SPDX-License-Identifier: MIT
/*
 * l1race: runs commands one after the other and times, for each, the
 * first output line that contains PATTERN and the exit, from the moment
 * it was started. bench/l1boot.sh uses it inside the testbed to compare
 * nestlab and QEMU booting the same L1 (time to /init, time to poweroff).
 *   usage: l1race PATTERN CMD [ARGS...] [::: CMD [ARGS...]]...
 * Prints one line per command: "l1race N first=S total=S status=N
 * maxrss_kb=K" (the command's peak resident memory, guest included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAIL_LINES 12

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(int n, const char *pat, char **argv)
{
	int fds[2], st = 0, code;
	double t0 = now(), first = -1;
	char line[4096], tail[TAIL_LINES][256];
	unsigned int nlines = 0;
	struct rusage ru;
	FILE *f;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (first < 0 && strstr(line, pat))
			first = now() - t0;
		if (strstr(line, pat) || strstr(line, "L1INIT") || strstr(line, "nestlab:"))
			fputs(line, stderr);
		snprintf(tail[nlines++ % TAIL_LINES], sizeof(tail[0]), "%.254s", line);
	}
	if (wait4(pid, &st, 0, &ru) < 0)
		memset(&ru, 0, sizeof(ru));
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("l1race %d first=%.3f total=%.3f status=%d maxrss_kb=%ld\n", n, first,
	       now() - t0, code, ru.ru_maxrss);
	fflush(stdout);
	/* A failed boot shows how it ended. */
	for (unsigned int i = nlines > TAIL_LINES ? nlines - TAIL_LINES : 0; code && i < nlines; i++)
		fprintf(stderr, "l1race %d tail: %s", n, tail[i % TAIL_LINES]);
	if (f)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0, start = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: l1race PATTERN CMD [ARGS...] [::: CMD ...]\n");
		return 2;
	}
	for (int i = 2; i <= argc; i++)
		if (i == argc || !strcmp(argv[i], ":::")) {
			argv[i == argc ? argc : i] = NULL;
			run(n++, argv[1], argv + start);
			start = i + 1;
		}
	return 0;
}
