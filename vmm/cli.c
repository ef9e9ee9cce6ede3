// SPDX-License-Identifier: MIT
/* Command-line parsing for `nestlab run` (docs/cli.md). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nestlab.h"
#include "wl.h"

void nl_seterr(struct nl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void cli_usage(FILE *f)
{
	fputs(
"usage: nestlab run --kernel FILE --mem SIZE [options]\n"
"  --kernel FILE        guest-kernel ELF, or Linux as a bzImage or vmlinux ELF\n"
"  --initrd FILE        initramfs for a Linux kernel\n"
"  --mem SIZE           guest memory, e.g. 512M, 5G (4M..64G)\n"
"  --cpus N             vCPUs (1..64, default 1)\n"
"  --cmdline STR        guest command line, e.g. 'workload=mcf footprint=64M'\n"
"  --guest-paging P     demand (default) or prebuilt\n"
"  --guest-page-size S  4K (default) or 2M\n"
"  --json FILE          write the run's result document (docs/results.md)\n"
"  --timeout SEC        watchdog: stop the guest after SEC seconds\n"
"  --prefault           populate all guest memory before the guest starts\n"
"  --hide-tdp           offer SVM/VMX but no NPT/EPT (the guest shadows its guests)\n"
"  --hide-virt          offer no SVM/VMX at all\n"
"  --tsc-deadline       offer a Linux guest the TSC-deadline timer (off by default)\n"
"  --quiet              no summary on stderr\n"
"  --no-seccomp         run without the system-call filter (debugging; docs/security.md)\n"
"  --mem-sample MS      memory over time: sample every MS ms (default 250, 0 = off)\n"
"  --thp on|off         transparent huge pages for guest memory (default on)\n"
"  --ksm                let KSM merge identical guest pages (MADV_MERGEABLE)\n"
"  --disk FILE          a Linux guest's virtio disk (/dev/vda) on FILE, a regular file\n"
"                       whose size is a multiple of 512 (docs/abi.md, the virtio disk)\n"
"exit status: 0 ok, 1 guest failed, 2 bad input, 3 timeout, 4 host/KVM error,\n"
"  5 nestlab made a system call its filter forbids\n"
"\n"
"usage: nestlab nested --kernel LINUX --initrd L1-INITRAMFS --l1-mem SIZE\n"
"                      --paging shadow|nested --l2 SPEC... --json FILE\n"
"  one L1 Linux running L2 VMs (nestlab nested --help; docs/nested.md)\n"
"\n"
"usage: nestlab doctor\n"
"  what this host can run, and why not (docs/doctor.md)\n"
"\n"
"usage: nestlab stat [--json|--csv] [--sort count|time] [--level l0|l1|l2|all] DOC [DOC2]\n"
"  result documents as perf kvm stat / kvm_stat tables, or two side by side (docs/stat.md)\n",
	      f);
}

/* Sizes in the largest binary unit that is exact, as a user would write
 * them: a range of 4K..2M printed in MiB would read "0..2". */
static const char *cli_size_str(uint64_t v, char *buf, size_t n)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%llu bytes", (unsigned long long)v);
	else
		snprintf(buf, n, "%llu%c", (unsigned long long)v, units[u]);
	return buf;
}

int cli_size(const char *s, const char *name, uint64_t min, uint64_t max,
	     uint64_t *out, struct nl_err *err)
{
	char lo[32], hi[32];
	uint64_t v;

	if (wl_parse_size(s, strlen(s), &v) < 0) {
		nl_seterr(err, "%s: '%s' is not a size (digits with optional K, M, G, T)",
			  name, s);
		return -EINVAL;
	}
	if (v < min || v > max) {
		nl_seterr(err, "%s: %s is out of range (%s..%s)", name, s,
			  cli_size_str(min, lo, sizeof(lo)),
			  cli_size_str(max, hi, sizeof(hi)));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* getopt_long leaves an unknown short option in optopt, and optind may
 * still point at its cluster ("-xy"), so argv[optind - 1] can name the
 * argument before it. */
int cli_bad_option(char **argv, int c, struct nl_err *err)
{
	const char *arg = argv[optind - 1];

	/* only long options take values here, and getopt has stepped past them */
	if (c == ':')
		nl_seterr(err, "option %s needs a value", arg);
	else if (optopt > 0 && optopt < 128)
		nl_seterr(err, "unknown option '-%c'", optopt);
	else
		nl_seterr(err, "unknown option '%s'", arg);
	return -EINVAL;
}

int cli_uint(const char *s, const char *name, unsigned long min,
	     unsigned long max, unsigned int *out, struct nl_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = (unsigned int)v;
	return 0;
bad:
	nl_seterr(err, "%s: '%s' must be a whole number in %lu..%lu", name, s,
		  min, max);
	return -EINVAL;
}

enum { O_KERNEL = 256, O_MEM, O_CPUS, O_CMDLINE, O_JSON, O_TIMEOUT,
       O_PREFAULT, O_GPAGING, O_GPSIZE, O_QUIET, O_HELP, O_INITRD,
       O_HIDE_TDP, O_HIDE_VIRT, O_TSC_DEADLINE, O_NO_SECCOMP, O_MEM_SAMPLE,
       O_THP, O_KSM, O_DISK };

int cli_parse_run(int argc, char **argv, struct nl_config *cfg,
		  struct nl_err *err)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "mem", required_argument, NULL, O_MEM },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "cmdline", required_argument, NULL, O_CMDLINE },
		{ "json", required_argument, NULL, O_JSON },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "prefault", no_argument, NULL, O_PREFAULT },
		{ "guest-paging", required_argument, NULL, O_GPAGING },
		{ "guest-page-size", required_argument, NULL, O_GPSIZE },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, O_HELP },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "hide-tdp", no_argument, NULL, O_HIDE_TDP },
		{ "hide-virt", no_argument, NULL, O_HIDE_VIRT },
		{ "tsc-deadline", no_argument, NULL, O_TSC_DEADLINE },
		{ "no-seccomp", no_argument, NULL, O_NO_SECCOMP },
		{ "mem-sample", required_argument, NULL, O_MEM_SAMPLE },
		{ "thp", required_argument, NULL, O_THP },
		{ "ksm", no_argument, NULL, O_KSM },
		{ "disk", required_argument, NULL, O_DISK },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mem = false;
	int o;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->gpaging = NL_GP_DEMAND;
	cfg->gpage_size = 4096;
	cfg->mem_sample_ms = NL_MEM_SAMPLE_MS;
	optind = 0;   /* 0, not 1: glibc then also forgets a half-read "-xy" */
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case O_KERNEL:
			cfg->kernel = optarg;
			break;
		case O_MEM:
			if (cli_size(optarg, "--mem", 4ull << 20,
				     NL_MAX_MEM_GIB << 30, &cfg->mem, err))
				return -EINVAL;
			have_mem = true;
			break;
		case O_CPUS:
			if (cli_uint(optarg, "--cpus", 1, NL_MAX_VCPUS,
				       &cfg->cpus, err))
				return -EINVAL;
			break;
		case O_CMDLINE:
			if (strlen(optarg) >= sizeof(cfg->cmdline)) {
				nl_seterr(err, "--cmdline: longer than %zu bytes",
					  sizeof(cfg->cmdline) - 1);
				return -EINVAL;
			}
			strcpy(cfg->cmdline, optarg);
			break;
		case O_JSON:
			cfg->json = optarg;
			break;
		case O_TIMEOUT:
			if (cli_uint(optarg, "--timeout", 1, 86400 * 7,
				       &cfg->timeout_s, err))
				return -EINVAL;
			break;
		case O_PREFAULT:
			cfg->prefault = true;
			break;
		case O_GPAGING:
			if (!strcmp(optarg, "demand")) {
				cfg->gpaging = NL_GP_DEMAND;
			} else if (!strcmp(optarg, "prebuilt")) {
				cfg->gpaging = NL_GP_PREBUILT;
			} else {
				nl_seterr(err, "--guest-paging: '%s' is not demand or prebuilt",
					  optarg);
				return -EINVAL;
			}
			break;
		case O_GPSIZE:
			if (wl_parse_size(optarg, strlen(optarg), &cfg->gpage_size) < 0 ||
			    (cfg->gpage_size != 4096 && cfg->gpage_size != (2u << 20))) {
				nl_seterr(err, "--guest-page-size: must be 4K or 2M, not %s",
					  optarg);
				return -EINVAL;
			}
			break;
		case O_QUIET:
			cfg->quiet = true;
			break;
		case O_NO_SECCOMP:
			cfg->no_seccomp = true;
			break;
		case O_THP:
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				nl_seterr(err, "--thp: on or off, not '%s'", optarg);
				return -EINVAL;
			}
			cfg->no_thp = !strcmp(optarg, "off");
			break;
		case O_DISK:
			cfg->disk = optarg;
			break;
		case O_KSM:
			cfg->ksm = true;
			break;
		case O_MEM_SAMPLE:
			if (cli_uint(optarg, "--mem-sample", 0, 60000, &cfg->mem_sample_ms, err))
				return -EINVAL;
			break;
		case O_HELP:
			return 1;
		case O_INITRD:
			cfg->initrd = optarg;
			break;
		case O_HIDE_TDP:
			cfg->hide_tdp = true;
			break;
		case O_HIDE_VIRT:
			cfg->hide_virt = true;
			break;
		case O_TSC_DEADLINE:
			cfg->tsc_deadline = true;
			break;
		default:
			return cli_bad_option(argv, o, err);
		}
	}
	if (optind < argc) {
		nl_seterr(err, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->kernel) {
		nl_seterr(err, "--kernel FILE is required");
		return -EINVAL;
	}
	if (!have_mem) {
		nl_seterr(err, "--mem SIZE is required");
		return -EINVAL;
	}
	return 0;
}
