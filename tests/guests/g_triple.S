/* An exception with no IDT: #UD -> #DF -> triple fault. */
#include "guest.h"
	.text
	.globl _start
_start:
	lidt idtr
	ud2
	.data
idtr:	.word 0
	.quad 0
