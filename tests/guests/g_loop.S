/* Never exits: only the watchdog ends it. */
#include "guest.h"
	.text
	.globl _start
_start:
	OUTL NL_PORT_MARK, 0
1:	pause
	jmp 1b
