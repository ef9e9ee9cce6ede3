/* Benchmark guest: 100000 no-op port exits between two marks, then exit.
 * (bench/portrt.c runs the same loop under a raw KVM_RUN loop.) */
#include "guest.h"
	.text
	.globl _start
_start:
	OUTL NL_PORT_MARK, 0
	OUTL NL_PORT_MARK, 1
	mov $100000, %ecx
	mov $NL_PORT_NOP, %dx
1:	out %eax, %dx
	dec %ecx
	jnz 1b
	OUTL NL_PORT_MARK, 2
	OUTL NL_PORT_EXIT, 0
	hlt
