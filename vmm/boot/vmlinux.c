// SPDX-License-Identifier: MIT
/*
 * Linux's uncompressed kernel, vmlinux, booted without its decompressor.
 *
 * A bzImage is vmlinux compressed behind a small decompressor. Inflating it
 * is the first thing every boot does, and under emulation it costs seconds
 * (docs/linux-boot.md, "vmlinux"). vmlinux itself is an ELF executable
 * whose PT_LOAD segments carry their physical addresses (16 MiB up for
 * x86-64) and whose e_entry is the physical address of startup_64: the very
 * entry the decompressor jumps to, wanting the same state the 64-bit boot
 * protocol gives (boot_linux.c). So nestlab loads the segments with
 * elf_load() and boots them as it boots a bzImage's kernel.
 *
 * What vmlinux lacks is the setup header, the part of a bzImage that tells
 * a loader how to treat the kernel. vmlinux_header() writes what the
 * kernel's own header (arch/x86/boot/header.S) says on every x86-64 build.
 *
 * Linux's vmlinux is told from a guest-kernel ELF by its notes: the kernel
 * always carries ELF notes owned by "Linux" (build salt, LTO info).
 */
#include <errno.h>
#include <gelf.h>
#include <string.h>

#include "nestlab.h"


/* Notes are a few hundred bytes; a larger PT_NOTE is not a kernel's. */
#define NOTE_MAX (1u << 20)

static bool notes_have_linux(Elf_Data *d)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	/* gelf_getnote checks each note against the data's size. */
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_namesz == sizeof(VMLINUX_NOTE_OWNER) &&
		    !memcmp((const char *)d->d_buf + name_off, VMLINUX_NOTE_OWNER,
			    sizeof(VMLINUX_NOTE_OWNER)))
			return true;
		off = next;
	}
	return false;
}

int vmlinux_probe(const char *path, bool *is_linux, struct nl_err *err)
{
	struct elf_file f;
	size_t phnum = 0;
	int rc;

	*is_linux = false;
	if ((rc = elf_open(path, &f, err)))
		return rc;
	/* Not ELF, or no program headers: elf_load() or the bzImage parser
	 * says what is wrong with the file. */
	if (elf_kind(f.e) != ELF_K_ELF || elf_getphdrnum(f.e, &phnum))
		phnum = 0;
	for (size_t i = 0; i < phnum && !*is_linux; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(f.e, (int)i, &ph) || ph.p_type != PT_NOTE ||
		    ph.p_filesz == 0 || ph.p_filesz > NOTE_MAX ||
		    ph.p_offset > f.size || ph.p_filesz > f.size - ph.p_offset)
			continue;
		d = elf_getdata_rawchunk(f.e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d)
			*is_linux = notes_have_linux(d);
	}
	elf_close(&f);
	return 0;
}

int vmlinux_header(const struct elf_image *img, struct bzimage *bz,
		   struct nl_err *err)
{
	struct setup_header *h = &bz->hdr;

	memset(bz, 0, sizeof(*bz));
	/* startup_64 finds its page-table fix-ups relative to where it runs,
	 * but only in whole 2 MiB pages (__startup_64 stops on a misaligned
	 * load). The segments' own addresses are used as they are. */
	if (img->lo & (VMLINUX_ALIGN - 1)) {
		nl_seterr(err, "vmlinux loads at 0x%llx, not on a 2 MiB boundary: startup_64 cannot run there",
			  (unsigned long long)img->lo);
		return -EINVAL;
	}
	/* Everything nestlab writes stays below the 32-bit MMIO hole; so must
	 * the kernel, whose footprint also sizes init_size below. */
	if (img->hi > BL_LOWMEM_MAX) {
		nl_seterr(err, "vmlinux reaches 0x%llx, beyond the first 3 GiB of guest memory",
			  (unsigned long long)img->hi);
		return -EINVAL;
	}
	h->boot_flag = BZ_BOOT_FLAG;
	h->header = BZ_MAGIC;
	h->version = VMLINUX_PROTOCOL;
	h->root_flags = 1;            /* header.S: ROOT_RDONLY */
	h->vid_mode = 0xffff;         /* header.S: SVGA_MODE = NORMAL_VGA */
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = VMLINUX_ALIGN;
	h->relocatable_kernel = 0;    /* runs where its segments say */
	h->min_alignment = 21;        /* log2 of 2 MiB */
	h->xloadflags = XLF_KERNEL_64;
	h->cmdline_size = VMLINUX_CMDLINE_SIZE;
	h->initrd_addr_max = VMLINUX_INITRD_MAX;
	h->pref_address = img->lo;
	h->init_size = (uint32_t)(img->hi - img->lo);
	bz->hdr_len = sizeof(*h);
	bz->version = h->version;
	bz->loadflags = h->loadflags;
	bz->xloadflags = h->xloadflags;
	bz->relocatable = false;
	bz->kernel_alignment = h->kernel_alignment;
	bz->pref_address = h->pref_address;
	bz->init_size = h->init_size;
	bz->initrd_addr_max = h->initrd_addr_max;
	bz->cmdline_size = h->cmdline_size;
	return 0;
}
