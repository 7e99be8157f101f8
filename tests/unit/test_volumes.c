/* test_volumes.c — runtime/volumes: SANDBOX_VOLUMES and WORKSPACE_* into
 * mounts, and the messages for every kind of bad spec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "runtime/volumes.h"

static char err[1024];

static struct volume_list parse_ok(const char *spec)
{
	struct volume_list l = { 0 };

	err[0] = '\0';
	assert_int_equal(volumes_parse(&l, "SANDBOX_VOLUMES", spec, "/home/me/proj",
				       "/home/me", err, sizeof(err)), 0);
	return l;
}

static void rejects(const char *spec, const char *needle)
{
	struct volume_list l = { 0 };

	err[0] = '\0';
	assert_int_equal(volumes_parse(&l, "SANDBOX_VOLUMES", spec, "/home/me/proj",
				       "/home/me", err, sizeof(err)), HB_EINVAL);
	assert_int_equal(l.n, 0);
	if (!strstr(err, needle) || !strstr(err, "SANDBOX_VOLUMES"))
		fail_msg("spec %s: message \"%s\" lacks \"%s\"", spec, err, needle);
	volumes_free(&l);
}

static void test_bind_mounts_in_order(void **state)
{
	struct volume_list l = parse_ok("/src:/workspace,/data:/data:ro, /x:/y:rw");

	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].kind, VOLUME_BIND);
	assert_string_equal(l.v[0].source, "/src");
	assert_string_equal(l.v[0].target, "/workspace");
	assert_false(l.v[0].read_only);
	assert_string_equal(l.v[1].target, "/data");
	assert_true(l.v[1].read_only);
	assert_false(l.v[2].read_only);
	volumes_free(&l);
}

static void test_relative_and_home_paths(void **state)
{
	struct volume_list l = parse_ok("./app:/workspace,../lib:/lib2,~/cache:/c,/a/./b/../c/:/d/");

	assert_string_equal(l.v[0].source, "/home/me/proj/app");
	assert_string_equal(l.v[1].source, "/home/me/lib");
	assert_string_equal(l.v[2].source, "/home/me/cache");
	assert_string_equal(l.v[3].source, "/a/c");
	assert_string_equal(l.v[3].target, "/d");
	volumes_free(&l);
}

static void test_named_volumes(void **state)
{
	struct volume_list l = parse_ok("cache:/cache,volume:my-vol.1:/v:ro");

	assert_int_equal(l.v[0].kind, VOLUME_NAMED);
	assert_string_equal(l.v[0].source, "cache");
	assert_int_equal(l.v[1].kind, VOLUME_NAMED);
	assert_string_equal(l.v[1].source, "my-vol.1");
	assert_true(l.v[1].read_only);
	volumes_free(&l);
}

static void test_bad_specs(void **state)
{
	rejects("/src:/workspace:rx", "mode must be ro or rw");
	rejects("/src", "expected host:container");
	rejects("/src:/w:ro:extra", "expected host:container");
	rejects(":/w", "a part is empty");
	rejects("/src:", "a part is empty");
	rejects("/src:relative", "must be absolute");
	rejects("/src:/", "cannot mount over /");
	rejects("/src:/.handbox/x", "cannot mount over");
	rejects("/src:/proc", "cannot mount over");
	rejects("bad name!:/x", "neither a path");
	rejects("volume:/abs:/x", "neither a path");
	/* the whole item, as written, not what parsing left of it */
	rejects("/a:/w,/b:/w/", "\"/b:/w/\": /w is mounted twice");
	rejects("~other/x:/w", "~user paths");
	/* a dot-name is neither a volume name nor a ./ path: never $PWD/.cache */
	rejects(".cache:/cache", "\".cache\" is neither a path");
	rejects("...:/x", "neither a path");
	/* where sandboxd's own files are */
	rejects("/src:/dev", "cannot mount over /dev");
	rejects("/src:/dev/pts", "cannot mount over /dev/pts");
	rejects("/src:/dev/null", "cannot mount over /dev/null");
	rejects("/src:/sys/fs/cgroup", "cannot mount over /sys/fs/cgroup");
	rejects("/src:/.handbox", "cannot mount over /.handbox");
	rejects("/src:/proc/../proc/1", "cannot mount over /proc/1");
}

static void test_dot_paths_blanks_and_near_misses(void **state)
{
	struct volume_list l = parse_ok(".:/workspace,..:/up, /x:/y:ro ,/s:/dev/shm,/p:/procedures");

	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[0].kind, VOLUME_BIND);
	assert_string_equal(l.v[0].source, "/home/me/proj");
	assert_string_equal(l.v[1].source, "/home/me");
	/* a blank after the mode is not part of it */
	assert_string_equal(l.v[2].target, "/y");
	assert_true(l.v[2].read_only);
	/* /dev/shm and /procedures are not /dev or /proc */
	assert_string_equal(l.v[3].target, "/dev/shm");
	assert_string_equal(l.v[4].target, "/procedures");
	volumes_free(&l);
	/* a blank before the target is the user's, and is kept out of it */
	l = parse_ok("/x:/y ");
	assert_string_equal(l.v[0].target, "/y");
	volumes_free(&l);
}

static void test_failed_parse_leaves_list_alone(void **state)
{
	struct volume_list l = parse_ok("/a:/a");

	assert_int_equal(volumes_parse(&l, "--volume", "/b:/b,/c:/c:zz", "/", "/", err,
				       sizeof(err)), HB_EINVAL);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(err, "--volume"));
	volumes_free(&l);
}

static void test_legacy_workspace_goes_first(void **state)
{
	struct volume_list l = parse_ok("/data:/data:ro");

	assert_int_equal(volumes_add_legacy(&l, "/home/me/code", NULL, "/", "/home/me",
					    err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].source, "/home/me/code");
	assert_string_equal(l.v[0].target, "/workspace");
	assert_false(l.v[0].read_only);
	volumes_free(&l);

	l = parse_ok("/x:/ws");
	assert_int_equal(volumes_add_legacy(&l, "/code", "/ws", "/", "/", err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "both mount /ws"));
	assert_int_equal(volumes_add_legacy(&l, "code", NULL, "/", "/", err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "WORKSPACE_BASE"));
	assert_int_equal(volumes_add_legacy(&l, ".code", NULL, "/", "/", err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "WORKSPACE_BASE: \".code\": expected a host path"));
	assert_int_equal(volumes_add_legacy(&l, "/code", "/dev", "/", "/", err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "WORKSPACE_MOUNT_PATH"));
	assert_int_equal(l.n, 1);
	volumes_free(&l);
}

static void test_legacy_respects_the_mount_limit(void **state)
{
	struct volume_list l = { 0 };
	char spec[VOLUMES_MAX * 16] = "";
	size_t len = 0;
	int i;

	for (i = 0; i < VOLUMES_MAX; i++)
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s/a:/m%d", i ? "," : "", i);
	l = parse_ok(spec);
	assert_int_equal(l.n, VOLUMES_MAX);
	assert_int_equal(volumes_add_legacy(&l, "/code", NULL, "/", "/", err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "WORKSPACE_BASE"));
	assert_int_equal(l.n, VOLUMES_MAX);
	volumes_free(&l);
}

static void test_check_hosts(void **state)
{
	struct volume_list l = parse_ok("/definitely/not/here:/w,cache:/c");

	assert_int_equal(volumes_check_hosts(&l, err, sizeof(err)), HB_ENOENT);
	assert_non_null(strstr(err, "mount /definitely/not/here:/w: host path "
				    "/definitely/not/here: No such file"));
	volumes_free(&l);
	l = parse_ok("/tmp:/w,cache:/c");
	assert_int_equal(volumes_check_hosts(&l, err, sizeof(err)), 0);
	volumes_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_mounts_in_order),
		cmocka_unit_test(test_relative_and_home_paths),
		cmocka_unit_test(test_named_volumes),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_dot_paths_blanks_and_near_misses),
		cmocka_unit_test(test_legacy_respects_the_mount_limit),
		cmocka_unit_test(test_failed_parse_leaves_list_alone),
		cmocka_unit_test(test_legacy_workspace_goes_first),
		cmocka_unit_test(test_check_hosts),
	};
	return cmocka_run_group_tests_name("volumes", tests, NULL, NULL);
}
