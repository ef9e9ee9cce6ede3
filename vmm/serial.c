// SPDX-License-Identifier: MIT
/*
 * COM1 as a polled 8250 UART for guest-kernel: the transmitter is always
 * ready, so a guest that polls LSR.THRE never waits; bytes go to the
 * console. No interrupts and no receiver here (the Linux console with
 * interrupts comes with the Linux boot path).
 */
#include <errno.h>

#include "nestlab.h"

#define UART_RBR_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static int serial_access(struct serial *s, uint16_t port, bool out,
			 uint8_t *data)
{
	unsigned int reg = port - NL_COM1_BASE;
	bool dlab = s->lcr & LCR_DLAB;

	if (out) {
		uint8_t v = *data;

		switch (reg) {
		case UART_RBR_THR:
			if (dlab) {
				s->dll = v;
			} else if (s->out) {
				fputc(v, s->out);
				if (v == '\n')
					fflush(s->out);
			}
			break;
		case UART_IER:
			if (dlab)
				s->dlm = v;
			else
				s->ier = v & 0x0f;
			break;
		case UART_LCR: s->lcr = v; break;
		case UART_MCR: s->mcr = v; break;
		case UART_SCR: s->scr = v; break;
		default: break; /* FCR, LSR, MSR writes: ignored */
		}
		return 0;
	}
	switch (reg) {
	case UART_RBR_THR: *data = dlab ? s->dll : 0; break;
	case UART_IER: *data = dlab ? s->dlm : s->ier; break;
	case UART_IIR: *data = 0x01; break;           /* no interrupt pending */
	case UART_LCR: *data = s->lcr; break;
	case UART_MCR: *data = s->mcr; break;
	case UART_LSR: *data = LSR_THRE | LSR_TEMT; break;
	case UART_MSR: *data = 0xb0; break;           /* DCD, DSR, CTS */
	case UART_SCR: *data = s->scr; break;
	default: *data = 0xff; break;
	}
	return 0;
}

/* vCPUs share the UART, so every access is serialised. */
int serial_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	      uint8_t *data, uint32_t size)
{
	struct serial *s = ctx;
	int rc;

	(void)c;
	if (size != 1)
		return -EINVAL;
	pthread_mutex_lock(s->lock);
	rc = serial_access(s, port, out, data);
	pthread_mutex_unlock(s->lock);
	return rc;
}
