// SPDX-License-Identifier: MIT
/*
 * The few legacy PC ports a Linux guest touches when there is no firmware
 * and no PCI: the POST port, the i8042 controller's reset line (how Linux
 * reboots without ACPI; there is no keyboard), CMOS/RTC, port 0x92's fast
 * reset, and PCI configuration mechanism #1 with no devices behind it
 * (reads float high, and 0xcf9's reset bit reboots). The in-kernel PIC, PIT and ELCR ports
 * never reach userspace.
 */
#include <errno.h>
#include <string.h>

#include "nestlab.h"

#define PORT_POST     0x80
#define PORT_I8042_DATA 0x60
#define PORT_I8042_CMD  0x64
#define I8042_CMD_RESET 0xfe
#define I8042_STATUS    0x01   /* OBF set, IBF clear */
#define PORT_CMOS_INDEX 0x70
#define PORT_CMOS_DATA  0x71
#define PORT_SYSCTL_A   0x92
#define PORT_PCI_ADDR   0xcf8
#define PORT_PCI_RESET  0xcf9
#define PCI_RESET_BIT   0x04

static int reset(struct io_access *a, const char *how)
{
	return io_stop(a, NL_OUT_REBOOT, "guest reset the machine (%s)", how);
}

/* Stateless: nothing here remembers anything between accesses, so ctx is
 * unused (CMOS index writes select registers that all read as zero). */
int legacy_io(void *ctx, struct io_access *a)
{
	uint16_t port = a->port;
	uint8_t *data = a->data;
	uint32_t size = a->size;
	bool out = a->out;

	(void)ctx;
	if (!out)
		memset(data, 0, size);
	switch (port) {
	case PORT_POST:
		return EXIT_CONTINUE;
	case PORT_I8042_CMD:
		if (out && *data == I8042_CMD_RESET)
			return reset(a, "i8042");
		/* No keyboard controller, only its reset line. ACPI's FADT
		 * says so; for acpi=off, a status of "output full, input
		 * empty" says so at once too: Linux's probe
		 * flushes the output buffer, finds it never empties and gives
		 * up ("No controller found") after 16 reads, where a status
		 * of 0 made it wait out 1.3 s of command timeouts; its reboot
		 * path waits only for "input empty" before writing the reset. */
		if (!out)
			*data = I8042_STATUS;
		return EXIT_CONTINUE;
	case PORT_I8042_DATA:
		return EXIT_CONTINUE;
	case PORT_CMOS_INDEX:
	case PORT_CMOS_DATA:
		/* An RTC that reads as zero and is never "update in progress". */
		return EXIT_CONTINUE;
	case PORT_SYSCTL_A:
		if (out && (*data & 1))
			return reset(a, "port 0x92");
		if (!out)
			*data = 0x02;    /* A20 on */
		return EXIT_CONTINUE;
	default:
		break;
	}
	if (port == PORT_PCI_RESET && size == 1) {
		if (out && (*data & PCI_RESET_BIT))
			return reset(a, "port 0xcf9");
		return EXIT_CONTINUE;
	}
	if (port >= PORT_PCI_ADDR && port < PORT_PCI_ADDR + 8) {
		/* No PCI devices: configuration reads return all ones. */
		if (!out)
			memset(data, 0xff, size);
		return EXIT_CONTINUE;
	}
	return -EINVAL;
}

int legacy_register(struct iobus *b)
{
	static const struct { uint16_t base, len; const char *name; } r[] = {
		{ PORT_I8042_DATA, 1, "i8042-data" },
		{ PORT_I8042_CMD, 1, "i8042-cmd" },
		{ PORT_CMOS_INDEX, 2, "cmos" },
		{ PORT_POST, 1, "post" },
		{ PORT_SYSCTL_A, 1, "sysctl-a" },
		{ PORT_PCI_ADDR, 8, "pci-conf" },
	};
	int rc;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if ((rc = iobus_register(b, r[i].base, r[i].len, legacy_io, NULL, r[i].name)))
			return rc;
	return 0;
}
