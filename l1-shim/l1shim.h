/* SPDX-License-Identifier: MIT */
/*
 * l1-shim: L1's /init (docs/nested.md). The map of its files; every
 * function returns 0 or a negative errno and fills a one-line message, and
 * only shim.c decides what a failure means for the run.
 */
#ifndef L1SHIM_H
#define L1SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nestlab/abi.h>

#include "guestdoc.h"
#include "json.h"
#include "procstat.h"
#include "l2spec.h"

#define SHIM_MSG 256

/* ---- l1sys.c: what L1's kernel offers, read and set up ---- */
/* Loads NAME (kvm-amd, zram, ...) after what it needs, in the order of
 * /lib/modules/modules.dep (lib/modload.c); params apply to NAME only. */
int sys_load_module(const char *name, const char *params, char *msg, size_t n);
/* /sys/module/MOD/parameters/PARAM into buf; -ENOENT when absent. */
int sys_module_param(const char *mod, const char *param, char *buf, size_t n);
/* A zram device of size bytes, a swap header on it, swapon. */
int sys_zram_swap(uint64_t size, char *msg, size_t n);
int sys_disk_swap(uint64_t size, char *msg, size_t n);
/* a VM and its vCPU 0 held open in fd[3] (/dev/kvm, VM, vCPU) */

struct sys_cpu {
	char vendor[13];
	bool amd, intel, svm, vmx, npt, hypervisor;
	bool ept;                 /* the kernel's "ept" flag: VMX's capability MSRs offer EPT */
	unsigned int cpus;
};
void sys_cpu(struct sys_cpu *c);

/* True when the kernel log says it killed pid for lack of memory. */
bool sys_oom_killed(pid_t pid);
/* Reads a whole small file into buf (NUL-terminated, newline dropped). */
int sys_read(const char *path, char *buf, size_t n);
/* KSM (pages_to_scan, 0: leave off), THP (a mode, or "keep") and zswap
 * (on, or left as the kernel has it) in L1. */
int sys_memory_techniques(unsigned int ksm_pages, const char *thp, bool zswap, char *msg,
			  size_t n);
uint64_t sys_now_ns(void);   /* CLOCK_MONOTONIC */

/* ---- l2run.c: the L2 VMs, one static nestlab process each ---- */
struct l2_vm {
	unsigned int index;
	const struct l2_spec *spec;
	pid_t pid;
	int status;                /* wait status */
	bool started, done, oom_killed;
	uint64_t t_start_ns, t_end_ns;
	char json[64], out[64], err[64];
	char error[SHIM_MSG];      /* why it did not start */
};
/* ksm: the L2's memory mergeable; thp_off: no huge pages for it */
int l2_start(struct l2_vm *v, unsigned int timeout_s, bool ksm, bool thp_off);
/* Waits for every started VM; fills status and end times. */
void l2_wait_all(struct l2_vm *v, unsigned int n);


#endif
