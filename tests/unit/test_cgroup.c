/* test_cgroup.c — sandboxd/cgroup: the oom_kill counter of memory.events
 * (v2) and memory.oom_control (v1), the memory cgroup in /proc/self/cgroup,
 * and which file is read, on a fake /sys/fs/cgroup in a temporary folder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "sandboxd/cgroup.h"

static void test_v2_memory_events(void **state)
{
	unsigned long long n = 99;

	assert_int_equal(cgroup_parse_oom_kill("low 0\nhigh 0\nmax 12\noom 3\n"
					       "oom_kill 2\noom_group_kill 0\n", &n), 0);
	assert_int_equal(n, 2);
	/* the last line may lack its newline */
	assert_int_equal(cgroup_parse_oom_kill("oom 1\noom_kill 18446744073709551615", &n), 0);
	assert_true(n == 18446744073709551615ULL);
}

static void test_v1_oom_control(void **state)
{
	unsigned long long n = 99;

	/* oom_kill_disable comes first and must not be taken for oom_kill */
	assert_int_equal(cgroup_parse_oom_kill("oom_kill_disable 1\nunder_oom 0\noom_kill 0\n",
					       &n), 0);
	assert_int_equal(n, 0);
}

static void test_missing_or_bad_counter(void **state)
{
	unsigned long long n = 7;

	/* v1 before Linux 4.13 had no oom_kill line */
	assert_int_equal(cgroup_parse_oom_kill("oom_kill_disable 0\nunder_oom 0\n", &n),
			 HB_ENOENT);
	assert_int_equal(cgroup_parse_oom_kill("", &n), HB_ENOENT);
	assert_int_equal(cgroup_parse_oom_kill("oom_kill\n", &n), HB_ENOENT);
	assert_int_equal(cgroup_parse_oom_kill("oom_kill -1\n", &n), HB_EINVAL);
	assert_int_equal(cgroup_parse_oom_kill("oom_kill 3x\n", &n), HB_EINVAL);
	assert_int_equal(cgroup_parse_oom_kill("oom_kill  3\n", &n), HB_EINVAL);
	assert_int_equal(cgroup_parse_oom_kill("oom_kill 99999999999999999999\n", &n),
			 HB_EINVAL);
	assert_int_equal(n, 7);
}

static const char self_v1[] =
	"12:name=systemd:/docker/abc\n"
	"5:cpu,cpuacct:/docker/abc\n"
	"4:memory:/docker/abc\n"
	"0::/docker/abc:with:colons\n";

static void test_self_cgroup(void **state)
{
	char p[64];

	assert_int_equal(cgroup_parse_self(self_v1, 0, p, sizeof(p)), 0);
	assert_string_equal(p, "/docker/abc");
	assert_int_equal(cgroup_parse_self(self_v1, 1, p, sizeof(p)), 0);
	assert_string_equal(p, "/docker/abc:with:colons");
	/* a controller list where memory is not first; the root */
	assert_int_equal(cgroup_parse_self("3:blkio,memory:/\n", 0, p, sizeof(p)), 0);
	assert_string_equal(p, "/");
	/* "memoryx" is not "memory"; no v2 line */
	assert_int_equal(cgroup_parse_self("3:memoryx:/a\n", 0, p, sizeof(p)), HB_ENOENT);
	assert_int_equal(cgroup_parse_self("3:memoryx:/a\n", 1, p, sizeof(p)), HB_ENOENT);
	assert_int_equal(cgroup_parse_self("garbage\n::\n", 1, p, sizeof(p)), HB_ENOENT);
	assert_int_equal(cgroup_parse_self("4:memory:/docker/abc\n", 0, p, 5), HB_ETOOBIG);
}

/* ------------------------------------------- files on a fake cgroup mount */

struct fake {
	char root[64];   /* the fake /sys/fs/cgroup */
	char self[96];   /* the fake /proc/self/cgroup */
};

static void put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/hb-cgroup-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->self, sizeof(f->self), "%s/self-cgroup", f->root);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_v1_container_reads_the_mount_root(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 0;

	/* as in a v1 container: /proc names /docker/abc, which is not
	 * below the mount, whose root is the container's cgroup */
	put(f->root, "self-cgroup", self_v1);
	put(f->root, "memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 4);
}

static void test_v1_host_reads_its_own_cgroup(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 0;

	put(f->root, "self-cgroup", "4:memory:/job/1\n0::/\n");
	put(f->root, "memory/memory.oom_control", "oom_kill 1\n");
	put(f->root, "memory/job/1/memory.oom_control", "oom_kill 9\n");
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 9);
}

static void test_v2_wins_over_v1(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 0;

	put(f->root, "self-cgroup", "0::/sandbox\n");
	put(f->root, "memory.events", "oom 0\noom_kill 1\n");
	put(f->root, "memory/memory.oom_control", "oom_kill 5\n");
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 1);
	put(f->root, "sandbox/memory.events", "oom 3\noom_kill 3\n");
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 3);
}

static void test_nothing_readable(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 42;

	/* no /proc file at all, and no counter files */
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), HB_ENOENT);
	/* a v1 kernel before 4.13: the file exists without the counter */
	put(f->root, "memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	assert_int_equal(cgroup_oom_kills_at(f->root, f->self, &n), HB_ENOENT);
	assert_int_equal(n, 42);
}

static void test_parse_limit(void **state)
{
	unsigned long long n = 7;

	assert_int_equal(cgroup_parse_limit("209715200\n", &n), 0);
	assert_int_equal(n, 209715200ULL);
	assert_int_equal(cgroup_parse_limit("max\n", &n), HB_ENOENT);
	/* v1's "unlimited" */
	assert_int_equal(cgroup_parse_limit("9223372036854771712\n", &n), HB_ENOENT);
	assert_int_equal(cgroup_parse_limit("", &n), HB_EINVAL);
	assert_int_equal(cgroup_parse_limit("12k\n", &n), HB_EINVAL);
	assert_int_equal(cgroup_parse_limit("maximum", &n), HB_EINVAL);
	assert_int_equal(n, 209715200ULL);
}

static void test_memory_limit_v1_and_v2(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 0;

	/* a v1 container: its limit at the mount's root */
	put(f->root, "self-cgroup", self_v1);
	put(f->root, "memory/memory.limit_in_bytes", "209715200\n");
	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 209715200ULL);
	/* v2 is read first; "max" there is no limit, and v1 still answers */
	put(f->root, "memory.max", "max\n");
	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 209715200ULL);
	put(f->root, "memory.max", "67108864\n");
	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), 0);
	assert_int_equal(n, 67108864ULL);
}

static void test_no_memory_limit(void **state)
{
	struct fake *f = *state;
	unsigned long long n = 42;

	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), HB_ENOENT);
	put(f->root, "self-cgroup", "0::/\n");
	put(f->root, "memory.max", "max\n");
	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), HB_ENOENT);
	put(f->root, "memory/memory.limit_in_bytes", "9223372036854771712\n");
	assert_int_equal(cgroup_memory_limit_at(f->root, f->self, &n), HB_ENOENT);
	assert_int_equal(n, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_memory_events),
		cmocka_unit_test(test_v1_oom_control),
		cmocka_unit_test(test_missing_or_bad_counter),
		cmocka_unit_test(test_self_cgroup),
		cmocka_unit_test_setup_teardown(test_v1_container_reads_the_mount_root,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_host_reads_its_own_cgroup,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_wins_over_v1, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_readable, fake_setup, fake_teardown),
		cmocka_unit_test(test_parse_limit),
		cmocka_unit_test_setup_teardown(test_memory_limit_v1_and_v2, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_memory_limit, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
