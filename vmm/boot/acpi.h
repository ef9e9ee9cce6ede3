/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for Linux guests and the power-management ports they name
 * (acpi.c; docs/linux-boot.md, "ACPI").
 */
#ifndef NESTLAB_ACPI_H
#define NESTLAB_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "nestlab.h"

/* PM1a event block (status, enable) and control block: the I/O ports of
 * the FADT, where a PC chipset's (PIIX4) PM base puts them. */
#define ACPI_PM1A_EVT      0x600
#define ACPI_PM1_EVT_LEN   4
#define ACPI_PM1A_CNT      0x604
#define ACPI_PM1_CNT_LEN   2
#define ACPI_SCI_EN        0x0001
#define ACPI_SLP_TYP_SHIFT 10
#define ACPI_SLP_EN        0x2000
#define ACPI_S5_SLP_TYP    5          /* the DSDT's \_S5_ package */

/* Writes RSDP, XSDT, FADT, FACS, DSDT and MADT for ncpus CPUs into guest
 * memory at base (64-byte aligned, for the FACS; area bytes free). The
 * RSDP is at base.
 * Returns 0 or -EINVAL with a message. */
int acpi_build(struct nl_mem *m, uint64_t base, uint64_t area, unsigned int ncpus,
	       struct nl_err *err);
/* True when a PM1a control write asks for S5 (soft off). */
bool acpi_pm1_cnt_is_s5(uint16_t value);
/* The PM1a event and control ports (iobus handler). */
int acpi_pm_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	       uint8_t *data, uint32_t size);

#endif /* NESTLAB_ACPI_H */
