// SPDX-License-Identifier: MIT
/* Unit tests of tracefs.c that need no tracefs: the arguments it refuses
 * before touching anything (the rest runs in the testbed, docs/exit-tracing.md). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tracefs.h"

static void test_args(void **state)
{
	char err[128] = "";

	(void)state;
	assert_int_equal(kt_stop(NULL), -EINVAL);
	assert_int_equal(kt_start(NULL, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
