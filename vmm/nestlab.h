/* SPDX-License-Identifier: MIT */
/*
 * nestlab VMM: the map. Every type and function used across files is
 * declared here, under the folder and file that define it (the folders:
 * docs/architecture.md): core/ the VM and its run loop, boot/ the boot
 * seam and its two instances, dev/ the port-I/O devices, report/ what a
 * run records. Beside it: lib/json.h and lib/l2spec.h (shared with
 * l1-shim), boot/layout.h (every fixed guest address) and boot/mpspec.h
 * (the MP table's wire format, for mptable.c and its test). Library
 * functions return 0 / a count, or a negative errno; only main.c prints
 * the final error line and chooses the exit status (docs/cli.md).
 */
#ifndef NESTLAB_VMM_H
#define NESTLAB_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include <asm/bootparam.h>
#include <libelf.h>
#include <linux/kvm.h>

#include <nestlab/abi.h>

#include "json.h"
#include "l2spec.h"
#include "layout.h"   /* boot/: every fixed guest address */

#define NL_ERR_MAX 256

/* Exit statuses of the nestlab program (docs/cli.md). */
enum nl_status {
	NL_EXIT_OK = 0,
	NL_EXIT_GUEST = 1,   /* guest failed: bad status, fault, triple fault */
	NL_EXIT_USAGE = 2,   /* bad input: options, files, sizes */
	NL_EXIT_TIMEOUT = 3, /* watchdog fired */
	NL_EXIT_HOST = 4,    /* host or KVM cannot do what is needed */
	NL_EXIT_CONFINED = 5, /* nestlab made a call its seccomp filter forbids */
};

/* An error message carried up to main: one line, no newline. */
struct nl_err {
	char msg[NL_ERR_MAX];
};
void nl_seterr(struct nl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* How a run ended (core/vm.c records the first reason; docs/results.md). */
enum nl_outcome {
	NL_OUT_RUNNING = 0,
	NL_OUT_EXITED,        /* guest wrote NL_PORT_EXIT */
	NL_OUT_TRIPLE_FAULT,
	NL_OUT_INTERNAL,      /* KVM internal error / failed entry */
	NL_OUT_UNHANDLED,     /* exit or port nestlab does not handle */
	NL_OUT_HALTED,        /* vCPU 0 halted with no exit status */
	NL_OUT_TIMEOUT,
	NL_OUT_HOST_ERROR,
	NL_OUT_POWEROFF,      /* ACPI S5, or Linux halted (acpi=off) */
	NL_OUT_REBOOT,        /* the guest reset the machine */
	NL_OUT_PANIC,         /* Linux said "Kernel panic - not syncing" */
};
const char *nl_outcome_name(enum nl_outcome o);

/* ======== the subcommands: main.c, cli.c, nested.c ======== */

/* ---- cli.c: `nestlab run` options (docs/cli.md) ---- */
enum nl_gpaging { NL_GP_DEMAND, NL_GP_PREBUILT };

struct nl_config {
	const char *kernel;
	const char *initrd;
	const char *json;
	char cmdline[4096];
	uint64_t mem;
	unsigned int cpus;
	unsigned int timeout_s;      /* 0 = none */
	enum nl_gpaging gpaging;
	uint64_t gpage_size;         /* 4096 or 2 MiB */
	bool prefault;
	bool hide_tdp;               /* no EPT/NPT for the guest's own guests */
	bool tsc_deadline;           /* offer Linux the TSC-deadline timer */
	bool hide_virt;              /* no SVM/VMX for the guest at all */
	bool quiet;                  /* no human summary */
	bool no_seccomp;             /* run without the filter (core/confine.c) */
	unsigned int mem_sample_ms;  /* memory over time: period, 0 = off */
	bool no_thp;                 /* MADV_NOHUGEPAGE instead of MADV_HUGEPAGE */
	bool ksm;                    /* MADV_MERGEABLE on guest memory */
	const char *disk;            /* --disk FILE: a virtio block device (Linux) */
	uint64_t disk_temp_size;     /* without disk: a temporary disk this big, 0: none */
};
/* Parses argv after the subcommand. Returns 0, 1 for --help, or -EINVAL. */
int cli_parse_run(int argc, char **argv, struct nl_config *cfg,
		  struct nl_err *err);
void cli_usage(FILE *f);
/* Sizes: wl_parse_size plus range checks; name is used in messages. */
int cli_size(const char *s, const char *name, uint64_t min, uint64_t max,
	     uint64_t *out, struct nl_err *err);
/* A whole number in min..max; name is used in messages. */
int cli_bad_option(char **argv, int c, struct nl_err *err);
int cli_uint(const char *s, const char *name, unsigned long min,
	     unsigned long max, unsigned int *out, struct nl_err *err);

/* ======== core/: the VM, its vCPUs, KVM, memory, the CPU model ======== */

/* ---- core/confine.c: the seccomp filter (docs/security.md) ---- */
struct sock_filter;
/* Writes the filter program into p (up to max instructions); returns how
 * many it needs. */
size_t confine_build(struct sock_filter *p, size_t max);
/* Installs it for this thread and every thread it starts from now on,
 * with a SIGSYS handler that names a forbidden call and exits 5. */
int confine_install(struct nl_err *err);
/* This process's seccomp mode read back from /proc/self/status (0 none,
 * 2 a filter), or -errno. */
int confine_mode(void);
/* The name of an x86-64 system call number, or NULL. */
const char *confine_syscall_name(int nr);

/* ---- core/mem.c ---- */
/* Guest-physical ranges backed by the one host mapping: one for a
 * guest-kernel VM, two for a Linux guest with more than 3 GiB (RAM resumes
 * at 4 GiB above the 32-bit MMIO hole). */
struct nl_slot {
	uint64_t gpa;
	uint64_t host_off;
	uint64_t size;
};
#define NL_MAX_SLOTS 2
struct nl_mem {
	uint8_t *host;
	uint64_t size;
	unsigned int nslots;
	struct nl_slot slot[NL_MAX_SLOTS];
};
int mem_map(struct nl_mem *m, uint64_t size, struct nl_err *err);
/* THP and KSM for guest memory, as asked; what the kernel accepted. */
struct mem_advice {
	bool thp_asked, thp_ok, ksm_asked, ksm_ok;
	int thp_errno, ksm_errno;
};
void mem_advise(struct nl_mem *m, bool thp, bool ksm, struct mem_advice *a);
/* One slot, gpa 0 = host offset 0 (mem_map's layout; tests use it too). */
void mem_attach(struct nl_mem *m, uint8_t *host, uint64_t size);
void mem_unmap(struct nl_mem *m);
/* The one checked guest-physical to host translation: NULL when any byte of
 * [gpa, gpa+len) lies outside guest memory. */
void *mem_gpa(const struct nl_mem *m, uint64_t gpa, uint64_t len);
/* core/gva.c: guest-virtual to guest-physical through the guest's x86-64
 * page tables; -EFAULT (a table outside memory), -ENOENT (not present) */
int gva_to_gpa(const struct nl_mem *m, uint64_t cr3, uint64_t cr4, uint64_t va,
	       uint64_t *gpa);
size_t gva_read_words(const struct nl_mem *m, uint64_t cr3, uint64_t cr4, uint64_t va,
		      uint64_t *out, size_t max);
int mem_prefault(struct nl_mem *m, struct nl_err *err);

struct nl_overcommit {
	uint64_t requested;
	uint64_t mem_available;   /* /proc/meminfo, bytes; 0 = unknown */
	uint64_t cgroup_limit;    /* memory.max, bytes; 0 = none/unknown */
	uint64_t limit;           /* the smaller known one; 0 = unknown */
	double ratio;             /* requested / min(known limits) */
};
void mem_overcommit(uint64_t requested, struct nl_overcommit *oc);
/* Parses meminfo-style text; exposed for unit tests. */
uint64_t mem_parse_meminfo(const char *text, const char *key);

/* ---- core/kvm.c ---- */
struct nl_kvm {
	int fd;
	int vcpu_mmap_size;
	bool stats;               /* KVM_CAP_BINARY_STATS_FD */
	bool tsc_khz;             /* KVM_CAP_GET_TSC_KHZ */
	bool tsc_deadline;        /* KVM_CAP_TSC_DEADLINE_TIMER */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
};
int kvm_open(struct nl_kvm *k, struct nl_err *err);
/* The first capability kvm_open requires that /dev/kvm (kvm_fd) lacks, and
 * what nestlab needs it for; NULL when none is missing. */
const char *kvm_missing_cap(int kvm_fd, const char **why);
void kvm_close(struct nl_kvm *k);

/* ---- core/cpuid.c: the CPU model a guest sees ---- */
struct cpuid_opts {
	bool hide_virt;           /* no SVM/VMX for the guest at all */
	bool hide_tdp;            /* SVM/VMX, but no NPT/EPT: L1 shadows L2 */
	bool tsc_deadline;        /* offer the in-kernel LAPIC's TSC-deadline timer */
};
/* A per-vCPU copy of base (malloc'd; the caller frees it). */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *base,
				  unsigned int vcpu, unsigned int ncpus,
				  const struct cpuid_opts *o);
bool cpuid_has_svm(const struct kvm_cpuid2 *c);
bool cpuid_has_vmx(const struct kvm_cpuid2 *c);
bool cpuid_has_npt(const struct kvm_cpuid2 *c);

/* ---- core/vmx_msr.c: Intel, EPT hidden through the VMX capability MSRs ---- */
uint64_t vmx_ctls2_without_ept(uint64_t ia32_vmx_procbased_ctls2);
uint64_t vmx_ept_vpid_cap_without_ept(uint64_t ia32_vmx_ept_vpid_cap);
int vmx_hide_ept(int vcpu_fd, struct nl_err *err);

/* ---- core/iobus.c: port I/O, the one way devices meet the VM ---- */
/* What a device answers: an exit_action, or a negative errno for "not
 * mine" (counted as an unknown port; reads float high). */
enum exit_action { EXIT_CONTINUE, EXIT_PARK, EXIT_STOP };
/* One guest port access. A device never sees the VM: it asks for the run
 * to end by filling stop and stop_msg (io_stop) and returning EXIT_STOP,
 * and the vCPU loop stops the VM with that reason. */
struct io_access {
	unsigned int vcpu;        /* the vCPU that made it */
	uint16_t port;
	bool out;
	uint8_t *data;            /* size bytes: written by the guest, or to fill */
	uint32_t size;
	enum nl_outcome stop;     /* with EXIT_STOP: why the run ends */
	char stop_msg[NL_ERR_MAX];
};
typedef int (*io_fn)(void *ctx, struct io_access *a);
/* Fills a's stop reason; returns EXIT_STOP for the handler to return. */
int io_stop(struct io_access *a, enum nl_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct io_range {
	uint16_t base, len;
	io_fn fn;
	void *ctx;
	const char *name;
};
#define IOBUS_MAX 24
struct iobus {
	struct io_range r[IOBUS_MAX];
	unsigned int n;
};
int iobus_register(struct iobus *b, uint16_t base, uint16_t len, io_fn fn,
		   void *ctx, const char *name);
const struct io_range *iobus_find(const struct iobus *b, uint16_t port);

/* Memory-mapped devices the same way: guest-physical ranges in the MMIO
 * hole, each with a handler that gets the offset into its range. A
 * handler never ends the run: a guest misusing a device breaks only that
 * device (docs/security.md). */
typedef void (*mmio_fn)(void *ctx, uint64_t off, uint8_t *data, uint32_t len,
			bool write);
struct mmio_range {
	uint64_t base, len;
	mmio_fn fn;
	void *ctx;
	const char *name;
};
#define MMIOBUS_MAX 4
struct mmiobus {
	struct mmio_range r[MMIOBUS_MAX];
	unsigned int n;
};
int mmiobus_register(struct mmiobus *b, uint64_t base, uint64_t len, mmio_fn fn,
		     void *ctx, const char *name);
const struct mmio_range *mmiobus_find(const struct mmiobus *b, uint64_t gpa,
				      uint32_t len);

/* ---- core/vm.c ---- */
uint64_t nl_now_ns(void);

/* ======== boot/: the two boot paths and what they write ======== */

/* ---- boot/elf_load.c ---- */
struct elf_image {
	uint64_t entry;
	uint64_t lo, hi;          /* guest-physical span of all PT_LOAD */
	unsigned int nsegs;
};
/* Loads an x86-64 ELF executable into guest memory at p_paddr; every
 * segment must lie inside [min_gpa, m->size) and not overlap another. */
int elf_load(const char *path, struct nl_mem *m, uint64_t min_gpa,
	     struct elf_image *img, struct nl_err *err);
/* True when the file starts with the ELF magic. */
bool elf_is_elf(const uint8_t *buf, size_t len);


/* An ELF file opened for libelf, checked to be a regular file first: the
 * one open sequence of elf_load.c (loading) and vmlinux.c (probing notes). */
struct elf_file {
	int fd;
	uint64_t size;   /* bytes in the file: bounds every offset in it */
	Elf *e;          /* any kind: the caller checks elf_kind() */
};

/* Returns 0, or a negative errno with a one-line message naming path
 * (-errno when it cannot be opened, -EINVAL otherwise). */
int elf_open(const char *path, struct elf_file *f, struct nl_err *err);
void elf_close(struct elf_file *f);

/* ---- boot/longmode.c: vCPU state for a direct 64-bit start ---- */
struct longmode {
	uint16_t code_sel, data_sel;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t cr3;
};
void longmode_sregs(struct kvm_sregs *s, const struct longmode *lm);

/* ---- boot/boot_gk.c: guest-kernel boot state (include/nestlab/abi.h) ---- */
struct gk_boot {
	uint64_t entry;
	uint64_t free_start;
	uint64_t tsc_khz;
	unsigned int ncpus;
	const char *cmdline;
};
int boot_gk_setup(struct nl_mem *m, const struct gk_boot *b,
		  struct nl_err *err);
void boot_gk_sregs(struct kvm_sregs *s);
void boot_gk_regs(struct kvm_regs *r, uint64_t entry, unsigned int vcpu);
/* guest-kernel's own command-line keys (docs/guest-kernel.md): what
 * wl_parse() must leave to the kernel when nestlab checks a workload's
 * command line before it boots; NULL-terminated */
extern const char *const boot_gk_own_keys[];

/* ---- boot/bzimage.c: the setup header of a bzImage (Documentation/arch/x86/boot.rst) ---- */
/* File offsets of the setup header (boot.rst, "The real-mode kernel header"). */
#define BZ_OFF_HDR        0x1f1  /* struct setup_header starts here */
#define BZ_OFF_BOOT_FLAG  0x1fe  /* 0xAA55 */
#define BZ_OFF_JUMP       0x200  /* 2 bytes: jmp rel8; the rel8 gives the header end */
#define BZ_OFF_MAGIC      0x202  /* "HdrS" */
#define BZ_OFF_VERSION    0x206
#define BZ_BOOT_FLAG      0xaa55
#define BZ_MAGIC          0x53726448u /* "HdrS" little-endian */

/*
 * Oldest protocol nestlab boots: 2.12 is the first with xloadflags, so it is
 * the first where "this kernel has a 64-bit entry point" (XLF_KERNEL_64) can
 * be checked rather than guessed. It also brings cmdline_size (2.06),
 * relocatable_kernel and kernel_alignment (2.05), pref_address and
 * init_size (2.10), which the loader needs.
 */
#define BZ_MIN_VERSION    0x020c
/* The setup header must reach at least to the end of init_size (2.10). */
#define BZ_MIN_HDR_END    (BZ_OFF_HDR + offsetof(struct setup_header, handover_offset))
/* The 64-bit entry point is this far past the protected-mode kernel's start. */
#define BZ_ENTRY64_OFFSET 0x200

struct bzimage {
	/* The setup header exactly as in the file (hdr_len bytes), zero after. */
	struct setup_header hdr;
	size_t hdr_len;
	uint16_t version;          /* 0x020f = 2.15 */
	unsigned int setup_sects;  /* after the "0 means 4" rule */
	uint64_t pm_offset;        /* file offset of the protected-mode kernel */
	uint64_t pm_size;          /* bytes to load: syssize * 16 */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t kernel_alignment; /* power of two when relocatable */
	uint64_t pref_address;
	uint32_t init_size;        /* linear memory needed from the runtime start */
	uint32_t initrd_addr_max;  /* highest byte address an initrd may use */
	uint32_t cmdline_size;     /* longest command line, without its NUL */
};

/* Cheap sniff: boot sector flag 0xAA55 and "HdrS". Used to tell a bzImage
 * from an ELF before choosing a loader. */
bool bzimage_is_bzimage(const uint8_t *buf, size_t len);

/* Parses and checks the setup header of the bzImage in buf. Returns 0 or
 * -EINVAL with a one-line message: not a bzImage, protocol too old,
 * truncated, no 64-bit entry point, or an inconsistent header. */
int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage *out,
		  struct nl_err *err);

/* ---- boot/vmlinux.c: the uncompressed kernel, booted through startup_64 ---- */
/* The owner name of the ELF notes every Linux kernel carries. */
#define VMLINUX_NOTE_OWNER   "Linux"
/* What arch/x86/boot/header.S says for every x86-64 kernel: */
#define VMLINUX_PROTOCOL     0x020f       /* boot protocol 2.15 */
#define VMLINUX_ALIGN        0x200000u    /* CONFIG_PHYSICAL_ALIGN's minimum */
#define VMLINUX_CMDLINE_SIZE 2047u        /* COMMAND_LINE_SIZE - 1 */
#define VMLINUX_INITRD_MAX   0x7fffffffu  /* highest initrd byte */

/* Sets *is_linux when path is an ELF file with a "Linux" note. Returns 0
 * (also for files that are not ELF: elf_load() reports those), or a
 * negative errno with a one-line message when path cannot be opened. */
int vmlinux_probe(const char *path, bool *is_linux, struct nl_err *err);

/* Fills bz with the setup header of the vmlinux that elf_load() put at
 * img: footprint [img->lo, img->hi), entry img->entry. Returns 0, or
 * -EINVAL with a message when the image cannot be entered as loaded. */
int vmlinux_header(const struct elf_image *img, struct bzimage *bz,
		   struct nl_err *err);

/* ---- boot/boot_linux.c: zero page, e820, page tables, GDT (docs/linux-boot.md) ---- */

/* ---- e820 and memory slots ---- */
#define BL_E820_RAM       1
#define BL_E820_RESERVED  2
#define BL_E820_MAX       8   /* nestlab never makes more than 4 */

/* Fills tab with the guest's e820 map for mem bytes of RAM (mem >= 1 MiB):
 * RAM 0..0x9fc00, reserved 0x9fc00..1 MiB, RAM 1 MiB..min(mem, 3 GiB),
 * and when mem > 3 GiB the rest of RAM from 4 GiB. Returns the count. */
unsigned int boot_linux_e820(uint64_t mem, struct boot_e820_entry *tab,
			     unsigned int max);

/* The slots for mem bytes of RAM held contiguously in one nl_mem: one slot
 * at gpa 0 of min(mem, 3 GiB), and a second at gpa 4 GiB for the rest,
 * backed by nl_mem from offset 3 GiB. Returns the count (1 or 2). */
unsigned int boot_linux_mem_slots(uint64_t mem, struct nl_slot slots[NL_MAX_SLOTS]);

/* ---- the boot itself ---- */
struct boot_linux_out {
	uint64_t entry;          /* RIP: startup_64 (bzImage: load_addr + 0x200) */
	uint64_t load_addr;      /* where the protected-mode kernel was put */
	uint64_t kernel_end;     /* end of the kernel's footprint (init_size) */
	uint64_t zero_page;      /* RSI: struct boot_params */
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t cmdline_gpa;
	uint32_t cmdline_len;    /* without the NUL */
	uint64_t initrd_gpa;     /* 0 when none */
	uint64_t initrd_size;
	unsigned int e820_entries;
};

/*
 * Loads the kernel of bz (parsed from kernel_file) into guest memory, writes
 * the zero page, command line, initrd, e820 map, identity page tables, GDT
 * and MP table for ncpus CPUs, and fills out. Needs nothing from KVM.
 * For a vmlinux, kernel_file is NULL, vmlinux says where elf_load() put it
 * and bz is vmlinux_header()'s; the kernel is entered at its ELF entry.
 * Returns 0 or -EINVAL with a one-line message (memory too small for the
 * kernel, command line too long, initrd does not fit, too many CPUs).
 */
int boot_linux_setup(struct nl_mem *m, const struct bzimage *bz,
		     const uint8_t *kernel_file, size_t kernel_len,
		     const struct elf_image *vmlinux,
		     const uint8_t *initrd, size_t initrd_len,
		     const char *cmdline, unsigned int ncpus, unsigned int nvirtio,
		     struct boot_linux_out *out, struct nl_err *err);

/* BSP state for the 64-bit entry. Both start from what KVM_GET_SREGS /
 * nothing gave: boot_linux_sregs changes only segments, descriptor tables,
 * control registers and EFER; boot_linux_regs clears every register. The
 * other vCPUs are left in their reset state: Linux starts them with
 * INIT-SIPI-SIPI through the in-kernel local APIC. */
void boot_linux_sregs(struct kvm_sregs *s, const struct boot_linux_out *o);
void boot_linux_regs(struct kvm_regs *r, const struct boot_linux_out *o);

/* ---- boot/fwsum.c ---- */
/* The MP and ACPI table checksum: the sum of n bytes, mod 256. */
uint8_t fw_sum8(const void *p, size_t n);

/* ---- boot/mptable.c: MP spec 1.4 tables (the acpi=off description) ---- */
/* Bytes the floating pointer plus the configuration table take. */
size_t mptable_size(unsigned int ncpus);
/*
 * Writes the floating pointer at gpa (16-byte aligned, inside one of the
 * areas Linux scans: the first KiB, 0x9fc00..0xa0000, 0xf0000..0x100000)
 * and the configuration table right after it, which must end inside the
 * same area. CPU i has APIC id i (CPU 0 is the BSP); the I/O APIC has id
 * ncpus; ISA IRQ n goes to I/O APIC pin n, as KVM's default GSI routing
 * does. Returns 0 or -EINVAL (bad gpa, ncpus 0 or too many for the area).
 */
int mptable_build(struct nl_mem *m, uint64_t gpa, unsigned int ncpus,
		  struct nl_err *err);

/* ---- boot/acpi.c: RSDP, XSDT, FADT, FACS, DSDT, MADT ---- */
/* Writes RSDP, XSDT, FADT, FACS, DSDT and MADT for ncpus CPUs into guest
 * memory at base (64-byte aligned, for the FACS; area bytes free). The
 * RSDP is at base. The DSDT describes nvirtio virtio-mmio devices (0 to
 * BL_VIRTIO_MAX), device i at BL_GPA_VIRTIO + i * VMMIO_SIZE on GSI
 * BL_VIRTIO_GSI + i.
 * Returns 0 or -EINVAL with a message. */
int acpi_build(struct nl_mem *m, uint64_t base, uint64_t area, unsigned int ncpus,
	       unsigned int nvirtio, struct nl_err *err);

/* ---- boot/msrs.c: the MSRs a Linux guest finds at boot ---- */
/* Copies the boot MSR table (index, value) into out; returns the count. */
unsigned int msrs_linux_boot(struct kvm_msr_entry *out, unsigned int max);
/* Sets them on one vCPU; -ENODEV with the refused MSR named. */
int msrs_linux_set(int vcpu_fd, unsigned int vcpu, struct nl_err *err);

/* ======== boot/boot.c, boot_gk.c, linux.c: the boot seam ======== */
/*
 * What differs between booting guest-kernel and booting Linux, as one
 * interface with one instance per kind of guest: core/vm.c and
 * core/vcpu.c call these and never ask which kernel runs. A new kind of
 * guest is a new instance (docs/architecture.md). Hooks other than load
 * may be NULL: nothing to do at that step.
 */
struct nl_vm;
struct boot_ops {
	const char *kind;         /* nestlab-run/1 "kernel_type": "elf", "linux" */
	/* The kernel (and initrd) into vm->mem; needs no KVM, so bad input
	 * is found before anything is created. file is the whole kernel
	 * file, or NULL when the kernel is loaded by its ELF segments. */
	int (*load)(struct nl_vm *vm, const uint8_t *file, size_t len,
		    struct nl_err *err);
	/* Port-I/O devices beyond COM1 and the channel, into vm->io. */
	int (*devices)(struct nl_vm *vm, struct nl_err *err);
	/* In-kernel devices on the new VM fd, before any vCPU exists. */
	int (*platform)(struct nl_vm *vm, struct nl_err *err);
	/* Per-vCPU set-up through its fd, before its registers (MSRs). */
	int (*vcpu_init)(struct nl_vm *vm, int vcpu_fd, unsigned int id,
			 struct nl_err *err);
	/* The state vCPU id starts in, into plain buffers: s as
	 * KVM_GET_SREGS gave it, changed in place; r written whole. Returns
	 * false to leave the vCPU in its reset state instead (a Linux AP
	 * waits for INIT/SIPI). */
	bool (*vcpu_state)(const struct nl_vm *vm, unsigned int id,
			   struct kvm_sregs *s, struct kvm_regs *r);
	/* The last writes to guest memory, once every vCPU exists and the
	 * TSC rate is known. */
	int (*ready)(struct nl_vm *vm, struct nl_err *err);
	bool probes_hardware;     /* absent ports and MMIO are normal: counted,
				     reads float high, no warning */
	bool console_input;       /* stdin feeds COM1 */
	bool tsc_deadline;        /* may be offered the TSC-deadline timer */
};
extern const struct boot_ops boot_gk_ops;     /* boot/boot_gk.c */
extern const struct boot_ops boot_linux_ops;  /* boot/linux.c */
/* Tells a guest-kernel ELF, a vmlinux and a bzImage apart by their
 * contents, sets vm->boot and loads the kernel (boot/boot.c). */
int boot_load(struct nl_vm *vm, struct nl_err *err);
/* Opens path for reading only if it is a regular file (a FIFO never
 * blocks, a directory says so); returns the fd, with its size. */
int boot_open_regular(const char *path, const char *what, uint64_t *size,
		      struct nl_err *err);
/* A whole regular file of at most max bytes; what names it in messages. */
int boot_read_file(const char *path, const char *what, uint64_t max,
		   uint8_t **buf, size_t *len, struct nl_err *err);

/* ======== dev/: port-I/O devices (each knows only its own state) ======== */

/* ---- dev/serial.c: 8250/16550A UART (COM1) ---- */
#define SERIAL_RX_MAX 256
struct serial {
	FILE *out;
	pthread_mutex_t *lock;
	int irq_fd;               /* VM fd for KVM_IRQ_LINE, -1 = polled only */
	uint32_t irq;
	int irq_level;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thr_ipending;
	uint8_t rx[SERIAL_RX_MAX];
	unsigned int rx_head, rx_tail;
	bool watch;               /* scan lines for panic/reboot (Linux) */
	bool halt_is_poweroff;    /* acpi=off: "System halted" is the poweroff */
	char line[256];
	unsigned int line_len;
	enum nl_outcome event;    /* what a finished line asked for */
	char event_line[256];
};
int serial_io(void *ctx, struct io_access *a);
/* Input bytes (stdin): queued in the receive FIFO, interrupt raised. */
size_t serial_rx(struct serial *s, const uint8_t *buf, size_t n);
size_t serial_rx_locked(struct serial *s, const uint8_t *buf, size_t n);

/* ---- dev/legacy.c: POST, i8042, CMOS, port 0x92, PCI conf (no devices) ---- */
int legacy_io(void *ctx, struct io_access *a);
int legacy_register(struct iobus *b);

/* ---- dev/acpi_pm.c: the PM1a event and control ports the FADT names ---- */
struct acpi_pm {
	uint16_t pm1_en;          /* read back as written (ACPICA checks) */
};
/* True when a PM1a control write asks for S5 (soft off). */
bool acpi_pm1_cnt_is_s5(uint16_t value);
int acpi_pm_io(void *ctx, struct io_access *a);
int acpi_pm_register(struct iobus *b, struct acpi_pm *pm);

/* ---- dev/channel.c: nestlab ports and records (docs/abi.md) ---- */
#define CH_LOG_MAX 64
struct channel {
	struct nl_mem *mem;
	pthread_mutex_t lock;
	bool have_hello, have_result, have_fault, have_abort;
	struct nl_hello hello;
	struct nl_result result;
	struct nl_fault fault;
	struct nl_abort abort;
	bool exited;
	uint32_t exit_status;
	uint64_t marks_ns[3];     /* CLOCK_MONOTONIC ns, 0 = not seen */
	uint64_t records, bad_records, nops, logs;
	uint64_t parked;
	/* NL_REC_FREE: records taken, bytes asked, and bytes that were
	 * resident on the host when they were dropped (mincore). */
	uint64_t freed_records, freed_bytes, freed_resident_bytes;
	char last_bad[160];
	FILE *log;                /* guest log lines go here */
};
int channel_io(void *ctx, struct io_access *a);
/* Handles one record at gpa; pure over channel state and memory (tests). */
int channel_record(struct channel *ch, unsigned int vcpu, uint64_t gpa);

/* ---- dev/docport.c: a Linux guest's result document (docs/abi.md) ---- */
struct docport {
	pthread_mutex_t lock;
	uint8_t *buf;
	size_t len, cap;
	bool open, complete, overflow;
	uint64_t begins, stray;
};
void docport_init(struct docport *d);
void docport_free(struct docport *d);
int docport_io(void *ctx, struct io_access *a);
/* The complete document, checked to be one JSON object; NULL and why not. */
const char *docport_take(const struct docport *d, size_t *len, char *why,
			 size_t whylen);

/* ---- dev/virtq.c: split virtqueues, guest memory checked (docs/abi.md) ---- */
#define VQ_MAX 256                /* the most descriptors a queue may have */
struct virtq {
	uint16_t num;             /* the driver's size: a power of 2, <= VQ_MAX */
	bool ready;
	uint64_t desc, avail, used;   /* guest-physical */
	uint16_t last_avail;      /* the next avail ring slot to take */
	uint16_t used_idx;        /* the used ring index we last published */
};
/* One buffer of a chain: host address inside guest memory. */
struct vq_seg {
	uint8_t *p;
	uint32_t len;
	bool write;               /* device-writable */
};
/* Rings inside guest memory, aligned, num a power of 2: 0, or -EINVAL and why. */
int virtq_check(const struct virtq *q, const struct nl_mem *m, char *why, size_t n);
/* The next chain the driver made available: 1 with head and seg[0..*nseg)
 * (at most q->num segments), 0 when there is none, -EINVAL (why) when the
 * rings or the chain break the rules; the queue is then unusable. */
int virtq_pop(struct virtq *q, const struct nl_mem *m, uint16_t *head,
	      struct vq_seg *seg, unsigned int *nseg, char *why, size_t n);
/* Hands chain head back with len bytes written into its buffers. */
void virtq_push(struct virtq *q, const struct nl_mem *m, uint16_t head, uint32_t len);

/* ---- dev/virtio_mmio.c: the virtio-mmio transport, version 2 ---- */
#define VMMIO_SIZE 0x1000         /* registers 0x000..0x0ff, config from 0x100 */
#define VMMIO_MAX_QUEUES 1
struct virtio_mmio;
struct vmmio_ops {
	uint32_t device_id;       /* virtio device type (2: block) */
	uint64_t features;        /* offered; the transport adds VERSION_1 */
	unsigned int nqueues;
	uint16_t queue_max;
	/* The config space, little-endian, and its length. */
	const uint8_t *(*config)(void *dev, size_t *len);
	/* QueueNotify on a ready queue of a running device (lock held). */
	void (*notify)(void *dev, struct virtio_mmio *t, struct virtq *q);
};
struct virtio_mmio {
	pthread_mutex_t lock;     /* vCPUs reach the device concurrently */
	const struct vmmio_ops *ops;
	void *dev;
	const struct nl_mem *mem;
	int irq_fd;               /* VM fd for KVM_IRQ_LINE, -1: none (tests) */
	uint32_t gsi;
	bool irq_level;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel, status, int_status;
	uint64_t drv_features;
	struct virtq q[VMMIO_MAX_QUEUES];
	uint64_t notifies, interrupts, bad_accesses, guest_errors;
	char guest_error[160];    /* the first, for the document */
};
void vmmio_init(struct virtio_mmio *t, const struct vmmio_ops *ops, void *dev,
		const struct nl_mem *mem, int irq_fd, uint32_t gsi);
void vmmio_access(void *ctx, uint64_t off, uint8_t *data, uint32_t len, bool write);
/* The device put buffers in a used ring: interrupt the driver. */
void vmmio_signal_used(struct virtio_mmio *t);
/* The driver broke the rules: DEVICE_NEEDS_RESET, the device stops. */
void vmmio_fail(struct virtio_mmio *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u

/* ---- dev/virtio_blk.c: a virtio block device on a host file ---- */
struct vblk_stats {
	uint64_t reads, writes, flushes, get_ids, unsupported, bad_requests;
	uint64_t bytes_read, bytes_written, io_errors, io_ns;
};
struct virtio_blk {
	struct virtio_mmio t;
	int fd;
	bool temporary;           /* an unlinked file nestlab made for this run */
	char path[256];           /* the file, or for a temporary one its directory */
	uint64_t sectors;         /* capacity in 512-byte sectors */
	uint8_t config[60];       /* struct virtio_blk_config, little-endian */
	struct vblk_stats st;
	struct vq_seg seg[VQ_MAX];
};
/* path: an existing regular file (its size a multiple of 512), or NULL for
 * a new sparse unlinked file of temp_size bytes in $TMPDIR (else /var/tmp).
 * 0, or -errno with a message. */
int vblk_open(struct virtio_blk *b, const char *path, uint64_t temp_size,
	      struct nl_err *err);
/* Wires the transport: guest memory and the interrupt line. */
void vblk_attach(struct virtio_blk *b, const struct nl_mem *mem, int irq_fd, uint32_t gsi);
void vblk_close(struct virtio_blk *b);

/* ======== report/: what a run records (docs/results.md) ======== */

/* ---- report/exitstats.c: userspace-visible exits by reason ---- */
#define XS_REASONS 64
#define XS_PORTS 16
struct xs_bucket {
	uint64_t count;
	uint64_t total_ns;
	uint64_t max_ns;
};
struct xs_port {
	uint16_t port;
	uint8_t out;
	struct xs_bucket b;
};
struct exitstats {
	struct xs_bucket reason[XS_REASONS];
	struct xs_port port[XS_PORTS];
	unsigned int nports;
	struct xs_bucket port_other;
};
void xs_add(struct exitstats *xs, uint32_t reason, uint64_t ns);
void xs_add_port(struct exitstats *xs, uint16_t port, bool out, uint64_t ns);
void xs_merge(struct exitstats *into, const struct exitstats *from);
const char *xs_reason_name(uint32_t reason);

/* ---- report/stats.c: KVM binary statistics (KVM_GET_STATS_FD) ---- */
struct ks_desc {
	char name[64];
	uint32_t flags;
	int16_t exponent;
	uint16_t size;
	uint32_t offset;          /* in u64 units within the data block */
};
struct kvm_stats {
	int fd;
	unsigned int ndesc;
	struct ks_desc *desc;
	uint64_t data_off;        /* byte offset of the data block in the fd */
	size_t nvals;             /* total u64 values */
	uint64_t *before, *after;
	uint64_t *mark;           /* shortly before a watchdog stop (stopstate.c) */
	bool marked;
};
int ks_open(struct kvm_stats *ks, int kvm_obj_fd);
int ks_snapshot(struct kvm_stats *ks, bool after);
int ks_mark(struct kvm_stats *ks);
bool ks_cumulative(const struct ks_desc *d);
uint64_t ks_value(const struct ks_desc *d, const uint64_t *vals);
/* a cumulative counter's growth from the mark to the after snapshot */
int ks_since_mark(const struct kvm_stats *ks, const char *name, uint64_t *delta);
void ks_close(struct kvm_stats *ks);

/* ---- report/procmem.c: nestlab's and the guest's resident memory ---- */
struct procmem {
	uint64_t rss_kb, hwm_kb;     /* the whole nestlab process */
	uint64_t guest_rss_kb;       /* resident part of guest memory */
	uint64_t guest_swap_kb;      /* swapped-out part of guest memory */
	uint64_t vmm_rss_kb;         /* rss - guest: nestlab's own */
	int smaps_error;             /* 0, or why the guest mapping was not read */
};
void procmem_read(const struct nl_mem *guest, struct procmem *pm);

/* ---- report/memseries.c: memory over time (docs/results.md) ---- */
#define MEMSERIES_MAX 512            /* samples kept; then the step doubles */
#define NL_MEM_SAMPLE_MS 250         /* the default period */
#define MEMSERIES_BUF (256u << 10)   /* one /proc file read */
struct mem_sample {
	uint64_t t_ms;                    /* since the first vCPU started */
	uint64_t guest_rss_kb, guest_swap_kb;   /* the guest mapping */
	uint64_t host_avail_kb, host_swap_used_kb;
	uint64_t host_pswpin, host_pswpout;     /* cumulative, pages */
	uint64_t host_pgmajfault, host_thp_fault_alloc; /* cumulative */
	uint64_t host_ksm_sharing;              /* KSM pages_sharing now */
};
struct memseries {
	unsigned int period_ms, step_ms;  /* asked; in effect after halvings */
	unsigned int n, halvings, errors;
	uint64_t next_ns;
	struct mem_sample *s;             /* MEMSERIES_MAX, NULL when off */
	char *buf;
};
int memseries_init(struct memseries *ms, unsigned int period_ms);
void memseries_free(struct memseries *ms);
bool memseries_due(const struct memseries *ms, uint64_t now_ns);
void memseries_add(struct memseries *ms, const struct mem_sample *x);
/* Reads /proc now and adds a sample; guest is the guest mapping's start. */
void memseries_sample(struct memseries *ms, const void *guest, uint64_t t0_ns,
		      uint64_t now_ns);
void memseries_json(struct json *j, const char *key, const struct memseries *ms);
/* Text parsers, for the sampler and its tests: a "KEY: N" or "KEY N"
 * line's N; the Rss and Swap of the smaps entry that starts at start. */
int memseries_field(const char *text, size_t len, const char *key, uint64_t *out);
int memseries_smaps(const char *text, size_t len, uintptr_t start,
		    uint64_t *rss_kb, uint64_t *swap_kb);
/* The guest mapping's Rss and Swap now, reading /proc/self/smaps into buf
 * (cap bytes): 0, or -errno (-EFBIG: the file did not fit). */
int memseries_guest(const void *guest, char *buf, size_t cap, uint64_t *rss_kb, uint64_t *swap_kb);

/* ---- report/hostinfo.c: the host, its CPU and its KVM module ---- */
struct hostinfo {
	char kernel[128];         /* uname -r */
	char machine[65];
	char cpu_vendor[16];
	char cpu_model[64];
	char kvm_module[32];      /* kvm_intel, kvm_amd, kvm_pvm, ... */
	char l0_paging[48];       /* "ept", "npt", "shadow", ... */
	bool nested;              /* nested=1 on the host module */
	char thp_enabled[16];     /* the host's THP mode, "" if unknown */
	int ksm_run;              /* /sys/kernel/mm/ksm/run, -1 if absent */
	long ksm_pages_to_scan;   /* -1 if absent */
};
void hostinfo_read(struct hostinfo *h);
/* The first line of the file at path, without its newline, in buf; false
 * when it cannot be opened (an empty file gives ""). */
bool hostinfo_read_line(const char *path, char *buf, size_t n);

/* ---- host/probe.c, host/doctor.c: what this host can run (docs/doctor.md) ---- */
struct doctor_facts {
	char kernel[128], cpu_vendor[16], cpu_model[64];
	int cpu_svm, cpu_vmx;          /* in /proc/cpuinfo flags; -1 unknown */
	int kvm_errno;                 /* opening /dev/kvm: 0 = it opened */
	int api_version;
	char api_text[16];
	char missing_cap[40];          /* the first capability kvm_open needs that is absent */
	bool cap_stats, cap_tsc_khz, cap_tsc_deadline;
	char module[32];               /* kvm_amd, kvm_intel, kvm_pvm, "" */
	int nested;                    /* the module's nested=: 0, 1, -1 unknown */
	int l0_tdp;                    /* npt/ept: 0 (L0 shadows), 1, -1 unknown */
	char l0_paging[48];
	bool guest_virt;               /* KVM's supported CPUID has SVM or VMX */
	char guest_virt_name[8];
	int tracefs;                   /* kvm events: 0 none, 1 read-only, 2 writable */
	char thp[16];
	int ksm_run;
	uint64_t mem_total_kb, mem_avail_kb;
	int overcommit_memory;
	bool qemu;                     /* qemu-system-x86_64 on PATH: the testbed */
};
enum doctor_item { DOCTOR_RUN, DOCTOR_SHADOW, DOCTOR_NESTED, DOCTOR_SOS, DOCTOR_TRACE, DOCTOR_NITEMS };
enum doctor_can { DOCTOR_CAN, DOCTOR_TESTBED, DOCTOR_CANNOT };
struct doctor_verdict {
	enum doctor_can can;
	char why[200];
};
extern const char *const doctor_item_names[DOCTOR_NITEMS];
void doctor_probe(struct doctor_facts *f);
void doctor_decide(const struct doctor_facts *f, struct doctor_verdict v[DOCTOR_NITEMS]);
/* 0 when nested runs can run on this host itself, else 1 */
int doctor_status(const struct doctor_verdict v[DOCTOR_NITEMS]);
void doctor_print(FILE *out, const struct doctor_facts *f, const struct doctor_verdict v[DOCTOR_NITEMS]);

/* ---- report/report.c: the nestlab-run/1 document and the summary ---- */
/* The nestlab-run/1 object, as member k of an enclosing document. */
/* with_doc: a Linux guest's document-port document goes in as
 * guest_document (in a nested document it is "l1" instead) */
void report_write(struct json *j, const char *k, const struct nl_vm *vm,
		  const struct hostinfo *h, bool with_doc);
int report_json(const struct nl_vm *vm, const struct hostinfo *h,
		const char *path, struct nl_err *err);
/* Writes one JSON document to path through body: to a temporary name
 * first, renamed into place when complete (a killed run leaves no half
 * document). */
int report_file(const char *path, void (*body)(struct json *j, const void *arg),
		const void *arg, struct nl_err *err);
void report_summary(const struct nl_vm *vm, FILE *f);

/* ======== core/vm.c, core/vcpu.c: the VM and its run loop (last: a VM
 * holds one of everything above) ======== */

/* core/stopstate.c: a vCPU's state when the watchdog stopped the run */
struct vcpu_stop {
	bool valid;
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer;
	uint16_t cs;
	uint32_t mp_state;   /* KVM_MP_STATE_*, UINT32_MAX: unknown */
	int guest_mode;      /* 1: it was running its own guest (an L1's L2); -1: unknown */
	uint64_t stack[32];  /* the words at rsp, read through the guest's page tables */
	unsigned int nstack; /* how many could be read (0: not in long mode, or unmapped) */
};
struct nl_vcpu;
struct nl_vm;
/* how long before the watchdog's stop the last window starts */
#define STOPSTATE_WINDOW_NS 1000000000ull
void stopstate_mark(struct nl_vm *vm);
void stopstate_capture(struct nl_vcpu *c);
const char *stopstate_mp_name(uint32_t mp);

struct nl_vcpu {
	struct nl_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	struct exitstats xs;
	struct kvm_stats ks;
	bool parked;
	uint64_t runs;               /* KVM_RUN returns; atomic: the watchdog reads it */
	uint64_t mark_runs;          /* runs at the last window's start */
	struct vcpu_stop at_stop;    /* filled when the watchdog stopped the run */
};

struct nl_vm {
	struct nl_kvm *kvm;
	const struct nl_config *cfg;
	int fd;
	struct nl_mem mem;
	struct iobus io;
	struct mmiobus mmio;
	struct virtio_blk *disk;     /* NULL: no disk */
	struct serial com1;
	struct acpi_pm acpi;
	struct channel ch;
	struct docport doc;
	const struct boot_ops *boot; /* how this kernel boots (boot_load) */
	struct boot_linux_out *lb;   /* Linux: what boot_linux_setup() wrote */
	int stdin_pipe[2];           /* wakes the stdin thread to stop */
	pthread_t stdin_thread;
	struct kvm_stats ks;
	unsigned int ncpus;
	struct nl_vcpu *vcpu;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum nl_outcome outcome;  /* first reason to stop wins */
	char outcome_msg[NL_ERR_MAX];
	volatile int stop;
	unsigned int nparked;
	uint64_t t_proc_ns;       /* process start, for time-to-first-instruction */
	uint64_t t_start_ns, t_end_ns;
	uint64_t mark_ns, mark_end_ns; /* the last window before a watchdog stop; 0: none */
	uint64_t unknown_io;      /* accesses to ports nothing handles */
	uint64_t unknown_mmio;    /* Linux: accesses to unbacked addresses */
	uint16_t unknown_ports[8];
	unsigned int nunknown_ports;
	uint64_t tsc_khz;
	struct elf_image img;        /* guest-kernel: where its ELF went */
	struct nl_overcommit oc;
	struct procmem pm;           /* read when the run ends */
	struct memseries ms;         /* memory over time, sampled by vm_run */
	struct mem_advice madv;      /* THP and KSM as in effect */
};
/* Memory and the kernel image: needs no KVM, so bad input is found first. */
int vm_prepare(struct nl_vm *vm, const struct nl_config *cfg,
	       struct nl_err *err);
int vm_create(struct nl_vm *vm, struct nl_kvm *k, struct nl_err *err);
int vm_run(struct nl_vm *vm, struct nl_err *err);
void vm_destroy(struct nl_vm *vm);
/* Records the first stop reason and asks every vCPU to stop. */
void vm_stop(struct nl_vm *vm, enum nl_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Counts and reports (once per port) an access to an unhandled port. */
void vm_note_unknown_io(struct nl_vm *vm, uint16_t port, bool out,
			uint32_t size);

int vcpu_create(struct nl_vm *vm, struct nl_vcpu *c, unsigned int id,
		struct nl_err *err);
void *vcpu_thread(void *arg);
/* Exit dispatch as a plain function over struct kvm_run (unit-tested). */
enum exit_action vcpu_handle_exit(struct nl_vcpu *c);

/* ======== nested.c: `nestlab nested` (docs/nested.md) ======== */
struct nl_nested {
	const char *kernel, *initrd, *json, *l1_cmdline;
	uint64_t l1_mem, l1_swap, l2_mem_sum;
	unsigned int l1_cpus, timeout_s, l2_timeout_s;
	bool shadow;              /* L1->L2 paging: shadow, else nested NPT/EPT */
	bool trace_exits, quiet, no_seccomp;
	unsigned int mem_sample_ms;
	unsigned int l1_ksm_pages;   /* 0: KSM stays off in L1 */
	const char *l1_thp;          /* NULL: L1's kernel default */
	bool l1_zswap;               /* zswap on in L1, in front of its swap */
	bool l1_swap_disk;           /* L1 swaps on a virtio disk, not zram */
	bool print_cmdline;          /* print L1's command line, run nothing */
	bool l1_kvm_hold;            /* l1-shim holds a VM from before the L2s */
	bool trace_l0;               /* trace L0's KVM while L1 runs */
	const char *timeline;        /* the trace-event timeline, from L0's trace */
	unsigned int timeline_max;   /* its event bound */
	unsigned int nspecs, nl2;
	struct l2_spec spec[L2_MAX];
};
#define NESTED_TIMELINE_MAX 1000000u
void nested_usage(FILE *f);
/* Returns 0, 1 for --help, or -EINVAL. */
int nested_parse(int argc, char **argv, struct nl_nested *n, struct nl_err *err);
int nested_cmdline(const struct nl_nested *n, char *buf, size_t len,
		   struct nl_err *err);
/* -EOPNOTSUPP when this host cannot run what n asks for. */
int nested_check_host(const struct nl_nested *n, const struct nl_kvm *k,
		      const struct hostinfo *h, struct nl_err *err);
void nested_config(const struct nl_nested *n, struct nl_config *cfg);
/* L0's trace while L1 runs (--trace-l0; docs/exit-multiplication.md). */
struct ktrace;
struct nested_l0trace {
	struct ktrace *kt;        /* NULL: not traced */
	FILE *tl;                 /* the --timeline file while open */
	int tgid;                 /* this process: L1's vCPU threads */
	char err[200], tl_err[200];
};
/* Nothing without --trace-l0; else starts tracing (and the timeline):
 * a negative errno and a one-line reason when L0 cannot be traced. */
int nested_trace_start(const struct nl_nested *n, struct nested_l0trace *l,
		       struct nl_err *err);
void nested_trace_stop(struct nested_l0trace *l);
void nested_trace_free(struct nested_l0trace *l);
int nested_report(const struct nl_nested *n, const struct nested_l0trace *l0t,
		  struct nl_vm *vm, const struct hostinfo *h, const char *l1doc,
		  size_t l1len, const char *l1why, struct nl_err *err);

#endif /* NESTLAB_VMM_H */
