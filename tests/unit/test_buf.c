/* test_buf.c — common/buf: growth, the size cap, consume, printf, steal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"

static void test_append_grows_and_terminates(void **state)
{
	struct buf b;
	char big[1000];
	int i;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 10; i++)
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
	assert_int_equal(b.len, 3 + 10 * sizeof(big));
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "abcxxx", 6);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_cap_refuses_and_keeps_content(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "0123456789", 10), 0);
	assert_int_equal(buf_append(&b, "x", 1), HB_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	/* after consuming, there is room again */
	buf_consume(&b, 4);
	assert_int_equal(buf_append(&b, "abcd", 4), 0);
	assert_string_equal(b.data, "456789abcd");
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_int_equal(buf_append(&b, "y", 1), HB_ETOOBIG);
	buf_free(&b);
	/* the cap survives buf_free */
	assert_int_equal(b.limit, 10);
	assert_int_equal(buf_append(&b, "0123456789x", 11), HB_ETOOBIG);
	assert_null(b.data);
	buf_free(&b);
}

static void test_size_overflow_is_refused(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "a", 1), 0);
	/* the source is never read: the length alone is refused */
	assert_int_equal(buf_append(&b, "a", (size_t)-1), HB_ETOOBIG);
	assert_int_equal(buf_append(&b, "a", (size_t)-2), HB_ETOOBIG);
	assert_int_equal(b.len, 1);
	buf_free(&b);
}

static void test_consume(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	buf_consume(&b, 5); /* on a buffer that has no storage yet */
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, "hello world", 11), 0);
	buf_consume(&b, 0);
	assert_string_equal(b.data, "hello world");
	buf_consume(&b, 6);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "world");
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void test_reset_keeps_storage(void **state)
{
	struct buf b;
	size_t cap;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void test_printf(void **state)
{
	struct buf b;
	char want[600];

	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_int_equal(buf_printf(&b, "|%05.1f", 2.25), 0);
	assert_string_equal(b.data, "42-x|002.2");
	assert_int_equal(b.len, strlen("42-x|002.2"));
	/* past the first allocation */
	memset(want, 'z', 500);
	want[500] = '\0';
	assert_int_equal(buf_printf(&b, "%s", want), 0);
	assert_int_equal(b.len, 10 + 500);
	assert_string_equal(b.data + 10, want);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 510);
	buf_free(&b);
}

static void test_printf_respects_cap(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_printf(&b, "%s", "12345"), 0);
	assert_int_equal(buf_printf(&b, "%d", 6789), HB_ETOOBIG);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_printf(&b, "%d", 678), 0);
	assert_string_equal(b.data, "12345678");
	buf_free(&b);
}

static void test_steal(void **state)
{
	struct buf b;
	size_t len = 0;
	char *p;

	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "owned", 5), 0);
	p = buf_steal(&b, &len);
	assert_int_equal(len, 5);
	assert_string_equal(p, "owned");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(p);
	/* the buffer works again after a steal */
	assert_int_equal(buf_append(&b, "again", 5), 0);
	assert_string_equal(b.data, "again");
	p = buf_steal(&b, NULL);
	free(p);
	assert_null(buf_steal(&b, &len));
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows_and_terminates),
		cmocka_unit_test(test_cap_refuses_and_keeps_content),
		cmocka_unit_test(test_size_overflow_is_refused),
		cmocka_unit_test(test_consume),
		cmocka_unit_test(test_reset_keeps_storage),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_respects_cap),
		cmocka_unit_test(test_steal),
	};

	return cmocka_run_group_tests_name("common/buf", tests, NULL, NULL);
}
