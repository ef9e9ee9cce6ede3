/*
 * modload.c: a module and what it needs, loaded in order (modload.h).
 */
#define _GNU_SOURCE
#include "modload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "moddep.h"

static int load_one(const struct modload *ml, const char *file,
		    const char *params, char *msg, size_t n)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ml->dir, moddep_basename(file));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, n, "module %s: %s", path, strerror(errno));
		return -errno;
	}
	if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST) {
		int e = errno;

		close(fd);
		snprintf(msg, n, "module %s (%s): the kernel refused it: %s",
			 moddep_basename(file), *params ? params : "no parameters",
			 strerror(e));
		return -e;
	}
	close(fd);
	if (ml->loaded)
		ml->loaded(ml->ctx, moddep_basename(file), params);
	return 0;
}

int modload(const struct modload *ml, const char *name, const char *params,
	    char *msg, size_t n)
{
	char dep[4096];
	struct moddep d;
	size_t *order = NULL, norder = 0;
	int rc;

	snprintf(dep, sizeof(dep), "%s/modules.dep", ml->dir);
	moddep_init(&d);
	rc = moddep_load(&d, dep);
	if (rc < 0) {
		snprintf(msg, n, "module %s: %s", name, d.err);	/* d.err names the file */
	} else {
		rc = moddep_resolve(&d, &name, 1, &order, &norder);
		if (rc < 0)
			snprintf(msg, n, "%s: %s", dep, d.err);	/* d.err names the module */
	}
	/* The wanted module comes last: everything before it is what it needs. */
	for (size_t i = 0; rc == 0 && i < norder; i++)
		rc = load_one(ml, d.m[order[i]].file, i + 1 == norder ? params : "",
			      msg, n);
	free(order);
	moddep_free(&d);
	return rc;
}
