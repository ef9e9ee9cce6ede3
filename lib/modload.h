/*
 * modload.h: loads a kernel module after everything it needs, with
 * finit_module, in the order moddep_resolve gives over DIR/modules.dep.
 * l1-shim loads L1's modules through it (from /lib/modules, as
 * nestlab-mkinitramfs packed them), and so does the testbed's /init at L0
 * (from /testbed/modules): one load order, moddep.h says why it is that.
 *
 * Library code: returns 0 or a negative errno with a one-line message in
 * msg; never prints, never exits.
 */
#ifndef NESTLAB_MODLOAD_H
#define NESTLAB_MODLOAD_H

#include <stddef.h>

struct modload {
	const char *dir;	/* holds modules.dep and the .ko files it names */
	/* After each module is in the kernel (or already was); may be NULL. */
	void (*loaded)(void *ctx, const char *file, const char *params);
	void *ctx;
};

/*
 * Loads name (either spelling: kvm-amd or kvm_amd) and what it needs;
 * params go to name only, what it needs gets none. A module that is
 * already loaded (EEXIST) is fine.
 */
int modload(const struct modload *ml, const char *name, const char *params,
	    char *msg, size_t n);

#endif
