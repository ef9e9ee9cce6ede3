// SPDX-License-Identifier: MIT
/*
 * The MSRs a Linux guest finds at boot, set explicitly on every vCPU
 * instead of trusting whatever KVM's reset state happens to be. Firmware
 * would have done this on a PC; without firmware, nestlab does what matters
 * to Linux (docs/linux-boot.md, "MSRs"):
 *
 *   - the TSC: each vCPU writes 0 within the same moment. KVM matches
 *     host writes of one value close together and keeps those TSCs in
 *     step, so the guest's TSC sync check across CPUs holds;
 *   - MTRRdefType: MTRRs on, all memory write-back. With MTRRs off Linux
 *     decides the firmware disabled them and skips PAT set-up, leaving no
 *     write-combining mappings. KVM itself ignores guest MTRRs for RAM
 *     when no device does non-coherent DMA, so this changes only the
 *     guest's own view;
 *   - MISC_ENABLE's fast-string bit, which firmware sets and Linux reads
 *     to decide whether rep movs/stos are fast;
 *   - the SYSENTER and SYSCALL MSRs and KERNEL_GS_BASE: zero, their
 *     architectural reset values, written so the boot state is the
 *     table below and nothing else.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nestlab.h"

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_MISC_ENABLE    0x000001a0
#define MSR_MTRR_DEF_TYPE       0x000002ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define MISC_ENABLE_FAST_STRING (1ull << 0)
#define MTRR_DEF_ENABLE         (1ull << 11)
#define MTRR_TYPE_WB            6ull

static const struct {
	uint32_t index;
	uint64_t value;
	const char *name;
} linux_boot_msrs[] = {
	{ MSR_IA32_TSC, 0, "IA32_TSC" },
	{ MSR_MTRR_DEF_TYPE, MTRR_DEF_ENABLE | MTRR_TYPE_WB, "MTRRdefType" },
	{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING, "IA32_MISC_ENABLE" },
	{ MSR_IA32_SYSENTER_CS, 0, "SYSENTER_CS" },
	{ MSR_IA32_SYSENTER_ESP, 0, "SYSENTER_ESP" },
	{ MSR_IA32_SYSENTER_EIP, 0, "SYSENTER_EIP" },
	{ MSR_STAR, 0, "STAR" },
	{ MSR_LSTAR, 0, "LSTAR" },
	{ MSR_CSTAR, 0, "CSTAR" },
	{ MSR_SYSCALL_MASK, 0, "SYSCALL_MASK" },
	{ MSR_KERNEL_GS_BASE, 0, "KERNEL_GS_BASE" },
};
#define NMSRS (sizeof(linux_boot_msrs) / sizeof(linux_boot_msrs[0]))

unsigned int msrs_linux_boot(struct kvm_msr_entry *out, unsigned int max)
{
	unsigned int n = NMSRS < max ? (unsigned int)NMSRS : max;

	for (unsigned int i = 0; i < n; i++)
		out[i] = (struct kvm_msr_entry){ .index = linux_boot_msrs[i].index,
						 .data = linux_boot_msrs[i].value };
	return n;
}

int msrs_linux_set(int vcpu_fd, unsigned int vcpu, struct nl_err *err)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[NMSRS];
	} m;
	int r;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = msrs_linux_boot(m.e, NMSRS);
	/* KVM_SET_MSRS stops at the first MSR it refuses and returns how many
	 * it set: that count names the culprit. */
	r = ioctl(vcpu_fd, KVM_SET_MSRS, &m);
	if (r < 0) {
		nl_seterr(err, "KVM_SET_MSRS on vCPU %u: %s", vcpu, strerror(errno));
		return -ENODEV;
	}
	if ((unsigned int)r < m.h.nmsrs) {
		nl_seterr(err, "KVM_SET_MSRS on vCPU %u: KVM refused %s (0x%x) = 0x%llx",
			  vcpu, linux_boot_msrs[r].name, linux_boot_msrs[r].index,
			  (unsigned long long)linux_boot_msrs[r].value);
		return -ENODEV;
	}
	return 0;
}
