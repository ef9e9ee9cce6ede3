/* SPDX-License-Identifier: MIT */
/*
 * guest-kernel: definitions shared by kentry.S and the C files.
 * See docs/guest-kernel.md for the design.
 */
#ifndef GK_H
#define GK_H

#define GK_NAME        "guest-kernel 0.1"
#define GK_NCPU_MAX    8

/* abi.h is C only; kentry.S needs this one (checked in kmain.c). */
#define GK_PORT_MARK   0x0504

/* GDT selectors, in the order syscall (STAR) and iretq need them. */
#define SEL_KCODE      0x08
#define SEL_KDATA      0x10
#define SEL_UDATA      0x18   /* used with RPL 3: 0x1b */
#define SEL_UCODE      0x20   /* used with RPL 3: 0x23 */
#define SEL_TSS(cpu)   (0x28 + 16 * (cpu))
#define GDT_ENTRIES    (5 + 2 * GK_NCPU_MAX)

#define KSTACK_SIZE    0x10000   /* per vCPU, ring 0 */
#define USTACK_SIZE    0x100000  /* ring 3: one, vCPU 0's (no other enters ring 3) */
#define DFSTACK_SIZE   0x1000    /* per vCPU, IST1 for #DF */

/* The workload arena's user virtual address: PML4 slot 0, PDPT slot 256. */
#define ARENA_VA       0x0000004000000000ull

/* System calls (number in RAX, argument in RDI). */
#define SYS_PING       0   /* returns RDI + 1: proves the syscall/iretq path */
#define SYS_FINISH     1   /* the workload is done; never returns */

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "wl.h"

/* What ring 3 sees: parameters in, results out. Lives in the user part of
 * the image; the kernel reads it after SYS_FINISH. */
struct gk_user {
	struct wl_params params;
	struct wl_env env;
	struct wl_result res;
	uint64_t cycles;
	int64_t status;
	uint64_t ping;     /* SYS_PING's answer, checked by user_main */
};
extern struct gk_user gk_user;

/* kentry.S */
void user_main(void);
_Noreturn void enter_user(uint64_t rip, uint64_t rsp, uint64_t arg);
_Noreturn void halt_forever(void);
extern char exc_stubs[];          /* 32 stubs, 16 bytes apart */
extern void syscall_entry(void);
extern uint64_t syscall_kstack;   /* RSP loaded on syscall entry */

/* Exception frame as the common stub leaves it. */
struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
int exc_handler(struct exc_frame *f);   /* 0: handled, resume */
uint64_t syscall_c(uint64_t a0, uint64_t a1, uint64_t nr);
void kmain(uint64_t bootinfo, uint64_t cpu, uint64_t tsc0);
void ap_main(uint64_t cpu);

/* Ring-3 logging (user.c), used as wl_env.log. */
void user_log(struct wl_env *env, const char *msg);

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#endif
#endif
