/* SPDX-License-Identifier: MIT */
/*
 * nestlab VMM: the one-page map. Every function used across files is
 * declared here, under the file that defines it. Library functions return
 * 0 / a count, or a negative errno; only main.c prints the final error line
 * and chooses the exit status (docs/cli.md).
 */
#ifndef NESTLAB_VMM_H
#define NESTLAB_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include <linux/kvm.h>

#include <nestlab/abi.h>

#include "json.h"
#include "l2spec.h"

#define NL_ERR_MAX 256

/* Exit statuses of the nestlab program (docs/cli.md). */
enum nl_status {
	NL_EXIT_OK = 0,
	NL_EXIT_GUEST = 1,   /* guest failed: bad status, fault, triple fault */
	NL_EXIT_USAGE = 2,   /* bad input: options, files, sizes */
	NL_EXIT_TIMEOUT = 3, /* watchdog fired */
	NL_EXIT_HOST = 4,    /* host or KVM cannot do what is needed */
};

/* An error message carried up to main: one line, no newline. */
struct nl_err {
	char msg[NL_ERR_MAX];
};
void nl_seterr(struct nl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- cli.c ---- */
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
	bool cmdline_set;
};
/* Parses argv after the subcommand. Returns 0, 1 for --help, or -EINVAL. */
int cli_parse_run(int argc, char **argv, struct nl_config *cfg,
		  struct nl_err *err);
void cli_usage(FILE *f);
/* Sizes: wl_parse_size plus range checks; name is used in messages. */
int cli_size(const char *s, const char *name, uint64_t min, uint64_t max,
	     uint64_t *out, struct nl_err *err);
/* A whole number in min..max; name is used in messages. */
int cli_uint(const char *s, const char *name, unsigned long min,
	     unsigned long max, unsigned int *out, struct nl_err *err);

/* ---- mem.c ---- */
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
/* One slot, gpa 0 = host offset 0 (mem_map's layout; tests use it too). */
void mem_attach(struct nl_mem *m, uint8_t *host, uint64_t size);
void mem_unmap(struct nl_mem *m);
/* The one checked guest-physical to host translation: NULL when any byte of
 * [gpa, gpa+len) lies outside guest memory. */
void *mem_gpa(const struct nl_mem *m, uint64_t gpa, uint64_t len);
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

/* ---- elf_load.c ---- */
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

/* ---- longmode.c: vCPU state for a direct 64-bit start ---- */
struct longmode {
	uint16_t code_sel, data_sel;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t cr3;
};
void longmode_sregs(struct kvm_sregs *s, const struct longmode *lm);

/* ---- boot_nl.c: guest-kernel boot state (include/nestlab/abi.h) ---- */
struct nl_boot {
	uint64_t entry;
	uint64_t free_start;
	uint64_t tsc_khz;
	unsigned int ncpus;
	const char *cmdline;
};
int boot_nl_setup(struct nl_mem *m, const struct nl_boot *b,
		  struct nl_err *err);
void boot_nl_sregs(struct kvm_sregs *s);
void boot_nl_regs(struct kvm_regs *r, uint64_t entry, unsigned int vcpu);

/* ---- kvm.c ---- */
struct nl_kvm {
	int fd;
	int vcpu_mmap_size;
	bool stats;               /* KVM_CAP_BINARY_STATS_FD */
	bool tsc_khz;             /* KVM_CAP_GET_TSC_KHZ */
	bool tsc_deadline;        /* KVM_CAP_TSC_DEADLINE_TIMER */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
};
int kvm_open(struct nl_kvm *k, struct nl_err *err);
void kvm_close(struct nl_kvm *k);

/* ---- cpuid.c: the CPU model a guest sees ---- */
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

/* ---- msrs.c: the MSRs a Linux guest finds at boot ---- */
/* Copies the boot MSR table (index, value) into out; returns the count. */
unsigned int msrs_linux_boot(struct kvm_msr_entry *out, unsigned int max);
/* Sets them on one vCPU; -ENODEV with the refused MSR named. */
int msrs_linux_set(int vcpu_fd, unsigned int vcpu, struct nl_err *err);

/* ---- vmx_msr.c: Intel, EPT hidden through the VMX capability MSRs ---- */
uint64_t vmx_ctls2_without_ept(uint64_t ia32_vmx_procbased_ctls2);
uint64_t vmx_ept_vpid_cap_without_ept(uint64_t ia32_vmx_ept_vpid_cap);
int vmx_hide_ept(int vcpu_fd, struct nl_err *err);

/* ---- exitstats.c: userspace-visible exits by reason ---- */
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

/* ---- stats.c: KVM binary statistics (KVM_GET_STATS_FD) ---- */
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
};
int ks_open(struct kvm_stats *ks, int kvm_obj_fd);
int ks_snapshot(struct kvm_stats *ks, bool after);
void ks_close(struct kvm_stats *ks);

/* json.c, jsoncheck.c, l2spec.c: lib/ (shared with l1-shim): lib/json.h,
 * lib/l2spec.h. */

/* ---- iobus.c: port I/O handlers ---- */
struct nl_vm;
struct nl_vcpu;
typedef int (*io_fn)(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
		     uint8_t *data, uint32_t size);
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

/* ---- serial.c: 8250/16550A UART (COM1) ---- */
#define SERIAL_RX_MAX 256
enum serial_event { SERIAL_EV_NONE, SERIAL_EV_POWEROFF, SERIAL_EV_REBOOT,
		    SERIAL_EV_PANIC };
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
	bool watch;               /* scan lines for poweroff/reboot/panic */
	char line[256];
	unsigned int line_len;
	enum serial_event event;
	char event_line[256];
	void (*on_event)(struct serial *s, enum serial_event ev);
	void *owner;
};
int serial_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	      uint8_t *data, uint32_t size);
/* Input bytes (stdin): queued in the receive FIFO, interrupt raised. */
size_t serial_rx(struct serial *s, const uint8_t *buf, size_t n);
size_t serial_rx_locked(struct serial *s, const uint8_t *buf, size_t n);

/* ---- legacy.c: POST, i8042, CMOS, port 0x92, PCI conf (no devices) ---- */
struct legacy {
	uint8_t cmos_index;
};
/* ACPI's PM1 registers (acpi.c): the enable bits read back as written. */
struct acpi_pm {
	uint16_t pm1_en;
};
int legacy_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	      uint8_t *data, uint32_t size);
int legacy_register(struct iobus *b, struct legacy *l);

/* ---- channel.c: nestlab ports and records (docs/abi.md) ---- */
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
	char last_bad[160];
	FILE *log;                /* guest log lines go here */
};
int channel_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	       uint8_t *data, uint32_t size);
/* Handles one record at gpa; pure over channel state and memory (tests). */
int channel_record(struct channel *ch, unsigned int vcpu, uint64_t gpa);

/* ---- docport.c: a Linux guest's result document (docs/abi.md) ---- */
struct docport {
	pthread_mutex_t lock;
	uint8_t *buf;
	size_t len, cap;
	bool open, complete, overflow;
	uint64_t begins, stray;
};
void docport_init(struct docport *d);
void docport_free(struct docport *d);
int docport_io(struct nl_vcpu *c, void *ctx, uint16_t port, bool out,
	       uint8_t *data, uint32_t size);
/* The complete document, checked to be one JSON object; NULL and why not. */
const char *docport_take(struct docport *d, size_t *len, char *why,
			 size_t whylen);

/* ---- procmem.c ---- */
struct procmem {
	uint64_t rss_kb, hwm_kb;     /* the whole nestlab process */
	uint64_t guest_rss_kb;       /* resident part of guest memory */
	uint64_t vmm_rss_kb;         /* rss - guest: nestlab's own */
};
void procmem_read(const struct nl_mem *guest, struct procmem *pm);

/* ---- vm.c / vcpu.c ---- */
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

struct nl_vcpu {
	struct nl_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	struct exitstats xs;
	struct kvm_stats ks;
	bool parked;
	uint64_t runs;
};

struct nl_vm {
	struct nl_kvm *kvm;
	const struct nl_config *cfg;
	int fd;
	struct nl_mem mem;
	struct iobus io;
	struct serial com1;
	struct legacy legacy;
	struct acpi_pm acpi;
	struct channel ch;
	struct docport doc;
	bool is_linux;                  /* a bzImage or vmlinux, not a guest-kernel ELF */
	struct boot_linux_out *lb;   /* Linux boot results (boot_linux.h) */
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
	uint64_t unknown_io;      /* accesses to ports nothing handles */
	uint64_t unknown_mmio;    /* Linux: accesses to unbacked addresses */
	uint16_t unknown_ports[8];
	unsigned int nunknown_ports;
	uint64_t tsc_khz;
	struct elf_image img;
	struct nl_overcommit oc;
	struct procmem pm;           /* read when the run ends */
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
enum exit_action { EXIT_CONTINUE, EXIT_PARK, EXIT_STOP };
enum exit_action vcpu_handle_exit(struct nl_vcpu *c);

/* ---- hostinfo.c ---- */
struct hostinfo {
	char kernel[128];         /* uname -r */
	char machine[65];
	char cpu_vendor[16];
	char cpu_model[64];
	char kvm_module[32];      /* kvm_intel, kvm_amd, kvm_pvm, ... */
	char l0_paging[48];       /* "ept", "npt", "shadow", ... */
	bool nested;              /* nested=1 on the host module */
};
void hostinfo_read(struct hostinfo *h);

/* ---- report.c ---- */
/* The nestlab-run/1 object, as member k of an enclosing document. */
void report_write(struct json *j, const char *k, const struct nl_vm *vm,
		  const struct hostinfo *h);
int report_json(const struct nl_vm *vm, const struct hostinfo *h,
		const char *path, struct nl_err *err);
void report_summary(const struct nl_vm *vm, FILE *f);

/* ---- nested.c: `nestlab nested` (docs/nested.md) ---- */
struct nl_nested {
	const char *kernel, *initrd, *json, *l1_cmdline;
	uint64_t l1_mem, l1_swap, l2_mem_sum;
	unsigned int l1_cpus, timeout_s, l2_timeout_s;
	bool shadow;              /* L1->L2 paging: shadow, else nested NPT/EPT */
	bool trace_exits, quiet;
	unsigned int nspecs, nl2;
	struct l2_spec spec[L2_MAX];
};
void nested_usage(FILE *f);
/* Returns 0, 1 for --help, or -EINVAL. */
int nested_parse(int argc, char **argv, struct nl_nested *n, struct nl_err *err);
int nested_cmdline(const struct nl_nested *n, char *buf, size_t len,
		   struct nl_err *err);
/* -EOPNOTSUPP when this host cannot run what n asks for. */
int nested_check_host(const struct nl_nested *n, const struct nl_kvm *k,
		      const struct hostinfo *h, struct nl_err *err);
void nested_config(const struct nl_nested *n, struct nl_config *cfg);
int nested_report(const struct nl_nested *n, struct nl_vm *vm,
		  const struct hostinfo *h, const char *l1doc, size_t l1len,
		  const char *l1why, struct nl_err *err);

/* ---- util ---- */
uint64_t nl_now_ns(void);

#endif /* NESTLAB_VMM_H */
