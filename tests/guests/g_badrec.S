/* Sends records the VMM must reject without touching memory outside the
 * guest, then a good one, then exits 0. */
#include "guest.h"
	.text
	.globl _start
_start:
	OUTL NL_PORT_CALL, 0xfffffff0   /* beyond guest memory */
	OUTL NL_PORT_CALL, rec_magic    /* bad magic */
	OUTL NL_PORT_CALL, rec_short    /* length below the header */
	OUTL NL_PORT_CALL, rec_huge     /* length above NL_REC_MAX */
	OUTL NL_PORT_CALL, rec_type     /* unknown type */
	OUTL NL_PORT_CALL, rec_result   /* RESULT with wrong payload size */
	mov (0x2000 + 8), %eax          /* bootinfo.mem_size (low half) */
	sub $8, %eax                    /* header that runs past the end */
	mov %eax, %ebx
	movl $NL_REC_MAGIC, (%rbx)
	mov %eax, %eax
	mov $NL_PORT_CALL, %dx
	out %eax, %dx
	OUTL NL_PORT_CALL, rec_good
	OUTL NL_PORT_EXIT, 0
	hlt
	.data
	.balign 8
rec_magic:	.long 0x12345678, 1, 16, 0
rec_short:	REC 1, 8
rec_huge:	REC 1, 0x100000
rec_type:	REC 99, 16
rec_result:	REC 2, 24
		.quad 0
rec_good:	REC 1, 16 + 2
		.ascii "ok"
