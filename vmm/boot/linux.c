// SPDX-License-Identifier: MIT
/*
 * The Linux boot path as an instance of the boot seam (struct boot_ops):
 * a bzImage or a vmlinux with its initrd, the PC platform Linux expects
 * (in-kernel interrupt controllers and PIT, ACPI's PM ports, the legacy
 * ports it pokes), its boot MSRs, and a BSP that starts at startup_64
 * while the APs wait for Linux to wake them. boot_linux.c writes the
 * memory image; docs/linux-boot.md walks through all of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nestlab.h"

#define COM1_IRQ 4

static bool linux_wants_disk(const struct nl_config *cfg)
{
	return cfg->disk || cfg->disk_temp_size;
}

/* A bzImage in file, or (file NULL) the vmlinux ELF at cfg->kernel,
 * loaded here by its segments (vmlinux.c). */
static int linux_load(struct nl_vm *vm, const uint8_t *file, size_t len,
		      struct nl_err *err)
{
	const struct nl_config *cfg = vm->cfg;
	struct elf_image img, *vml = NULL;
	struct bzimage bz;
	uint8_t *rd = NULL;
	size_t rdlen = 0;
	int rc;

	if (file)
		rc = bzimage_parse(file, len, &bz, err);
	else if (!(rc = elf_load(cfg->kernel, &vm->mem, BL_GPA_HIMEM, &img, err)))
		rc = vmlinux_header(&img, &bz, err);
	if (rc)
		return rc;
	if (!file)
		vml = &img;
	if (cfg->initrd &&
	    (rc = boot_read_file(cfg->initrd, "--initrd", cfg->mem, &rd, &rdlen, err)))
		return rc;
	vm->lb = calloc(1, sizeof(*vm->lb));
	if (!vm->lb) {
		free(rd);
		nl_seterr(err, "out of memory");
		return -ENOMEM;
	}
	vm->mem.nslots = boot_linux_mem_slots(vm->mem.size, vm->mem.slot);
	rc = boot_linux_setup(&vm->mem, &bz, file, len, vml, rd, rdlen, cfg->cmdline,
			      vm->ncpus, linux_wants_disk(cfg) ? 1 : 0, vm->lb, err);
	free(rd);
	return rc;
}

/* True when the command line has the word acpi=off. */
static bool cmdline_acpi_off(const char *s)
{
	static const char w[] = "acpi=off";

	for (const char *p = s; (p = strstr(p, w)); p += sizeof(w) - 1)
		if ((p == s || p[-1] == ' ') && (!p[sizeof(w) - 1] || p[sizeof(w) - 1] == ' '))
			return true;
	return false;
}

static int linux_devices(struct nl_vm *vm, struct nl_err *err)
{
	if (iobus_register(&vm->io, NL_PORT_DOC, 8, docport_io, &vm->doc, "doc") ||
	    acpi_pm_register(&vm->io, &vm->acpi) || legacy_register(&vm->io)) {
		nl_seterr(err, "internal: Linux platform I/O port ranges overlap");
		return -EFAULT;
	}
	/* The disk's file is opened here, before KVM: a bad --disk is
	 * bad input. Its interrupt is wired once the irqchip exists. */
	if (linux_wants_disk(vm->cfg)) {
		int rc;

		if (!(vm->disk = calloc(1, sizeof(*vm->disk)))) {
			nl_seterr(err, "out of memory");
			return -ENOMEM;
		}
		if ((rc = vblk_open(vm->disk, vm->cfg->disk, vm->cfg->disk_temp_size, err))) {
			free(vm->disk);
			vm->disk = NULL;
			return rc;
		}
		if (mmiobus_register(&vm->mmio, BL_GPA_VIRTIO, VMMIO_SIZE, vmmio_access,
				     &vm->disk->t, "virtio-blk")) {
			nl_seterr(err, "internal: MMIO ranges overlap");
			return -EFAULT;
		}
		vblk_attach(vm->disk, &vm->mem, -1, BL_VIRTIO_GSI);
	}
	/* A kernel without ACPI cannot power off: its halt is the end. */
	vm->com1.watch = true;
	vm->com1.halt_is_poweroff = cmdline_acpi_off(vm->cfg->cmdline);
	return 0;
}

/* Interrupt controllers (PIC, IOAPIC, local APICs) and the PIT, all in the
 * kernel; the irqchip must exist before any vCPU. */
static int linux_platform(struct nl_vm *vm, struct nl_err *err)
{
	uint64_t idmap = BL_GPA_KVM_IDMAP;
	struct kvm_pit_config pit = { .flags = 0 };

	/* VMX needs these two pages for real-mode emulation; harmless elsewhere. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)BL_GPA_KVM_TSS) < 0 &&
	    errno != ENOTTY && errno != EINVAL) {
		nl_seterr(err, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -ENODEV;
	}
	ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		nl_seterr(err, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -ENODEV;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0) {
		nl_seterr(err, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -ENODEV;
	}
	vm->com1.irq_fd = vm->fd;
	vm->com1.irq = COM1_IRQ;
	if (vm->disk)
		vm->disk->t.irq_fd = vm->fd;
	return 0;
}

static int linux_vcpu_init(struct nl_vm *vm, int vcpu_fd, unsigned int id,
			   struct nl_err *err)
{
	(void)vm;
	return msrs_linux_set(vcpu_fd, id, err) < 0 ? -ENODEV : 0;
}

/* Only the BSP starts; Linux wakes the APs with INIT-SIPI-SIPI through the
 * in-kernel local APIC, from their reset state. */
static bool linux_vcpu_state(const struct nl_vm *vm, unsigned int id,
			     struct kvm_sregs *s, struct kvm_regs *r)
{
	if (id != 0)
		return false;
	boot_linux_sregs(s, vm->lb);
	boot_linux_regs(r, vm->lb);
	return true;
}

const struct boot_ops boot_linux_ops = {
	.kind = "linux",
	.load = linux_load,
	.devices = linux_devices,
	.platform = linux_platform,
	.vcpu_init = linux_vcpu_init,
	.vcpu_state = linux_vcpu_state,
	.probes_hardware = true,
	.console_input = true,
	.tsc_deadline = true,
};
