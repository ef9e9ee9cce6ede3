// SPDX-License-Identifier: MIT
/*
 * What the host is: kernel, CPU, and L0's paging mode as the loaded KVM
 * module reports it. The paging mode matters to every number nestlab
 * records, so it is read, never assumed.
 */
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "nestlab.h"
#include "procstat.h"

bool hostinfo_read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(buf, (int)n, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

static bool read_param(const char *mod, const char *param, char *buf, size_t n)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, param);
	return hostinfo_read_line(path, buf, n);
}

static bool yes(const char *v)
{
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static void cpu_ids(struct hostinfo *h)
{
	unsigned int a, b, c, d;
	uint32_t brand[12];

	__cpuid(0, a, b, c, d);
	memcpy(h->cpu_vendor + 0, &b, 4);
	memcpy(h->cpu_vendor + 4, &d, 4);
	memcpy(h->cpu_vendor + 8, &c, 4);
	h->cpu_vendor[12] = 0;
	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x80000004)
		return;
	for (unsigned int i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, brand[i * 4], brand[i * 4 + 1],
			brand[i * 4 + 2], brand[i * 4 + 3]);
	memcpy(h->cpu_model, brand, sizeof(brand) < sizeof(h->cpu_model) ?
	       sizeof(brand) : sizeof(h->cpu_model) - 1);
	h->cpu_model[sizeof(h->cpu_model) - 1] = 0;
	/* Brand strings are space-padded on the left on some parts. */
	char *p = h->cpu_model;

	while (*p == ' ')
		p++;
	memmove(h->cpu_model, p, strlen(p) + 1);
}

void hostinfo_read(struct hostinfo *h)
{
	struct utsname u;
	char v[64];

	memset(h, 0, sizeof(*h));
	if (!uname(&u)) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
		snprintf(h->machine, sizeof(h->machine), "%s", u.machine);
	}
	cpu_ids(h);
	/* memory techniques of the host, as they are: nestlab never sets them */
	if (!hostinfo_read_line("/sys/kernel/mm/transparent_hugepage/enabled", v, sizeof(v)) ||
	    procstat_thp_mode(v, h->thp_enabled, sizeof(h->thp_enabled)) < 0)
		h->thp_enabled[0] = 0;
	h->ksm_run = hostinfo_read_line("/sys/kernel/mm/ksm/run", v, sizeof(v)) ? atoi(v) : -1;
	h->ksm_pages_to_scan = hostinfo_read_line("/sys/kernel/mm/ksm/pages_to_scan", v, sizeof(v)) ?
			       atol(v) : -1;
	snprintf(h->l0_paging, sizeof(h->l0_paging), "unknown");
	if (read_param("kvm_intel", "ept", v, sizeof(v))) {
		snprintf(h->kvm_module, sizeof(h->kvm_module), "kvm_intel");
		snprintf(h->l0_paging, sizeof(h->l0_paging), yes(v) ? "ept" : "shadow");
		if (read_param("kvm_intel", "nested", v, sizeof(v)))
			h->nested = yes(v);
	} else if (read_param("kvm_amd", "npt", v, sizeof(v))) {
		snprintf(h->kvm_module, sizeof(h->kvm_module), "kvm_amd");
		snprintf(h->l0_paging, sizeof(h->l0_paging), yes(v) ? "npt" : "shadow");
		if (read_param("kvm_amd", "nested", v, sizeof(v)))
			h->nested = yes(v);
	} else if (read_param("kvm_pvm", "verbose", v, sizeof(v)) ||
		   read_param("kvm_pvm", "force", v, sizeof(v))) {
		/* PVM is a software hypervisor: always shadow paging, no VMX/SVM
		 * to offer guests. */
		snprintf(h->kvm_module, sizeof(h->kvm_module), "kvm_pvm");
		snprintf(h->l0_paging, sizeof(h->l0_paging), "shadow");
	}
}
