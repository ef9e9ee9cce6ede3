/* Never exits: only the watchdog ends it. Two known words pushed on a
 * stack of its own first, which the stop's state_at_stop.stack_words
 * must show (vmm/core/gva.c walks nestlab's page tables to them). */
#include "guest.h"
	.text
	.globl _start
_start:
	lea stack_top(%rip), %rsp
	movabs $0x5741544b4e4f4c47, %rax
	push %rax
	movabs $0xffffffff81a5267b, %rax
	push %rax
	OUTL NL_PORT_MARK, 0
1:	pause
	jmp 1b

	.bss
	.balign 4096
	.skip 4096
stack_top:
