// SPDX-License-Identifier: MIT
/*
 * The L2 VMs: one static nestlab process each, all started before any is
 * waited for, so they run at the same time as the paper's did. Each writes
 * its own nestlab-run/1 document; stdout (L2's console) and stderr go to
 * files so that shim.c can put their tails into the L1 document.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "l1shim.h"

#define NESTLAB "/bin/nestlab"

int l2_start(struct l2_vm *v, unsigned int timeout_s, bool ksm, bool thp_off)
{
	const struct l2_spec *s = v->spec;
	char mem[32], cpus[16], psize[32], tmo[16], cmdline[256];
	char *argv[28];
	int a = 0, fd;

	snprintf(v->json, sizeof(v->json), "/tmp/l2-%u.json", v->index);
	snprintf(v->out, sizeof(v->out), "/tmp/l2-%u.out", v->index);
	snprintf(v->err, sizeof(v->err), "/tmp/l2-%u.err", v->index);
	if (access(s->kernel, R_OK) < 0) {
		snprintf(v->error, sizeof(v->error), "L2 kernel %s: %s", s->kernel,
			 strerror(errno));
		return -ENOENT;
	}
	if (l2spec_cmdline(s, cmdline, sizeof(cmdline)) < 0) {
		snprintf(v->error, sizeof(v->error), "L2 command line too long");
		return -EINVAL;
	}
	snprintf(mem, sizeof(mem), "%lluK", (unsigned long long)(s->mem >> 10));
	snprintf(cpus, sizeof(cpus), "%u", s->cpus);
	snprintf(psize, sizeof(psize), "%lluK", (unsigned long long)(s->page_size >> 10));
	snprintf(tmo, sizeof(tmo), "%u", timeout_s);
	argv[a++] = NESTLAB;
	argv[a++] = "run";
	argv[a++] = "--kernel";
	argv[a++] = (char *)s->kernel;
	argv[a++] = "--mem";
	argv[a++] = mem;
	argv[a++] = "--cpus";
	argv[a++] = cpus;
	argv[a++] = "--cmdline";
	argv[a++] = cmdline;
	if (s->linux_guest) {
		argv[a++] = "--initrd";
		argv[a++] = L2_LINUX_INITRD;
	} else {
		argv[a++] = "--guest-paging";
		argv[a++] = s->prebuilt ? "prebuilt" : "demand";
		argv[a++] = "--guest-page-size";
		argv[a++] = psize;
	}
	if (ksm)
		argv[a++] = "--ksm";
	if (thp_off) {
		argv[a++] = "--thp";
		argv[a++] = "off";
	}
	argv[a++] = "--json";
	argv[a++] = v->json;
	if (timeout_s) {
		argv[a++] = "--timeout";
		argv[a++] = tmo;
	}
	argv[a] = NULL;

	v->t_start_ns = sys_now_ns();
	v->pid = fork();
	if (v->pid < 0) {
		snprintf(v->error, sizeof(v->error), "fork: %s", strerror(errno));
		return -errno;
	}
	if (!v->pid) {
		fd = open(v->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 1);
		fd = open(v->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		execv(NESTLAB, argv);
		dprintf(2, "l1-shim: exec %s: %s\n", NESTLAB, strerror(errno));
		_exit(127);
	}
	v->started = true;
	return 0;
}

void l2_wait_all(struct l2_vm *v, unsigned int n)
{
	unsigned int left = 0;

	for (unsigned int i = 0; i < n; i++)
		left += v[i].started && !v[i].done;
	while (left) {
		int st;
		pid_t p = wait(&st);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;          /* ECHILD: nothing left to wait for */
		}
		for (unsigned int i = 0; i < n; i++)
			if (v[i].started && !v[i].done && v[i].pid == p) {
				v[i].status = st;
				v[i].done = true;
				v[i].t_end_ns = sys_now_ns();
				left--;
			}
		/* other children (PID 1 inherits orphans) are reaped and ignored */
	}
}
