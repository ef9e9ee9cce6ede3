// SPDX-License-Identifier: MIT
/*
 * COM1, an 8250/16550A UART. For guest-kernel it is a polled transmitter.
 * For Linux it is a real console: interrupts through the in-kernel
 * IOAPIC/PIC (KVM_IRQ_LINE), a receive FIFO fed from stdin, the loopback
 * mode and FIFO identification Linux's 8250 driver probes for. It also
 * watches the console for the kernel's own last words ("Kernel panic - not
 * syncing", and "reboot: System halted" from a kernel booted with acpi=off,
 * which cannot power off) so that those end the run with the right status.
 * A poweroff proper arrives through ACPI (acpi_pm.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nestlab.h"

#define UART_RBR_THR 0
#define UART_IER 1
#define UART_IIR_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI   0x01   /* receive data interrupt */
#define IER_THRI  0x02   /* transmitter empty interrupt */
#define IIR_NONE  0x01
#define IIR_THRI  0x02
#define IIR_RDI   0x04
#define IIR_FIFO  0xc0   /* FIFOs enabled: what a 16550A reports */
#define FCR_FIFO  0x01
#define FCR_CLR_RX 0x02
#define LCR_DLAB  0x80
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define LSR_TEMT  0x40

static bool rx_empty(const struct serial *s)
{
	return s->rx_head == s->rx_tail;
}

/* The interrupt the UART wants to raise now, as IIR reports it. */
static uint8_t pending(const struct serial *s)
{
	if ((s->ier & IER_RDI) && !rx_empty(s))
		return IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_ipending)
		return IIR_THRI;
	return IIR_NONE;
}

static void update_irq(struct serial *s)
{
	/* On a PC, OUT2 gates the UART's interrupt onto the ISA line. */
	int level = pending(s) != IIR_NONE && (s->mcr & MCR_OUT2);
	struct kvm_irq_level l = { .irq = s->irq, .level = (uint32_t)level };

	if (s->irq_fd < 0 || level == s->irq_level)
		return;
	s->irq_level = level;
	ioctl(s->irq_fd, KVM_IRQ_LINE, &l);
}

/* Scans one finished console line for the kernel's final messages. A
 * halt is a poweroff only where the kernel has no other way to power off
 * (acpi=off); with ACPI the poweroff arrives as S5 (acpi_pm.c), and a
 * halted kernel ends the run as halted, not as a clean poweroff. */
static void watch_line(struct serial *s)
{
	static const struct {
		const char *text;
		enum nl_outcome ev;
	} pats[] = {
		{ "reboot: System halted", NL_OUT_HALTED },
		{ "reboot: Restarting system", NL_OUT_REBOOT },
		{ "Kernel panic - not syncing", NL_OUT_PANIC },
	};

	s->line[s->line_len] = 0;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (strstr(s->line, pats[i].text) && s->event != NL_OUT_PANIC) {
			s->event = pats[i].ev;
			if (s->event == NL_OUT_HALTED && s->halt_is_poweroff)
				s->event = NL_OUT_POWEROFF;
			snprintf(s->event_line, sizeof(s->event_line), "%s", s->line);
		}
	s->line_len = 0;
}

static void transmit(struct serial *s, uint8_t v)
{
	if (s->mcr & MCR_LOOP) {
		/* Loopback: what is sent is received. */
		serial_rx_locked(s, &v, 1);
		return;
	}
	if (s->out) {
		fputc(v, s->out);
		if (v == '\n')
			fflush(s->out);
	}
	if (s->watch) {
		if (v == '\n' || s->line_len == sizeof(s->line) - 1)
			watch_line(s);
		else if (v != '\r')
			s->line[s->line_len++] = (char)v;
	}
	/* The byte left at once: the holding register is empty again. */
	s->thr_ipending = true;
}

static void write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
		} else {
			/* Enabling THRI with an empty THR raises it at once. */
			if ((v & IER_THRI) && !(s->ier & IER_THRI))
				s->thr_ipending = true;
			s->ier = v & 0x0f;
		}
		break;
	case UART_IIR_FCR:
		s->fcr = v;
		if (v & FCR_CLR_RX)
			s->rx_head = s->rx_tail = 0;
		break;
	case UART_LCR: s->lcr = v; break;
	case UART_MCR: s->mcr = v & 0x1f; break;
	case UART_SCR: s->scr = v; break;
	default: break; /* LSR, MSR: read-only */
	}
}

static uint8_t read_reg(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			return s->dll;
		if (rx_empty(s))
			return 0;
		v = s->rx[s->rx_tail];
		s->rx_tail = (s->rx_tail + 1) % SERIAL_RX_MAX;
		return v;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR_FCR:
		v = pending(s);
		/* Reading IIR while it reports THRI acknowledges it. */
		if (v == IIR_THRI)
			s->thr_ipending = false;
		return v | ((s->fcr & FCR_FIFO) ? IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (rx_empty(s) ? 0 : LSR_DR);
	case UART_MSR:
		if (s->mcr & MCR_LOOP) /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((s->mcr & 0x01) << 5) | ((s->mcr & 0x02) << 3) |
					 ((s->mcr & 0x04) << 4) | ((s->mcr & 0x08) << 4));
		return 0xb0; /* DCD, DSR, CTS: a terminal is attached */
	case UART_SCR:
		return s->scr;
	default:
		return 0xff;
	}
}

/* Queues received bytes; the caller holds s->lock. Returns bytes taken. */
size_t serial_rx_locked(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int next = (s->rx_head + 1) % SERIAL_RX_MAX;

		if (next == s->rx_tail)
			break;  /* full: the rest waits */
		s->rx[s->rx_head] = buf[i];
		s->rx_head = next;
	}
	return i;
}

size_t serial_rx(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t k;

	pthread_mutex_lock(s->lock);
	k = serial_rx_locked(s, buf, n);
	update_irq(s);
	pthread_mutex_unlock(s->lock);
	return k;
}

/* vCPUs share the UART, so every access is serialised. */
int serial_io(void *ctx, struct io_access *a)
{
	struct serial *s = ctx;
	unsigned int reg = a->port - NL_COM1_BASE;
	enum nl_outcome ev;
	char line[sizeof(s->event_line)];

	if (a->size != 1)
		return -EINVAL;
	pthread_mutex_lock(s->lock);
	if (a->out)
		write_reg(s, reg, *a->data);
	else
		*a->data = read_reg(s, reg);
	update_irq(s);
	ev = s->event;
	s->event = NL_OUT_RUNNING;
	memcpy(line, s->event_line, sizeof(line));
	pthread_mutex_unlock(s->lock);
	switch (ev) {
	case NL_OUT_RUNNING:
		return EXIT_CONTINUE;
	case NL_OUT_POWEROFF:
		return io_stop(a, ev, "guest powered off");  /* halted, acpi=off */
	case NL_OUT_HALTED:
		return io_stop(a, ev, "guest halted without powering off: %s", line);
	case NL_OUT_REBOOT:
		return io_stop(a, ev, "guest rebooted");
	default:
		return io_stop(a, ev, "guest kernel panic: %s", line);
	}
}
