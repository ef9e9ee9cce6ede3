/*
 * test_moddep.c: unit tests of the modules.dep resolver (moddep.h):
 * parsing, names, the closure and the load order it gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "moddep.h"

/* As scripts/get-kernel.sh writes it (build/kernel/modules.dep). */
static const char kdep[] =
	"irqbypass.ko:\n"
	"kvm.ko: irqbypass.ko\n"
	"ccp.ko:\n"
	"kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko\n"
	"kvm-intel.ko: irqbypass.ko kvm.ko\n"
	"zsmalloc.ko:\n"
	"zram.ko: zsmalloc.ko\n";

static char *resolve_fmt(const char *text, const char *const *names, size_t n)
{
	struct moddep d;
	size_t *order, norder, len;
	char *out;

	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, text, strlen(text), "t"), 0);
	assert_int_equal(moddep_resolve(&d, names, n, &order, &norder), 0);
	assert_int_equal(moddep_format(&d, order, norder, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	free(order);
	moddep_free(&d);
	return out;
}

static void test_moddep_names(void **state)
{
	char *n;
	struct moddep d;

	(void)state;
	n = moddep_name("kernel/arch/x86/kvm/kvm-amd.ko.xz");
	assert_string_equal(n, "kvm_amd");
	free(n);
	n = moddep_name("kvm.ko");
	assert_string_equal(n, "kvm");
	free(n);
	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, kdep, strlen(kdep), "t"), 0);
	assert_int_equal(d.n, 7);
	assert_int_equal(moddep_find(&d, "kvm_amd"), 3);
	assert_int_equal(moddep_find(&d, "kvm-amd"), 3);
	assert_int_equal(moddep_find(&d, "kvm_intel.ko"), 4);
	assert_int_equal(moddep_find(&d, "kvm-am"), -1);
	assert_int_equal(d.m[3].ndeps, 3);
	assert_string_equal(d.m[3].deps[2], "ccp.ko");
	moddep_free(&d);
}

/* Only what was asked for and what it needs, in load order. */
static void test_moddep_resolve(void **state)
{
	const char *const l1[] = { "zram", "kvm-amd", "kvm_intel", "ccp", "kvm",
				   "irqbypass" };
	const char *const amd[] = { "kvm_amd" };
	char *t;

	(void)state;
	t = resolve_fmt(kdep, amd, 1);
	assert_string_equal(t,
		"irqbypass.ko:\n"
		"kvm.ko: irqbypass.ko\n"
		"ccp.ko:\n"
		"kvm-amd.ko: irqbypass.ko kvm.ko ccp.ko\n");
	free(t);
	t = resolve_fmt(kdep, l1, 6);
	assert_string_equal(t, kdep);		/* the order asked does not matter */
	free(t);
}

/* A chain whose lines come in reverse, with only direct dependencies
 * listed (as depmod may write them): each line gets all it needs, in
 * an order that loads. */
static void test_moddep_chain(void **state)
{
	static const char chain[] =
		"kernel/d/a.ko: kernel/d/b.ko\n"
		"\n"
		"kernel/d/b.ko: kernel/d/c_x.ko\n"
		"kernel/d/c-x.ko: kernel/e/d.ko\n"
		"kernel/e/d.ko:\n"
		"kernel/e/unused.ko: kernel/e/d.ko\n";
	const char *const want[] = { "a" };
	const char *const want2[] = { "c_x", "b" };
	char *t;

	(void)state;
	t = resolve_fmt(chain, want, 1);
	assert_string_equal(t,
		"d.ko:\n"
		"c-x.ko: d.ko\n"
		"b.ko: d.ko c-x.ko\n"
		"a.ko: d.ko c-x.ko b.ko\n");
	free(t);
	t = resolve_fmt(chain, want2, 2);
	assert_string_equal(t,
		"d.ko:\n"
		"c-x.ko: d.ko\n"
		"b.ko: d.ko c-x.ko\n");
	free(t);
}

static void test_moddep_errors(void **state)
{
	static const char cycle[] =
		"a.ko: b.ko\n"
		"b.ko: c.ko\n"
		"c.ko: a.ko\n"
		"ok.ko:\n";
	static const char dangling[] = "a.ko: gone.ko\n";
	const char *const unknown[] = { "kvm", "kvm-foo" };
	const char *const a[] = { "a" }, *const ok[] = { "ok" };
	struct moddep d;
	size_t *order = (size_t *)&d, n = 99;

	(void)state;
	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, kdep, strlen(kdep), "t"), 0);
	assert_int_equal(moddep_resolve(&d, unknown, 2, &order, &n), -ENOENT);
	assert_null(order);
	assert_string_equal(d.err, "unknown module 'kvm-foo': it has no line in modules.dep");
	moddep_free(&d);

	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, cycle, strlen(cycle), "t"), 0);
	assert_int_equal(moddep_resolve(&d, a, 1, &order, &n), -ELOOP);
	assert_string_equal(d.err, "dependency cycle in modules.dep: a.ko -> b.ko -> c.ko -> a.ko");
	/* the cycle is not reached from ok: fine */
	assert_int_equal(moddep_resolve(&d, ok, 1, &order, &n), 0);
	assert_int_equal(n, 1);
	free(order);
	moddep_free(&d);

	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, dangling, strlen(dangling), "t"), 0);
	assert_int_equal(moddep_resolve(&d, a, 1, &order, &n), -ENOENT);
	assert_non_null(strstr(d.err, "gone.ko (needed by a.ko)"));
	moddep_free(&d);

	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, "a.ko: b.ko\nb.ko c.ko\n", 21, "m.dep"), -EINVAL);
	assert_string_equal(d.err, "m.dep:2: no ':' (expected 'name.ko: dep.ko ...')");
	moddep_free(&d);

	moddep_init(&d);
	assert_int_equal(moddep_parse(&d, "a.ko:\na-b.ko:\na_b.ko:\n", 22, "m"), -EINVAL);
	assert_non_null(strstr(d.err, "m:3: module a_b.ko listed twice"));
	moddep_free(&d);

	moddep_init(&d);
	assert_int_equal(moddep_load(&d, "/nonexistent/modules.dep"), -ENOENT);
	assert_non_null(strstr(d.err, "/nonexistent/modules.dep"));
	moddep_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moddep_names),
		cmocka_unit_test(test_moddep_resolve),
		cmocka_unit_test(test_moddep_chain),
		cmocka_unit_test(test_moddep_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
