/* Macros shared by the hand-written test guests in tests/guests.
 * Each guest starts per include/nestlab/abi.h: 64-bit, CPL 0, RDI =
 * bootinfo, RSI = vCPU index. Ports and record layout: docs/abi.md. */
#define NL_PORT_CALL  0x0500
#define NL_PORT_MARK  0x0504
#define NL_PORT_EXIT  0x0508
#define NL_PORT_NOP   0x050c
#define NL_REC_MAGIC  0x4e4c5243

.macro OUTL port, val
	mov $\val, %eax
	mov $\port, %dx
	out %eax, %dx
.endm

/* A record header: magic, type, vcpu 0, total length. */
.macro REC type, len
	.long NL_REC_MAGIC
	.word \type
	.word 0
	.long \len
	.long 0
.endm
