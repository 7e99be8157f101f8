/* test_env.c — sandboxd/env: copying, setting, unsetting (one name or a
 * prefix) and reading environment vectors; common/env_name: which names
 * and NAME=VALUE assignments are valid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/env_name.h"
#include "sandboxd/env.h"

static size_t count(const struct strv *e)
{
	size_t n = 0;

	while (e->v[n])
		n++;
	assert_int_equal(n, e->n);
	return n;
}

static void test_copy(void **state)
{
	char *src[] = { "A=1", "B=two", "EMPTY=", NULL };
	struct strv e;

	assert_int_equal(strv_copy(&e, src), 0);
	assert_int_equal(count(&e), 3);
	assert_string_equal(env_get(&e, "A"), "1");
	assert_string_equal(env_get(&e, "B"), "two");
	assert_string_equal(env_get(&e, "EMPTY"), "");
	assert_null(env_get(&e, "C"));
	/* a copy, not the caller's strings */
	assert_ptr_not_equal(e.v[0], src[0]);
	strv_free(&e);
	assert_null(e.v);

	assert_int_equal(strv_copy(&e, NULL), 0);
	assert_int_equal(count(&e), 0);
	assert_null(env_get(&e, "A"));
	strv_free(&e);
}

static void test_get_matches_whole_names(void **state)
{
	char *src[] = { "PATHX=no", "PATH=/bin", "PAT=short", NULL };
	struct strv e;

	assert_int_equal(strv_copy(&e, src), 0);
	assert_string_equal(env_get(&e, "PATH"), "/bin");
	assert_string_equal(env_get(&e, "PAT"), "short");
	assert_null(env_get(&e, "PA"));
	assert_null(env_get(&e, "PATH="));
	strv_free(&e);
}

static void test_set_replaces(void **state)
{
	char *src[] = { "A=1", "B=2", NULL };
	struct strv e;
	char name[32];
	int i;

	assert_int_equal(strv_copy(&e, src), 0);
	assert_int_equal(env_set(&e, "A", "new"), 0);
	assert_int_equal(count(&e), 2);
	assert_string_equal(env_get(&e, "A"), "new");
	assert_int_equal(env_set(&e, "C", "with=equals"), 0);
	assert_string_equal(env_get(&e, "C"), "with=equals");
	assert_int_equal(env_set(&e, "D", ""), 0);
	assert_string_equal(env_get(&e, "D"), "");
	assert_int_equal(count(&e), 4);
	/* growth past the first allocation */
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "V%d", i);
		assert_int_equal(env_set(&e, name, name), 0);
	}
	assert_int_equal(count(&e), 104);
	assert_string_equal(env_get(&e, "V99"), "V99");
	assert_string_equal(env_get(&e, "B"), "2");
	strv_free(&e);
}

static void test_unset(void **state)
{
	char *src[] = { "KEEP=1", "GONE=2", "GONEX=3", NULL };
	struct strv e;

	assert_int_equal(strv_copy(&e, src), 0);
	env_unset(&e, "GONE");
	assert_null(env_get(&e, "GONE"));
	/* only the exact name */
	assert_string_equal(env_get(&e, "GONEX"), "3");
	env_unset(&e, "ABSENT");
	assert_int_equal(count(&e), 2);
	strv_free(&e);
}

static void test_unset_prefix(void **state)
{
	char *src[] = { "OH_SESSION_API_KEYS_0=k0", "HOME=/root",
			"OH_SESSION_API_KEYS_1=k1", "OH_SESSION_API_KEYS_10=k10",
			"OH_SESSION=keep", NULL };
	struct strv e;

	assert_int_equal(strv_copy(&e, src), 0);
	env_unset(&e, "OH_SESSION_API_KEYS_*");
	assert_int_equal(count(&e), 2);
	assert_null(env_get(&e, "OH_SESSION_API_KEYS_0"));
	assert_null(env_get(&e, "OH_SESSION_API_KEYS_1"));
	assert_null(env_get(&e, "OH_SESSION_API_KEYS_10"));
	assert_string_equal(env_get(&e, "OH_SESSION"), "keep");
	assert_string_equal(env_get(&e, "HOME"), "/root");
	/* "*" alone clears everything */
	env_unset(&e, "*");
	assert_int_equal(count(&e), 0);
	strv_free(&e);
}

static void test_name_valid(void **state)
{
	assert_true(env_name_valid("PATH"));
	assert_true(env_name_valid("_x1"));
	assert_true(env_name_valid("a"));
	assert_false(env_name_valid(""));
	assert_false(env_name_valid("1A"));
	assert_false(env_name_valid("A=B"));
	assert_false(env_name_valid("A B"));
	assert_false(env_name_valid("A-B"));
	assert_false(env_name_valid("\xc3\xa9"));
}

static void test_assignment_valid(void **state)
{
	assert_true(env_assignment_valid("PATH=/bin"));
	assert_true(env_assignment_valid("_x1="));
	assert_true(env_assignment_valid("A=B=C"));
	assert_false(env_assignment_valid("A"));
	assert_false(env_assignment_valid("=x"));
	assert_false(env_assignment_valid("1A=x"));
	assert_false(env_assignment_valid("A B=x"));
	assert_false(env_assignment_valid("A-B=x"));
	assert_false(env_assignment_valid("\xc3\xa9=x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_get_matches_whole_names),
		cmocka_unit_test(test_set_replaces),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_unset_prefix),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_assignment_valid),
	};

	return cmocka_run_group_tests_name("sandboxd/env", tests, NULL, NULL);
}
