// SPDX-License-Identifier: MIT
/*
 * The L1 document to L0 through nestlab's document port
 * (include/nestlab/abi.h, docs/abi.md). rep outsb lets KVM hand L0 up to a
 * page of bytes per exit, so a large document costs few exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#include "l1shim.h"

static bool have_ports(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = ioperm(NL_PORT_CALL, 0x20, 1) == 0;
	return ok;
}

bool doc_l0_listens(void)
{
	return have_ports() && inl(NL_PORT_DOC_CTL) == NL_DOC_MAGIC;
}

int doc_send(const char *buf, size_t len, char *msg, size_t n)
{
	if (!doc_l0_listens()) {
		snprintf(msg, n, "nestlab at L0 does not answer on port 0x%x", NL_PORT_DOC_CTL);
		return -ENODEV;
	}
	outl(NL_DOC_BEGIN, NL_PORT_DOC_CTL);
	for (size_t at = 0; at < len;) {
		/* page-sized pieces: KVM splits string I/O at page boundaries anyway */
		size_t k = len - at < 4096 ? len - at : 4096;

		outsb(NL_PORT_DOC, buf + at, (unsigned long)k);
		at += k;
	}
	outl(NL_DOC_END, NL_PORT_DOC_CTL);
	return 0;
}

void doc_exit(uint32_t status)
{
	if (have_ports())
		outl(status, NL_PORT_EXIT);
}
