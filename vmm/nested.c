// SPDX-License-Identifier: MIT
/*
 * `nestlab nested` (docs/nested.md): one L1 Linux whose /init, l1-shim,
 * runs the L2 VMs. From L0 this is an ordinary Linux run; what is nested
 * about it is decided here: the CPU model L1 gets (NPT/EPT offered or
 * hidden), L1's command line (the L1 ABI in docs/abi.md), the refusal of
 * what the host cannot do, and the one document that puts L0's view of
 * L1 beside L1's view of every L2.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktrace.h"
#include "l1keys.h"
#include "nestlab.h"
#include "tracefs.h"
#include "wl.h"

#define SCHEMA "nestlab-nested/1"
/* x86 COMMAND_LINE_SIZE: the kernel truncates anything longer. */
#define L1_CMDLINE_MAX 2048

void nested_usage(FILE *f)
{
	fputs(
"usage: nestlab nested --kernel LINUX --initrd L1-INITRAMFS --l1-mem SIZE\n"
"                      --paging shadow|nested --l2 SPEC [--l2 SPEC]... --json FILE\n"
"  --kernel FILE        L1's Linux kernel: a bzImage, or its vmlinux (boots faster)\n"
"  --initrd FILE        L1's initramfs with l1-shim as /init (build/l1-shim/l1-initramfs.cpio)\n"
"  --l1-mem SIZE        L1's memory (may exceed the host's: overcommit is warned about)\n"
"  --l1-cpus N          L1's vCPUs (default 2)\n"
"  --paging MODE        L1->L2 paging: shadow (L1 shadows L2's page tables; NPT/EPT\n"
"                       hidden from L1) or nested (L1 uses NPT/EPT, which L0 emulates)\n"
"  --l2 SPEC            L2 VMs: workload=NAME,footprint=SIZE[,mem=SIZE][,iters=N]\n"
"                       [,seed=N][,count=N][,cpus=N][,paging=demand|prebuilt]\n"
"                       [,pagesize=4K|2M][,kernel=/PATH-IN-L1][,guest=kernel|linux]\n"
"                       [,fail=none|exit|panic]; repeatable; all run at once\n"
"  --l1-swap SIZE       swap in L1 (default none), on zram unless --l1-swap-device disk\n"
"  --l1-swap-device D   zram (compressed, in L1's memory) or disk (a virtio disk L0's\n"
"                       nestlab backs with a sparse temporary file in $TMPDIR or /var/tmp)\n"
"  --trace-exits        per-L2 exit tables from L1's KVM tracepoints\n"
"  --trace-l0           trace L0's KVM (tracefs, root) while L1 runs: L0's exit table\n"
"                       for L1 and what each L2 exit L1 handled cost at L0\n"
"                       (docs/exit-multiplication.md)\n"
"  --timeline FILE      with --trace-l0: a Chrome trace-event timeline (Perfetto)\n"
"  --timeline-max-events N  at most N events in it (default 1000000)\n"
"  --json FILE          the run's document (nestlab-nested/1, docs/results.md)\n"
"  --timeout SEC        stop L1 after SEC seconds (default 3600)\n"
"  --l2-timeout SEC     l1-shim stops an L2 after SEC seconds (default none)\n"
"  --l1-cmdline STR     more kernel parameters for L1\n"
"  --quiet              no summary on stderr\n"
"  --no-seccomp         run L0's nestlab without its system-call filter (debugging)\n"
"  --mem-sample MS      L1's memory over time at L0: every MS ms (default 250, 0 = off)\n"
"  --l1-ksm PAGES       KSM on in L1 (pages_to_scan PAGES) and the L2s' memory mergeable\n"
"  --l1-thp MODE        L1's transparent huge pages: always, madvise or never\n"
"  --l1-zswap           zswap on in L1: compressed pages kept in front of --l1-swap\n"
"  --l1-kvm-hold        l1-shim holds a VM open in L1 from before the L2s to the end\n"
"                       (KVM's static keys then flip once, while L1 is quiet)\n"
"  --print-cmdline      print L1's kernel command line and exit, running nothing\n"
"                       (to boot the same L1 under another VMM; --json not needed)\n"
"exit status: 0 every L2 passed, 1 an L2 or L1 failed, 2 bad input, 3 timeout,\n"
"             4 the host cannot run nested guests, 5 a call the filter forbids\n",
	      f);
}

enum { N_KERNEL = 256, N_INITRD, N_L1MEM, N_L1CPUS, N_PAGING, N_L2, N_SWAP,
       N_TRACE, N_JSON, N_TIMEOUT, N_L2TIMEOUT, N_CMDLINE, N_QUIET, N_HELP,
       N_NO_SECCOMP, N_MEM_SAMPLE, N_L1KSM, N_L1THP, N_L1ZSWAP, N_PRINT_CMDLINE, N_L1KVMHOLD,
       N_SWAPDEV, N_TRACE_L0, N_TIMELINE, N_TIMELINE_MAX };

int nested_parse(int argc, char **argv, struct nl_nested *n, struct nl_err *err)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, N_KERNEL },
		{ "initrd", required_argument, NULL, N_INITRD },
		{ "l1-mem", required_argument, NULL, N_L1MEM },
		{ "l1-cpus", required_argument, NULL, N_L1CPUS },
		{ "paging", required_argument, NULL, N_PAGING },
		{ "l2", required_argument, NULL, N_L2 },
		{ "l1-swap", required_argument, NULL, N_SWAP },
		{ "trace-exits", no_argument, NULL, N_TRACE },
		{ "json", required_argument, NULL, N_JSON },
		{ "timeout", required_argument, NULL, N_TIMEOUT },
		{ "l2-timeout", required_argument, NULL, N_L2TIMEOUT },
		{ "l1-cmdline", required_argument, NULL, N_CMDLINE },
		{ "quiet", no_argument, NULL, N_QUIET },
		{ "no-seccomp", no_argument, NULL, N_NO_SECCOMP },
		{ "mem-sample", required_argument, NULL, N_MEM_SAMPLE },
		{ "l1-ksm", required_argument, NULL, N_L1KSM },
		{ "l1-thp", required_argument, NULL, N_L1THP },
		{ "l1-zswap", no_argument, NULL, N_L1ZSWAP },
		{ "print-cmdline", no_argument, NULL, N_PRINT_CMDLINE },
		{ "l1-kvm-hold", no_argument, NULL, N_L1KVMHOLD },
		{ "l1-swap-device", required_argument, NULL, N_SWAPDEV },
		{ "trace-l0", no_argument, NULL, N_TRACE_L0 },
		{ "timeline", required_argument, NULL, N_TIMELINE },
		{ "timeline-max-events", required_argument, NULL, N_TIMELINE_MAX },
		{ "help", no_argument, NULL, N_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool have_paging = false;
	char msg[200];
	int o;

	memset(n, 0, sizeof(*n));
	n->l1_cpus = 2;
	n->timeout_s = 3600;
	n->mem_sample_ms = NL_MEM_SAMPLE_MS;
	n->timeline_max = NESTED_TIMELINE_MAX;
	optind = 0;   /* 0, not 1: glibc then also forgets a half-read "-xy" */
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case N_KERNEL:
			n->kernel = optarg;
			break;
		case N_INITRD:
			n->initrd = optarg;
			break;
		case N_L1MEM:
			if (cli_size(optarg, "--l1-mem", 64ull << 20,
				     NL_MAX_MEM_GIB << 30, &n->l1_mem, err))
				return -EINVAL;
			break;
		case N_L1CPUS:
			if (cli_uint(optarg, "--l1-cpus", 1, NL_MAX_VCPUS, &n->l1_cpus, err))
				return -EINVAL;
			break;
		case N_PAGING:
			if (!strcmp(optarg, "shadow")) {
				n->shadow = true;
			} else if (!strcmp(optarg, "nested")) {
				n->shadow = false;
			} else {
				nl_seterr(err, "--paging: '%s' is not shadow or nested", optarg);
				return -EINVAL;
			}
			have_paging = true;
			break;
		case N_L2: {
			struct l2_spec *s;
			struct wl_params wp;
			char cmd[256];

			if (n->nspecs == L2_MAX) {
				nl_seterr(err, "--l2: at most %d specs", L2_MAX);
				return -EINVAL;
			}
			s = &n->spec[n->nspecs];
			if (l2spec_parse(optarg, strlen(optarg), s, msg, sizeof(msg)) < 0) {
				nl_seterr(err, "--l2 '%s': %s", optarg, msg);
				return -EINVAL;
			}
			/* guest-kernel's own checks of its workload, before anything
			 * boots (a Linux L2's were l2spec_parse's) */
			if (l2spec_cmdline(s, cmd, sizeof(cmd)) < 0 ||
			    (!s->linux_guest && wl_parse(cmd, &wp, boot_gk_own_keys, msg, sizeof(msg)) < 0)) {
				nl_seterr(err, "--l2 '%s': %s", optarg, msg);
				return -EINVAL;
			}
			n->nspecs++;
			n->nl2 += s->count;
			if (n->nl2 > L2_MAX) {
				nl_seterr(err, "--l2: at most %d L2 VMs in one L1", L2_MAX);
				return -EINVAL;
			}
			break;
		}
		case N_SWAP:
			if (cli_size(optarg, "--l1-swap", 0, NL_MAX_MEM_GIB << 30,
				     &n->l1_swap, err))
				return -EINVAL;
			break;
		case N_SWAPDEV:
			if (strcmp(optarg, "zram") && strcmp(optarg, "disk")) {
				nl_seterr(err, "--l1-swap-device: zram or disk, not '%s'", optarg);
				return -EINVAL;
			}
			n->l1_swap_disk = !strcmp(optarg, "disk");
			break;
		case N_TRACE:
			n->trace_exits = true;
			break;
		case N_TRACE_L0:
			n->trace_l0 = true;
			break;
		case N_TIMELINE:
			n->timeline = optarg;
			break;
		case N_TIMELINE_MAX:
			if (cli_uint(optarg, "--timeline-max-events", 1, 100000000, &n->timeline_max, err))
				return -EINVAL;
			break;
		case N_JSON:
			n->json = optarg;
			break;
		case N_TIMEOUT:
			if (cli_uint(optarg, "--timeout", 1, 86400 * 7, &n->timeout_s, err))
				return -EINVAL;
			break;
		case N_L2TIMEOUT:
			if (cli_uint(optarg, "--l2-timeout", 1, 86400 * 7, &n->l2_timeout_s, err))
				return -EINVAL;
			break;
		case N_CMDLINE:
			n->l1_cmdline = optarg;
			break;
		case N_QUIET:
			n->quiet = true;
			break;
		case N_NO_SECCOMP:
			n->no_seccomp = true;
			break;
		case N_L1KSM:
			if (cli_uint(optarg, "--l1-ksm", 0, 1000000, &n->l1_ksm_pages, err))
				return -EINVAL;
			break;
		case N_L1THP:
			if (strcmp(optarg, "always") && strcmp(optarg, "madvise") &&
			    strcmp(optarg, "never")) {
				nl_seterr(err, "--l1-thp: always, madvise or never, not '%s'", optarg);
				return -EINVAL;
			}
			n->l1_thp = optarg;
			break;
		case N_L1ZSWAP:
			n->l1_zswap = true;
			break;
		case N_PRINT_CMDLINE:
			n->print_cmdline = true;
			break;
		case N_L1KVMHOLD:
			n->l1_kvm_hold = true;
			break;
		case N_MEM_SAMPLE:
			if (cli_uint(optarg, "--mem-sample", 0, 60000, &n->mem_sample_ms, err))
				return -EINVAL;
			break;
		case N_HELP:
			return 1;
		default:
			return cli_bad_option(argv, o, err);
		}
	}
	if (optind < argc) {
		nl_seterr(err, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	/* printing the command line runs nothing, so writes no document */
	if (!n->kernel || !n->initrd || !n->l1_mem || !have_paging || !n->nspecs ||
	    (!n->json && !n->print_cmdline)) {
		nl_seterr(err, "%s is required (try 'nestlab nested --help')",
			  !n->kernel ? "--kernel LINUX" : !n->initrd ? "--initrd L1-INITRAMFS" :
			  !n->l1_mem ? "--l1-mem SIZE" : !have_paging ? "--paging shadow|nested" :
			  !n->nspecs ? "--l2 SPEC" : "--json FILE");
		return -EINVAL;
	}
	/* the timeline is made from L0's trace */
	if (n->timeline && !n->trace_l0) {
		nl_seterr(err, "--timeline FILE is drawn from L0's trace: give --trace-l0 too");
		return -EINVAL;
	}
	if (n->l1_swap_disk && !n->l1_swap) {
		nl_seterr(err, "--l1-swap-device disk: give the swap's size with --l1-swap SIZE");
		return -EINVAL;
	}
	/* zswap is a cache in front of a swap device */
	if (n->l1_zswap && !n->l1_swap) {
		nl_seterr(err, "--l1-zswap: zswap keeps pages on their way to a swap device: give --l1-swap SIZE too");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n->nspecs; i++)
		n->l2_mem_sum += n->spec[i].mem * n->spec[i].count;
	return 0;
}

/* Swap whole pages: the size L1 swaps on and, for a disk, the disk's. */
static uint64_t nested_swap_bytes(const struct nl_nested *n)
{
	return (n->l1_swap + 4095) & ~4095ull;
}

/* L1's command line: the console and the devices L1 does not have, then
 * the run for l1-shim (docs/abi.md, "L1 command line"). */
int nested_cmdline(const struct nl_nested *n, char *buf, size_t len,
		   struct nl_err *err)
{
	size_t at;
	int k;

	k = snprintf(buf, len,
		     "console=ttyS0 quiet panic=-1 pci=off"
		     " " L1KEY_PAGING "%s " L1KEY_SWAP "%llu " L1KEY_TRACE "%d "
		     L1KEY_L2TIMEOUT "%u " L1KEY_KSM "%u " L1KEY_THP "%s " L1KEY_ZSWAP "%d "
		     L1KEY_KVMHOLD "%d " L1KEY_SWAPDEV "%s%s%s " L1KEY_L2,
		     n->shadow ? "shadow" : "nested", (unsigned long long)nested_swap_bytes(n),
		     n->trace_exits ? 1 : 0, n->l2_timeout_s, n->l1_ksm_pages,
		     n->l1_thp ? n->l1_thp : "keep", n->l1_zswap ? 1 : 0, n->l1_kvm_hold ? 1 : 0,
		     n->l1_swap_disk ? "disk" : "zram", n->l1_cmdline ? " " : "", n->l1_cmdline ? n->l1_cmdline : "");
	if (k < 0 || (size_t)k >= len)
		goto too_long;
	at = (size_t)k;
	for (unsigned int i = 0; i < n->nspecs; i++) {
		if (i) {
			if (at + 1 >= len)
				goto too_long;
			buf[at++] = ';';
			buf[at] = 0;
		}
		k = l2spec_format(&n->spec[i], buf + at, len - at);
		if (k < 0)
			goto too_long;
		at += (size_t)k;
	}
	if (at >= L1_CMDLINE_MAX)
		goto too_long;
	return 0;
too_long:
	nl_seterr(err, "L1's command line would be longer than %d bytes: fewer --l2 specs or a shorter --l1-cmdline",
		  L1_CMDLINE_MAX - 1);
	return -EINVAL;
}

int nested_check_host(const struct nl_nested *n, const struct nl_kvm *k,
		      const struct hostinfo *h, struct nl_err *err)
{
	bool svm = cpuid_has_svm(k->cpuid), vmx = cpuid_has_vmx(k->cpuid);

	if (!svm && !vmx) {
		nl_seterr(err, "this host's KVM (%s, L0 paging %s) offers no SVM/VMX to guests, so L1 cannot run KVM; "
			  "use a host with kvm_amd/kvm_intel nested=1, or the testbed (docs/nested.md)",
			  h->kvm_module[0] ? h->kvm_module : "unknown module", h->l0_paging);
		return -EOPNOTSUPP;
	}
	if (!n->shadow && (!strcmp(h->l0_paging, "shadow") || (svm && !cpuid_has_npt(k->cpuid)))) {
		nl_seterr(err, "--paging nested needs NPT/EPT at L0, but L0 uses %s paging (%s): KVM cannot offer L1 %s; use --paging shadow",
			  h->l0_paging, h->kvm_module[0] ? h->kvm_module : "?",
			  svm ? "NPT" : "EPT");
		return -EOPNOTSUPP;
	}
	return 0;
}

void nested_config(const struct nl_nested *n, struct nl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->kernel = n->kernel;
	cfg->initrd = n->initrd;
	cfg->mem = n->l1_mem;
	cfg->cpus = n->l1_cpus;
	cfg->timeout_s = n->timeout_s;
	cfg->gpaging = NL_GP_DEMAND;
	cfg->gpage_size = 4096;
	/* shadow: L1 gets SVM/VMX without NPT/EPT, so its KVM must shadow */
	cfg->hide_tdp = n->shadow;
	cfg->quiet = n->quiet;
	cfg->no_seccomp = n->no_seccomp;
	cfg->mem_sample_ms = n->mem_sample_ms;
	cfg->disk_temp_size = n->l1_swap_disk ? nested_swap_bytes(n) : 0;
}

static void request(struct json *j, const struct nl_nested *n, const char *cmdline)
{
	char buf[512];

	json_obj(j, "request");
	json_str(j, "kernel", n->kernel);
	json_str(j, "initrd", n->initrd);
	json_u64(j, "l1_mem", n->l1_mem);
	json_u64(j, "l1_cpus", n->l1_cpus);
	json_str(j, "paging", n->shadow ? "shadow" : "nested");
	json_u64(j, "l1_swap", n->l1_swap);
	json_str(j, "l1_swap_device", n->l1_swap ? (n->l1_swap_disk ? "disk" : "zram") : NULL);
	json_bool(j, "l1_zswap", n->l1_zswap);
	json_bool(j, "l1_kvm_hold", n->l1_kvm_hold);
	json_bool(j, "trace_exits", n->trace_exits);
	json_bool(j, "trace_l0", n->trace_l0);
	json_str(j, "timeline", n->timeline);
	json_u64(j, "timeout_s", n->timeout_s);
	json_u64(j, "l2_timeout_s", n->l2_timeout_s);
	json_str(j, "l1_cmdline", cmdline);
	json_arr(j, "l2");
	for (unsigned int i = 0; i < n->nspecs; i++) {
		const struct l2_spec *s = &n->spec[i];

		json_obj(j, NULL);
		l2spec_format(s, buf, sizeof(buf));
		json_str(j, "spec", buf);
		json_str(j, "workload", s->workload);
		json_u64(j, "mem", s->mem);
		json_u64(j, "footprint", s->footprint);
		json_u64(j, "iters", s->iters);
		json_u64(j, "seed", s->seed);
		json_u64(j, "count", s->count);
		json_u64(j, "cpus", s->cpus);
		json_str(j, "guest_paging", s->prebuilt ? "prebuilt" : "demand");
		json_u64(j, "page_size", s->page_size);
		json_str(j, "kernel", s->kernel);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_end_obj(j);
}

/*
 * L0's trace (--trace-l0): L0's KVM events for this process's vCPU threads
 * while L1 runs, read from tracefs (l1-shim/tracefs.c) and attributed to
 * the L2 exits L1 handled (lib/ktrace_nest.c, docs/exit-multiplication.md).
 * Started after the VM exists and before its vCPUs run, so every event of
 * L1 is seen; the reader thread only reads trace_pipe and sleeps, which
 * the seccomp filter allows, and stopping writes tracefs's old settings
 * back with openat and write, which it allows too.
 */
int nested_trace_start(const struct nl_nested *n, struct nested_l0trace *l,
		       struct nl_err *err)
{
	char why[200];
	int rc;

	memset(l, 0, sizeof(*l));
	l->tgid = getpid();
	if (!n->trace_l0)
		return 0;
	if (n->timeline) {
		l->tl = fopen(n->timeline, "we");
		if (!l->tl) {
			nl_seterr(err, "--timeline %s: %s", n->timeline, strerror(errno));
			return -EINVAL;
		}
	}
	rc = kt_start_events(&l->kt, l->tl != NULL, why, sizeof(why));
	if (rc < 0) {
		nl_seterr(err, "--trace-l0: cannot trace L0's KVM: %s", why);
		goto fail;
	}
	if (l->tl && (rc = kt_timeline_open(l->kt, l->tl, n->timeline_max, l->tgid)) < 0) {
		nl_seterr(err, "--timeline %s: %s", n->timeline, strerror(-rc));
		goto fail;
	}
	return 0;
fail:
	kt_free(l->kt);
	l->kt = NULL;
	if (l->tl) {
		fclose(l->tl);
		unlink(n->timeline);
		l->tl = NULL;
	}
	return rc;
}

/* After L1 stopped: drains and closes the trace; the document reads it. */
void nested_trace_stop(struct nested_l0trace *l)
{
	int rc;

	if (!l->kt)
		return;
	rc = kt_stop(l->kt);
	if (rc < 0)
		snprintf(l->err, sizeof(l->err), "tracing stopped with an error: %s", strerror(-rc));
	if (l->tl) {
		rc = kt_timeline_close(l->kt);
		if (fclose(l->tl) || rc < 0)
			snprintf(l->tl_err, sizeof(l->tl_err), "the timeline could not be written whole: %s",
				 strerror(rc < 0 ? -rc : errno));
		l->tl = NULL;
	}
}

void nested_trace_free(struct nested_l0trace *l)
{
	kt_free(l->kt);
	l->kt = NULL;
}

static void l0_trace(struct json *j, const struct nl_nested *n, const struct nested_l0trace *l)
{
	if (!l || !l->kt) {
		json_str(j, "l0_trace", NULL);
		return;
	}
	json_obj(j, "l0_trace");
	json_str(j, "error", l->err[0] ? l->err : NULL);
	json_u64(j, "tgid", (uint64_t)l->tgid);
	json_u64(j, "lost_events", kt_lost(l->kt));
	/* L0's exits of this process (L1's vCPUs) by reason, as perf kvm stat */
	kt_json_tgid(l->kt, j, "exits", l->tgid);
	kt_json_nest(l->kt, j, "multiplication", l->tgid);
	json_obj(j, "timeline");
	json_str(j, "file", n->timeline);
	json_u64(j, "max_events", n->timeline_max);
	json_str(j, "error", l->tl_err[0] ? l->tl_err : NULL);
	json_end_obj(j);
	json_end_obj(j);
}

struct nested_doc {
	const struct nl_nested *n;
	const struct nested_l0trace *l0t;
	const struct nl_vm *vm;
	const struct hostinfo *h;
	const char *l1doc, *l1why;
	size_t l1len;
};

static void nested_body(struct json *j, const void *arg)
{
	const struct nested_doc *d = arg;
	const struct nl_nested *n = d->n;

	json_obj(j, NULL);
	json_str(j, "schema", SCHEMA);
	json_str(j, "tool", "nestlab " NESTLAB_VERSION);
	request(j, n, d->vm->cfg->cmdline);
	json_obj(j, "paging");
	json_str(j, "l0", d->h->l0_paging);
	json_str(j, "l1_to_l2_requested", n->shadow ? "shadow" : "nested");
	json_bool(j, "l1_cpu_model_offers_tdp", !n->shadow);
	json_end_obj(j);
	json_obj(j, "overcommit");
	json_dbl(j, "l0_ratio", d->vm->oc.ratio);
	json_u64(j, "l2_mem_sum", n->l2_mem_sum);
	json_dbl(j, "l2_sum_over_l1_mem", (double)n->l2_mem_sum / (double)n->l1_mem);
	json_end_obj(j);
	report_write(j, "l0_view", d->vm, d->h, false);
	l0_trace(j, n, d->l0t);
	if (d->l1doc)
		json_raw(j, "l1", d->l1doc, d->l1len);
	else
		json_str(j, "l1", NULL);
	json_str(j, "l1_error", d->l1doc ? NULL : d->l1why);
	json_end_obj(j);
}

int nested_report(const struct nl_nested *n, const struct nested_l0trace *l0t,
		  struct nl_vm *vm, const struct hostinfo *h, const char *l1doc,
		  size_t l1len, const char *l1why, struct nl_err *err)
{
	const struct nested_doc d = { n, l0t, vm, h, l1doc, l1why, l1len };

	return report_file(n->json, nested_body, &d, err);
}
