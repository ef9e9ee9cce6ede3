/* SPDX-License-Identifier: MIT */
/*
 * Ring 3: the workload's driver. Everything here runs at CPL 3, natively on
 * the pvm machine. It talks to the VMM directly through the ports the TSS
 * I/O bitmap opens, and to the kernel with syscall.
 */
#include <stddef.h>
#include <stdint.h>

#include "nestlab/abi.h"
#include "wl.h"
#include "gk.h"

struct gk_user gk_user;
static uint8_t logbuf[NL_REC_MAX] __attribute__((aligned(16)));

static inline uint64_t sys(uint64_t nr, uint64_t a0)
{
	uint64_t ret;

	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0)
			 : "a"(nr)
			 : "rcx", "r11", "rsi", "rdx", "r8", "r9", "r10",
			   "memory");
	return ret;
}

/* wl_env.log: one NL_REC_LOG record, sent from ring 3. */
void user_log(struct wl_env *env, const char *msg)
{
	struct nl_rec *r = (struct nl_rec *)logbuf;
	char *p = (char *)(r + 1);
	uint32_t n = 0;

	(void)env;
	while (msg[n] && n < NL_REC_MAX - sizeof(*r)) {
		p[n] = msg[n];
		n++;
	}
	r->magic = NL_REC_MAGIC;
	r->type = NL_REC_LOG;
	r->vcpu = 0;
	r->len = (uint32_t)sizeof(*r) + n;
	r->reserved = 0;
	outl(NL_PORT_CALL, (uint32_t)(uintptr_t)logbuf);
}

void user_main(void)
{
	struct gk_user *u = &gk_user;
	uint64_t t0, t1;
	int st;

	u->ping = sys(SYS_PING, 41);       /* one round trip through iretq */
	outl(NL_PORT_MARK, NL_MARK_WORKLOAD_BEGIN);
	t0 = rdtsc();
	st = wl_run(&u->params, &u->env, &u->res);
	t1 = rdtsc();
	outl(NL_PORT_MARK, NL_MARK_WORKLOAD_END);
	u->cycles = t1 - t0;
	u->status = st;
	sys(SYS_FINISH, 0);
	for (;;)
		;
}
