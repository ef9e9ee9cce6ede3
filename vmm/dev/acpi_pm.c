// SPDX-License-Identifier: MIT
/*
 * The ACPI power-management ports the FADT names (boot/acpi.c writes the
 * tables; boot/layout.h has the ports). Linux's poweroff writes
 * SLP_TYP(S5) | SLP_EN to the PM1a control block: an exact,
 * console-independent end of the run.
 */
#include <string.h>

#include "nestlab.h"

bool acpi_pm1_cnt_is_s5(uint16_t value)
{
	return (value & ACPI_SLP_EN) &&
	       ((value >> ACPI_SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP;
}

int acpi_pm_io(void *ctx, struct io_access *a)
{
	struct acpi_pm *pm = ctx;
	uint16_t port = a->port;
	uint8_t *data = a->data;
	uint32_t size = a->size;
	uint16_t v = 0;

	/* Guest-chosen access sizes: only aligned 16-bit registers count. */
	if (!a->out) {
		/* PM1 status reads 0 (no event ever fires), PM1 enable what
		 * was written (ACPICA checks its GBL_EN write took), PM1
		 * control says ACPI mode (SCI_EN) is on, as it always is
		 * without an SMI command port. */
		memset(data, 0, size);
		if (port == ACPI_PM1A_EVT + 2 && size >= 2)
			memcpy(data, &pm->pm1_en, 2);
		else if (port == ACPI_PM1A_CNT)
			data[0] = ACPI_SCI_EN;
		return EXIT_CONTINUE;
	}
	if (size < 2)
		return EXIT_CONTINUE;
	memcpy(&v, data, 2);
	if (port == ACPI_PM1A_EVT + 2) {
		pm->pm1_en = v;
		return EXIT_CONTINUE;
	}
	if (port != ACPI_PM1A_CNT)
		return EXIT_CONTINUE;
	if (!acpi_pm1_cnt_is_s5(v))
		return EXIT_CONTINUE;   /* other sleep states: not offered */
	return io_stop(a, NL_OUT_POWEROFF, "guest powered off (ACPI S5)");
}

int acpi_pm_register(struct iobus *b, struct acpi_pm *pm)
{
	int rc = iobus_register(b, ACPI_PM1A_EVT, ACPI_PM1_EVT_LEN, acpi_pm_io, pm,
				"acpi-pm1a-evt");

	return rc ? rc : iobus_register(b, ACPI_PM1A_CNT, ACPI_PM1_CNT_LEN,
					acpi_pm_io, pm, "acpi-pm1a-cnt");
}
