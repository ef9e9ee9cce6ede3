// SPDX-License-Identifier: MIT
/*
 * nestlab doctor's decisions (vmm/host/doctor.c) over recorded host
 * facts: no /dev/kvm (with and without QEMU for the testbed), kvm_pvm (our
 * device machine: /dev/kvm, but no SVM/VMX for guests), AMD with npt=0,
 * Intel with nested=0, Intel with EPT, a read-only tracefs, a /dev/kvm
 * without permission; and the exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nestlab.h"

/* a host that can do everything: AMD, npt=1, nested=1, SVM offered */
static struct doctor_facts good(void)
{
	struct doctor_facts f = {
		.kernel = "6.1.0-57-amd64", .cpu_vendor = "AuthenticAMD", .cpu_model = "EPYC",
		.cpu_svm = 1, .cpu_vmx = 0, .api_version = 12, .api_text = "12",
		.cap_stats = true, .cap_tsc_khz = true, .cap_tsc_deadline = true,
		.module = "kvm_amd", .nested = 1, .l0_tdp = 1, .l0_paging = "npt",
		.guest_virt = true, .guest_virt_name = "SVM", .tracefs = 2, .thp = "always",
		.mem_total_kb = 16 << 20, .mem_avail_kb = 12 << 20, .qemu = true,
	};
	return f;
}

static void decide(const struct doctor_facts *f, struct doctor_verdict *v)
{
	doctor_decide(f, v);
	for (int i = 0; i < DOCTOR_NITEMS; i++)
		assert_true(v[i].why[0]); /* every verdict says why */
}

#define HAS(v, s) assert_non_null(strstr((v).why, (s)))

static void all_here(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_RUN].can, DOCTOR_CAN);
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_CAN);
	HAS(v[DOCTOR_SHADOW], "SVM");
	assert_int_equal(v[DOCTOR_NESTED].can, DOCTOR_CAN);
	/* L0 uses NPT, so it cannot shadow L1: only the testbed can */
	assert_int_equal(v[DOCTOR_SOS].can, DOCTOR_TESTBED);
	HAS(v[DOCTOR_SOS], "L0 uses TDP");
	assert_int_equal(v[DOCTOR_TRACE].can, DOCTOR_CAN);
	assert_int_equal(doctor_status(v), 0);
}

static void no_dev_kvm(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	f.kvm_errno = ENOENT;
	f.module[0] = 0;
	decide(&f, v);
	for (int i = 0; i < DOCTOR_NITEMS; i++)
		assert_int_equal(v[i].can, DOCTOR_TESTBED);
	HAS(v[DOCTOR_RUN], "no /dev/kvm (no KVM module loaded");
	HAS(v[DOCTOR_RUN], "tests/testbed/testbed.sh");
	assert_int_equal(doctor_status(v), 1);
	/* a module loaded but no device node (a container) */
	snprintf(f.module, sizeof(f.module), "kvm_pvm");
	decide(&f, v);
	HAS(v[DOCTOR_RUN], "though kvm_pvm is loaded");
	/* and no QEMU either: nothing runs */
	f.qemu = false;
	decide(&f, v);
	for (int i = 0; i < DOCTOR_NITEMS; i++)
		assert_int_equal(v[i].can, DOCTOR_CANNOT);
	HAS(v[DOCTOR_RUN], "no qemu-system-x86_64");
}

static void pvm(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	snprintf(f.module, sizeof(f.module), "kvm_pvm");
	snprintf(f.l0_paging, sizeof(f.l0_paging), "shadow");
	f.nested = -1;
	f.l0_tdp = 0;
	f.guest_virt = false;
	f.guest_virt_name[0] = 0;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_RUN].can, DOCTOR_CAN);
	for (int i = DOCTOR_SHADOW; i <= DOCTOR_SOS; i++) {
		assert_int_equal(v[i].can, DOCTOR_TESTBED);
		HAS(v[i], "kvm_pvm is a software hypervisor");
	}
	assert_int_equal(doctor_status(v), 1);
}

static void amd_npt0(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	f.l0_tdp = 0;
	snprintf(f.l0_paging, sizeof(f.l0_paging), "shadow");
	decide(&f, v);
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_CAN);
	assert_int_equal(v[DOCTOR_NESTED].can, DOCTOR_TESTBED);
	HAS(v[DOCTOR_NESTED], "needs L0's npt=1; here npt=0");
	/* L0 shadows: shadow-on-shadow runs right here */
	assert_int_equal(v[DOCTOR_SOS].can, DOCTOR_CAN);
	HAS(v[DOCTOR_SOS], "npt=0");
	assert_int_equal(doctor_status(v), 0);
}

static void intel_nested0(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	snprintf(f.module, sizeof(f.module), "kvm_intel");
	snprintf(f.l0_paging, sizeof(f.l0_paging), "ept");
	f.nested = 0;
	f.guest_virt = false;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_RUN].can, DOCTOR_CAN);
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_TESTBED);
	HAS(v[DOCTOR_SHADOW], "kvm_intel has nested=0");
	assert_int_equal(v[DOCTOR_NESTED].can, DOCTOR_TESTBED);
	assert_int_equal(doctor_status(v), 1);
}

static void intel_ept(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	snprintf(f.module, sizeof(f.module), "kvm_intel");
	snprintf(f.l0_paging, sizeof(f.l0_paging), "ept");
	snprintf(f.guest_virt_name, sizeof(f.guest_virt_name), "VMX");
	decide(&f, v);
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_CAN);
	HAS(v[DOCTOR_SHADOW], "VMX");
	assert_int_equal(v[DOCTOR_NESTED].can, DOCTOR_CAN);
	HAS(v[DOCTOR_NESTED], "ept");
	f.l0_tdp = 0;
	decide(&f, v);
	HAS(v[DOCTOR_NESTED], "needs L0's ept=1; here ept=0");
	/* nested=1, but KVM puts no VMX in the CPUID it offers */
	f = good();
	f.guest_virt = false;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_TESTBED);
	HAS(v[DOCTOR_SHADOW], "neither SVM nor VMX");
}

static void tracefs_and_access(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];

	(void)state;
	f.tracefs = 1;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_TRACE].can, DOCTOR_CANNOT);
	HAS(v[DOCTOR_TRACE], "read-only");
	assert_int_equal(v[DOCTOR_SHADOW].can, DOCTOR_CAN); /* tracing is not nesting */
	f.tracefs = 0;
	decide(&f, v);
	HAS(v[DOCTOR_TRACE], "no tracefs");
	f = good();
	f.kvm_errno = EACCES;
	decide(&f, v);
	assert_int_equal(v[DOCTOR_RUN].can, DOCTOR_CANNOT);
	HAS(v[DOCTOR_RUN], "permission denied");
	f = good();
	f.api_version = 11;
	snprintf(f.api_text, sizeof(f.api_text), "11");
	decide(&f, v);
	HAS(v[DOCTOR_RUN], "API version 11");
	f = good();
	snprintf(f.missing_cap, sizeof(f.missing_cap), "KVM_CAP_IMMEDIATE_EXIT");
	decide(&f, v);
	HAS(v[DOCTOR_RUN], "lacks KVM_CAP_IMMEDIATE_EXIT");
	assert_int_equal(doctor_status(v), 1);
}

/* The printed report names every item and says the exit status. */
static void printed(void **state)
{
	struct doctor_facts f = good();
	struct doctor_verdict v[DOCTOR_NITEMS];
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	decide(&f, v);
	doctor_print(out, &f, v);
	fclose(out);
	for (int i = 0; i < DOCTOR_NITEMS; i++)
		assert_non_null(strstr(buf, doctor_item_names[i]));
	assert_non_null(strstr(buf, "offered to guests SVM"));
	assert_non_null(strstr(buf, "possible on this host (exit status 0)"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_here),      cmocka_unit_test(no_dev_kvm),
		cmocka_unit_test(pvm),           cmocka_unit_test(amd_npt0),
		cmocka_unit_test(intel_nested0), cmocka_unit_test(intel_ept),
		cmocka_unit_test(tracefs_and_access), cmocka_unit_test(printed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
