/* SPDX-License-Identifier: MIT */
/*
 * guest-kernel: ring-0 set-up, page tables, the demand-fault handler,
 * system calls and the channel to the VMM. Every ring-0 instruction costs
 * about 0.6 us on the pvm machine, so everything here is short and
 * bounded; see docs/guest-kernel.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "nestlab/abi.h"
#include "wl.h"
#include "gk.h"

#define KDATA __attribute__((section(".gk.kdata")))

#define PTE_P   0x001ull
#define PTE_W   0x002ull
#define PTE_U   0x004ull
#define PTE_PS  0x080ull
#define PTE_UW  (PTE_P | PTE_W | PTE_U)
#define PTE_KW  (PTE_P | PTE_W)

#define SZ_2M   0x200000ull
#define SZ_1G   0x40000000ull
#define IMG_PTS 4

/* Linker script and kentry.S symbols. */
extern char __image_start[], __ktext_end[], __rodata_end[], __data_start[], __data_end[];
extern char __kdata_start[], __kdata_end[], __bss_start[], __bss_end[];
extern char __ustack_end[], __kbss_start[], __kbss_end[], __image_end[];
extern uint64_t pml4[512], pdpt0[512], pd0[512], img_pt[512 * IMG_PTS];
/* kentry.S: the #PF fast path and its state. */
extern char pf_entry[];
extern uint64_t pf_arena_map, pf_pool, pf_pt_base, pf_pte_4k, pf_pte_2m;
extern uint64_t pf_faults, pf_cycles;
extern uint8_t pf_is_2m;
extern char kstacks[], dfstacks[], ustacks[], syscall_kstack_page[];

/* ---- kernel state (supervisor-only pages) ---- */
struct kstate {
	uint64_t tsc0;
	uint32_t paging;          /* enum nl_paging */
	uint64_t page_size;
	uint64_t pool_pa;         /* page directories, then page tables */
	uint64_t npd;             /* page directories in the pool */
	uint64_t arena_pa;        /* arena backing, contiguous */
	uint64_t pages_mapped;    /* prebuilt; demand: pf_faults */
	uint32_t resident_pct;    /* resident=: the OS share of guest memory */
	uint64_t resident_bytes;  /* that share, whole 2 MiB, at the top of memory */
	uint32_t release;         /* release=1: give the arena back at the end */
	uint64_t setup_cycles;
	uint64_t syscalls_via_pf;  /* pvm: syscall completed by the #PF path */
};
static struct kstate k KDATA;

struct tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
	/* I/O permission bitmap: ports 0 .. 0x50f, then the 0xff end byte.
	 * Ports 0x500-0x50f (NL_PORT_CALL/MARK/EXIT/NOP, 4 bytes each for
	 * outl) are open to ring 3; everything else, COM1 included, is not.
	 * Ports above 0x50f lie past the TSS limit and are closed too. */
	uint8_t iopb[0xa3];
} __attribute__((packed));

#define IOPB_OPEN (NL_PORT_CALL / 8)  /* 0xa0, 0xa1: ports 0x500-0x50f */
_Static_assert(GK_PORT_MARK == NL_PORT_MARK, "kentry.S port");
_Static_assert(NL_PORT_NOP + 3 == 0x50f, "channel ports must be 0x500-0x50f");
_Static_assert(__builtin_offsetof(struct tss, iopb) == 104, "TSS layout");

#define TSS_INIT {                                                     \
	.iomap_base = 104,                                              \
	.iopb = { [0 ... IOPB_OPEN - 1] = 0xff, [IOPB_OPEN] = 0,        \
		  [IOPB_OPEN + 1] = 0, [IOPB_OPEN + 2] = 0xff },        \
}
static struct tss tss[GK_NCPU_MAX] KDATA __attribute__((aligned(64))) = {
	[0 ... GK_NCPU_MAX - 1] = TSS_INIT
};

static uint64_t gdt[GDT_ENTRIES] KDATA __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffull,   /* 0x08 kernel code, 64-bit */
	0x00cf93000000ffffull,   /* 0x10 kernel data */
	0x00cff3000000ffffull,   /* 0x18 user data (DPL 3) */
	0x00affb000000ffffull,   /* 0x20 user code, 64-bit (DPL 3) */
	/* 0x28 + 16 * cpu: 16-byte TSS descriptors, filled by each vCPU */
};

static uint64_t idt[32 * 2] KDATA __attribute__((aligned(16)));

/* Kernel record buffers, one per vCPU (a parked vCPU touches only its own). */
static uint8_t krec[GK_NCPU_MAX][512] KDATA __attribute__((aligned(64)));

/* ---- small helpers ---- */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static void con_puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(NL_COM1_BASE + 5) & 0x20))
			;
		outb(NL_COM1_BASE, (uint8_t)*s);
	}
}

/* A tiny string builder (no libc). */
struct sb {
	char *p;
	size_t n, len;
};
static void sb_str(struct sb *b, const char *s)
{
	for (; *s; s++)
		if (b->len + 1 < b->n)
			b->p[b->len++] = *s;
	b->p[b->len] = 0;
}
static void sb_u64(struct sb *b, uint64_t v, unsigned base)
{
	char t[24];
	int i = 0;

	if (base == 16)
		sb_str(b, "0x");
	do {
		t[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i--) {
		char c[2] = { t[i], 0 };
		sb_str(b, c);
	}
}
static void sb_size(struct sb *b, uint64_t v)
{
	static const char sfx[] = "GMK";
	for (int i = 0; i < 3; i++) {
		unsigned sh = 30 - 10 * i;
		if (v && !(v & ((1ull << sh) - 1))) {
			char c[2] = { sfx[i], 0 };
			sb_u64(b, v >> sh, 10);
			sb_str(b, c);
			return;
		}
	}
	sb_u64(b, v, 10);
}
static size_t kstrlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* ---- the channel ---- */
static void *rec_begin(uint64_t cpu, uint16_t type, uint32_t payload)
{
	struct nl_rec *r = (struct nl_rec *)krec[cpu];
	uint8_t *p = (uint8_t *)(r + 1);

	r->magic = NL_REC_MAGIC;
	r->type = type;
	r->vcpu = (uint16_t)cpu;
	r->len = (uint32_t)sizeof(*r) + payload;
	r->reserved = 0;
	for (uint32_t i = 0; i < payload; i++)
		p[i] = 0;
	return p;
}
static void rec_send(uint64_t cpu)
{
	outl(NL_PORT_CALL, (uint32_t)(uintptr_t)krec[cpu]);
}

static _Noreturn void kexit(uint32_t status)
{
	outl(NL_PORT_EXIT, status);
	halt_forever();
}

#define kabort(status, msg) kabort_at(status, __LINE__, msg)
static __attribute__((noinline, cold)) _Noreturn void kabort_at(uint32_t status, int line, const char *msg)
{
	struct nl_abort *a = rec_begin(0, NL_REC_ABORT, sizeof(*a));
	const char *file = "guest-kernel/kmain.c";

	a->line = (uint32_t)line;
	for (size_t i = 0; file[i] && i < sizeof(a->file) - 1; i++)
		a->file[i] = file[i];
	for (size_t i = 0; msg[i] && i < sizeof(a->msg) - 1; i++)
		a->msg[i] = msg[i];
	rec_send(0);
	con_puts("guest-kernel: ");
	con_puts(msg);
	con_puts("\n");
	kexit(status);
}

static __attribute__((noinline, cold)) _Noreturn void kfault(const struct exc_frame *f, uint64_t cr2)
{
	struct nl_fault *x = rec_begin(0, NL_REC_FAULT, sizeof(*x));
	char line[128];
	struct sb b = { line, sizeof(line), 0 };

	x->vector = f->vector;
	x->error_code = f->error;
	x->address = cr2;
	x->rip = f->rip;
	x->rsp = f->rsp;
	x->cs = f->cs;
	rec_send(0);
	sb_str(&b, "guest-kernel: exception ");
	sb_u64(&b, f->vector, 10);
	sb_str(&b, " error ");
	sb_u64(&b, f->error, 16);
	sb_str(&b, " rip ");
	sb_u64(&b, f->rip, 16);
	sb_str(&b, " cs ");
	sb_u64(&b, f->cs, 16);
	sb_str(&b, " addr ");
	sb_u64(&b, cr2, 16);
	sb_str(&b, "\n");
	con_puts(line);
	kexit(3);
}

/* ---- exceptions: demand paging ---- */
int exc_handler(struct exc_frame *f)
{
	uint64_t cr2 = 0;

	if (f->vector == 14) {
		/* Demand faults never get here: pf_entry handles them. */
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		/*
		 * A `syscall` that reached LSTAR without leaving ring 3: the
		 * pvm machine's syscall jumps to LSTAR but keeps CPL 3, and
		 * the fetch from the supervisor-only kernel text faults right
		 * there. Registers are as syscall left them (RCX = return
		 * RIP, R11 = RFLAGS, RAX = number, RDI = argument): finish
		 * the system call here and return by iretq, as syscall_entry
		 * does on machines where syscall works.
		 */
		if ((f->cs & 3) == 3 && cr2 == f->rip &&
		    f->rip == (uint64_t)(uintptr_t)syscall_entry) {
			k.syscalls_via_pf++;
			f->rax = syscall_c(f->rdi, f->rsi, f->rax);
			f->rip = f->rcx;
			f->rflags = (f->r11 & ~0x7000ull) | 0x2; /* no IOPL, NT */
			return 0;
		}
	}
	kfault(f, cr2);
}

/* ---- system calls ---- */
static __attribute__((noinline)) _Noreturn void finish(void)
{
	struct nl_result *r = rec_begin(0, NL_REC_RESULT, sizeof(*r));
	const struct gk_user *u = &gk_user;

	if (u->ping != 42)
		kabort(1, "syscall return path gave a wrong value");
	for (size_t i = 0; i < sizeof(r->workload) && u->params.name[i]; i++)
		r->workload[i] = u->params.name[i];
	r->checksum = u->res.checksum;
	r->footprint = u->params.footprint;
	r->iters = u->params.iters;
	r->seed = u->params.seed;
	r->cycles = u->cycles;
	r->paging = k.paging;
	r->page_size = (uint32_t)k.page_size;
	r->page_faults = pf_faults;
	r->fault_cycles = pf_cycles;
	r->setup_cycles = k.setup_cycles;
	r->pages_mapped = k.pages_mapped + pf_faults;
	r->status = u->status;
	rec_send(0);
	/* As an OS frees a program's pages when it exits: the arena goes back
	 * to the VMM after the result, so the workload's timing is untouched
	 * (docs/abi.md, "Giving memory back"). */
	if (k.release && pf_arena_map) {
		struct nl_free *f = rec_begin(0, NL_REC_FREE, sizeof(*f));

		f->gpa = k.arena_pa;
		f->len = pf_arena_map;
		rec_send(0);
	}
	kexit(u->status == 0 ? 0 : 1);
}

uint64_t syscall_c(uint64_t a0, uint64_t a1, uint64_t nr)
{
	(void)a1;
	switch (nr) {
	case SYS_PING:
		return a0 + 1;
	case SYS_FINISH:
		finish();
	default:
		kabort(1, "unknown system call from ring 3");
	}
}

/* ---- CPU set-up ---- */
static void cpu_init(uint64_t cpu)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } dtr;
	uint64_t cr0, cr4, t = (uint64_t)(uintptr_t)&tss[cpu];
	uint64_t base = (uint64_t)(uintptr_t)exc_stubs;
	uint32_t lim = sizeof(struct tss) - 1;
	unsigned slot = 5 + 2 * (unsigned)cpu;

	/* SSE for ring 3 (and for wl_parse): CR0.MP=1, EM=0, TS=0;
	 * CR4.OSFXSR, OSXMMEXCPT. */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | 0x2) & ~0xcull;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1u << 9) | (1u << 10);
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));

	/* TSS: RSP0 = this vCPU's kernel stack, IST1 = its #DF stack. */
	tss[cpu].rsp[0] = (uint64_t)(uintptr_t)kstacks +
			  (cpu + 1) * (4096 + KSTACK_SIZE);
	tss[cpu].ist[0] = (uint64_t)(uintptr_t)dfstacks +
			  (cpu + 1) * DFSTACK_SIZE;
	gdt[slot] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		    ((uint64_t)(lim >> 16) << 48) | ((t >> 24 & 0xff) << 56);
	gdt[slot + 1] = t >> 32;

	/* IDT: 32 interrupt gates, DPL 0; #DF on IST1. */
	for (unsigned v = 0; v < 32; v++) {
		uint64_t h = v == 14 ? (uint64_t)(uintptr_t)pf_entry
				     : base + 16 * v;

		idt[2 * v] = (h & 0xffff) | ((uint64_t)SEL_KCODE << 16) |
			     ((uint64_t)(v == 8) << 32) | (0x8eull << 40) |
			     ((h >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}

	dtr.limit = sizeof(gdt) - 1;
	dtr.base = (uint64_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(dtr) : "memory");
	/* CS keeps 0x08 and SS/DS 0x10: the same selectors and meanings as
	 * the boot GDT, so no far jump is needed; reload the data ones. */
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
			 : : "r"((uint32_t)SEL_KDATA));
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS(cpu)));
	dtr.limit = sizeof(idt) - 1;
	dtr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(dtr) : "memory");
}

static void syscall_init(uint64_t cpu)
{
	wrmsr(0xc0000080, rdmsr(0xc0000080) | 1);            /* EFER.SCE */
	wrmsr(0xc0000081, ((uint64_t)SEL_KDATA << 48) |      /* STAR */
			  ((uint64_t)SEL_KCODE << 32));
	wrmsr(0xc0000082, (uint64_t)(uintptr_t)syscall_entry); /* LSTAR */
	wrmsr(0xc0000084, 0x47700);   /* FMASK: TF, IF, DF, IOPL, NT, AC */
	syscall_kstack = tss[cpu].rsp[0];
}

/* ---- command line ---- */
static int tok_is(const char *s, const char *key, const char **val)
{
	size_t n = kstrlen(key);

	for (size_t i = 0; i < n; i++)
		if (s[i] != key[i])
			return 0;
	*val = s + n;
	return 1;
}
static int val_is(const char *v, const char *w)
{
	size_t i = 0;

	for (; w[i]; i++)
		if (v[i] != w[i])
			return 0;
	return v[i] == 0 || v[i] == ' ';
}

static void parse_cmdline(const char *cl)
{
	static char err[160];
	static const char *const ignore[] = NL_GK_OWN_KEYS;
	const char *s = cl, *v;

	k.paging = NL_PAGING_DEMAND;
	k.page_size = 4096;
	while (*s) {
		while (*s == ' ')
			s++;
		if (tok_is(s, "paging=", &v)) {
			if (val_is(v, "demand"))
				k.paging = NL_PAGING_DEMAND;
			else if (val_is(v, "prebuilt"))
				k.paging = NL_PAGING_PREBUILT;
			else
				kabort(2, "paging= must be demand or prebuilt");
		} else if (tok_is(s, "resident=", &v)) {
			uint64_t pct = 0;
			size_t n = 0;

			while (v[n] && v[n] != ' ')
				n++;
			if (wl_parse_u64(v, n, &pct) < 0 || pct > 90)
				kabort(2, "resident= must be a whole per cent of guest memory, 0..90");
			k.resident_pct = (uint32_t)pct;
		} else if (tok_is(s, "release=", &v)) {
			if (val_is(v, "0") || val_is(v, "1"))
				k.release = v[0] == '1';
			else
				kabort(2, "release= must be 0 or 1");
		} else if (tok_is(s, "pagesize=", &v)) {
			if (val_is(v, "4K") || val_is(v, "4k") || val_is(v, "4096"))
				k.page_size = 4096;
			else if (val_is(v, "2M") || val_is(v, "2m") ||
				 val_is(v, "2097152"))
				k.page_size = SZ_2M;
			else
				kabort(2, "pagesize= must be 4K or 2M");
		}
		while (*s && *s != ' ')
			s++;
	}
	err[0] = 0;
	if (wl_parse(cl, &gk_user.params, ignore, err, sizeof(err)) < 0)
		kabort(2, err[0] ? err : "bad workload command line");
}

/* ---- page tables ---- */
static void map_image(uint64_t from, uint64_t to, uint64_t flags)
{
	uint64_t *p = &img_pt[from >> 12], *e = &img_pt[to >> 12];

	for (uint64_t v = from | flags; p < e; p++, v += 4096)
		*p = v;
}

/* n consecutive entries from v on, step apart: the prebuilt loops. Unrolled
 * because every ring-0 instruction is emulated on the pvm machine. */
static void fill_entries(uint64_t *p, uint64_t n, uint64_t v, uint64_t step)
{
	uint64_t *e = p + (n & ~7ull);

	for (; p < e; p += 8, v += 8 * step) {
		p[0] = v;
		p[1] = v + step;
		p[2] = v + 2 * step;
		p[3] = v + 3 * step;
		p[4] = v + 4 * step;
		p[5] = v + 5 * step;
		p[6] = v + 6 * step;
		p[7] = v + 7 * step;
	}
	for (e = p + (n & 7); p < e; p++, v += step)
		*p = v;
}

/*
 * The OS share (resident=PCT, docs/guest-kernel.md): what an operating
 * system keeps resident beside its programs, its page cache and slab,
 * stood in for by PCT per cent of guest memory written once at boot, one
 * distinct word per 4 KiB page (distinct, so that KSM below cannot merge
 * the pages away as it would zero ones). It lies at the top of memory,
 * which the VMM's boot identity map still covers (the kernel's own tables
 * replace it right after), and the workload never sees it: its cost is to
 * the levels below, which must back it, as an L2 kernel's memory is L1's.
 */
static void resident_fill(const struct nl_bootinfo *bi)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(bi->free_end - k.resident_bytes);
	volatile uint64_t *e = (volatile uint64_t *)(uintptr_t)bi->free_end;

	for (; p < e; p += 512)
		*p = (uint64_t)(uintptr_t)p ^ 0x9e3779b97f4a7c15ull;
}

/*
 * The address space (one, shared by ring 0 and ring 3; PML4 slot 0 only):
 *   0x1000-0x3fff      boot GDT, bootinfo, cmdline      supervisor
 *   image              4 KiB pages, user or supervisor per section
 *   free_start..       page-table pool, 2 MiB pages     supervisor
 *   ARENA_VA..         the arena, 4 KiB or 2 MiB pages  user
 * Page 0 and the stack guard pages are not mapped.
 */
static void build_tables(const struct nl_bootinfo *bi)
{
	uint64_t ps = k.page_size;
	uint64_t fp = gk_user.params.footprint;
	uint64_t map = (fp + ps - 1) & ~(ps - 1);
	uint64_t npd = (map + SZ_1G - 1) / SZ_1G;
	uint64_t npt = ps == 4096 ? (map + SZ_2M - 1) / SZ_2M : 0;
	uint64_t pool = ((npd + npt) * 4096 + SZ_2M - 1) & ~(SZ_2M - 1);
	uint64_t free = bi->free_end - bi->free_start;
	uint64_t img_end = (uint64_t)(uintptr_t)__image_end;

	if (bi->free_start < img_end || bi->free_start & (SZ_2M - 1) ||
	    bi->free_end < bi->free_start)
		kabort(1, "bootinfo: bad free memory range");
	/* the resident share: whole 2 MiB pages at the top of memory */
	k.resident_bytes = bi->mem_size * k.resident_pct / 100 & ~(SZ_2M - 1);
	if (map > 256 * SZ_1G || pool + map + k.resident_bytes > free) {
		static char msg[128];
		struct sb b = { msg, sizeof(msg), 0 };

		sb_str(&b, "footprint ");
		sb_size(&b, fp);
		sb_str(&b, " does not fit in ");
		sb_size(&b, bi->mem_size);
		sb_str(&b, " guest memory (free ");
		sb_size(&b, free);
		if (pool)
			sb_str(&b, ", page tables ");
		if (pool)
			sb_size(&b, pool);
		if (k.resident_bytes)
			sb_str(&b, ", resident share ");
		if (k.resident_bytes)
			sb_size(&b, k.resident_bytes);
		sb_str(&b, ")");
		kabort(1, msg);
	}
	if (bi->free_start + pool > SZ_1G)
		kabort(1, "page tables for the arena do not fit below 1 GiB");

	k.pool_pa = bi->free_start;
	k.npd = npd;
	k.arena_pa = bi->free_start + pool;
	pf_arena_map = map;
	pf_pool = k.pool_pa;
	pf_pt_base = k.pool_pa + npd * 4096;
	pf_pte_4k = k.arena_pa | PTE_UW;
	pf_pte_2m = k.arena_pa | PTE_UW | PTE_PS;
	pf_is_2m = ps == SZ_2M;

	/* Image: user-visible sections U=1 (text/rodata read-only), kernel
	 * structures U=0, guard pages not present. */
	map_image(0x1000, 0x4000, PTE_KW);
	map_image((uintptr_t)__image_start, (uintptr_t)__ktext_end, PTE_P);
	map_image((uintptr_t)__ktext_end, (uintptr_t)__rodata_end,
		  PTE_P | PTE_U);
	map_image((uintptr_t)__data_start, (uintptr_t)__data_end, PTE_UW);
	map_image((uintptr_t)__kdata_start, (uintptr_t)__kdata_end, PTE_KW);
	map_image((uintptr_t)__bss_start, (uintptr_t)__bss_end, PTE_UW);
	/* Only vCPU 0 runs on these tables: map its stacks, not the guard
	 * pages below them, and none of the other vCPUs' (they park on the
	 * boot page tables). */
	map_image((uintptr_t)ustacks + 4096,
		  (uintptr_t)ustacks + 4096 + USTACK_SIZE, PTE_UW);
	map_image((uintptr_t)__kbss_start, (uintptr_t)kstacks, PTE_KW);
	map_image((uintptr_t)kstacks + 4096,
		  (uintptr_t)kstacks + 4096 + KSTACK_SIZE, PTE_KW);
	map_image((uintptr_t)dfstacks, (uintptr_t)dfstacks + DFSTACK_SIZE,
		  PTE_KW);
	map_image((uintptr_t)syscall_kstack_page, (uintptr_t)__kbss_end,
		  PTE_KW);
	for (uint64_t i = 0; i < (img_end + SZ_2M - 1) / SZ_2M; i++)
		pd0[i] = ((uint64_t)(uintptr_t)&img_pt[512 * i]) | PTE_UW;
	/* The pool, identity mapped for the kernel (VA == GPA). */
	for (uint64_t a = k.pool_pa; a < k.pool_pa + pool; a += SZ_2M)
		pd0[a >> 21] = a | PTE_KW | PTE_PS;
	pdpt0[0] = (uint64_t)(uintptr_t)pd0 | PTE_UW;
	pml4[0] = (uint64_t)(uintptr_t)pdpt0 | PTE_UW;

	/* Arena: the page directories are always linked (at most 256
	 * entries); below them, demand or prebuilt. Pool and arena memory is
	 * fresh from the VMM and zero: nothing is cleared. */
	for (uint64_t g = 0; g < npd; g++)
		pdpt0[(ARENA_VA / SZ_1G) + g] = (k.pool_pa + g * 4096) | PTE_UW;
	if (k.paging == NL_PAGING_PREBUILT) {
		uint64_t *pd = (uint64_t *)(uintptr_t)k.pool_pa;

		if (ps == SZ_2M) {
			k.pages_mapped = map / SZ_2M;
			fill_entries(pd, k.pages_mapped,
				     k.arena_pa | PTE_UW | PTE_PS, SZ_2M);
		} else {
			k.pages_mapped = map / 4096;
			fill_entries(pd, npt, (k.pool_pa + npd * 4096) | PTE_UW,
				     4096);
			fill_entries(pd + 512 * npd, k.pages_mapped,
				     k.arena_pa | PTE_UW, 4096);
		}
	}
	resident_fill(bi);
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4)
			 : "memory");
}

/* ---- boot ---- */
static void hello(void)
{
	struct nl_hello *h = rec_begin(0, NL_REC_HELLO, sizeof(*h));
	const char *name = GK_NAME;

	h->abi_version = NL_ABI_VERSION;
	for (size_t i = 0; name[i] && i < sizeof(h->kernel); i++)
		h->kernel[i] = name[i];
	rec_send(0);
}

void kmain(uint64_t bootinfo, uint64_t cpu, uint64_t tsc0)
{
	const struct nl_bootinfo *bi = (const void *)(uintptr_t)bootinfo;
	char line[160];
	struct sb b = { line, sizeof(line), 0 };

	k.tsc0 = tsc0;
	cpu_init(cpu);
	hello();
	if (bi->magic != NL_BOOTINFO_MAGIC || bi->abi_version != NL_ABI_VERSION)
		kabort(1, "bootinfo: bad magic or ABI version");
	if (bi->ncpus > GK_NCPU_MAX)
		kabort(2, "too many vCPUs: guest-kernel supports at most 8");
	parse_cmdline((const char *)(uintptr_t)bi->cmdline_gpa);

	sb_str(&b, GK_NAME ": ");
	sb_str(&b, gk_user.params.name);
	sb_str(&b, " footprint ");
	sb_size(&b, gk_user.params.footprint);
	sb_str(&b, k.paging == NL_PAGING_PREBUILT ? " prebuilt " : " demand ");
	sb_str(&b, k.page_size == 4096 ? "4K" : "2M");
	if (k.resident_pct) {
		sb_str(&b, " resident ");
		sb_u64(&b, k.resident_pct, 10);
		sb_str(&b, "%");
	}
	if (k.release)
		sb_str(&b, " release");
	sb_str(&b, "\n");
	con_puts(line);

	build_tables(bi);
	syscall_init(cpu);

	gk_user.env.arena = (void *)(uintptr_t)ARENA_VA;
	gk_user.env.arena_size = gk_user.params.footprint;
	gk_user.env.log = user_log;
	k.setup_cycles = rdtsc() - k.tsc0;
	/* Into ring 3 on vCPU 0's user stack, aligned as after a call. */
	enter_user((uint64_t)(uintptr_t)user_main,
		   (uint64_t)(uintptr_t)ustacks + 4096 + USTACK_SIZE - 8, 0);
}

/* Any other vCPU: say so, then halt. Touches only its own stack and
 * record buffer, and stays on the boot GDT and page tables. */
void ap_main(uint64_t cpu)
{
	rec_begin(cpu, NL_REC_PARK, 0);
	rec_send(cpu);
}
