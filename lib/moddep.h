/*
 * moddep.h: the modules.dep resolver. nestlab-mkinitramfs packs kernel
 * modules with it (docs/initramfs.md), l1-shim loads L1's modules in the
 * order it gives, and so does the testbed's /init at L0.
 *
 * Library code: every function returns 0 or a negative errno and leaves a
 * one-line description of what went wrong in the err[] of its object; it
 * never prints and never exits.
 */
#ifndef NESTLAB_MODDEP_H
#define NESTLAB_MODDEP_H

#include <stddef.h>

#define MODDEP_ERR_LEN 512

/*
 * The modules nestlab's runs load, named once: the KVM vendor module for
 * the CPU (in L1, by l1-shim; at the testbed's L0, by tests/testbed/init.c,
 * kvm-amd only), zram for L1's swap, and virtio_mmio and virtio_blk for
 * L1's swap on the virtio disk. MODDEP_L1_MODULES is what
 * nestlab-mkinitramfs --l1-modules packs into L1's initramfs
 * (l1-shim/meson.build).
 *
 * Only these roots are named; what they need, and the load order, come
 * from the kernel's modules.dep through moddep_resolve (modload.c loads
 * in that order), never from a list of our own. The order is
 * dependencies first because finit_module refuses a module whose symbols
 * are not yet in the kernel: kvm needs irqbypass, kvm-amd needs kvm and
 * ccp (the PSP driver behind SEV), kvm-intel kvm, zram zsmalloc, both
 * virtio drivers virtio and virtio_ring. With Debian's 6.1 that gives
 * irqbypass, kvm, ccp, kvm-amd (or kvm-intel); zsmalloc, zram;
 * virtio_ring, virtio, virtio_mmio (or virtio_blk). A kernel whose modules need others needs no change here.
 */
#define MODDEP_KVM_AMD		"kvm-amd"
#define MODDEP_KVM_INTEL	"kvm-intel"
#define MODDEP_ZRAM		"zram"
#define MODDEP_VIRTIO_MMIO	"virtio_mmio"
#define MODDEP_VIRTIO_BLK	"virtio_blk"
#define MODDEP_L1_MODULES	MODDEP_KVM_AMD "," MODDEP_KVM_INTEL "," MODDEP_ZRAM "," \
				MODDEP_VIRTIO_MMIO "," MODDEP_VIRTIO_BLK

/*
 * modules.dep, as scripts/get-kernel.sh writes it (depmod's format):
 *     kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko
 * one module a line, then what it needs. Paths are allowed
 * (kernel/arch/x86/kvm/kvm.ko); a module is named by its file name without
 * directory and .ko, with '-' and '_' the same ("kvm-amd" = "kvm_amd").
 */
struct moddep_mod {
	char *file;		/* as written in modules.dep */
	char *name;		/* base name, no .ko*, '-' -> '_' */
	char **deps;		/* as written */
	size_t ndeps;
	int state;		/* resolver: 0 new, 1 visiting, 2 done */
};

struct moddep {
	struct moddep_mod *m;
	size_t n, cap;
	char err[MODDEP_ERR_LEN];
};

void moddep_init(struct moddep *d);
void moddep_free(struct moddep *d);
/* Parses text[0..len); origin names it in errors. -EINVAL on a bad line. */
int moddep_parse(struct moddep *d, const char *text, size_t len,
		 const char *origin);
/* Reads and parses the file path. */
int moddep_load(struct moddep *d, const char *path);
/* "kernel/x/kvm-amd.ko.xz" -> "kvm_amd" (malloc'd), NULL without memory. */
char *moddep_name(const char *file);
/* The index of the module called name (either spelling), or -1. */
long moddep_find(const struct moddep *d, const char *name);

/*
 * The modules names[0..n) and everything they need, each after all of its
 * dependencies (dependencies in the order modules.dep lists them, the
 * requested modules in the order of their lines in modules.dep, so the
 * order given does not matter). *order (malloc'd) receives indexes into
 * d->m. -ENOENT: a name, or a dependency, has no line; -ELOOP: a cycle.
 */
int moddep_resolve(struct moddep *d, const char *const *names, size_t n,
		   size_t **order, size_t *norder);

/*
 * The modules.dep of just order[0..n): lines in load order, each listing
 * the module's dependencies (all of them, transitively) in load order, with
 * every path reduced to its file name ("kvm.ko: irqbypass.ko\n").
 */
int moddep_format(const struct moddep *d, const size_t *order, size_t n,
		  char **text, size_t *len);

/* The file name part of a path ("a/b/kvm.ko" -> "kvm.ko"). */
const char *moddep_basename(const char *path);

#endif
