// SPDX-License-Identifier: MIT
/*
 * The facts nestlab doctor decides from (host/doctor.c): /dev/kvm and what
 * it offers, the KVM module's parameters (report/hostinfo.c), tracefs,
 * memory, and whether QEMU is there for the testbed. Reads only: nothing
 * on the host is changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nestlab.h"

static void meminfo(struct doctor_facts *f)
{
	char line[128];
	FILE *m = fopen("/proc/meminfo", "r");

	while (m && fgets(line, sizeof(line), m)) {
		unsigned long long v;

		if (sscanf(line, "MemTotal: %llu", &v) == 1)
			f->mem_total_kb = v;
		else if (sscanf(line, "MemAvailable: %llu", &v) == 1)
			f->mem_avail_kb = v;
	}
	if (m)
		fclose(m);
	if (hostinfo_read_line("/proc/sys/vm/overcommit_memory", line, sizeof(line)))
		f->overcommit_memory = atoi(line);
}

static void cpu_flags(struct doctor_facts *f)
{
	char line[4096];
	FILE *c = fopen("/proc/cpuinfo", "r");

	f->cpu_svm = f->cpu_vmx = -1;
	while (c && fgets(line, sizeof(line), c))
		if (!strncmp(line, "flags", 5)) {
			f->cpu_svm = strstr(line, " svm") != NULL;
			f->cpu_vmx = strstr(line, " vmx") != NULL;
			break;
		}
	if (c)
		fclose(c);
}

/* What KVM puts in the CPUID it offers guests: SVM (0x80000001 ECX bit 2)
 * or VMX (1 ECX bit 5), the features an L1 needs to run its own KVM. */
static void guest_virt(struct doctor_facts *f, int kvm)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));

	if (!c)
		return;
	c->nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
		for (unsigned int i = 0; i < c->nent; i++) {
			const struct kvm_cpuid_entry2 *e = &c->entries[i];

			if (e->function == 0x80000001 && e->ecx & (1u << 2))
				snprintf(f->guest_virt_name, sizeof(f->guest_virt_name), "SVM");
			if (e->function == 1 && e->ecx & (1u << 5))
				snprintf(f->guest_virt_name, sizeof(f->guest_virt_name), "VMX");
		}
	f->guest_virt = f->guest_virt_name[0] != 0;
	free(c);
}

static void kvm_facts(struct doctor_facts *f)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	const char *cap;

	if (kvm < 0) {
		f->kvm_errno = errno;
		return;
	}
	f->api_version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	snprintf(f->api_text, sizeof(f->api_text), "%d", f->api_version);
	/* the very list kvm_open refuses by */
	if ((cap = kvm_missing_cap(kvm, NULL)))
		snprintf(f->missing_cap, sizeof(f->missing_cap), "%s", cap);
	f->cap_stats = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0;
	f->cap_tsc_khz = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) > 0;
	f->cap_tsc_deadline = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	guest_virt(f, kvm);
	close(kvm);
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (n && !access(buf, X_OK))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

void doctor_probe(struct doctor_facts *f)
{
	struct hostinfo h;

	memset(f, 0, sizeof(*f));
	hostinfo_read(&h);
	snprintf(f->kernel, sizeof(f->kernel), "%s", h.kernel);
	snprintf(f->cpu_vendor, sizeof(f->cpu_vendor), "%s", h.cpu_vendor);
	snprintf(f->cpu_model, sizeof(f->cpu_model), "%s", h.cpu_model);
	for (size_t n = strlen(f->cpu_model); n && f->cpu_model[n - 1] == ' '; n--)
		f->cpu_model[n - 1] = 0;
	snprintf(f->module, sizeof(f->module), "%s", h.kvm_module);
	snprintf(f->l0_paging, sizeof(f->l0_paging), "%s", h.l0_paging);
	snprintf(f->thp, sizeof(f->thp), "%s", h.thp_enabled);
	f->ksm_run = h.ksm_run;
	/* hostinfo reads nested only where the module says; unknown else */
	f->nested = h.kvm_module[0] && strcmp(h.kvm_module, "kvm_pvm") ? h.nested : -1;
	f->l0_tdp = !strcmp(h.l0_paging, "shadow") ? 0 :
		    !strcmp(h.l0_paging, "ept") || !strcmp(h.l0_paging, "npt") ? 1 : -1;
	cpu_flags(f);
	kvm_facts(f);
	meminfo(f);
	f->tracefs = access("/sys/kernel/tracing/events/kvm", R_OK) ? 0 :
		     access("/sys/kernel/tracing/events/kvm/enable", W_OK) ? 1 : 2;
	f->qemu = on_path("qemu-system-x86_64");
}
