/* test_proc_stat.c — common/proc_stat: the fields of /proc/PID/stat lines
 * (command names with spaces and parentheses, malformed lines), and a
 * reading of our own process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "common/hb_error.h"
#include "common/proc_stat.h"

/* Fields 7 to 21 of a real line, between the session id and the start. */
#define MIDDLE " 34816 123 4194560 100 0 0 0 1 2 0 0 20 0 1 0"

static void test_parse(void **state)
{
	struct proc_stat st;

	assert_int_equal(proc_stat_parse("123 (bash) S 1 123 123" MIDDLE " 4567 1 2\n", 123, &st), 0);
	assert_int_equal(st.pid, 123);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.pgid, 123);
	assert_int_equal(st.sid, 123);
	assert_int_equal(st.start, 4567);
	/* a command name may hold spaces and parentheses */
	assert_int_equal(proc_stat_parse("5 (a) b) (c) R 1 2 77" MIDDLE " 9", 5, &st), 0);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.sid, 77);
	assert_int_equal(proc_stat_parse("9 (x) Z 0 0 0" MIDDLE " 0", 9, &st), 0);
	assert_int_equal(st.sid, 0);
	assert_false(proc_stat_alive(&st));
}

static void test_malformed(void **state)
{
	struct proc_stat st;

	assert_int_equal(proc_stat_parse("", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("garbage", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("1 (x)", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S 1 2", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S 1 2 z" MIDDLE " 9", 1, &st), HB_EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S 1 2 3z" MIDDLE " 9", 1, &st), HB_EINVAL);
	/* no start time */
	assert_int_equal(proc_stat_parse("1 (x) S 1 2 3" MIDDLE, 1, &st), HB_EINVAL);
}

static void test_read_self(void **state)
{
	struct proc_stat st;

	assert_int_equal(proc_stat_read(getpid(), &st), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.sid, getsid(0));
	assert_true(proc_stat_alive(&st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests_name("common/proc_stat", tests, NULL, NULL);
}
