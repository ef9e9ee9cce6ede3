/* SPDX-License-Identifier: MIT */
/*
 * guest-kernel entry points: boot (every vCPU), exception stubs, syscall
 * entry, the way into ring 3, and the kernel-only zeroed memory (stacks,
 * page tables). Only instructions that work on the pvm machine are used:
 * iretq to and back to ring 3, syscall from ring 3, no int $n, no sysret.
 */
#include "gk.h"

#define IMG_PTS 4   /* page tables for the image: 4 x 2 MiB = 8 MiB */

	.section .ktext.entry, "ax"
	.globl _start
_start:
	/* RDI = bootinfo GPA, RSI = vCPU index, RSP = 0. */
	xor %eax, %eax                   /* NL_MARK_BOOT */
	test %esi, %esi
	jnz ap_start
	mov $GK_PORT_MARK, %edx
	outl %eax, %dx                   /* vCPU 0: time to first instruction */
	rdtsc
	shl $32, %rdx
	or %rax, %rdx                    /* RDX = TSC at boot: kmain's tsc0 */
	lea kstacks + 4096 + KSTACK_SIZE(%rip), %rsp
	call kmain
	jmp halt_forever

ap_start:
	cmp $GK_NCPU_MAX, %rsi
	jae halt_forever                 /* no stack for it; vCPU 0 aborts the run */
	lea 1(%rsi), %rax
	imul $(4096 + KSTACK_SIZE), %rax
	lea kstacks(%rip), %rsp
	add %rax, %rsp
	mov %rsi, %rdi
	call ap_main
	/* fall through */

	.globl halt_forever
halt_forever:
	cli
1:	hlt
	jmp 1b

/* enter_user(rip, rsp, arg): first entry into ring 3, by iretq. */
	.globl enter_user
enter_user:
	pushq $(SEL_UDATA | 3)           /* SS */
	pushq %rsi                       /* RSP */
	pushq $0x202                     /* RFLAGS: IF (no interrupt sources exist) */
	pushq $(SEL_UCODE | 3)           /* CS */
	pushq %rdi                       /* RIP */
	mov %rdx, %rdi
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	iretq

/*
 * Exception stubs, 16 bytes apart: push a zero error code where the CPU
 * pushes none, push the vector, go to the common path.
 */
.macro STUB v
	.balign 16
	.if (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp exc_common
.endm

	.section .ktext, "ax"
	.balign 16
	.globl exc_stubs
exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
	.endr

/*
 * #PF fast path: a demand fault in the arena is handled here in about 45
 * instructions (each one emulated on the pvm machine), with no call and
 * four registers saved. Anything else goes to exc_common and C.
 * CPU frame: error code, RIP, CS, RFLAGS, RSP, SS.
 */
	.globl pf_entry
pf_entry:
	push %rax
	push %rdx
	push %rcx
	push %rbx
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, %rcx                   /* RCX = TSC at entry */
	mov %cr2, %rax
	movabs $ARENA_VA, %rdx
	sub %rdx, %rax                   /* RAX = offset in the arena */
	cmp pf_arena_map(%rip), %rax
	jae pf_slow
	mov 32(%rsp), %edx               /* error code: P=0, RSVD=0, U=1 */
	and $0xd, %edx
	cmp $4, %edx
	jne pf_slow
	mov pf_pool(%rip), %rbx          /* page directories, VA == GPA */
	mov %rax, %rdx
	shr $21, %rdx                    /* RDX = 2 MiB index in the arena */
	cmpb $0, pf_is_2m(%rip)
	jne pf_2m
	lea (%rbx,%rdx,8), %rbx          /* RBX = its page-directory entry */
	testb $1, (%rbx)
	jnz 1f
	shl $12, %rdx                    /* first fault in these 2 MiB: link */
	add pf_pt_base(%rip), %rdx       /* its page table (zero, from the */
	or $7, %rdx                      /* pool) */
	mov %rdx, (%rbx)
1:	mov %rax, %rdx
	shr $12, %rdx                    /* RDX = 4 KiB index in the arena */
	mov pf_pt_base(%rip), %rbx       /* page tables, contiguous */
	and $-0x1000, %rax
	add pf_pte_4k(%rip), %rax        /* arena GPA | U W P */
	mov %rax, (%rbx,%rdx,8)
pf_done:
	incq pf_faults(%rip)
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %rcx, %rax
	add %rax, pf_cycles(%rip)
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rax
	add $8, %rsp                     /* error code */
	iretq
pf_2m:
	and $-0x200000, %rax
	add pf_pte_2m(%rip), %rax        /* arena GPA | PS U W P */
	mov %rax, (%rbx,%rdx,8)
	jmp pf_done
pf_slow:
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rax
	pushq $14
	jmp exc_common

/* Saves only the caller-saved registers: exc_handler is C and keeps the
 * rest. It returns when the exception was handled (a demand fault). */
exc_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	cld
	call exc_handler
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp                    /* vector, error code */
	iretq

/*
 * syscall from ring 3: RCX = user RIP, R11 = user RFLAGS, RSP is still the
 * user's. Only vCPU 0 runs ring 3, so one saved-RSP slot and one kernel
 * stack pointer are enough (no swapgs, no per-CPU GS). Number in RAX,
 * argument in RDI; result in RAX; RCX, R11, RSI, RDX, R8-R10 clobbered.
 * Returns with iretq (sysretq does not work on the pvm machine).
 */
	.globl syscall_entry
syscall_entry:
	mov %rsp, syscall_ursp(%rip)
	mov syscall_kstack(%rip), %rsp
	pushq syscall_ursp(%rip)
	push %rcx
	push %r11
	sub $8, %rsp                     /* 16-byte alignment for the call */
	mov %rax, %rdx                   /* syscall_c(a0 = RDI, a1 = RSI, nr) */
	call syscall_c
	add $8, %rsp
	pop %r11
	pop %rcx
	pop %rdi
	pushq $(SEL_UDATA | 3)
	pushq %rdi
	pushq %r11
	pushq $(SEL_UCODE | 3)
	pushq %rcx
	xor %edi, %edi
	iretq

/* The fast #PF path's state, set by build_tables() (kernel-only). */
	.section .gk.kdata, "aw", @progbits
	.balign 64
	.globl pf_arena_map, pf_pool, pf_pt_base, pf_pte_4k, pf_pte_2m
	.globl pf_is_2m, pf_faults, pf_cycles
pf_arena_map:	.quad 0   /* bytes of arena that may be mapped; 0: none */
pf_pool:	.quad 0   /* GPA of the arena's page directories */
pf_pt_base:	.quad 0   /* GPA of its page tables (4 KiB pages) */
pf_pte_4k:	.quad 0   /* arena GPA | U W P */
pf_pte_2m:	.quad 0   /* arena GPA | PS U W P */
pf_faults:	.quad 0
pf_cycles:	.quad 0
pf_is_2m:	.byte 0

/* Kernel-only memory: mapped supervisor in the kernel's page tables. */
	.section .gk.kbss, "aw", @nobits
	.balign 4096
	.globl pml4, pdpt0, pd0, img_pt, kstacks, dfstacks
	.globl syscall_kstack
pml4:	.skip 4096
pdpt0:	.skip 4096
pd0:	.skip 4096
img_pt:	.skip 4096 * IMG_PTS
/* Per vCPU: an unmapped guard page, then the kernel stack. */
kstacks: .skip (4096 + KSTACK_SIZE) * GK_NCPU_MAX
dfstacks: .skip DFSTACK_SIZE * GK_NCPU_MAX
	.balign 4096
	.globl syscall_kstack_page
syscall_kstack_page:
syscall_kstack: .skip 8
syscall_ursp: .skip 8

/* The user stack: an unmapped guard page, then the stack. Only vCPU 0
 * ever runs ring 3; the others park in ring 0. */
	.section .gk.ustack, "aw", @nobits
	.balign 4096
	.globl ustacks
ustacks: .skip 4096 + USTACK_SIZE

	.section .note.GNU-stack, "", @progbits
