// SPDX-License-Identifier: MIT
/*
 * The confined VMM (docs/security.md): once a VM is set up, and before any
 * vCPU runs guest code, nestlab installs a seccomp filter that allows only
 * the system calls the run loop, the watchdog, console input and writing
 * the result need. A guest that found a bug in nestlab's device code could
 * then reach only those, not execve, sockets, ptrace, mount, bpf or
 * io_uring. A call outside the list raises SIGSYS; the handler names it on
 * stderr and ends the process with NL_EXIT_CONFINED, since it is nestlab's
 * own defect (or a C library that changed), never the guest's.
 *
 * Plain classic BPF, no libseccomp: the program is a list of "this number
 * allowed" pairs, checked against the architecture first so that an x32
 * or i386 entry cannot alias an allowed number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nestlab.h"

/* What each allowed call is for; docs/security.md lists the same. */
static const int allowed[] = {
	SYS_ioctl,                      /* KVM_RUN and the KVM state and stats ioctls */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64,
	/* console, stdin, KVM binary stats, /proc/self/smaps, the result file */
	SYS_pwrite64, SYS_fdatasync,    /* the virtio disk's writes and flushes */
	SYS_openat, SYS_close, SYS_fstat, SYS_newfstatat, SYS_lseek, SYS_fcntl,
	SYS_fsync, SYS_rename, SYS_unlink,  /* the result: temporary file, renamed */
	SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_mremap, SYS_brk,
	/* malloc, thread stacks; madvise also drops memory a guest gave back */
	SYS_mincore,                    /* how much of it was resident */
	SYS_futex, SYS_set_robust_list, SYS_rseq, SYS_sched_yield,
	SYS_sched_getaffinity,          /* pthreads: locks, condition variables, start-up */
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
	SYS_tgkill, SYS_gettid, SYS_getpid, /* the watchdog's kick out of KVM_RUN */
	SYS_clock_gettime, SYS_clock_nanosleep, SYS_nanosleep, SYS_restart_syscall,
	SYS_poll, SYS_ppoll, SYS_pipe, SYS_pipe2, /* console input and its stop pipe */
	SYS_getrandom,                  /* malloc's first use in a new thread */
	SYS_uname, SYS_sysinfo,         /* host facts the document records */
	SYS_exit, SYS_exit_group,
};

/* clone only for threads; clone3's flags sit in memory BPF cannot read, so
 * it gets ENOSYS and the C library falls back to clone. */
#define CLONE_ALLOWED_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			     CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
			     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))
#define PROG_MAX (16 + 2 * NALLOWED)

static const char *const names[] = {
#include "syscall_names.h"
};

static void put_str(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void put_uint(char *buf, size_t *n, size_t cap, unsigned long v)
{
	char d[24];
	int i = 0;

	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10) && i < (int)sizeof(d));
	while (i && *n < cap)
		buf[(*n)++] = d[--i];
}

/* Async-signal-safe: no stdio, one write, _exit. */
static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	char buf[256];
	size_t n = 0;
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	put_str(buf, &n, sizeof(buf), "nestlab: seccomp: system call ");
	put_uint(buf, &n, sizeof(buf), (unsigned long)(nr < 0 ? 0 : nr));
	put_str(buf, &n, sizeof(buf), " (");
	put_str(buf, &n, sizeof(buf),
		nr >= 0 && (size_t)nr < sizeof(names) / sizeof(names[0]) && names[nr] ?
		names[nr] : "unknown");
	put_str(buf, &n, sizeof(buf),
		") is outside nestlab's filter: a nestlab defect; --no-seccomp runs without it (docs/security.md)\n");
	if (write(2, buf, n) < 0) {
		/* nothing left to tell it with */
	}
	_exit(NL_EXIT_CONFINED);
}

int confine_mode(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	p = strstr(buf, "\nSeccomp:");
	return p ? atoi(p + 9) : -ENOENT;
}

const char *confine_syscall_name(int nr)
{
	if (nr < 0 || (size_t)nr >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[nr];
}

size_t confine_build(struct sock_filter *p, size_t max)
{
	size_t n = 0;

#define EMIT(code, k, jt, jf)                                                  \
	do {                                                                   \
		if (n < max)                                                   \
			p[n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);  \
		n++;                                                           \
	} while (0)
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	/* x32 calls carry bit 30 and share numbers with the allowed ones */
	EMIT(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
	for (size_t i = 0; i < NALLOWED; i++) {
		EMIT(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allowed[i], 0, 1);
		EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	}
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
	/* clone: a thread (CLONE_THREAD set) and no flag outside the set
	 * pthread_create uses; the low 32 bits of the first argument */
	EMIT(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	EMIT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]), 0, 0);
	EMIT(BPF_JMP | BPF_JSET | BPF_K, (uint32_t)~CLONE_ALLOWED_FLAGS, 2, 0);
	EMIT(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1);
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	/* everything else, and a clone that is not a thread */
	EMIT(BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
#undef EMIT
	return n;
}

int confine_install(struct nl_err *err)
{
	struct sock_filter prog[PROG_MAX];
	struct sock_fprog fp;
	struct sigaction sa;
	size_t n = confine_build(prog, PROG_MAX);

	if (n > PROG_MAX) {
		nl_seterr(err, "seccomp: filter of %zu instructions does not fit", n);
		return -E2BIG;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		nl_seterr(err, "seccomp: SIGSYS handler: %s", strerror(errno));
		return -errno;
	}
	fp.len = (unsigned short)n;
	fp.filter = prog;
	/* no_new_privs: required to filter without CAP_SYS_ADMIN, and right
	 * for a VMM that never needs to gain privileges again */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) < 0) {
		nl_seterr(err, "seccomp: cannot install the filter: %s (--no-seccomp runs without it)",
			  strerror(errno));
		return -errno;
	}
	return 0;
}
