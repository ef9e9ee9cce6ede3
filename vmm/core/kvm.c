// SPDX-License-Identifier: MIT
/* /dev/kvm: access, API version and every capability nestlab relies on. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nestlab.h"

#define CPUID_MAX_ENTRIES 256

struct cap_need {
	long cap;
	const char *name;
	const char *why;
};

static const struct cap_need caps_required[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory from userspace" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_SET_CPUID2" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "the watchdog" },
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS", "vCPU limit" },
};

const char *kvm_missing_cap(int kvm_fd, const char **why)
{
	for (size_t i = 0; i < sizeof(caps_required) / sizeof(caps_required[0]); i++)
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps_required[i].cap) <= 0) {
			if (why)
				*why = caps_required[i].why;
			return caps_required[i].name;
		}
	return NULL;
}

int kvm_open(struct nl_kvm *k, struct nl_err *err)
{
	const char *cap, *why;
	int v;

	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		int e = errno;

		if (e == ENOENT)
			nl_seterr(err, "/dev/kvm does not exist: load kvm_intel or kvm_amd, or enable virtualization in firmware; "
				  "elsewhere tests/testbed/testbed.sh runs nestlab under QEMU (`nestlab doctor` says what this host can run)");
		else if (e == EACCES || e == EPERM)
			nl_seterr(err, "/dev/kvm: permission denied (add yourself to the 'kvm' group or run as root)");
		else
			nl_seterr(err, "/dev/kvm: %s", strerror(e));
		return -e;
	}
	v = ioctl(k->fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		nl_seterr(err, "KVM_GET_API_VERSION returned %d, nestlab needs %d", v,
			  KVM_API_VERSION);
		goto fail;
	}
	if ((cap = kvm_missing_cap(k->fd, &why))) {
		nl_seterr(err, "KVM lacks %s (needed for %s)", cap, why);
		goto fail;
	}
	k->stats = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0;
	k->tsc_khz = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) > 0;
	k->tsc_deadline = ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	k->vcpu_mmap_size = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		nl_seterr(err, "KVM_GET_VCPU_MMAP_SIZE: %s",
			  k->vcpu_mmap_size < 0 ? strerror(errno) : "too small");
		goto fail;
	}
	k->cpuid = calloc(1, sizeof(*k->cpuid) +
			  CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!k->cpuid) {
		nl_seterr(err, "out of memory");
		goto fail;
	}
	k->cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(k->fd, KVM_GET_SUPPORTED_CPUID, k->cpuid) < 0) {
		nl_seterr(err, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	kvm_close(k);
	return -ENODEV;
}

void kvm_close(struct nl_kvm *k)
{
	free(k->cpuid);
	k->cpuid = NULL;
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
