// SPDX-License-Identifier: MIT
/*
 * nestlab: the top level. Parses the subcommand, runs it, prints the one
 * error line, and chooses the exit status (docs/cli.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nestlab.h"
#include "stat/stat.h"
#include "wl.h"

static int status_of(const struct nl_vm *vm)
{
	const struct channel *ch = &vm->ch;

	switch (vm->outcome) {
	case NL_OUT_EXITED:
		if (ch->exit_status == NL_EXIT_USAGE)
			return NL_EXIT_USAGE;   /* the guest refused its command line */
		if (ch->exit_status || ch->have_fault || ch->have_abort)
			return NL_EXIT_GUEST;
		if (ch->have_result && ch->result.status)
			return NL_EXIT_GUEST;
		return NL_EXIT_OK;
	case NL_OUT_POWEROFF:
	case NL_OUT_REBOOT:
		return NL_EXIT_OK;
	case NL_OUT_TIMEOUT:
		return NL_EXIT_TIMEOUT;
	case NL_OUT_HOST_ERROR:
		return NL_EXIT_HOST;
	default:
		return NL_EXIT_GUEST;
	}
}

static bool pct_ok(const char *v, size_t n)
{
	uint64_t pct;

	return wl_parse_u64(v, n, &pct) == 0 && pct <= 90;
}

static bool bool_ok(const char *v, size_t n)
{
	return n == 1 && (v[0] == '0' || v[0] == '1');
}

/* Every word key=VALUE of cmdline (key ends in '=') has a VALUE ok takes. */
static int check_own_key(const char *cmdline, const char *key,
			 bool (*ok)(const char *, size_t), const char *what,
			 struct nl_err *err)
{
	size_t kl = strlen(key);

	for (const char *w = cmdline; (w = strstr(w, key)); w++) {
		const char *v = w + kl;
		size_t n = strcspn(v, " ");

		if (w != cmdline && w[-1] != ' ')
			continue;
		if (!ok(v, n)) {
			nl_seterr(err, "--cmdline: %s%.*s: %s", key,
				  (int)(n > 16 ? 16 : n), v, what);
			return -EINVAL;
		}
	}
	return 0;
}

/* A workload command line is checked here too, so a typo costs no boot. */
static int check_workload_cmdline(const char *cmdline, struct nl_err *err)
{
	struct wl_params p;
	char msg[200];

	if (!strstr(cmdline, "workload="))
		return 0;
	if (wl_parse(cmdline, &p, boot_gk_own_keys, msg, sizeof(msg)) < 0) {
		nl_seterr(err, "--cmdline: %s", msg);
		return -EINVAL;
	}
	/* guest-kernel's own keys (docs/guest-kernel.md) */
	if (check_own_key(cmdline, "resident=", pct_ok,
			  "a whole per cent of guest memory, 0..90", err) < 0)
		return -EINVAL;
	return check_own_key(cmdline, "release=", bool_ok, "must be 0 or 1", err);
}

/* Boots cfg's guest and runs it to the end; the caller reports and
 * destroys vm and kvm. Returns an exit status, or -1 when the run went to
 * its end (status_of then says how it ended). */
static int boot_and_run(const struct nl_config *cfg, struct nl_vm *vm,
			struct nl_kvm *kvm, struct hostinfo *h, uint64_t t_proc,
			const struct nl_nested *nested, struct nested_l0trace *l0t)
{
	struct nl_err err = { { 0 } };
	int rc;

	rc = vm_prepare(vm, cfg, &err);
	vm->t_proc_ns = t_proc;
	if (rc < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		return rc == -ENOMEM ? NL_EXIT_HOST : NL_EXIT_USAGE;
	}
	if (nested && vm->boot != &boot_linux_ops) {
		fprintf(stderr, "nestlab: nested: --kernel %s is not a Linux kernel, bzImage or vmlinux (L1 must be Linux)\n",
			cfg->kernel);
		return NL_EXIT_USAGE;
	}
	if (kvm_open(kvm, &err) < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		return NL_EXIT_HOST;
	}
	hostinfo_read(h);
	if (nested && nested_check_host(nested, kvm, h, &err) < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		return NL_EXIT_HOST;
	}
	if (vm->oc.ratio > 1.0)
		fprintf(stderr, "nestlab: warning: guest memory %" PRIu64 " MiB overcommits the host %.2fx (available %" PRIu64 " MiB)\n",
			cfg->mem >> 20, vm->oc.ratio, vm->oc.limit >> 20);
	rc = vm_create(vm, kvm, &err);
	/* L0's trace spans exactly L1's run: started before its vCPUs exist */
	if (!rc && nested && (rc = nested_trace_start(nested, l0t, &err)) < 0) {
		fprintf(stderr, "nestlab: nested: %s\n", err.msg);
		return rc == -EINVAL ? NL_EXIT_USAGE : NL_EXIT_HOST;
	}
	if (!rc)
		rc = vm_run(vm, &err);
	if (nested)
		nested_trace_stop(l0t);
	if (rc < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		return rc == -EINVAL ? NL_EXIT_USAGE : NL_EXIT_HOST;
	}
	return -1;
}

static void explain(const struct nl_vm *vm)
{
	if (!vm->cfg->quiet)
		report_summary(vm, stderr);
	if (vm->ch.have_fault)
		fprintf(stderr, "nestlab: guest fault: vector %" PRIu64 " error 0x%" PRIx64
			" address 0x%" PRIx64 " rip 0x%" PRIx64 "\n", vm->ch.fault.vector,
			vm->ch.fault.error_code, vm->ch.fault.address, vm->ch.fault.rip);
	if (vm->ch.have_abort)
		fprintf(stderr, "nestlab: guest aborted: %s (%s:%u)\n", vm->ch.abort.msg,
			vm->ch.abort.file, vm->ch.abort.line);
}

/* A result document that could not be written: a run that went well
 * becomes a host failure, one that failed keeps its own status. */
static int unwritten(int status, const struct nl_err *err)
{
	fprintf(stderr, "nestlab: %s\n", err->msg);
	return status ? status : NL_EXIT_HOST;
}

static int cmd_run(int argc, char **argv, uint64_t t_proc)
{
	struct nl_config cfg;
	struct nl_err err = { { 0 } };
	struct hostinfo h;
	struct nl_kvm kvm = { .fd = -1 };
	struct nl_vm vm;
	int rc, status;

	rc = cli_parse_run(argc, argv, &cfg, &err);
	if (rc == 1) {
		cli_usage(stdout);
		return 0;
	}
	if (rc < 0 || check_workload_cmdline(cfg.cmdline, &err) < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		return NL_EXIT_USAGE;
	}
	status = boot_and_run(&cfg, &vm, &kvm, &h, t_proc, NULL, NULL);
	if (status < 0) {
		status = status_of(&vm);
		explain(&vm);
		if (cfg.json && report_json(&vm, &h, cfg.json, &err) < 0)
			status = unwritten(status, &err);
	}
	vm_destroy(&vm);
	kvm_close(&kvm);
	return status;
}

static int cmd_nested(int argc, char **argv, uint64_t t_proc)
{
	static struct nl_nested n;   /* L2_MAX specs: too big for the stack */
	struct nested_l0trace l0t = { .tgid = -1 };
	struct nl_config cfg;
	struct nl_err err = { { 0 } };
	struct hostinfo h;
	struct nl_kvm kvm = { .fd = -1 };
	struct nl_vm vm;
	const char *doc;
	char why[256];
	size_t len = 0;
	int rc, status;

	rc = nested_parse(argc, argv, &n, &err);
	if (rc == 1) {
		nested_usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "nestlab: nested: %s\n", err.msg);
		return NL_EXIT_USAGE;
	}
	nested_config(&n, &cfg);
	if (nested_cmdline(&n, cfg.cmdline, sizeof(cfg.cmdline), &err) < 0) {
		fprintf(stderr, "nestlab: nested: %s\n", err.msg);
		return NL_EXIT_USAGE;
	}
	if (n.print_cmdline) {
		printf("%s\n", cfg.cmdline);
		return 0;
	}
	if (n.l2_mem_sum > n.l1_mem)
		fprintf(stderr, "nestlab: warning: the L2 VMs' memory (%" PRIu64 " MiB) overcommits L1's %" PRIu64 " MiB %.2fx\n",
			n.l2_mem_sum >> 20, n.l1_mem >> 20,
			(double)n.l2_mem_sum / (double)n.l1_mem);
	status = boot_and_run(&cfg, &vm, &kvm, &h, t_proc, &n, &l0t);
	if (status < 0) {
		status = status_of(&vm);
		explain(&vm);
		doc = docport_take(&vm.doc, &len, why, sizeof(why));
		if (!doc) {
			fprintf(stderr, "nestlab: nested: no result from L1: %s\n", why);
			if (!status)
				status = NL_EXIT_GUEST;
		} else if (!n.quiet) {
			fprintf(stderr, "nestlab: nested: L1 sent its document (%zu bytes), exit status %u\n",
				len, vm.ch.exit_status);
		}
		if (nested_report(&n, &l0t, &vm, &h, doc, len, why, &err) < 0)
			status = unwritten(status, &err);
	}
	nested_trace_free(&l0t);
	vm_destroy(&vm);
	kvm_close(&kvm);
	return status;
}

/* nestlab doctor: reads the host, changes nothing (docs/doctor.md). */
static int cmd_doctor(int argc, char **argv)
{
	struct doctor_facts f;
	struct doctor_verdict v[DOCTOR_NITEMS];

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: nestlab doctor\n  what this host can run, and why not; exit status 0 "
			       "when nested runs can run here, 1 when not (docs/doctor.md)\n");
			return 0;
		}
		fprintf(stderr, "nestlab: doctor takes no arguments, not '%s' (try 'nestlab doctor --help')\n",
			argv[1]);
		return NL_EXIT_USAGE;
	}
	doctor_probe(&f);
	doctor_decide(&f, v);
	doctor_print(stdout, &f, v);
	return doctor_status(v);
}

int main(int argc, char **argv)
{
	uint64_t t_proc = nl_now_ns();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "nestlab: missing command (try 'nestlab help')\n");
		return NL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("nestlab %s\n", NESTLAB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, t_proc);
	if (!strcmp(argv[1], "nested"))
		return cmd_nested(argc - 1, argv + 1, t_proc);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return stat_main(argc - 1, argv + 1);
	fprintf(stderr, "nestlab: unknown command '%s' (try 'nestlab help')\n", argv[1]);
	return NL_EXIT_USAGE;
}
