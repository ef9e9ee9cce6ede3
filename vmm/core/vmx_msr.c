// SPDX-License-Identifier: MIT
/*
 * Intel: hiding EPT from a guest hypervisor. EPT is not a CPUID bit; L1's
 * KVM reads it from the VMX capability MSRs, which KVM lets userspace
 * restrict (never widen) with KVM_SET_MSRS after KVM_SET_CPUID2. We clear
 * "enable EPT" and every secondary control that requires it in the
 * allowed-1 half of IA32_VMX_PROCBASED_CTLS2, and the EPT half of
 * IA32_VMX_EPT_VPID_CAP (VPID stays). Not yet run on Intel hardware.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nestlab.h"

#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP    0x48c

/* Secondary processor-based controls that need EPT (SDM vol. 3, 24.6.2,
 * and the VM-entry checks of 26.2.1.1). */
#define CTLS2_EPT                (1ull << 1)
#define CTLS2_UNRESTRICTED_GUEST (1ull << 7)
#define CTLS2_PML                (1ull << 17)
#define CTLS2_EPT_VE             (1ull << 18)
#define CTLS2_MODE_BASED_EXEC    (1ull << 22)
#define CTLS2_SPP                (1ull << 23)
#define CTLS2_NEEDS_EPT (CTLS2_EPT | CTLS2_UNRESTRICTED_GUEST | CTLS2_PML | \
			 CTLS2_EPT_VE | CTLS2_MODE_BASED_EXEC | CTLS2_SPP)

uint64_t vmx_ctls2_without_ept(uint64_t v)
{
	/* High dword: controls that may be 1. */
	return v & ~(CTLS2_NEEDS_EPT << 32);
}

uint64_t vmx_ept_vpid_cap_without_ept(uint64_t v)
{
	return v & 0xffffffff00000000ull;
}

int vmx_hide_ept(int vcpu_fd, struct nl_err *err)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 2;
	m.e[0].index = MSR_IA32_VMX_PROCBASED_CTLS2;
	m.e[1].index = MSR_IA32_VMX_EPT_VPID_CAP;
	if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 2) {
		nl_seterr(err, "KVM_GET_MSRS (VMX capabilities): this KVM offers no nested VMX");
		return -ENODEV;
	}
	m.e[0].data = vmx_ctls2_without_ept(m.e[0].data);
	m.e[1].data = vmx_ept_vpid_cap_without_ept(m.e[1].data);
	if (ioctl(vcpu_fd, KVM_SET_MSRS, &m) != 2) {
		nl_seterr(err, "KVM_SET_MSRS: KVM refused to hide EPT from the guest");
		return -ENODEV;
	}
	return 0;
}
