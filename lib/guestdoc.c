// SPDX-License-Identifier: MIT
/*
 * A guest's document to nestlab one level down, through the document port
 * (include/nestlab/abi.h, docs/abi.md). rep outsb lets KVM hand nestlab up
 * to a page of bytes per exit, so a large document costs few exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#include <nestlab/abi.h>

#include "guestdoc.h"

static bool have_ports(void)
{
	/* the ports are needed from userspace: ioperm once (we run as root) */
	return ioperm(NL_PORT_CALL, 0x20, 1) == 0;
}

bool gdoc_listens(void)
{
	return have_ports() && inl(NL_PORT_DOC_CTL) == NL_DOC_MAGIC;
}

int gdoc_send(const char *buf, size_t len, char *msg, size_t n)
{
	if (!gdoc_listens()) {
		snprintf(msg, n, "nestlab one level down does not answer on port 0x%x",
			 NL_PORT_DOC_CTL);
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

void gdoc_exit(uint32_t status)
{
	if (have_ports())
		outl(status, NL_PORT_EXIT);
}
