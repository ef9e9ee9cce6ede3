/*
 * test_modload.c: unit tests of the module loader (modload.h) up to the
 * point where it would call finit_module, which needs root and a real
 * module: what it refuses, and with which message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modload.h"

/* A directory holding a modules.dep of text and nothing else. */
static char *dir_with(const char *text)
{
	char *dir = strdup("/tmp/test_modload.XXXXXX"), path[256];
	FILE *f;

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return dir;
}

static void rm_dir(char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static void test_refused(void **state)
{
	char *dir = dir_with("irqbypass.ko:\nkvm.ko: irqbypass.ko\n"), msg[512], want[512];
	struct modload ml = { .dir = dir };

	(void)state;
	/* no line for it */
	assert_int_equal(modload(&ml, "kvm-amd", "nested=1", msg, sizeof(msg)), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s/modules.dep: unknown module 'kvm-amd': it has no line in modules.dep", dir);
	assert_string_equal(msg, want);
	/* the first file in load order is missing: irqbypass, before kvm */
	assert_int_equal(modload(&ml, "kvm", "", msg, sizeof(msg)), -ENOENT);
	snprintf(want, sizeof(want), "module %s/irqbypass.ko: %s", dir, strerror(ENOENT));
	assert_string_equal(msg, want);
	rm_dir(dir);
	/* no modules.dep */
	ml.dir = "/nonexistent";
	assert_int_equal(modload(&ml, "kvm", "", msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "module kvm: /nonexistent/modules.dep: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
