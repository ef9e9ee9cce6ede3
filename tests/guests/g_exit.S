/* Marks boot, logs a line, exits with status 0. */
#include "guest.h"
	.text
	.globl _start
_start:
	OUTL NL_PORT_MARK, 0
	OUTL NL_PORT_CALL, rec_log
	OUTL NL_PORT_EXIT, 0
	hlt
	.data
	.balign 8
rec_log:
	REC 1, 16 + 11
	.ascii "hello world"
