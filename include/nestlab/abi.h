/* SPDX-License-Identifier: MIT */
/*
 * The guest <-> VMM ABI of nestlab: boot information, the I/O-port channel
 * and its records. Written down for users in docs/abi.md; this header is the
 * only definition, shared by vmm/, guest-kernel/, tests/ and bench/.
 *
 * Freestanding: only fixed-width types, no libc.
 */
#ifndef NESTLAB_ABI_H
#define NESTLAB_ABI_H

#include <stdint.h>

#define NL_ABI_VERSION 1u

/* ---------------------------------------------------------------------
 * Guest-physical layout of a guest-kernel VM (docs/abi.md, "Layout").
 * The VMM owns everything below NL_GPA_IMAGE_MIN; ELF segments must lie at
 * or above it and inside guest memory.
 * ------------------------------------------------------------------- */
#define NL_GPA_GDT        0x1000ull  /* boot GDT built by the VMM */
#define NL_GPA_BOOTINFO   0x2000ull  /* struct nl_bootinfo */
#define NL_GPA_CMDLINE    0x3000ull  /* NUL-terminated, < NL_CMDLINE_MAX */
#define NL_CMDLINE_MAX    4096u
/* The command line's keys that are guest-kernel's own, not the workload's
 * (docs/guest-kernel.md): the kernel reads them, and wl_parse() leaves
 * them alone, in the guest and when nestlab checks a line before boot. */
#define NL_GK_OWN_KEYS    { "paging", "pagesize", "resident", "release", NULL }
#define NL_GPA_PML4       0x8000ull  /* boot identity map, 2 MiB pages */
#define NL_GPA_PDPT       0x9000ull
#define NL_GPA_PD         0x10000ull /* one 4 KiB page directory per GiB */
#define NL_MAX_MEM_GIB    64ull      /* identity map covers at most this */
#define NL_MAX_VCPUS      64u        /* vCPUs in one VM (bootinfo, L2 specs) */
#define NL_GPA_IMAGE_MIN  0x100000ull

/* Boot GDT selectors the vCPUs start with. */
#define NL_SEL_CODE64     0x08
#define NL_SEL_DATA       0x10

#define NL_BOOTINFO_MAGIC 0x4e4c4249u /* "NLBI" */

/*
 * Every vCPU starts at the ELF entry point in 64-bit mode, CPL 0, interrupts
 * off, paging on with CR3 = NL_GPA_PML4 (identity map of all guest memory,
 * supervisor, writable), RDI = NL_GPA_BOOTINFO, RSI = vCPU index, RSP = 0
 * (each vCPU must set its own stack before using it).
 */
struct nl_bootinfo {
	uint32_t magic;        /* NL_BOOTINFO_MAGIC */
	uint32_t abi_version;  /* NL_ABI_VERSION */
	uint64_t mem_size;     /* bytes of guest memory, from GPA 0 */
	uint64_t cmdline_gpa;  /* NL_GPA_CMDLINE */
	uint32_t cmdline_len;  /* without the NUL */
	uint32_t ncpus;
	uint64_t free_start;   /* first free GPA after the image, 2 MiB aligned */
	uint64_t free_end;     /* == mem_size */
	uint64_t tsc_khz;      /* 0 when the VMM does not know it */
};

/* ---------------------------------------------------------------------
 * I/O ports. The guest-kernel's TSS I/O bitmap opens NL_PORT_CALL,
 * NL_PORT_MARK and NL_PORT_EXIT to ring 3; COM1 stays ring 0 only.
 * ------------------------------------------------------------------- */
#define NL_PORT_CALL  0x0500 /* outl: GPA (< 4 GiB) of a record (nl_rec) */
#define NL_PORT_MARK  0x0504 /* outl: mark id; the VMM timestamps it */
#define NL_PORT_EXIT  0x0508 /* outl: exit status; the run ends */
#define NL_PORT_NOP   0x050c /* outl: anything; the VMM only counts it */
#define NL_COM1_BASE  0x03f8 /* 8 registers: 8250 UART, console */

/*
 * The document port: how a Linux guest (l1-shim, L1's /init) hands L0 one
 * result document (docs/abi.md, "Document port"). Bytes written to
 * NL_PORT_DOC (outb, or rep outsb: KVM passes a page of them per exit) are
 * appended between NL_DOC_BEGIN and NL_DOC_END written to NL_PORT_DOC_CTL;
 * an inl from NL_PORT_DOC_CTL reads NL_DOC_MAGIC, so a guest can tell that
 * nestlab is listening. At most NL_DOC_MAX bytes; the VMM checks that the
 * document is JSON before it uses it.
 * ------------------------------------------------------------------- */
#define NL_PORT_DOC      0x0510 /* outb/outsb: document bytes */
#define NL_PORT_DOC_CTL  0x0514 /* outl: NL_DOC_BEGIN / NL_DOC_END; inl: magic */
#define NL_DOC_BEGIN     1u
#define NL_DOC_END       2u
#define NL_DOC_MAGIC     0x4e4c4443u /* "NLDC" */
#define NL_DOC_MAX       (16u << 20)

/* Mark ids written to NL_PORT_MARK. */
enum nl_mark {
	NL_MARK_BOOT = 0,        /* first guest instruction */
	NL_MARK_WORKLOAD_BEGIN = 1,
	NL_MARK_WORKLOAD_END = 2,
};

/* ---------------------------------------------------------------------
 * Records sent through NL_PORT_CALL. The record is read by the VMM from
 * guest-physical memory: header, then payload; len counts both and is at
 * most NL_REC_MAX. A record with a bad magic, length or address is
 * reported by the VMM and ignored (the run is marked as guest-misbehaved).
 * ------------------------------------------------------------------- */
#define NL_REC_MAGIC 0x4e4c5243u /* "NLRC" */
#define NL_REC_MAX   4096u

enum nl_rec_type {
	NL_REC_LOG = 1,    /* payload: text, not NUL-terminated */
	NL_REC_RESULT = 2, /* payload: struct nl_result */
	NL_REC_FAULT = 3,  /* payload: struct nl_fault; the run fails */
	NL_REC_ABORT = 4,  /* payload: struct nl_abort; the run fails */
	NL_REC_PARK = 5,   /* no payload: this vCPU has nothing to do */
	NL_REC_HELLO = 6,  /* payload: struct nl_hello */
	NL_REC_FREE = 7,   /* payload: struct nl_free; memory given back */
};

struct nl_rec {
	uint32_t magic;   /* NL_REC_MAGIC */
	uint16_t type;    /* enum nl_rec_type */
	uint16_t vcpu;    /* sender's vCPU index */
	uint32_t len;     /* header + payload, bytes */
	uint32_t reserved;
	/* payload follows */
};

struct nl_hello {
	uint32_t abi_version;
	uint32_t reserved;
	char kernel[32];  /* e.g. "guest-kernel 0.1", NUL-padded */
};

enum nl_paging {
	NL_PAGING_DEMAND = 0,
	NL_PAGING_PREBUILT = 1,
};

/* The workload's result: one per run, sent by vCPU 0. */
struct nl_result {
	char     workload[16];  /* NUL-padded name */
	uint64_t checksum;
	uint64_t footprint;     /* bytes of workload arena */
	uint64_t iters;
	uint64_t seed;
	uint64_t cycles;        /* TSC ticks from begin to end mark, ring 3 */
	uint32_t paging;        /* enum nl_paging */
	uint32_t page_size;     /* 4096 or 2097152 */
	uint64_t page_faults;   /* demand faults handled by the guest kernel */
	uint64_t fault_cycles;  /* TSC ticks spent in its fault handler */
	uint64_t setup_cycles;  /* TSC ticks of ring-0 set-up before the workload */
	uint64_t pages_mapped;  /* arena pages mapped, demand or prebuilt */
	int64_t  status;        /* workload's return; 0 = self-check passed */
};

/*
 * Guest memory given back (docs/abi.md, "Giving memory back"): the guest
 * promises not to rely on the contents of [gpa, gpa + len); the VMM may
 * drop the host pages behind it, and a later guest access reads zeros.
 * Both gpa and len are multiples of NL_FREE_ALIGN, len > 0, and the range
 * lies inside guest memory at or above NL_GPA_IMAGE_MIN.
 */
#define NL_FREE_ALIGN 4096ull
struct nl_free {
	uint64_t gpa;
	uint64_t len;
};

/* An exception the guest kernel could not handle. */
struct nl_fault {
	uint64_t vector;
	uint64_t error_code;
	uint64_t address;       /* CR2 for #PF, else 0 */
	uint64_t rip;
	uint64_t rsp;
	uint64_t cs;
};

struct nl_abort {
	uint32_t line;
	uint32_t reserved;
	char     file[48];      /* NUL-padded */
	char     msg[128];      /* NUL-padded */
};

#endif /* NESTLAB_ABI_H */
