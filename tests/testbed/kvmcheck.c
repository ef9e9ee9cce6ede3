/* kvmcheck: is /dev/kvm working? (tests/testbed/, not part of nestlab)
 *
 * Opens /dev/kvm, creates a VM with one vCPU started in 64-bit mode (paging
 * on, identity map of 2 MiB), runs
 *     mov $'O',%al; out %al,$0x10; mov $'K',%al; out %al,$0x10
 *     movl $0xcafe,0x9000; mov $0x12345678,%eax; out %eax,$0x11; hlt
 * and checks it saw exactly those exits and the memory write. Prints
 * key=value lines (also to FILE when given):
 *   api=12 nested_state=SIZE svm_for_guest=0|1 npt_for_guest=0|1
 *   exits=io:10:4f,io:10:4b,io:11:12345678,hlt memory=cafe result=ok|fail
 * svm_for_guest / npt_for_guest: whether KVM offers SVM / NPT in the CPUID it
 * supports for its guests (what an L1 would be able to use).
 * Exit status: 0 ok, 1 the guest did not do what it should, 2 KVM failed.
 *
 * Static, libc only: cc -static -O2 -o kvmcheck kvmcheck.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE (2u << 20)
#define CODE 0x8000

static const uint8_t code[] = {
	0xb0, 'O', 0xe6, 0x10,			/* mov $'O',%al; out %al,$0x10 */
	0xb0, 'K', 0xe6, 0x10,			/* mov $'K',%al; out %al,$0x10 */
	0xc7, 0x04, 0x25, 0x00, 0x90, 0x00, 0x00,
	0xfe, 0xca, 0x00, 0x00,			/* movl $0xcafe,0x9000 */
	0xb8, 0x78, 0x56, 0x34, 0x12,		/* mov $0x12345678,%eax */
	0xe7, 0x11,				/* out %eax,$0x11 */
	0xf4,					/* hlt */
};
static const char *expect = "io:10:4f,io:10:4b,io:11:12345678,hlt";

static char report[4096];
static size_t rlen;
static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rlen += vsnprintf(report + rlen, sizeof report - rlen, fmt, ap);
	va_end(ap);
	if (rlen >= sizeof report)
		rlen = sizeof report - 1;
}

static void done(const char *file, int rc)
{
	fputs(report, stdout);
	if (file) {
		FILE *f = fopen(file, "w");
		if (f) {
			fputs(report, f);
			fclose(f);
		}
	}
	exit(rc);
}

static const char *file;
static void __attribute__((noreturn)) fail(const char *what)
{
	add("error=%s: %s\nresult=fail\n", what, strerror(errno));
	done(file, 2);
	exit(2);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof *s);
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	char exits[1024] = "";
	int kvm, vm, vcpu, api, ns, mmap_size, svm = 0, npt = 0;
	uint8_t *mem;
	uint64_t *pt;

	file = argc > 1 ? argv[1] : NULL;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("open /dev/kvm");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	add("api=%d\n", api);
	ns = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NESTED_STATE);
	add("nested_state=%d\n", ns);

	cpuid = calloc(1, sizeof *cpuid + 256 * sizeof cpuid->entries[0]);
	cpuid->nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		fail("KVM_GET_SUPPORTED_CPUID");
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 0x80000001)
			svm = (e->ecx >> 2) & 1;
		if (e->function == 0x8000000a)
			npt = e->edx & 1;
	}
	add("svm_for_guest=%d\nnpt_for_guest=%d\n", svm, npt);

	fprintf(stderr, "kvmcheck: KVM_CREATE_VM\n");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap");
	/* page tables: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> one 2 MiB page at 0 */
	pt = (uint64_t *)(mem + 0x1000);
	pt[0] = 0x2000 | 3;
	pt = (uint64_t *)(mem + 0x2000);
	pt[0] = 0x3000 | 3;
	pt = (uint64_t *)(mem + 0x3000);
	pt[0] = 0 | 0x83;
	memcpy(mem + CODE, code, sizeof code);
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		fail("KVM_SET_CPUID2");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		fail("KVM_GET_SREGS");
	seg(&sregs.cs, 8, 11, 1);
	seg(&sregs.ds, 16, 3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr3 = 0x1000;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.efer = 0x500;		/* LMA LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof regs);
	regs.rip = CODE;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		fail("KVM_SET_REGS");

	for (int n = 0; n < 16; n++) {
		size_t l = strlen(exits);
		char *p = exits + l;
		size_t room = sizeof exits - l;
		const char *sep = l ? "," : "";

		fprintf(stderr, "kvmcheck: KVM_RUN %d\n", n);
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			fail("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
			uint8_t *d = (uint8_t *)run + run->io.data_offset;
			uint32_t v = 0;
			memcpy(&v, d, run->io.size);
			snprintf(p, room, "%sio:%x:%x", sep, run->io.port, v);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT) {
			snprintf(p, room, "%shlt", sep);
			break;
		}
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
			snprintf(p, room, "%sfail_entry:%llx", sep,
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			snprintf(p, room, "%sinternal_error:%u", sep, run->internal.suberror);
		else
			snprintf(p, room, "%sexit:%u", sep, run->exit_reason);
		break;
	}
	add("exits=%s\n", exits);
	{
		uint32_t m;
		memcpy(&m, mem + 0x9000, 4);
		add("memory=%x\n", m);
		int ok = api == KVM_API_VERSION && !strcmp(exits, expect) && m == 0xcafe;
		add("result=%s\n", ok ? "ok" : "fail");
		done(file, ok ? 0 : 1);
	}
	return 0;
}
