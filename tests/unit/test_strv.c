/* test_strv.c — common/strv (adding, taking, copying, sorting with
 * repeats dropped, joining) and common/path_search (the candidates of a
 * PATH list, and the executable look-up). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/path_search.h"
#include "common/strv.h"

static void test_add_and_sort(void **state)
{
	struct strv s = { 0 };
	struct buf b;

	assert_int_equal(strv_add(&s, "b"), 0);
	assert_int_equal(strv_addf(&s, "%s%d", "a", 1), 0);
	assert_int_equal(strv_take(&s, strdup("b")), 0);
	assert_int_equal(s.n, 3);
	assert_null(s.v[3]);
	assert_true(strv_has(&s, "a1"));
	assert_false(strv_has(&s, "a"));
	strv_sort_unique(&s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "a1");
	assert_string_equal(s.v[1], "b");
	assert_null(s.v[2]);
	buf_init(&b, 0);
	assert_int_equal(strv_join(&s, &b), 0);
	assert_string_equal(b.data, "a1\nb\n");
	buf_free(&b);
	strv_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
}

static void test_copy(void **state)
{
	char *src[] = { "A=1", "B=2", NULL };
	struct strv s;

	assert_int_equal(strv_copy(&s, src), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[1], "B=2");
	assert_ptr_not_equal(s.v[0], src[0]);
	strv_free(&s);
	/* an empty copy is still an array, for execve() */
	assert_int_equal(strv_copy(&s, NULL), 0);
	assert_non_null(s.v);
	assert_null(s.v[0]);
	strv_free(&s);
}

static int collect(const char *full, void *arg)
{
	return strv_add(arg, full) ? -1 : 0;
}

static int stop_at_second(const char *full, void *arg)
{
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void test_path_each(void **state)
{
	struct strv s = { 0 };
	int calls = 0;

	assert_int_equal(path_search_each("/a:/b/", "ls", collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "/a/ls");
	assert_string_equal(s.v[1], "/b//ls");
	strv_free(&s);
	assert_int_equal(path_search_each(NULL, "sh", collect, &s), 0);
	assert_string_equal(s.v[0], "/usr/local/sbin/sh");
	strv_free(&s);
	assert_int_equal(path_search_each("/x:/y:/z", "f", stop_at_second, &calls), 7);
	assert_int_equal(calls, 2);
}

static void test_path_exec(void **state)
{
	char out[64];

	setenv("PATH", ":/nonexistent:/bin:/usr/bin", 1);
	assert_int_equal(path_search_exec("sh", out, sizeof(out)), 0);
	assert_string_equal(out, "/bin/sh");
	assert_int_equal(path_search_exec("no-such-program-here", out, sizeof(out)), -1);
	/* too long for out: not found rather than cut */
	assert_int_equal(path_search_exec("sh", out, 7), -1);
	setenv("PATH", "", 1);
	assert_int_equal(path_search_exec("sh", out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_sort),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_path_each),
		cmocka_unit_test(test_path_exec),
	};

	return cmocka_run_group_tests_name("common/strv, common/path_search", tests, NULL, NULL);
}
