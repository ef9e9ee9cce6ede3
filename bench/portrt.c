// SPDX-License-Identifier: MIT
/*
 * The baseline for nestlab's exit round trip: the smallest KVM_RUN loop
 * that runs the same guest (tests/guests/g_nop.S). Set-up reuses nestlab's
 * loader and boot code, so only the run loop differs: no device table, no
 * accounting, no threads. Prints the time per no-op port exit between the
 * guest's marks 1 and 2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "nestlab.h"

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct nl_kvm k;
	struct nl_err err;
	struct nl_mem m;
	struct elf_image img;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct kvm_userspace_memory_region reg;
	uint64_t t1 = 0, t2 = 0, nops = 0;
	int vm, cpu;

	if (argc != 2) {
		fprintf(stderr, "usage: portrt GUEST_ELF\n");
		return 2;
	}
	if (kvm_open(&k, &err) || mem_map(&m, 16 << 20, &err) ||
	    elf_load(argv[1], &m, NL_GPA_IMAGE_MIN, &img, &err)) {
		fprintf(stderr, "portrt: %s\n", err.msg);
		return 1;
	}
	struct gk_boot b = { .entry = img.entry, .free_start = 4 << 20,
			     .ncpus = 1, .cmdline = "" };
	if (boot_gk_setup(&m, &b, &err)) {
		fprintf(stderr, "portrt: %s\n", err.msg);
		return 1;
	}
	vm = ioctl(k.fd, KVM_CREATE_VM, 0);
	reg = (struct kvm_userspace_memory_region){ .memory_size = m.size,
		.userspace_addr = (uintptr_t)m.host };
	if (vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &reg) ||
	    (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    ioctl(cpu, KVM_SET_CPUID2, k.cpuid) || ioctl(cpu, KVM_GET_SREGS, &sregs)) {
		perror("portrt: KVM set-up");
		return 1;
	}
	boot_gk_sregs(&sregs);
	boot_gk_regs(&regs, img.entry, 0);
	run = mmap(NULL, (size_t)k.vcpu_mmap_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED || ioctl(cpu, KVM_SET_SREGS, &sregs) ||
	    ioctl(cpu, KVM_SET_REGS, &regs)) {
		perror("portrt: vCPU set-up");
		return 1;
	}
	for (;;) {
		if (ioctl(cpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			perror("portrt: KVM_RUN");
			return 1;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "portrt: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		uint32_t v = *(uint32_t *)((uint8_t *)run + run->io.data_offset);

		if (run->io.port == NL_PORT_NOP)
			nops++;
		else if (run->io.port == NL_PORT_MARK && v == NL_MARK_WORKLOAD_BEGIN)
			t1 = now();
		else if (run->io.port == NL_PORT_MARK && v == NL_MARK_WORKLOAD_END)
			t2 = now();
		else if (run->io.port == NL_PORT_EXIT)
			break;
	}
	if (!nops || !t2) {
		fprintf(stderr, "portrt: guest did not run the no-op loop\n");
		return 1;
	}
	printf("exits=%llu ns_per_exit=%.1f\n", (unsigned long long)nops,
	       (double)(t2 - t1) / (double)nops);
	return 0;
}
