// SPDX-License-Identifier: MIT
/*
 * Boot state for guest-kernel VMs (include/nestlab/abi.h, docs/abi.md):
 * a GDT, an identity map of all guest memory with 2 MiB pages, the boot
 * information block and the command line. The vCPUs then start directly in
 * 64-bit mode: no real-mode code, no firmware. boot_gk_ops is this path as
 * an instance of the boot seam (struct boot_ops).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nestlab.h"

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_PS  (1ull << 7)

/* GDT descriptors: flat 64-bit code, flat data, and a 64-bit TSS slot
 * (0x18) so TR holds a valid busy TSS as VMX entry checks demand. */
static const uint64_t boot_gdt[] = {
	0,
	0x00af9b000000ffffull, /* 0x08: code, L=1, DPL 0 */
	0x00cf93000000ffffull, /* 0x10: data, DPL 0 */
};

const char *const boot_gk_own_keys[] = NL_GK_OWN_KEYS;

int boot_gk_setup(struct nl_mem *m, const struct gk_boot *b,
		  struct nl_err *err)
{
	uint64_t gib = (m->size + (1ull << 30) - 1) >> 30;
	size_t cl = strlen(b->cmdline);
	struct nl_bootinfo *bi;
	uint64_t *pml4, *pdpt;

	if (gib > NL_MAX_MEM_GIB) {
		nl_seterr(err, "guest memory above %llu GiB is not supported for guest-kernel VMs",
			  (unsigned long long)NL_MAX_MEM_GIB);
		return -EINVAL;
	}
	if (cl >= NL_CMDLINE_MAX) {
		nl_seterr(err, "command line longer than %u bytes", NL_CMDLINE_MAX - 1);
		return -EINVAL;
	}
	pml4 = mem_gpa(m, NL_GPA_PML4, 4096);
	pdpt = mem_gpa(m, NL_GPA_PDPT, 4096);
	bi = mem_gpa(m, NL_GPA_BOOTINFO, sizeof(*bi));
	if (!pml4 || !pdpt || !bi || !mem_gpa(m, NL_GPA_PD, gib * 4096) ||
	    NL_GPA_PD + NL_MAX_MEM_GIB * 4096 > NL_GPA_IMAGE_MIN) {
		nl_seterr(err, "guest memory too small for boot structures");
		return -EINVAL;
	}
	memcpy(mem_gpa(m, NL_GPA_GDT, sizeof(boot_gdt)), boot_gdt, sizeof(boot_gdt));
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = NL_GPA_PDPT | PTE_P | PTE_W;
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t *pd = mem_gpa(m, NL_GPA_PD + g * 4096, 4096);

		pdpt[g] = (NL_GPA_PD + g * 4096) | PTE_P | PTE_W;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);

			pd[i] = pa < m->size ? (pa | PTE_P | PTE_W | PTE_PS) : 0;
		}
	}
	memcpy(mem_gpa(m, NL_GPA_CMDLINE, cl + 1), b->cmdline, cl + 1);
	memset(bi, 0, sizeof(*bi));
	bi->magic = NL_BOOTINFO_MAGIC;
	bi->abi_version = NL_ABI_VERSION;
	bi->mem_size = m->size;
	bi->cmdline_gpa = NL_GPA_CMDLINE;
	bi->cmdline_len = (uint32_t)cl;
	bi->ncpus = b->ncpus;
	bi->free_start = b->free_start;
	bi->free_end = m->size;
	bi->tsc_khz = b->tsc_khz;
	return 0;
}

void boot_gk_sregs(struct kvm_sregs *s)
{
	const struct longmode lm = {
		.code_sel = NL_SEL_CODE64,
		.data_sel = NL_SEL_DATA,
		.gdt_base = NL_GPA_GDT,
		.gdt_limit = sizeof(boot_gdt) - 1,
		.cr3 = NL_GPA_PML4,
	};

	longmode_sregs(s, &lm);
}

void boot_gk_regs(struct kvm_regs *r, uint64_t entry, unsigned int vcpu)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rdi = NL_GPA_BOOTINFO;
	r->rsi = vcpu;
	r->rflags = 0x2;
}

static int gk_load(struct nl_vm *vm, const uint8_t *file, size_t len,
		   struct nl_err *err)
{
	(void)file;
	(void)len;
	if (vm->cfg->initrd) {
		nl_seterr(err, "--initrd is for Linux kernels; %s is an ELF guest without a \"Linux\" note",
			  vm->cfg->kernel);
		return -EINVAL;
	}
	return elf_load(vm->cfg->kernel, &vm->mem, NL_GPA_IMAGE_MIN, &vm->img, err);
}

/* Every vCPU starts at the entry point at once, told its index in RSI. */
static bool gk_vcpu_state(const struct nl_vm *vm, unsigned int id,
			  struct kvm_sregs *s, struct kvm_regs *r)
{
	boot_gk_sregs(s);
	boot_gk_regs(r, vm->img.entry, id);
	return true;
}

/* The boot information carries the TSC rate, which KVM tells only once a
 * vCPU exists; the command line gets the paging policy options. */
static int gk_ready(struct nl_vm *vm, struct nl_err *err)
{
	const struct nl_config *cfg = vm->cfg;
	char cmdline[NL_CMDLINE_MAX + 64];
	struct gk_boot b = {
		.entry = vm->img.entry,
		.free_start = (vm->img.hi + (2ull << 20) - 1) & ~((2ull << 20) - 1),
		.tsc_khz = vm->tsc_khz,
		.ncpus = vm->ncpus,
		.cmdline = cmdline,
	};

	snprintf(cmdline, sizeof(cmdline), "%s%spaging=%s pagesize=%s", cfg->cmdline,
		 cfg->cmdline[0] ? " " : "",
		 cfg->gpaging == NL_GP_PREBUILT ? "prebuilt" : "demand",
		 cfg->gpage_size == 4096 ? "4K" : "2M");
	return boot_gk_setup(&vm->mem, &b, err);
}

const struct boot_ops boot_gk_ops = {
	.kind = "elf",
	.load = gk_load,
	.vcpu_state = gk_vcpu_state,
	.ready = gk_ready,
};
