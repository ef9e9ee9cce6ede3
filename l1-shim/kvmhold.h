/* SPDX-License-Identifier: MIT */
/*
 * kvmhold.h: a VM with one vCPU held open from before the VMs a run
 * measures (kvmhold.c): l1-shim (nl.kvmhold=1) and the testbed's /init
 * (kvm_hold=1) both use it.
 */
#ifndef KVMHOLD_H
#define KVMHOLD_H

#include <stddef.h>

/* fd[0..2] get /dev/kvm, the VM and its vCPU 0, kept open by the caller.
 * On failure every fd this opened is closed again (fd[] all -1), msg says
 * which step failed and why, and -errno is returned. */
int kvm_hold_open(int fd[3], char *msg, size_t n);

#endif /* KVMHOLD_H */
