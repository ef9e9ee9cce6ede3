// SPDX-License-Identifier: MIT
/*
 * nestlab doctor: what this host can run, and why not (docs/doctor.md).
 * The decisions are a pure function of recorded facts (host/probe.c
 * gathers them), so that every host we cannot sit at (no /dev/kvm,
 * kvm_pvm, npt=0, an Intel host with nested=0 ...) is a unit test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nestlab.h"

const char *const doctor_item_names[DOCTOR_NITEMS] = {
	"run", "nested --paging shadow", "nested --paging nested", "shadow-on-shadow",
	"L0 exit tracing",
};
static const char *const verdict_names[] = { "can run here", "needs the testbed", "cannot" };

static void set(struct doctor_verdict *v, enum doctor_can can, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set(struct doctor_verdict *v, enum doctor_can can, const char *fmt, ...)
{
	va_list ap;

	v->can = can;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

/* The testbed stands in when this host cannot: QEMU's TCG with SVM. */
static void or_testbed(const struct doctor_facts *f, struct doctor_verdict *v, const char *why)
{
	if (f->qemu)
		set(v, DOCTOR_TESTBED, "%s: run it through tests/testbed/testbed.sh (QEMU found)", why);
	else
		set(v, DOCTOR_CANNOT, "%s, and no qemu-system-x86_64 for the testbed", why);
}

void doctor_decide(const struct doctor_facts *f, struct doctor_verdict v[DOCTOR_NITEMS])
{
	const char *mod = f->module[0] ? f->module : "the KVM module";
	const char *tdp = !strcmp(f->module, "kvm_intel") ? "ept" : "npt";
	bool flat = false;

	memset(v, 0, sizeof(*v) * DOCTOR_NITEMS);
	/* flat VMs: /dev/kvm, API 12, the capabilities kvm_open requires */
	if (f->kvm_errno == ENOENT && f->module[0]) {
		char why[128];

		snprintf(why, sizeof(why), "no /dev/kvm, though %s is loaded (a container without the device node?)",
			 f->module);
		or_testbed(f, &v[DOCTOR_RUN], why);
	} else if (f->kvm_errno == ENOENT) {
		or_testbed(f, &v[DOCTOR_RUN], "no /dev/kvm (no KVM module loaded, or virtualization off in firmware)");
	}
	else if (f->kvm_errno == EACCES || f->kvm_errno == EPERM)
		set(&v[DOCTOR_RUN], DOCTOR_CANNOT,
		    "/dev/kvm: permission denied (join the 'kvm' group, or run as root)");
	else if (f->kvm_errno)
		set(&v[DOCTOR_RUN], DOCTOR_CANNOT, "/dev/kvm: %s", strerror(f->kvm_errno));
	else if (f->api_version != KVM_API_VERSION)
		set(&v[DOCTOR_RUN], DOCTOR_CANNOT, "KVM API version %s, nestlab needs 12", f->api_text);
	else if (f->missing_cap[0])
		set(&v[DOCTOR_RUN], DOCTOR_CANNOT, "KVM lacks %s", f->missing_cap);
	else
		set(&v[DOCTOR_RUN], DOCTOR_CAN, "/dev/kvm works (%s, L0 paging %s)", mod, f->l0_paging);
	flat = v[DOCTOR_RUN].can == DOCTOR_CAN;

	/* nested: L1 runs its own KVM, so L0's must offer SVM or VMX to guests */
	struct doctor_verdict *sh = &v[DOCTOR_SHADOW], *np = &v[DOCTOR_NESTED], *sos = &v[DOCTOR_SOS];

	if (!flat) {
		or_testbed(f, sh, "no working /dev/kvm here");
	} else if (!strcmp(f->module, "kvm_pvm")) {
		or_testbed(f, sh, "kvm_pvm is a software hypervisor: it offers no SVM or VMX to guests");
	} else if (f->nested == 0) {
		char why[128];

		snprintf(why, sizeof(why), "%s has nested=0 (reload it with nested=1 to run L1's KVM)", mod);
		or_testbed(f, sh, why);
	} else if (!f->guest_virt) {
		or_testbed(f, sh, "KVM offers neither SVM nor VMX in the CPUID it gives guests");
	} else {
		set(sh, DOCTOR_CAN, "L0's KVM offers %s to L1 (nested=1)", f->guest_virt_name);
	}
	if (sh->can != DOCTOR_CAN) {
		*np = *sh;
	} else if (f->l0_tdp == 0) {
		char why[128];

		snprintf(why, sizeof(why), "L1's nested paging needs L0's %s=1; here %s=0", tdp, tdp);
		or_testbed(f, np, why);
	} else {
		set(np, DOCTOR_CAN, "L0 uses %s and offers it to L1", f->l0_paging);
	}
	/* shadow-on-shadow: L0 itself shadows L1 (npt/ept=0), which only the
	 * testbed lets nestlab choose: the host's module parameters are not ours */
	if (sh->can != DOCTOR_CAN)
		*sos = *sh;
	else if (f->l0_tdp == 0)
		set(sos, DOCTOR_CAN, "L0 shadows L1's page tables (%s=0)", tdp);
	else
		or_testbed(f, sos, "shadow-on-shadow needs L0 itself on shadow paging, and here L0 uses TDP");

	/* L0 exit tracing reads kvm events from tracefs */
	struct doctor_verdict *tr = &v[DOCTOR_TRACE];

	if (!flat)
		*tr = v[DOCTOR_RUN];
	else if (f->tracefs == 2)
		set(tr, DOCTOR_CAN, "tracefs has the kvm events and can be written");
	else if (f->tracefs == 1)
		set(tr, DOCTOR_CANNOT,
		    "tracefs is read-only here: turning kvm events on needs write access (root)");
	else
		set(tr, DOCTOR_CANNOT, "no tracefs with kvm events (mount -t tracefs nodev /sys/kernel/tracing)");
}

int doctor_status(const struct doctor_verdict v[DOCTOR_NITEMS])
{
	return v[DOCTOR_SHADOW].can == DOCTOR_CAN ? 0 : 1;
}

static const char *tri(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

void doctor_print(FILE *out, const struct doctor_facts *f, const struct doctor_verdict v[DOCTOR_NITEMS])
{
	fprintf(out, "nestlab doctor: what this host can run (docs/doctor.md)\n\nThe host\n");
	fprintf(out, "  kernel            %s\n", f->kernel[0] ? f->kernel : "unknown");
	fprintf(out, "  CPU               %s %s (svm %s, vmx %s in /proc/cpuinfo)\n",
		f->cpu_vendor[0] ? f->cpu_vendor : "unknown", f->cpu_model, tri(f->cpu_svm), tri(f->cpu_vmx));
	if (f->kvm_errno)
		fprintf(out, "  /dev/kvm          %s\n", strerror(f->kvm_errno));
	else
		fprintf(out, "  /dev/kvm          API %s; optional: binary stats %s, TSC kHz %s, TSC deadline %s\n",
			f->api_text, tri(f->cap_stats), tri(f->cap_tsc_khz), tri(f->cap_tsc_deadline));
	fprintf(out, "  KVM module        %s, nested %s, L0 paging %s\n",
		f->module[0] ? f->module : "none", tri(f->nested), f->l0_paging);
	fprintf(out, "  offered to guests %s\n", f->guest_virt ? f->guest_virt_name : "no SVM or VMX");
	fprintf(out, "  tracefs           %s\n",
		f->tracefs == 2 ? "kvm events, writable" : f->tracefs == 1 ? "kvm events, read-only" : "no kvm events");
	fprintf(out, "  THP               %s; KSM run %d\n", f->thp[0] ? f->thp : "unknown", f->ksm_run);
	fprintf(out, "  memory            %llu MiB, %llu MiB available; overcommit_memory %d\n",
		(unsigned long long)(f->mem_total_kb >> 10), (unsigned long long)(f->mem_avail_kb >> 10),
		f->overcommit_memory);
	fprintf(out, "  testbed           %s\n", f->qemu ? "qemu-system-x86_64 found" : "no qemu-system-x86_64");
	fprintf(out, "\nWhat nestlab can do here\n");
	for (int i = 0; i < DOCTOR_NITEMS; i++)
		fprintf(out, "  %-24s %-18s %s\n", doctor_item_names[i], verdict_names[v[i].can], v[i].why);
	fprintf(out, "\n%s\n", doctor_status(v) ? "Nested runs are not possible on this host itself (exit status 1)."
						 : "Nested runs are possible on this host (exit status 0).");
}
