/* Touches ports nothing handles, reads a channel port, then exits 0: the
 * VMM must report and count the accesses and keep running. */
#include "guest.h"
	.text
	.globl _start
_start:
	mov $0x1234, %dx
	mov $0x55, %al
	out %al, %dx
	mov $0x1235, %dx
	in %dx, %al
	cmp $0xff, %al          /* unhandled reads float high */
	jne bad
	mov $0x8, %dx           /* an 8-bit write to a 32-bit channel port */
	mov $NL_PORT_MARK, %dx
	out %al, %dx
	OUTL NL_PORT_EXIT, 0
	hlt
bad:	OUTL NL_PORT_EXIT, 7
	hlt
