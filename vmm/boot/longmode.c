// SPDX-License-Identifier: MIT
/*
 * The segment and control-register state of a vCPU that starts directly
 * in 64-bit long mode: shared by the guest-kernel and the Linux boot
 * paths, which differ only in their selectors, GDT and page tables.
 */
#include <string.h>

#include "nestlab.h"

#define CR0_PE  (1ull << 0)
#define CR0_MP  (1ull << 1)
#define CR0_ET  (1ull << 4)
#define CR0_NE  (1ull << 5)
#define CR0_WP  (1ull << 16)
#define CR0_PG  (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

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

void longmode_sregs(struct kvm_sregs *s, const struct longmode *lm)
{
	seg_flat(&s->cs, lm->code_sel, 0xb, true);   /* execute/read, accessed */
	seg_flat(&s->ds, lm->data_sel, 0x3, false);  /* read/write, accessed */
	s->es = s->fs = s->gs = s->ss = s->ds;
	/* VMX entry wants a usable busy 64-bit TSS in TR even though nothing
	 * uses it before the guest loads its own. */
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.type = 0xb;
	s->tr.present = 1;
	s->tr.limit = 0x67;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = 0x2;
	s->ldt.unusable = 1;
	s->gdt.base = lm->gdt_base;
	s->gdt.limit = lm->gdt_limit;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = lm->cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}
