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

/* A workload command line is checked here too, so a typo costs no boot. */
static int check_workload_cmdline(const char *cmdline, struct nl_err *err)
{
	static const char *const ignore[] = { "paging", "pagesize", NULL };
	struct wl_params p;
	char msg[200];

	if (!strstr(cmdline, "workload="))
		return 0;
	if (wl_parse(cmdline, &p, ignore, msg, sizeof(msg)) < 0) {
		nl_seterr(err, "--cmdline: %s", msg);
		return -EINVAL;
	}
	return 0;
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
	rc = vm_prepare(&vm, &cfg, &err);
	vm.t_proc_ns = t_proc;
	if (rc < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		vm_destroy(&vm);
		return rc == -ENOMEM ? NL_EXIT_HOST : NL_EXIT_USAGE;
	}
	if (kvm_open(&kvm, &err) < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		vm_destroy(&vm);
		return NL_EXIT_HOST;
	}
	hostinfo_read(&h);
	if (vm.oc.ratio > 1.0)
		fprintf(stderr, "nestlab: warning: guest memory %" PRIu64 " MiB overcommits the host %.2fx (available %" PRIu64 " MiB)\n",
			cfg.mem >> 20, vm.oc.ratio, vm.oc.limit >> 20);
	rc = vm_create(&vm, &kvm, &err);
	if (!rc)
		rc = vm_run(&vm, &err);
	if (rc < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		vm_destroy(&vm);
		kvm_close(&kvm);
		return rc == -EINVAL ? NL_EXIT_USAGE : NL_EXIT_HOST;
	}
	status = status_of(&vm);
	if (!cfg.quiet)
		report_summary(&vm, stderr);
	if (vm.ch.have_fault)
		fprintf(stderr, "nestlab: guest fault: vector %" PRIu64 " error 0x%" PRIx64
			" address 0x%" PRIx64 " rip 0x%" PRIx64 "\n", vm.ch.fault.vector,
			vm.ch.fault.error_code, vm.ch.fault.address, vm.ch.fault.rip);
	if (vm.ch.have_abort)
		fprintf(stderr, "nestlab: guest aborted: %s (%s:%u)\n", vm.ch.abort.msg,
			vm.ch.abort.file, vm.ch.abort.line);
	if (cfg.json && report_json(&vm, &h, cfg.json, &err) < 0) {
		fprintf(stderr, "nestlab: %s\n", err.msg);
		if (!status)
			status = NL_EXIT_HOST;
	}
	vm_destroy(&vm);
	kvm_close(&kvm);
	return status;
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
	fprintf(stderr, "nestlab: unknown command '%s' (try 'nestlab help')\n", argv[1]);
	return NL_EXIT_USAGE;
}
