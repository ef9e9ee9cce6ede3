// SPDX-License-Identifier: MIT
/*
 * The run's result document (schema nestlab-run/1, docs/results.md) and the
 * short human summary. Written whatever the outcome, so no result is lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "nestlab.h"

#define SCHEMA "nestlab-run/1"

static void bucket(struct json *j, const char *k, const struct xs_bucket *b)
{
	json_obj(j, k);
	json_u64(j, "count", b->count);
	json_u64(j, "total_ns", b->total_ns);
	json_u64(j, "max_ns", b->max_ns);
	json_end_obj(j);
}

static void exits(struct json *j, const struct exitstats *xs)
{
	char name[32];

	json_obj(j, "exits");
	json_obj(j, "by_reason");
	for (unsigned int r = 0; r < XS_REASONS; r++)
		if (xs->reason[r].count)
			bucket(j, xs_reason_name(r), &xs->reason[r]);
	json_end_obj(j);
	json_obj(j, "io_by_port");
	for (unsigned int i = 0; i < xs->nports; i++) {
		snprintf(name, sizeof(name), "0x%04x_%s", xs->port[i].port,
			 xs->port[i].out ? "out" : "in");
		bucket(j, name, &xs->port[i].b);
	}
	if (xs->port_other.count)
		bucket(j, "other", &xs->port_other);
	json_end_obj(j);
	json_end_obj(j);
}

/* Deltas for cumulative counters, final values otherwise; histograms are
 * reported as the delta of their bucket sum. */
static void kstats(struct json *j, const char *k, const struct kvm_stats *ks)
{
	if (ks->fd < 0 || !ks->ndesc) {
		json_str(j, k, NULL);
		return;
	}
	json_obj(j, k);
	for (unsigned int i = 0; i < ks->ndesc; i++) {
		const struct ks_desc *d = &ks->desc[i];
		uint64_t a = ks_value(d, ks->after);

		if (ks_cumulative(d))
			json_i64(j, d->name, (int64_t)(a - ks_value(d, ks->before)));
		else
			json_u64(j, d->name, a);
	}
	json_end_obj(j);
}

static void config(struct json *j, const struct nl_vm *vm)
{
	const struct nl_config *c = vm->cfg;

	json_obj(j, "config");
	json_str(j, "kernel", c->kernel);
	json_str(j, "kernel_type", vm->boot ? vm->boot->kind : "none");
	json_str(j, "initrd", c->initrd);
	json_str(j, "cmdline", c->cmdline);
	json_u64(j, "mem_bytes", c->mem);
	json_u64(j, "cpus", c->cpus);
	json_str(j, "guest_paging", c->gpaging == NL_GP_PREBUILT ? "prebuilt" : "demand");
	json_u64(j, "guest_page_size", c->gpage_size);
	json_bool(j, "prefault", c->prefault);
	json_bool(j, "hide_tdp", c->hide_tdp);
	json_bool(j, "hide_virt", c->hide_virt);
	json_bool(j, "tsc_deadline", c->tsc_deadline);
	json_u64(j, "timeout_s", c->timeout_s);
	json_str(j, "disk", c->disk);
	json_u64(j, "disk_temp_bytes", c->disk_temp_size);
	json_end_obj(j);
}

/* The virtio disk as the guest used it (dev/virtio_blk.c); null: none. */
static void disk(struct json *j, const struct nl_vm *vm)
{
	const struct virtio_blk *b = vm->disk;
	const struct vblk_stats *st;

	if (!b) {
		json_str(j, "disk", NULL);
		return;
	}
	st = &b->st;
	json_obj(j, "disk");
	json_str(j, "file", b->temporary ? NULL : b->path);
	json_bool(j, "temporary", b->temporary);
	json_str(j, "directory", b->temporary ? b->path : NULL);
	json_u64(j, "bytes", b->sectors * 512);
	json_u64(j, "driver_features", b->t.drv_features);
	json_bool(j, "driver_ok", b->t.status & VIRTIO_STATUS_DRIVER_OK);
	json_obj(j, "requests");
	json_u64(j, "read", st->reads);
	json_u64(j, "write", st->writes);
	json_u64(j, "flush", st->flushes);
	json_u64(j, "get_id", st->get_ids);
	json_u64(j, "unsupported", st->unsupported);
	json_u64(j, "bad", st->bad_requests);
	json_end_obj(j);
	json_u64(j, "bytes_read", st->bytes_read);
	json_u64(j, "bytes_written", st->bytes_written);
	json_u64(j, "io_errors", st->io_errors);
	json_dbl(j, "io_seconds", (double)st->io_ns / 1e9);
	json_u64(j, "notifies", b->t.notifies);
	json_u64(j, "interrupts", b->t.interrupts);
	json_u64(j, "bad_register_accesses", b->t.bad_accesses);
	json_u64(j, "guest_errors", b->t.guest_errors);
	json_str(j, "guest_error", b->t.guest_errors ? b->t.guest_error : NULL);
	json_end_obj(j);
}

/* THP and KSM for this VM's memory as the kernel took them, and the
 * host's own settings read back (docs/results.md). */
static void techniques(struct json *j, const struct nl_vm *vm, const struct hostinfo *h)
{
	const struct mem_advice *a = &vm->madv;

	json_obj(j, "memory_techniques");
	json_str(j, "thp_asked", a->thp_asked ? "on" : "off");
	json_bool(j, "thp_madvise_ok", a->thp_ok);
	json_bool(j, "ksm_asked", a->ksm_asked);
	json_bool(j, "ksm_mergeable", a->ksm_ok);
	json_str(j, "ksm_error", a->ksm_asked && !a->ksm_ok ? strerror(a->ksm_errno) : NULL);
	json_str(j, "host_thp_enabled", h && h->thp_enabled[0] ? h->thp_enabled : NULL);
	if (h && h->ksm_run >= 0)
		json_i64(j, "host_ksm_run", h->ksm_run);
	else
		json_str(j, "host_ksm_run", NULL);
	if (h && h->ksm_pages_to_scan >= 0)
		json_i64(j, "host_ksm_pages_to_scan", h->ksm_pages_to_scan);
	else
		json_str(j, "host_ksm_pages_to_scan", NULL);
	json_end_obj(j);
}

/* What confined this nestlab, read back from the kernel (docs/security.md). */
static void confinement(struct json *j, const struct nl_vm *vm)
{
	int mode = confine_mode();

	json_obj(j, "confinement");
	json_bool(j, "seccomp_requested", !vm->cfg->no_seccomp);
	if (mode >= 0)
		json_i64(j, "seccomp_mode", mode);
	else
		json_str(j, "seccomp_mode", NULL);
	json_end_obj(j);
}

static void host(struct json *j, const struct hostinfo *h, const struct nl_vm *vm)
{
	json_obj(j, "host");
	json_u64(j, "level", 0);
	json_str(j, "kernel", h->kernel);
	json_str(j, "machine", h->machine);
	json_str(j, "cpu_vendor", h->cpu_vendor);
	json_str(j, "cpu_model", h->cpu_model);
	json_str(j, "kvm_module", h->kvm_module[0] ? h->kvm_module : NULL);
	json_str(j, "paging", h->l0_paging);
	json_bool(j, "nested", h->nested);
	json_u64(j, "tsc_khz", vm->tsc_khz);
	json_end_obj(j);
	json_obj(j, "memory");
	json_u64(j, "requested", vm->oc.requested);
	json_u64(j, "mem_available", vm->oc.mem_available);
	json_u64(j, "cgroup_limit", vm->oc.cgroup_limit);
	json_dbl(j, "overcommit_ratio", vm->oc.ratio);
	json_end_obj(j);
	json_obj(j, "process");
	json_u64(j, "rss_kb", vm->pm.rss_kb);
	json_u64(j, "hwm_kb", vm->pm.hwm_kb);
	json_u64(j, "guest_rss_kb", vm->pm.guest_rss_kb);
	json_u64(j, "guest_swap_kb", vm->pm.guest_swap_kb);
	json_u64(j, "vmm_rss_kb", vm->pm.vmm_rss_kb);
	json_str(j, "smaps_error", vm->pm.smaps_error ? strerror(-vm->pm.smaps_error) : NULL);
	json_end_obj(j);
	memseries_json(j, "memory_series", &vm->ms);
	techniques(j, vm, h);
}

/* What a vCPU's counters did from the watchdog's mark to the stop
 * (stopstate.c): only the KVM counters that moved, so the few that tell
 * why the run stood still are not lost among the rest. */
/* The window's length and c's KVM_RUN returns in it; false when the
 * watchdog never marked (or the stop came before the mark was done). */
static bool window(const struct nl_vm *vm, const struct nl_vcpu *c, double *secs,
		   uint64_t *runs)
{
	if (!vm->mark_ns || vm->mark_end_ns < vm->mark_ns)
		return false;
	*secs = (double)(vm->mark_end_ns - vm->mark_ns) / 1e9;
	*runs = __atomic_load_n(&c->runs, __ATOMIC_RELAXED) - c->mark_runs;
	return true;
}

static void last_window(struct json *j, const struct nl_vm *vm, const struct nl_vcpu *c)
{
	const struct kvm_stats *ks = &c->ks;
	double secs;
	uint64_t runs;

	if (!window(vm, c, &secs, &runs)) {
		json_str(j, "last_window", NULL);
		return;
	}
	json_obj(j, "last_window");
	json_dbl(j, "seconds", secs);
	json_u64(j, "kvm_run_calls", runs);
	if (ks->fd < 0 || !ks->marked) {
		json_str(j, "kvm", NULL);
	} else {
		json_obj(j, "kvm");
		for (unsigned int i = 0; i < ks->ndesc; i++) {
			const struct ks_desc *d = &ks->desc[i];
			uint64_t v;

			if (ks_cumulative(d) && (v = ks_value(d, ks->after) - ks_value(d, ks->mark)))
				json_u64(j, d->name, v);
		}
		json_end_obj(j);
	}
	json_end_obj(j);
}

/* Where each vCPU stood when the watchdog stopped the run; null else. */
static void stop_state(struct json *j, const struct nl_vm *vm)
{
	if (vm->outcome != NL_OUT_TIMEOUT) {
		json_str(j, "state_at_stop", NULL);
		return;
	}
	json_arr(j, "state_at_stop");
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		const struct vcpu_stop *s = &vm->vcpu[i].at_stop;

		json_obj(j, NULL);
		json_u64(j, "id", i);
		json_bool(j, "captured", s->valid);
		if (s->valid) {
			json_hex(j, "rip", s->rip);
			json_hex(j, "rsp", s->rsp);
			json_hex(j, "rflags", s->rflags);
			json_hex(j, "cs", s->cs);
			json_hex(j, "cr0", s->cr0);
			json_hex(j, "cr3", s->cr3);
			json_hex(j, "cr4", s->cr4);
			json_hex(j, "efer", s->efer);
			json_str(j, "mp_state", s->mp_state == UINT32_MAX ? NULL :
				 stopstate_mp_name(s->mp_state));
			if (s->guest_mode < 0)
				json_str(j, "in_guest_mode", NULL);
			else
				json_bool(j, "in_guest_mode", s->guest_mode);
		}
		if (s->valid) {
			json_arr(j, "stack_words");
			for (unsigned int w = 0; w < s->nstack; w++)
				json_hex(j, NULL, s->stack[w]);
			json_end_arr(j);
		}
		last_window(j, vm, &vm->vcpu[i]);
		json_end_obj(j);
	}
	json_end_arr(j);
}

static void guest(struct json *j, const struct nl_vm *vm)
{
	const struct channel *ch = &vm->ch;
	const struct nl_result *r = &ch->result;

	json_obj(j, "guest");
	json_strn(j, "kernel", ch->have_hello ? ch->hello.kernel : NULL,
		  sizeof(ch->hello.kernel));
	json_bool(j, "exited", ch->exited);
	json_u64(j, "exit_status", ch->exit_status);
	json_u64(j, "records", ch->records);
	json_u64(j, "bad_records", ch->bad_records);
	json_str(j, "last_bad_record", ch->bad_records ? ch->last_bad : NULL);
	json_u64(j, "log_records", ch->logs);
	json_u64(j, "nop_exits", ch->nops);
	json_u64(j, "parked_vcpus", ch->parked);
	json_obj(j, "given_back");
	json_u64(j, "records", ch->freed_records);
	json_u64(j, "bytes", ch->freed_bytes);
	json_u64(j, "resident_bytes", ch->freed_resident_bytes);
	json_end_obj(j);
	json_u64(j, "unknown_io", vm->unknown_io);
	json_u64(j, "unknown_mmio", vm->unknown_mmio);
	if (ch->have_fault) {
		json_obj(j, "fault");
		json_u64(j, "vector", ch->fault.vector);
		json_hex(j, "error_code", ch->fault.error_code);
		json_hex(j, "address", ch->fault.address);
		json_hex(j, "rip", ch->fault.rip);
		json_hex(j, "rsp", ch->fault.rsp);
		json_end_obj(j);
	}
	if (ch->have_abort) {
		json_obj(j, "abort");
		json_str(j, "file", ch->abort.file);
		json_u64(j, "line", ch->abort.line);
		json_str(j, "message", ch->abort.msg);
		json_end_obj(j);
	}
	json_end_obj(j);
	if (!ch->have_result) {
		json_str(j, "result", NULL);
		return;
	}
	json_obj(j, "result");
	json_strn(j, "workload", r->workload, sizeof(r->workload));
	json_hex(j, "checksum", r->checksum);
	json_u64(j, "footprint", r->footprint);
	json_u64(j, "iters", r->iters);
	json_u64(j, "seed", r->seed);
	json_u64(j, "cycles", r->cycles);
	json_str(j, "paging", r->paging == NL_PAGING_PREBUILT ? "prebuilt" : "demand");
	json_u64(j, "page_size", r->page_size);
	json_u64(j, "page_faults", r->page_faults);
	json_u64(j, "fault_cycles", r->fault_cycles);
	json_u64(j, "setup_cycles", r->setup_cycles);
	json_u64(j, "pages_mapped", r->pages_mapped);
	json_i64(j, "status", r->status);
	json_end_obj(j);
}

/* A guest's marks are its own claims: an end before its begin, or a mark
 * never sent, is reported as no measurement, not as a wrapped-around time. */
static uint64_t workload_ns(const struct channel *ch)
{
	const uint64_t *m = ch->marks_ns;

	return m[NL_MARK_WORKLOAD_BEGIN] && m[NL_MARK_WORKLOAD_END] > m[NL_MARK_WORKLOAD_BEGIN] ?
	       m[NL_MARK_WORKLOAD_END] - m[NL_MARK_WORKLOAD_BEGIN] : 0;
}

static void times(struct json *j, const struct nl_vm *vm)
{
	const uint64_t *m = vm->ch.marks_ns;

	json_obj(j, "time");
	json_u64(j, "wall_ns", vm->t_end_ns - vm->t_start_ns);
	json_u64(j, "start_to_first_insn_ns", m[NL_MARK_BOOT] > vm->t_start_ns ? m[NL_MARK_BOOT] - vm->t_start_ns : 0);
	json_u64(j, "process_to_first_insn_ns", m[NL_MARK_BOOT] > vm->t_proc_ns ? m[NL_MARK_BOOT] - vm->t_proc_ns : 0);
	/* nestlab's own set-up: loading the kernel and initrd, KVM objects. */
	json_u64(j, "process_to_start_ns", vm->t_start_ns ? vm->t_start_ns - vm->t_proc_ns : 0);
	json_u64(j, "workload_ns", workload_ns(&vm->ch));
	json_end_obj(j);
}

/* A Linux guest's own result (guest-linux's nestlab-l2/1, or anything
 * one JSON object), checked by docport_take before it goes in. */
static void guest_document(struct json *j, const struct nl_vm *vm)
{
	char why[256];
	size_t len = 0;
	const char *doc = docport_take(&vm->doc, &len, why, sizeof(why));

	if (doc)
		json_raw(j, "guest_document", doc, len);
	else
		json_str(j, "guest_document", NULL);
	json_str(j, "guest_document_error", doc ? NULL : why);
}

void report_write(struct json *j, const char *k, const struct nl_vm *vm,
		  const struct hostinfo *h, bool with_doc)
{
	struct exitstats all = { 0 };

	json_obj(j, k);
	json_str(j, "schema", SCHEMA);
	json_str(j, "tool", "nestlab " NESTLAB_VERSION);
	json_str(j, "outcome", nl_outcome_name(vm->outcome));
	json_str(j, "message", vm->outcome_msg);
	config(j, vm);
	confinement(j, vm);
	host(j, h, vm);
	times(j, vm);
	guest(j, vm);
	disk(j, vm);
	if (with_doc && vm->boot && !strcmp(vm->boot->kind, "linux"))
		guest_document(j, vm);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		xs_merge(&all, &vm->vcpu[i].xs);
	exits(j, &all);
	stop_state(j, vm);
	json_obj(j, "kvm_stats");
	kstats(j, "vm", &vm->ks);
	json_arr(j, "vcpus");
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		json_obj(j, NULL);
		json_u64(j, "id", i);
		json_u64(j, "kvm_run_calls", vm->vcpu[i].runs);
		exits(j, &vm->vcpu[i].xs);
		kstats(j, "stats", &vm->vcpu[i].ks);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_end_obj(j);
	json_end_obj(j);
}

int report_file(const char *path, void (*body)(struct json *j, const void *arg),
		const void *arg, struct nl_err *err)
{
	char tmp[4096];
	struct json j;
	FILE *f;
	int e;

	/* Written beside the final name and renamed into place, so that a
	 * killed run leaves the old file or none, never half a document. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		nl_seterr(err, "--json %s: name too long", path);
		return -ENAMETOOLONG;
	}
	if (!(f = fopen(tmp, "w"))) {
		e = errno;
		nl_seterr(err, "--json %s: %s", path, strerror(e));
		return -e;
	}
	json_begin(&j, f);
	body(&j, arg);
	json_finish(&j);
	if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
		e = errno;
		nl_seterr(err, "--json %s: write failed: %s", path, strerror(e));
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		e = errno;
		nl_seterr(err, "--json %s: %s", path, strerror(e));
		unlink(tmp);
		return -e;
	}
	return 0;
}

struct run_doc {
	const struct nl_vm *vm;
	const struct hostinfo *h;
};

static void run_body(struct json *j, const void *arg)
{
	const struct run_doc *d = arg;

	report_write(j, NULL, d->vm, d->h, true);
}

int report_json(const struct nl_vm *vm, const struct hostinfo *h,
		const char *path, struct nl_err *err)
{
	const struct run_doc d = { vm, h };

	return report_file(path, run_body, &d, err);
}

/* One clause for the stop's stderr line: did this vCPU still run? */
static void window_line(FILE *f, const struct nl_vm *vm, const struct nl_vcpu *c)
{
	uint64_t exits, inj, runs;
	double secs;

	if (!window(vm, c, &secs, &runs))
		return;
	fprintf(f, "nestlab: vCPU %u in the last %.1f s: %" PRIu64 " KVM_RUN returns", c->id,
		secs, runs);
	if (ks_since_mark(&c->ks, "exits", &exits) == 0)
		fprintf(f, ", %" PRIu64 " exits", exits);
	if (ks_since_mark(&c->ks, "irq_injections", &inj) == 0)
		fprintf(f, ", %" PRIu64 " interrupts injected", inj);
	fputc('\n', f);
}

void report_summary(const struct nl_vm *vm, FILE *f)
{
	const struct channel *ch = &vm->ch;
	struct exitstats all = { 0 };

	for (unsigned int i = 0; i < vm->ncpus; i++)
		xs_merge(&all, &vm->vcpu[i].xs);
	fprintf(f, "nestlab: %s: %s; wall %.3f s", nl_outcome_name(vm->outcome),
		vm->outcome_msg, (double)(vm->t_end_ns - vm->t_start_ns) / 1e9);
	if (ch->have_result)
		fprintf(f, "; %.16s checksum 0x%016" PRIx64 " status %" PRId64
			" workload %.3f s, %" PRIu64 " faults",
			ch->result.workload, ch->result.checksum, ch->result.status,
			(double)workload_ns(ch) / 1e9,
			ch->result.page_faults);
	uint64_t total = 0;

	for (unsigned int r = 0; r < XS_REASONS; r++)
		total += all.reason[r].count;
	fprintf(f, "; %" PRIu64 " userspace exits (%" PRIu64 " io)\n", total,
		all.reason[KVM_EXIT_IO].count);
	if (vm->disk) {
		const struct vblk_stats *st = &vm->disk->st;

		fprintf(f, "nestlab: disk: %" PRIu64 " reads (%" PRIu64 " MiB), %" PRIu64
			" writes (%" PRIu64 " MiB), %" PRIu64 " flushes, %.3f s in host I/O",
			st->reads, st->bytes_read >> 20, st->writes, st->bytes_written >> 20,
			st->flushes, (double)st->io_ns / 1e9);
		if (st->io_errors || st->bad_requests)
			fprintf(f, ", %" PRIu64 " host I/O errors, %" PRIu64 " bad requests",
				st->io_errors, st->bad_requests);
		if (vm->disk->t.guest_errors)
			fprintf(f, "; the guest broke the device: %s", vm->disk->t.guest_error);
		fputc('\n', f);
	}
	for (unsigned int i = 0; vm->outcome == NL_OUT_TIMEOUT && i < vm->ncpus; i++) {
		const struct vcpu_stop *s = &vm->vcpu[i].at_stop;

		if (s->valid)
			fprintf(f, "nestlab: vCPU %u at the stop: rip 0x%" PRIx64 " cs 0x%x rflags 0x%" PRIx64
				" cr3 0x%" PRIx64 ", %s%s\n", i, s->rip, s->cs, s->rflags, s->cr3,
				s->mp_state == UINT32_MAX ? "state unknown" : stopstate_mp_name(s->mp_state),
				s->guest_mode == 1 ? ", running its own guest" :
				s->guest_mode == 0 ? ", not in a guest of its own" : "");
		window_line(f, vm, &vm->vcpu[i]);
	}
}
