// SPDX-License-Identifier: MIT
/*
 * l1-shim: PID 1 of the L1 Linux of a nested run (docs/nested.md). It
 * reads the run from L1's command line (docs/abi.md, "L1 command line"),
 * loads KVM with the run's L1->L2 paging mode, optionally sets up zram
 * swap, starts every L2 at once with the static nestlab, and sends L0 one
 * document (schema nestlab-l1/1, docs/results.md) with every L2's result
 * and L1's own counters. Whatever fails, the document is still sent, with
 * the results of the L2s that finished: nothing is lost to an early exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "l1keys.h"
#include "l1shim.h"
#include "moddep.h"
#include "ktrace.h"
#include "kvmhold.h"
#include "tracefs.h"
#include "mounts.h"

#define MAX_ERRORS 16
#define TAIL 2048
#define L2_DOC_MAX (8u << 20)

struct shim {
	bool shadow, trace;
	uint64_t swap;
	unsigned int l2_timeout;
	char l2_text[2048];
	unsigned int nspecs, nvm;
	struct l2_spec spec[L2_MAX];
	struct l2_vm vm[L2_MAX];
	struct sys_cpu cpu;
	char kvm_mod[16], kvm_params[64], tdp_param[8], nested_param[8];
	bool kvm_loaded, dev_kvm, swap_on;
	unsigned int ksm_pages;          /* asked: pages_to_scan, 0 = off */
	char thp[16];                    /* asked: always|madvise|never|keep */
	char thp_mode[16];               /* in effect, read back */
	char ksm_run[16], ksm_scan[16], ksm_sharing[24], ksm_shared[24];
	bool zswap;                      /* asked: zswap on */
	bool swap_disk;                  /* asked: swap on the virtio disk, not zram */
	char swap_dev[64];               /* in effect: /proc/swaps' first device */
	bool kvm_hold;                   /* asked: a VM held from before the L2s */
	int hold_fd[3];                  /* /dev/kvm, the VM, its vCPU */
	char hold_state[SHIM_MSG];       /* "vm and vcpu 0", or why not */
	char zswap_enabled[8], zswap_comp[32], zswap_zpool[32], zswap_pool_pct[8]; /* read back */
	char errors[MAX_ERRORS][SHIM_MSG];
	unsigned int nerr;
	struct vmstat vs0, vs1;
	uint64_t mem_total, mem_avail0, mem_avail1, swap_total, swap_free1;
	uint64_t l2_mem_sum;
	uint64_t t0, t1;
	struct ktrace *kt;
	char kt_error[SHIM_MSG];
};

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("l1-shim: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void fail(struct shim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nerr == MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(s->errors[s->nerr], SHIM_MSG, fmt, ap);
	va_end(ap);
	say("error: %s", s->errors[s->nerr]);
	s->nerr++;
}

/* The value of word t if it starts with key (lib/l1keys.h), else NULL. */
static const char *key_value(const char *t, const char *key, size_t keylen)
{
	return strncmp(t, key, keylen) ? NULL : t + keylen;
}
#define KEY_VALUE(t, key) key_value(t, key, L1KEY_LEN(key))

/* nl.* parameters of L1's command line (written by nestlab's nested.c;
 * the keys: lib/l1keys.h) */
static int parse_cmdline(struct shim *s)
{
	static char line[4096];
	char *save = NULL, msg[200];
	bool have_paging = false;

	if (sys_read("/proc/cmdline", line, sizeof(line)) < 0) {
		fail(s, "cannot read /proc/cmdline");
		return -EIO;
	}
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		const char *v;

		if ((v = KEY_VALUE(t, L1KEY_PAGING))) {
			have_paging = true;
			if (!strcmp(v, "shadow"))
				s->shadow = true;
			else if (strcmp(v, "nested"))
				have_paging = false;
		} else if ((v = KEY_VALUE(t, L1KEY_SWAP))) {
			s->swap = strtoull(v, NULL, 10);
		} else if ((v = KEY_VALUE(t, L1KEY_TRACE))) {
			s->trace = v[0] == '1';
		} else if ((v = KEY_VALUE(t, L1KEY_L2TIMEOUT))) {
			s->l2_timeout = (unsigned int)strtoul(v, NULL, 10);
		} else if ((v = KEY_VALUE(t, L1KEY_KSM))) {
			s->ksm_pages = (unsigned int)strtoul(v, NULL, 10);
		} else if ((v = KEY_VALUE(t, L1KEY_THP))) {
			snprintf(s->thp, sizeof(s->thp), "%s", v);
		} else if ((v = KEY_VALUE(t, L1KEY_ZSWAP))) {
			s->zswap = v[0] == '1';
		} else if ((v = KEY_VALUE(t, L1KEY_SWAPDEV))) {
			s->swap_disk = !strcmp(v, "disk");
		} else if ((v = KEY_VALUE(t, L1KEY_KVMHOLD))) {
			s->kvm_hold = v[0] == '1';
		} else if ((v = KEY_VALUE(t, L1KEY_L2))) {
			snprintf(s->l2_text, sizeof(s->l2_text), "%s", v);
		}
	}
	if (!have_paging) {
		fail(s, "L1's command line has no " L1KEY_PAGING "shadow|nested: was L1 started by 'nestlab nested'?");
		return -EINVAL;
	}
	for (char *p = s->l2_text; *p;) {
		char *semi = strchr(p, ';');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);

		if (s->nspecs == L2_MAX) {
			fail(s, "more than %d L2 specs", L2_MAX);
			return -EINVAL;
		}
		if (l2spec_parse(p, n, &s->spec[s->nspecs], msg, sizeof(msg)) < 0) {
			/* the key without its '=': "nl.l2 'SPEC': why" */
			fail(s, "%.*s '%.*s': %s", (int)L1KEY_LEN(L1KEY_L2) - 1, L1KEY_L2,
			     (int)n, p, msg);
			return -EINVAL;
		}
		s->nspecs++;
		p = semi ? semi + 1 : p + n;
	}
	if (!s->nspecs) {
		fail(s, "L1's command line names no L2 (" L1KEY_L2 ")");
		return -EINVAL;
	}
	return 0;
}

static int setup_kvm(struct shim *s)
{
	char msg[SHIM_MSG];

	sys_cpu(&s->cpu);
	if (s->cpu.amd) {
		snprintf(s->kvm_mod, sizeof(s->kvm_mod), "kvm_amd");
		snprintf(s->kvm_params, sizeof(s->kvm_params), "nested=1 npt=%d", !s->shadow);
	} else if (s->cpu.intel) {
		snprintf(s->kvm_mod, sizeof(s->kvm_mod), "kvm_intel");
		snprintf(s->kvm_params, sizeof(s->kvm_params), "nested=1 ept=%d", !s->shadow);
	} else {
		fail(s, "L1's CPU vendor '%s' is neither AMD nor Intel", s->cpu.vendor);
		return -ENODEV;
	}
	if (!s->cpu.svm && !s->cpu.vmx) {
		fail(s, "L1's CPU model offers no SVM/VMX: L1 cannot run KVM");
		return -ENODEV;
	}
	if (sys_load_module(s->cpu.amd ? MODDEP_KVM_AMD : MODDEP_KVM_INTEL, s->kvm_params,
			    msg, sizeof(msg)) < 0) {
		fail(s, "%s", msg);
		return -EIO;
	}
	s->kvm_loaded = true;
	sys_module_param(s->kvm_mod, s->cpu.amd ? "npt" : "ept", s->tdp_param,
			 sizeof(s->tdp_param));
	sys_module_param(s->kvm_mod, "nested", s->nested_param, sizeof(s->nested_param));
	s->dev_kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	if (!s->dev_kvm) {
		fail(s, "/dev/kvm is missing after loading %s", s->kvm_mod);
		return -ENODEV;
	}
	/* the mode asked for must be the mode that runs: never downgrade */
	if ((s->tdp_param[0] == 'Y' || s->tdp_param[0] == '1') == s->shadow) {
		fail(s, "%s runs with %s=%s, not the %s paging that was asked for",
		     s->kvm_mod, s->cpu.amd ? "npt" : "ept", s->tdp_param,
		     s->shadow ? "shadow" : "nested");
		return -EINVAL;
	}
	return 0;
}

static void tail_of(struct json *j, const char *key, const char *path)
{
	static char buf[TAIL + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t r;

	if (fd < 0) {
		json_str(j, key, NULL);
		return;
	}
	end = lseek(fd, 0, SEEK_END);
	lseek(fd, end > TAIL ? end - TAIL : 0, SEEK_SET);
	r = read(fd, buf, TAIL);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	json_str(j, key, buf);
}

/* An L2's own nestlab-run/1 document, embedded only if it is JSON: a
 * process killed while writing leaves half a file. */
static void l2_result(struct json *j, const struct l2_vm *v)
{
	FILE *f = fopen(v->json, "re");
	char *buf = NULL;
	const char *why;
	size_t n = 0, at = 0;

	if (f) {
		buf = malloc(L2_DOC_MAX);
		n = buf ? fread(buf, 1, L2_DOC_MAX, f) : 0;
		fclose(f);
	}
	if (!buf || !n) {
		json_str(j, "result", NULL);
		json_str(j, "result_error", f ? "empty result document" : "no result document");
	} else if ((why = json_check(buf, n, &at))) {
		char msg[128];

		snprintf(msg, sizeof(msg), "result document is not JSON: %s at byte %zu", why, at);
		json_str(j, "result", NULL);
		json_str(j, "result_error", msg);
	} else {
		json_raw(j, "result", buf, n);
		json_str(j, "result_error", NULL);
	}
	free(buf);
}

/* The first swap device in /proc/swaps (after its header line), "" for
 * none: which device L1 really swaps to. */
static void swaps_first(char *dev, size_t n)
{
	char buf[512], *nl;

	dev[0] = 0;
	if (sys_read("/proc/swaps", buf, sizeof(buf)) < 0 || !(nl = strchr(buf, '\n')))
		return;
	nl++;
	snprintf(dev, n, "%.*s", (int)strcspn(nl, " \t\n"), nl);
}

/* L1's THP, KSM and zswap as in effect, read back after l1-shim set them. */
static void techniques_read(struct shim *s)
{
	char line[128];

	if (sys_read("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line)) < 0 ||
	    procstat_thp_mode(line, s->thp_mode, sizeof(s->thp_mode)) < 0)
		s->thp_mode[0] = 0;
	swaps_first(s->swap_dev, sizeof(s->swap_dev));
	sys_read("/sys/kernel/mm/ksm/run", s->ksm_run, sizeof(s->ksm_run));
	sys_read("/sys/kernel/mm/ksm/pages_to_scan", s->ksm_scan, sizeof(s->ksm_scan));
	sys_read("/sys/module/zswap/parameters/enabled", s->zswap_enabled, sizeof(s->zswap_enabled));
	sys_read("/sys/module/zswap/parameters/compressor", s->zswap_comp, sizeof(s->zswap_comp));
	sys_read("/sys/module/zswap/parameters/zpool", s->zswap_zpool, sizeof(s->zswap_zpool));
	sys_read("/sys/module/zswap/parameters/max_pool_percent", s->zswap_pool_pct,
		 sizeof(s->zswap_pool_pct));
}

static void l2_json(struct json *j, struct shim *s, const struct l2_vm *v)
{
	char spec[512];

	json_obj(j, NULL);
	json_u64(j, "index", v->index);
	l2spec_format(v->spec, spec, sizeof(spec));
	json_str(j, "spec", spec);
	json_bool(j, "started", v->started);
	json_str(j, "error", v->error[0] ? v->error : NULL);
	json_i64(j, "pid", v->pid);
	if (v->done && WIFEXITED(v->status))
		json_i64(j, "exit_status", WEXITSTATUS(v->status));
	else
		json_str(j, "exit_status", NULL);
	json_i64(j, "signal", v->done && WIFSIGNALED(v->status) ? WTERMSIG(v->status) : 0);
	json_bool(j, "oom_killed", v->oom_killed);
	json_u64(j, "wall_ns", v->done ? v->t_end_ns - v->t_start_ns : 0);
	if (v->started) {
		tail_of(j, "stderr_tail", v->err);
		tail_of(j, "console_tail", v->out);
		l2_result(j, v);
	}
	if (s->kt)
		kt_json_tgid(s->kt, j, "exit_trace", v->pid);
	json_end_obj(j);
}

static char *document(struct shim *s, size_t *len)
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
	json_str(&j, "schema", "nestlab-l1/1");
	json_str(&j, "tool", "l1-shim " NESTLAB_VERSION);
	json_str(&j, "kernel", u.release);
	json_obj(&j, "cpu");
	json_str(&j, "vendor", s->cpu.vendor);
	json_u64(&j, "cpus", s->cpu.cpus);
	json_bool(&j, "svm", s->cpu.svm);
	json_bool(&j, "vmx", s->cpu.vmx);
	json_bool(&j, "npt", s->cpu.npt);
	json_bool(&j, "ept", s->cpu.ept);
	json_bool(&j, "hypervisor", s->cpu.hypervisor);
	json_end_obj(&j);
	json_obj(&j, "kvm");
	json_str(&j, "module", s->kvm_mod[0] ? s->kvm_mod : NULL);
	json_str(&j, "params_requested", s->kvm_params[0] ? s->kvm_params : NULL);
	json_bool(&j, "loaded", s->kvm_loaded);
	json_str(&j, "nested", s->nested_param[0] ? s->nested_param : NULL);
	json_str(&j, "tdp", s->tdp_param[0] ? s->tdp_param : NULL);
	json_bool(&j, "dev_kvm", s->dev_kvm);
	json_str(&j, "paging_requested", s->shadow ? "shadow" : "nested");
	json_str(&j, "paging_in_effect", !s->tdp_param[0] ? NULL :
		 (s->tdp_param[0] == 'Y' || s->tdp_param[0] == '1') ? "nested" : "shadow");
	json_bool(&j, "hold_requested", s->kvm_hold);
	json_str(&j, "hold", s->hold_state[0] ? s->hold_state : NULL);
	json_end_obj(&j);
	json_obj(&j, "memory");
	json_u64(&j, "mem_total", s->mem_total);
	json_u64(&j, "mem_available_start", s->mem_avail0);
	json_u64(&j, "mem_available_end", s->mem_avail1);
	json_u64(&j, "swap_requested", s->swap);
	json_bool(&j, "swap_on", s->swap_on);
	json_str(&j, "swap_device_requested", s->swap ? (s->swap_disk ? "disk" : "zram") : NULL);
	json_str(&j, "swap_device", s->swap_dev[0] ? s->swap_dev : NULL);
	json_u64(&j, "swap_total", s->swap_total);
	json_u64(&j, "swap_free_end", s->swap_free1);
	json_end_obj(&j);
	/* asked, and read back from sysfs (docs/results.md) */
	json_obj(&j, "memory_techniques");
	json_u64(&j, "ksm_pages_to_scan_requested", s->ksm_pages);
	json_str(&j, "ksm_run", s->ksm_run[0] ? s->ksm_run : NULL);
	json_str(&j, "ksm_pages_to_scan", s->ksm_scan[0] ? s->ksm_scan : NULL);
	json_str(&j, "ksm_pages_shared_end", s->ksm_shared[0] ? s->ksm_shared : NULL);
	json_str(&j, "ksm_pages_sharing_end", s->ksm_sharing[0] ? s->ksm_sharing : NULL);
	json_str(&j, "thp_requested", s->thp[0] ? s->thp : "keep");
	json_str(&j, "thp_enabled", s->thp_mode[0] ? s->thp_mode : NULL);
	json_bool(&j, "zswap_requested", s->zswap);
	/* null: this kernel has no zswap */
	json_str(&j, "zswap_enabled", s->zswap_enabled[0] ? s->zswap_enabled : NULL);
	json_str(&j, "zswap_compressor", s->zswap_comp[0] ? s->zswap_comp : NULL);
	json_str(&j, "zswap_zpool", s->zswap_zpool[0] ? s->zswap_zpool : NULL);
	json_str(&j, "zswap_max_pool_percent", s->zswap_pool_pct[0] ? s->zswap_pool_pct : NULL);
	json_end_obj(&j);
	json_obj(&j, "overcommit");
	json_u64(&j, "l2_mem_sum", s->l2_mem_sum);
	json_dbl(&j, "ratio", s->mem_total ? (double)s->l2_mem_sum / (double)s->mem_total : 0);
	json_end_obj(&j);
	procstat_vmstat_delta(&j, "vmstat_delta", &s->vs0, &s->vs1);
	json_u64(&j, "wall_ns", s->t1 - s->t0);
	json_bool(&j, "trace_exits", s->trace);
	json_str(&j, "trace_error", s->kt_error[0] ? s->kt_error : NULL);
	json_arr(&j, "l2");
	for (unsigned int i = 0; i < s->nvm; i++)
		l2_json(&j, s, &s->vm[i]);
	json_end_arr(&j);
	json_arr(&j, "errors");
	for (unsigned int i = 0; i < s->nerr; i++)
		json_str(&j, NULL, s->errors[i]);
	json_end_arr(&j);
	json_end_obj(&j);
	json_finish(&j);
	if (fclose(f))
		return NULL;
	return buf;
}

static void run_l2s(struct shim *s)
{
	for (unsigned int i = 0; i < s->nspecs; i++)
		for (unsigned int c = 0; c < s->spec[i].count && s->nvm < L2_MAX; c++) {
			struct l2_vm *v = &s->vm[s->nvm];

			v->index = s->nvm++;
			v->spec = &s->spec[i];
			s->l2_mem_sum += v->spec->mem;
		}
	if (s->l2_mem_sum > s->mem_total)
		say("warning: the L2 VMs' %" PRIu64 " MiB overcommit L1's %" PRIu64 " MiB %.2fx",
		    s->l2_mem_sum >> 20, s->mem_total >> 20,
		    (double)s->l2_mem_sum / (double)s->mem_total);
	for (unsigned int i = 0; i < s->nvm; i++)
		if (l2_start(&s->vm[i], s->l2_timeout, s->ksm_pages > 0,
			     !strcmp(s->thp_mode, "never")) < 0)
			fail(s, "L2 %u: %s", i, s->vm[i].error);
	say("%u L2 VMs running (%s paging)", s->nvm, s->shadow ? "shadow" : "nested");
	l2_wait_all(s->vm, s->nvm);
	for (unsigned int i = 0; i < s->nvm; i++) {
		struct l2_vm *v = &s->vm[i];

		if (!v->done)
			continue;
		if (WIFSIGNALED(v->status))
			v->oom_killed = WTERMSIG(v->status) == SIGKILL && sys_oom_killed(v->pid);
		if (WIFEXITED(v->status))
			say("L2 %u %s: nestlab exit %d, %.3f s", i, v->spec->workload,
			    WEXITSTATUS(v->status), (double)(v->t_end_ns - v->t_start_ns) / 1e9);
		else
			say("L2 %u %s: killed by signal %d%s", i, v->spec->workload,
			    WTERMSIG(v->status), v->oom_killed ? " (the OOM killer)" : "");
	}
}

static void console(void)
{
	int fd = open("/dev/console", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int main(void)
{
	static struct shim s;
	char msg[SHIM_MSG];
	uint32_t status = 0;
	size_t len = 0;
	char *doc;

	s.t0 = sys_now_ns();
	if (mounts_guest(msg, sizeof(msg)) < 0)
		fail(&s, "%s", msg);
	console();
	say("nestlab L1 /init");
	if (!parse_cmdline(&s) && !setup_kvm(&s)) {
		if (s.kvm_hold) {
			int r = kvm_hold_open(s.hold_fd, msg, sizeof(msg));

			if (r < 0)
				fail(&s, "%s", msg);
			snprintf(s.hold_state, sizeof(s.hold_state), "%s",
				 r < 0 ? msg : "vm and vcpu 0");
		}
		if (s.swap) {
			if ((s.swap_disk ? sys_disk_swap : sys_zram_swap)(s.swap, msg, sizeof(msg)) < 0)
				fail(&s, "%s", msg);
			else
				s.swap_on = true;
		}
		if (sys_memory_techniques(s.ksm_pages, s.thp, s.zswap && s.swap_on, msg, sizeof(msg)) < 0)
			fail(&s, "%s", msg);
		techniques_read(&s);
		s.mem_total = procstat_meminfo("MemTotal");
		s.mem_avail0 = procstat_meminfo("MemAvailable");
		procstat_vmstat(&s.vs0);
		if (s.trace && kt_start(&s.kt, s.kt_error, sizeof(s.kt_error)) < 0) {
			say("warning: no exit tracing: %s", s.kt_error);
			s.kt = NULL;
		}
		run_l2s(&s);
		if (s.kt)
			kt_stop(s.kt);
		procstat_vmstat(&s.vs1);
		s.mem_avail1 = procstat_meminfo("MemAvailable");
		s.swap_total = procstat_meminfo("SwapTotal");
		s.swap_free1 = procstat_meminfo("SwapFree");
		sys_read("/sys/kernel/mm/ksm/pages_sharing", s.ksm_sharing, sizeof(s.ksm_sharing));
		sys_read("/sys/kernel/mm/ksm/pages_shared", s.ksm_shared, sizeof(s.ksm_shared));
	}
	s.t1 = sys_now_ns();
	for (unsigned int i = 0; i < s.nvm; i++)
		if (!s.vm[i].done || !WIFEXITED(s.vm[i].status) ||
		    WEXITSTATUS(s.vm[i].status))
			status = 1;
	if (s.nerr)
		status = 1;
	doc = document(&s, &len);
	if (!doc) {
		say("error: cannot build the L1 document");
		status = 1;
	} else if (gdoc_send(doc, len, msg, sizeof(msg)) < 0) {
		/* not under nestlab (a person booting the initramfs by hand) */
		say("%s; the document follows on the console", msg);
		fwrite(doc, 1, len, stdout);
		fputc('\n', stdout);
	} else {
		say("document sent to L0 (%zu bytes); exit status %u", len, status);
	}
	fflush(stdout);
	gdoc_exit(status);
	/* only reached without nestlab at L0 */
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
