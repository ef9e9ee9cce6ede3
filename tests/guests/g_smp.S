/* vCPU 0 waits for every other vCPU to park, then exits 0; the others
 * send a PARK record. Tests that all vCPUs start in 64-bit mode. */
#include "guest.h"
	.text
	.globl _start
_start:
	test %esi, %esi
	jnz ap
	mov (0x2000 + 28), %ecx          /* bootinfo.ncpus */
	dec %ecx
1:	cmp %ecx, count(%rip)
	jne 1b
	OUTL NL_PORT_EXIT, 0
	hlt
ap:	lock incl count(%rip)
	OUTL NL_PORT_CALL, rec_park
	hlt
	.data
	.balign 8
count:	.long 0
	.balign 8
rec_park:	REC 5, 16
