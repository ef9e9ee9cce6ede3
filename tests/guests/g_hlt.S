/* vCPU 0 halts without an exit status. */
#include "guest.h"
	.text
	.globl _start
_start:
	cli
	hlt
	jmp _start
