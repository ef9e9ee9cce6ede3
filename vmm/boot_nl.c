// SPDX-License-Identifier: MIT
/*
 * Boot state for guest-kernel VMs (include/nestlab/abi.h, docs/abi.md):
 * a GDT, an identity map of all guest memory with 2 MiB pages, the boot
 * information block and the command line. The vCPUs then start directly in
 * 64-bit mode: no real-mode code, no firmware.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_PS  (1ull << 7)

#define CR0_PE  (1ull << 0)
#define CR0_MP  (1ull << 1)
#define CR0_ET  (1ull << 4)
#define CR0_NE  (1ull << 5)
#define CR0_WP  (1ull << 16)
#define CR0_PG  (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* GDT descriptors: flat 64-bit code, flat data, and a 64-bit TSS slot
 * (0x18) so TR holds a valid busy TSS as VMX entry checks demand. */
static const uint64_t boot_gdt[] = {
	0,
	0x00af9b000000ffffull, /* 0x08: code, L=1, DPL 0 */
	0x00cf93000000ffffull, /* 0x10: data, DPL 0 */
};

int boot_nl_setup(struct nl_mem *m, const struct nl_boot *b,
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

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void boot_nl_sregs(struct kvm_sregs *s)
{
	seg_flat(&s->cs, NL_SEL_CODE64, 0xb, true);
	seg_flat(&s->ds, NL_SEL_DATA, 0x3, false);
	s->es = s->fs = s->gs = s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.type = 0xb;             /* busy 64-bit TSS */
	s->tr.present = 1;
	s->tr.limit = 0x67;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = 0x2;
	s->ldt.unusable = 1;
	s->gdt.base = NL_GPA_GDT;
	s->gdt.limit = sizeof(boot_gdt) - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = NL_GPA_PML4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}

void boot_nl_regs(struct kvm_regs *r, uint64_t entry, unsigned int vcpu)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rdi = NL_GPA_BOOTINFO;
	r->rsi = vcpu;
	r->rflags = 0x2;
}
