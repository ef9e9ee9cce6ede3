/* The testbed host's /init (tests/testbed/, not part of nestlab).
 *
 * Runs as PID 1 of a Debian kernel booted by QEMU TCG (testbed.sh). It mounts
 * proc, sys, devtmpfs and a tmpfs, loads kvm-amd (nested=1, npt= as
 * /testbed/config says) after what /testbed/modules/modules.dep says it
 * needs (lib/modload.c, the loader l1-shim uses), checks
 * /dev/kvm, the CPU's svm/npt flags and kvm_amd's parameters, runs the command
 * in /testbed/argv (NUL-separated) in /work with stdout and stderr captured,
 * then sends everything back to the caller as one cpio (newc) stream on the
 * second serial port (/dev/ttyS1, a file on the caller's side):
 *   testbed/status   the command's exit status (128+N for signal N), or
 *                    "l0-error MESSAGE" when L0 could not be set up
 *   testbed/stdout, testbed/stderr, testbed/info (key=value lines)
 *   out/...          everything the command left under /out
 * and powers off. Progress lines starting "testbed:" go to the console
 * (ttyS0), where testbed.sh timestamps them.
 *
 * With "trace_exits=1" in the config (testbed.sh --trace-exits) it traces
 * L0's KVM through tracefs while the command runs (l1-shim/tracefs.c) and
 * writes the tables of every process that caused KVM events to
 * /out/l0-trace.json (docs/exit-tracing.md). With "catch_shutdown=1" it
 * keeps L0's last KVM events until a vCPU's triple fault (shutdown_arm).
 *
 * Static, libc and pthreads only (tests/testbed/meson.build builds it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cpio.h"      /* the newc stream (lib/cpio.c) */
#include "json.h"      /* the JSON writer (lib/json.c) */
#include "moddep.h"    /* the module names (lib/moddep.h) */
#include "modload.h"   /* modules in dependency order (lib/modload.c) */
#include "ktrace.h"
#include "tracefs.h"
#include "procstat.h"   /* the flag words (lib/procstat.c) */
#include "kvmhold.h"   /* the VM held for the boot (l1-shim/kvmhold.c) */

#define RUN "/tmp/.testbed"

static FILE *con;	/* /dev/console */
static FILE *info;	/* RUN/info */
static int verbose;
static double cmd_timeout;	/* seconds; 0: none */
static int timed_out;
/*
 * While the command runs, a line on the console every HEARTBEAT_S seconds:
 * testbed.sh takes no heartbeat for much longer (TESTBED_STALL) as the
 * emulated machine frozen, whatever else the console prints, and stops it
 * then, instead of at --timeout
 * (docs/testbed.md, "Known problems").
 */
#define HEARTBEAT_S 5.0

static double uptime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
	va_list ap;
	if (!con)
		return;
	fprintf(con, "testbed: ");
	va_start(ap, fmt);
	vfprintf(con, fmt, ap);
	va_end(ap);
	fprintf(con, "\n");
	fflush(con);
}

static void put_info(const char *key, const char *fmt, ...)
{
	va_list ap;
	if (!info)
		return;
	fprintf(info, "%s=", key);
	va_start(ap, fmt);
	vfprintf(info, fmt, ap);
	va_end(ap);
	fprintf(info, "\n");
	fflush(info);
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (r = read(fd, buf + n, cap - n)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* the first line of a small file, without its newline ("" if absent) */
static void read_line(const char *path, char *out, size_t size)
{
	char *s = slurp(path, NULL);
	out[0] = 0;
	if (!s)
		return;
	s[strcspn(s, "\n")] = 0;
	snprintf(out, size, "%s", s);
	free(s);
}

/* --- the result stream: cpio newc on ttyS1 (lib/cpio.c's stream) --- */

/* The stream and its first error: once the port fails, nothing more gets
 * through, so nothing more is tried. */
struct res {
	struct cpio_stream s;
	int err;
};

static void res_check(struct res *rs, int r)
{
	if (r < 0 && !rs->err) {
		rs->err = r;
		say("result port write failed: %s", strerror(-r));
	}
}

/* Each file at the size it had when opened, a shorter read made up with
 * zeros: a process the command left behind may still be writing under
 * /out, and the archive must stay consistent (so not cpio_write, which
 * refuses such a file). */
static void res_file(struct res *rs, const char *path, const char *name)
{
	struct stat st;
	char buf[65536];
	size_t left;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || rs->err) {
		if (fd >= 0)
			close(fd);
		return;
	}
	left = (size_t)st.st_size;
	res_check(rs, cpio_stream_entry(&rs->s, name, S_IFREG | (st.st_mode & 0777), (uint32_t)left));
	while (left > 0 && !rs->err) {
		size_t want = left < sizeof buf ? left : sizeof buf;
		ssize_t r = read(fd, buf, want);

		if (r <= 0) {	/* shrank: keep the archive consistent */
			memset(buf, 0, sizeof buf);
			r = (ssize_t)want;
		}
		res_check(rs, cpio_stream_data(&rs->s, buf, (size_t)r));
		left -= (size_t)r;
	}
	if (!rs->err)
		res_check(rs, cpio_stream_pad(&rs->s));
	close(fd);
}

static void res_tree(struct res *rs, const char *path, const char *name)
{
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);

	if (n < 0)
		return;
	if (!rs->err)
		res_check(rs, cpio_stream_entry(&rs->s, name, S_IFDIR | 0755, 0));
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char p[4096], nm[4096];
		struct stat st;

		if (strcmp(e, ".") && strcmp(e, "..")) {
			snprintf(p, sizeof p, "%s/%s", path, e);
			snprintf(nm, sizeof nm, "%s/%s", name, e);
			if (lstat(p, &st) == 0) {
				if (S_ISDIR(st.st_mode))
					res_tree(rs, p, nm);
				else if (S_ISREG(st.st_mode))
					res_file(rs, p, nm);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

static void send_results(void)
{
	struct res rs = { .err = 0 };
	struct termios t;
	double t0 = uptime();
	int fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		say("no result port /dev/ttyS1: %s", strerror(errno));
		return;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetospeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	say("sending results at %.3f s", t0);
	cpio_stream_init(&rs.s, fd, 0);
	res_check(&rs, cpio_stream_entry(&rs.s, "testbed", S_IFDIR | 0755, 0));
	res_file(&rs, RUN "/status", "testbed/status");
	res_file(&rs, RUN "/stdout", "testbed/stdout");
	res_file(&rs, RUN "/stderr", "testbed/stderr");
	res_file(&rs, RUN "/info", "testbed/info");
	res_tree(&rs, "/out", "out");
	if (!rs.err)
		res_check(&rs, cpio_stream_trailer(&rs.s));
	tcdrain(fd);
	close(fd);
	say("results sent in %.3f s", uptime() - t0);
}

static void set_status(const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(RUN "/status", "w");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n");
	fclose(f);
}

static void __attribute__((noreturn)) finish(void)
{
	send_results();
	say("power off at %.3f s", uptime());
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void __attribute__((noreturn, format(printf, 1, 2))) l0_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say("L0 ERROR: %s", msg);
	set_status("l0-error %s", msg);
	finish();
}

/* --- L0: modules, /dev/kvm, CPU flags --- */


/* The module loader's report, one console line per module. */
static void module_loaded(void *ctx, const char *file, const char *params)
{
	double *t0 = ctx;

	say("loaded %s %s (%.3f s)", file, params, uptime() - *t0);
	*t0 = uptime();
}

/* kvm-amd with nested=1 and the requested npt, after what it needs, in
 * lib/modload.c's order (the one l1-shim loads L1's modules in). */
/* The vendor's KVM module, its paging parameter and the CPU flags that go
 * with them: kvm-amd npt= on an AMD testbed (QEMU), kvm-intel ept= on an
 * Intel one (bochs), as /testbed/config's vendor= says. */
struct vendor {
	const char *name, *module, *sysfs, *tdp, *virt_flag, *tdp_flag;
};
static const struct vendor amd = { "amd", MODDEP_KVM_AMD, "kvm_amd", "npt", "svm", "npt" };
static const struct vendor intel = { "intel", MODDEP_KVM_INTEL, "kvm_intel", "ept", "vmx", "ept" };

static void load_kvm(const struct vendor *v, const char *tdp_req)
{
	char params[64], msg[512];
	double t0 = uptime();
	const struct modload ml = {
		.dir = "/testbed/modules", .loaded = module_loaded, .ctx = &t0,
	};

	if (tdp_req)
		snprintf(params, sizeof params, "nested=1 %s=%s", v->tdp, tdp_req);
	else
		snprintf(params, sizeof params, "nested=1");
	if (modload(&ml, v->module, params, msg, sizeof msg) < 0)
		l0_error("%s", msg);
}

static const char *yn01(const char *b)
{
	return !strcmp(b, "Y") || !strcmp(b, "1") ? "1" : !strcmp(b, "N") || !strcmp(b, "0") ? "0" : b;
}

static void setup_l0(char *config)
{
	char buf[256], key[64], *flags, *cpuinfo, *line, *save = NULL;
	const char *tdp_req = NULL;
	const struct vendor *v = &amd;
	int kvm, api;

	for (line = strtok_r(config, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "npt=", 4))
			tdp_req = line + 4;
		else if (!strcmp(line, "vendor=intel"))
			v = &intel;
	}
	put_info("vendor", "%s", v->name);
	load_kvm(v, tdp_req);

	cpuinfo = slurp("/proc/cpuinfo", NULL);
	flags = cpuinfo ? strstr(cpuinfo, "\nflags") : NULL;
	if (flags)
		flags[strcspn(flags + 1, "\n") + 1] = 0;
	put_info("cpu_svm", "%d", flags ? procstat_has_word(flags, "svm") : 0);
	put_info("cpu_npt", "%d", flags ? procstat_has_word(flags, "npt") : 0);
	put_info("cpu_vmx", "%d", flags ? procstat_has_word(flags, "vmx") : 0);
	put_info("cpu_ept", "%d", flags ? procstat_has_word(flags, "ept") : 0);
	if (!flags || !procstat_has_word(flags, v->virt_flag))
		l0_error("the CPU reports no %s flag in /proc/cpuinfo", v->virt_flag);
	if (tdp_req && !strcmp(tdp_req, "1") && !procstat_has_word(flags, v->tdp_flag))
		l0_error("%s=1 requested but the CPU reports no %s flag", v->tdp, v->tdp_flag);
	free(cpuinfo);

	snprintf(key, sizeof key, "/sys/module/%s/parameters/nested", v->sysfs);
	read_line(key, buf, sizeof buf);
	snprintf(key, sizeof key, "%s_nested", v->sysfs);
	put_info(key, "%s", buf);
	if (strcmp(buf, "1") && strcmp(buf, "Y"))
		l0_error("%s parameter nested reads '%s', not 1", v->sysfs, buf);
	snprintf(key, sizeof key, "/sys/module/%s/parameters/%s", v->sysfs, v->tdp);
	read_line(key, buf, sizeof buf);
	snprintf(key, sizeof key, "%s_%s", v->sysfs, v->tdp);
	put_info(key, "%s", yn01(buf));
	if (tdp_req && strcmp(tdp_req, yn01(buf)))
		l0_error("%s parameter %s reads '%s', requested %s", v->sysfs, v->tdp, buf, tdp_req);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		l0_error("cannot open /dev/kvm: %s", strerror(errno));
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	close(kvm);
	put_info("kvm_api_version", "%d", api);
	if (api != KVM_API_VERSION)
		l0_error("KVM_GET_API_VERSION is %d, not %d", api, KVM_API_VERSION);
}

/* --- exit tracing at L0 (--trace-exits) --- */

static struct ktrace *ktr;
static char ktr_err[256];

static void trace_start(void)
{
	double t0 = uptime();

	if (kt_start(&ktr, ktr_err, sizeof(ktr_err)) < 0) {
		say("exit tracing failed: %s", ktr_err);
		put_info("trace_error", "%s", ktr_err);
		ktr = NULL;
		return;
	}
	say("exit tracing on (%.3f s)", uptime() - t0);
}

/* Stops tracing and writes /out/l0-trace.json: kt_json_all's object, or
 * {"error": ..., "processes": []} when tracing could not start. */
static void trace_finish(void)
{
	const char *path = "/out/l0-trace.json";
	struct json j;
	FILE *f;
	int r = 0;

	if (ktr) {
		r = kt_stop(ktr);
		if (r < 0)
			say("exit tracing: %s", strerror(-r));
	}
	f = fopen(path, "w");
	if (!f) {
		say("cannot write %s: %s", path, strerror(errno));
		return;
	}
	json_begin(&j, f);
	if (ktr) {
		kt_json_all(ktr, &j, NULL);
	} else {
		json_obj(&j, NULL);
		json_str(&j, "error", ktr_err[0] ? ktr_err : "exit tracing did not start");
		json_arr(&j, "processes");
		json_end_arr(&j);
		json_end_obj(&j);
	}
	json_finish(&j);
	if (fclose(f))
		say("cannot write %s: %s", path, strerror(errno));
	if (ktr) {
		put_info("trace_lost_events", "%llu", (unsigned long long)kt_lost(ktr));
		say("exit tracing off: %s, %llu lost events", path,
		    (unsigned long long)kt_lost(ktr));
		kt_free(ktr);
		ktr = NULL;
	}
}

/* --- catching a guest's triple fault before KVM resets it --- */

/* With "catch_shutdown=1" (testbed.sh --catch-shutdown) L0's KVM events go
 * to tracefs's ring buffer, which keeps the last of them, and a trigger
 * stops the buffer at the first shutdown exit (a vCPU's triple fault:
 * SVM exit code 0x7f, VMX basic reason 2). KVM resets the vCPU before the
 * VMM hears of it, so this is where the faulting vCPU's rip, its last
 * injected exceptions and page faults survive. A command may read the
 * buffer and re-arm it (tracing_on 1) between runs (bench/flakes_inner.sh);
 * what is stopped at the end goes to /out/l0-shutdown.trace. */
#define TRACEFS "/sys/kernel/tracing"
static const char *const shutdown_events[] = {
	"kvm_exit", "kvm_entry", "kvm_inj_exception", "kvm_page_fault", "kvm_inj_virq",
	"kvm_nested_vmexit", "kvm_nested_vmexit_inject", "kvm_nested_vmrun",
	"kvm_nested_vmenter", "kvm_nested_intr_vmexit", "kvm_cr", "kvm_msr",
};

static int tr_write(const char *file, const char *v)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof path, TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void shutdown_arm(int vmx)
{
	char file[128], trig[64];
	int n = 0, r;

	mount("tracefs", TRACEFS, "tracefs", 0, NULL);  /* EBUSY: already there */
	tr_write("tracing_on", "0");
	tr_write("trace", "");
	tr_write("buffer_size_kb", "2048");              /* per CPU: the last ~30,000 events */
	for (size_t i = 0; i < sizeof shutdown_events / sizeof shutdown_events[0]; i++) {
		snprintf(file, sizeof file, "events/kvm/%s/enable", shutdown_events[i]);
		n += tr_write(file, "1") == 0;                /* not every kernel has every one */
	}
	snprintf(trig, sizeof trig, "traceoff if exit_reason == %d", vmx ? 2 : 0x7f);
	r = tr_write("events/kvm/kvm_exit/trigger", trig);
	if (r < 0 || !n) {
		put_info("catch_shutdown", "failed: %s", r < 0 ? strerror(-r) : "no KVM events");
		say("shutdown catcher failed: %s", r < 0 ? strerror(-r) : "no KVM events");
		return;
	}
	tr_write("tracing_on", "1");
	put_info("catch_shutdown", "armed: %d KVM events, %s", n, trig);
	say("shutdown catcher armed: %d KVM events, %s", n, trig);
}

static void shutdown_collect(void)
{
	char on[8] = "";
	char buf[65536];
	ssize_t r;
	int in, out;

	read_line(TRACEFS "/tracing_on", on, sizeof on);
	put_info("shutdown_caught", "%d", !strcmp(on, "0"));
	if (strcmp(on, "0"))
		return;
	in = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	out = open("/out/l0-shutdown.trace", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (in >= 0 && out >= 0 && (r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	say("a shutdown exit stopped L0's trace: /out/l0-shutdown.trace");
}

/* --- the command --- */

static int run_command(void)
{
	size_t len, n = 0;
	char *args = slurp("/testbed/argv", &len), **argv;
	int out[2], err[2], st;
	FILE *fo, *fe;
	pid_t pid;

	if (!args || !len) {
		set_status("l0-error no command in /testbed/argv");
		return -1;
	}
	argv = calloc(len + 1, sizeof *argv);
	for (size_t i = 0; i < len; i += strlen(args + i) + 1)
		argv[n++] = args + i;
	argv[n] = NULL;

	fo = fopen(RUN "/stdout", "w");
	fe = fopen(RUN "/stderr", "w");
	if (!fo || !fe || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		set_status("l0-error cannot set up output capture: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (chdir("/work"))
			_exit(126);
		setenv("PATH", "/testbed:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
		setenv("HOME", "/work", 1);
		setenv("TERM", "dumb", 1);
		setenv("TESTBED", "1", 1);
		execvp(argv[0], argv);
		fprintf(stderr, "testbed: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		set_status("l0-error fork: %s", strerror(errno));
		return -1;
	}

	struct pollfd pf[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	FILE *dst[2] = { fo, fe };
	int open_fds = 2, wait_ms;
	double deadline = cmd_timeout > 0 ? uptime() + cmd_timeout : 0;
	double beat = uptime() + HEARTBEAT_S;
	while (open_fds > 0) {
		int r;
		double now = uptime(), next = beat;
		if (deadline > 0 && !timed_out && deadline < next)
			next = deadline;
		wait_ms = next > now ? (int)((next - now) * 1000) + 1 : 0;
		r = poll(pf, 2, wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (uptime() >= beat) {
			say("alive at %.0f s", uptime());
			beat = uptime() + HEARTBEAT_S;
		}
		if (deadline > 0 && !timed_out && uptime() >= deadline) {
			say("command timed out after %.0f s: killing it", cmd_timeout);
			timed_out = 1;
			kill(pid, SIGKILL);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			char buf[4096];
			ssize_t r;
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			r = read(pf[i].fd, buf, sizeof buf);
			if (r <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			fwrite(buf, 1, r, dst[i]);
			if (verbose && con) {
				fwrite(buf, 1, r, con);
				fflush(con);
			}
		}
	}
	fclose(fo);
	fclose(fe);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* A VM with one vCPU held for the whole boot (testbed.sh --kvm-hold), so
 * L0's KVM flips its static keys once here, before the command, and not
 * on each of the command's VMs (why: l1-shim/kvmhold.c). Never closed:
 * the machine powers off with it. */
static void kvm_hold(void)
{
	int fd[3];
	char msg[160];

	if (kvm_hold_open(fd, msg, sizeof(msg)) < 0) {
		put_info("kvm_hold", "failed: %s", msg);
		say("%s", msg);
		return;
	}
	put_info("kvm_hold", "vm and vcpu 0");
	say("kvm hold: a VM and its vCPU 0 held for the boot");
}

int main(void)
{
	char *config;
	double t_init, t_kvm, t_cmd;
	int status, trace_exits, hold, catch_sd;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mkdir("/out", 0755);
	mkdir(RUN, 0700);
	con = fopen("/dev/console", "w");
	t_init = uptime();
	say("init at %.3f s", t_init);

	info = fopen(RUN "/info", "w");
	{
		char rel[256];
		read_line("/proc/sys/kernel/osrelease", rel, sizeof rel);
		put_info("kernel", "%s", rel);
	}
	put_info("t_init", "%.3f", t_init);
	config = slurp("/testbed/config", NULL);
	if (!config)
		l0_error("no /testbed/config in the initramfs");
	verbose = strstr(config, "\nverbose=1") != NULL || !strncmp(config, "verbose=1", 9);
	trace_exits = strstr(config, "\ntrace_exits=1") != NULL ||
		      !strncmp(config, "trace_exits=1", 13);
	{
		char *t = strstr(config, "cmd_timeout=");
		if (t)
			cmd_timeout = atof(t + 12);
	}

	/* read before setup_l0(), whose strtok_r() cuts the config up */
	hold = strstr(config, "\nkvm_hold=1") != NULL || !strncmp(config, "kvm_hold=1", 10);
	catch_sd = strstr(config, "\ncatch_shutdown=1") != NULL;
	setup_l0(config);
	if (hold)
		kvm_hold();
	t_kvm = uptime();
	put_info("t_kvm_ready", "%.3f", t_kvm);
	say("kvm ready at %.3f s", t_kvm);
	put_info("trace_exits", "%d", trace_exits);
	if (trace_exits)
		trace_start();
	if (catch_sd)
		shutdown_arm(!access("/sys/module/kvm_intel", F_OK));

	say("command start at %.3f s", t_cmd = uptime());
	status = run_command();
	if (status >= 0) {
		double t_end = uptime();
		put_info("t_command", "%.3f", t_end - t_cmd);
		say("command done at %.3f s, status %d", t_end, status);
		if (timed_out)
			set_status("timeout %.0f", cmd_timeout);
		else
			set_status("%d", status);
	}
	if (trace_exits)
		trace_finish();
	if (catch_sd)
		shutdown_collect();
	fclose(info);
	info = NULL;
	finish();
}
