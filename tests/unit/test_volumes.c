/* test_volumes.c — runtime/volumes: SANDBOX_VOLUMES and WORKSPACE_* into
 * mounts, and the messages for every kind of bad spec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

static void test_line_breaks_refused(void **state)
{
	rejects("/tmp\n:/w", "\"/tmp…\": a mount path may not hold a line break");
	rejects("/tmp:/w\r", "line break (CR or LF)");
	rejects("/a:/a,/tmp:/x\ny", "\"/tmp:/x…\"");
}

/* A scratch tree DIR/run/engine/e.sock (a listening unix socket), DIR/other
 * and DIR/link -> run: the folders a test mounts. */
static int make_socket_tree(char *dir, size_t dirlen, char *sock, size_t socklen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char p[256];
	int fd;

	snprintf(dir, dirlen, "/tmp/hb-unit-vol-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/run", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/run/engine", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/other", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("run", p), 0);
	snprintf(sock, socklen, "%s/run/engine/e.sock", dir);
	assert_true(strlen(sock) < sizeof(a.sun_path));
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static int refuses(const char *spec, const struct volume_socket *socks, int n)
{
	struct volume_list l = parse_ok(spec);
	int rc;

	err[0] = '\0';
	rc = volumes_refuse_sockets(&l, socks, n, err, sizeof(err));
	volumes_free(&l);
	return rc;
}

static void test_engine_sockets_and_their_folders(void **state)
{
	char dir[64], sock[128], spec[512], cmd[128];
	struct volume_socket socks[2] = { { "/nowhere/x.sock", "a missing socket" } };
	int fd = make_socket_tree(dir, sizeof(dir), sock, sizeof(sock));

	socks[1].path = sock;
	socks[1].what = "the test engine's socket";
	snprintf(spec, sizeof(spec), "%s:/s", sock);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	assert_non_null(strstr(err, "is the test engine's socket"));
	/* its folder, read-only or not, every folder above it, a link */
	snprintf(spec, sizeof(spec), "%s/run/engine:/x:ro", dir);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	assert_non_null(strstr(err, "/run/engine holds the test engine's socket ("));
	assert_non_null(strstr(err, ":ro does not stop connecting"));
	snprintf(spec, sizeof(spec), "%s/run:/x", dir);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	snprintf(spec, sizeof(spec), "%s:/x", dir);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	assert_int_equal(refuses("/tmp:/x", socks, 2), HB_EPERM);
	snprintf(spec, sizeof(spec), "%s/link:/x", dir);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	/* the socket named through the link: the folders of both spellings */
	snprintf(sock, sizeof(sock), "%s/link/engine/e.sock", dir);
	snprintf(spec, sizeof(spec), "%s/run:/x", dir);
	assert_int_equal(refuses(spec, socks, 2), HB_EPERM);
	/* a folder beside it, a named volume: fine */
	snprintf(spec, sizeof(spec), "%s/other:/x,cache:/c", dir);
	assert_int_equal(refuses(spec, socks, 2), 0);
	assert_int_equal(refuses("/proc:/p", socks, 0), HB_EPERM);
	assert_non_null(strstr(err, "mount /proc:/p: /proc is a proc file system"));
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int refuses_data(const char *spec, const char *data)
{
	struct volume_list l = parse_ok(spec);
	int rc;

	err[0] = '\0';
	rc = volumes_refuse_engine_data(&l, data, err, sizeof(err));
	volumes_free(&l);
	return rc;
}

static void test_engine_data_root(void **state)
{
	char dir[] = "/tmp/hb-unit-data-XXXXXX", data[128], p[160], spec[400], cmd[400];

	assert_non_null(mkdtemp(dir));
	snprintf(data, sizeof(data), "%s/lib/docker", dir);
	snprintf(p, sizeof(p), "%s/containers/abc", data);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s/other", p, dir);
	assert_int_equal(system(cmd), 0);
	/* the data root, anything in it, any folder above it */
	snprintf(spec, sizeof(spec), "%s:/d:ro", data);
	assert_int_equal(refuses_data(spec, data), HB_EPERM);
	assert_non_null(strstr(err, "lies in"));
	assert_non_null(strstr(err, "session keys"));
	snprintf(spec, sizeof(spec), "%s:/c", p);
	assert_int_equal(refuses_data(spec, data), HB_EPERM);
	snprintf(spec, sizeof(spec), "%s/lib:/l", dir);
	assert_int_equal(refuses_data(spec, data), HB_EPERM);
	assert_non_null(strstr(err, "holds"));
	/* beside it: fine; no data root: nothing to refuse */
	snprintf(spec, sizeof(spec), "%s/other:/o", dir);
	assert_int_equal(refuses_data(spec, data), 0);
	assert_int_equal(refuses_data(spec, "/nowhere/docker"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_system_folders(void **state)
{
	assert_string_equal(volumes_system_folder("/"), "/");
	assert_string_equal(volumes_system_folder("/etc"), "/etc");
	assert_string_equal(volumes_system_folder("/usr/local/lib"), "/usr");
	assert_string_equal(volumes_system_folder("/lib64"), "/lib64");
	assert_null(volumes_system_folder("/home/me"));
	assert_null(volumes_system_folder("/etcetera"));
	assert_null(volumes_system_folder("/tmp"));
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
		cmocka_unit_test(test_line_breaks_refused),
		cmocka_unit_test(test_engine_sockets_and_their_folders),
		cmocka_unit_test(test_system_folders),
		cmocka_unit_test(test_engine_data_root),
	};
	return cmocka_run_group_tests_name("volumes", tests, NULL, NULL);
}
