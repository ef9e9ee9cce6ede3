// SPDX-License-Identifier: MIT
/*
 * kvmhold.c: see kvmhold.h.
 *
 * Why hold a VM at all: KVM flips static keys on its first VM and vCPU
 * (preempt_notifier_key, which sits in __schedule, and
 * kvm_has_noapic_vcpu) and flips them back after the last. Each flip
 * rewrites kernel text on every CPU. Held, they flip once while the
 * machine is quiet, never while the measured VMs start and stop: the
 * testbed's emulated SVM can leave a vCPU stuck on such a site while it is
 * rewritten (docs/testbed.md, known problems). Real CPUs need no hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmhold.h"

int kvm_hold_open(int fd[3], char *msg, size_t n)
{
	static const char *const step[3] = { "/dev/kvm", "KVM_CREATE_VM", "KVM_CREATE_VCPU" };
	int i, err;

	fd[0] = fd[1] = fd[2] = -1;
	for (i = 0; i < 3; i++) {
		if (i == 0)
			fd[0] = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		else
			fd[i] = ioctl(fd[i - 1], i == 1 ? KVM_CREATE_VM : KVM_CREATE_VCPU, 0);
		if (fd[i] < 0)
			break;
	}
	if (i == 3)
		return 0;
	err = errno;
	snprintf(msg, n, "kvm hold: %s: %s", step[i], strerror(err));
	while (i-- > 0) {
		close(fd[i]);
		fd[i] = -1;
	}
	return -err;
}
