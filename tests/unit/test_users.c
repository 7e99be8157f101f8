/* test_users.c — sandboxd/users: passwd lines, and the identity of a uid
 * read from a passwd file (or made up when the file does not list it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandboxd/users.h"

static void test_parse_good_line(void **state)
{
	struct sandbox_user u;

	memset(&u, 0, sizeof(u));
	assert_int_equal(users_passwd_line_parse("alice:x:1000:1001:Alice A,,,:/home/alice:/bin/bash\n",
					   1000, &u), 1);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.home, "/home/alice");
	assert_string_equal(u.shell, "/bin/bash"); /* no newline */
	assert_int_equal(u.in_passwd, 1);

	memset(&u, 0, sizeof(u));
	assert_int_equal(users_passwd_line_parse("root:x:0:0:root:/root:/bin/sh", 0, &u), 1);
	assert_string_equal(u.name, "root");
	assert_string_equal(u.shell, "/bin/sh");
}

static void test_parse_empty_home_and_shell(void **state)
{
	struct sandbox_user u;

	memset(&u, 0, sizeof(u));
	assert_int_equal(users_passwd_line_parse("svc:*:42:42:::\n", 42, &u), 1);
	assert_string_equal(u.home, "/");
	assert_string_equal(u.shell, "/bin/sh");
}

static void test_parse_other_uid(void **state)
{
	struct sandbox_user u;

	memset(&u, 0, sizeof(u));
	assert_int_equal(users_passwd_line_parse("alice:x:1000:1000::/home/alice:/bin/sh", 100, &u), 0);
	assert_int_equal(users_passwd_line_parse("alice:x:1000:1000::/home/alice:/bin/sh", 10000, &u), 0);
	assert_int_equal(u.in_passwd, 0);
	assert_string_equal(u.name, "");
}

static void test_parse_bad_lines(void **state)
{
	static const char *bad[] = {
		"",
		"\n",
		"# comment",
		"alice",
		"alice:x:1000:1000:/home/alice:/bin/sh",   /* six fields */
		":x:1000:1000::/home/alice:/bin/sh",        /* no name */
		"alice:x::1000::/home/alice:/bin/sh",       /* no uid */
		"alice:x:1000::::/bin/sh",                  /* no gid */
		"alice:x:10OO:1000::/h:/bin/sh",
		"alice:x:1000:g:::/bin/sh",
		"alice:x:1000 :1000::/h:/bin/sh",
		"alice:x:1000:1000x::/h:/bin/sh",
		"alice:x:99999999999999999999999:1000::/h:/bin/sh",
		"alice:x:1000\n:1000::/h:/bin/sh",
	};
	struct sandbox_user u;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&u, 0, sizeof(u));
		if (users_passwd_line_parse(bad[i], 1000, &u) != 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(u.in_passwd, 0);
	}
}

static void test_parse_long_fields_are_cut(void **state)
{
	char line[2000], name[300], home[1200];
	struct sandbox_user u;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(home, 'h', sizeof(home) - 1);
	home[0] = '/';
	home[sizeof(home) - 1] = '\0';
	snprintf(line, sizeof(line), "%s:x:7:7::%s:/bin/sh", name, home);
	memset(&u, 0, sizeof(u));
	assert_int_equal(users_passwd_line_parse(line, 7, &u), 1);
	assert_int_equal(strlen(u.name), sizeof(u.name) - 1);
	assert_int_equal(strlen(u.home), sizeof(u.home) - 1);
}

static char passwd_path[64];

static int write_passwd(void **state)
{
	static const char text[] =
		"root:x:0:0:root:/root:/bin/bash\n"
		"# not a user\n"
		"broken line\n"
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
		"openhands:x:1000:1000:,,,:/home/openhands:/bin/bash\n"
		"last:x:2000:3000::/home/last:/bin/zsh"; /* no final newline */
	FILE *f;
	int fd;

	strcpy(passwd_path, "/tmp/handbox-passwd-XXXXXX");
	fd = mkstemp(passwd_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return 0;
}

static int remove_passwd(void **state)
{
	unlink(passwd_path);
	return 0;
}

static void test_lookup_listed(void **state)
{
	struct sandbox_user u;

	users_lookup(passwd_path, 1000, &u);
	assert_int_equal(u.in_passwd, 1);
	assert_string_equal(u.name, "openhands");
	assert_string_equal(u.home, "/home/openhands");
	assert_int_equal(u.gid, 1000);

	users_lookup(passwd_path, 2000, &u);
	assert_int_equal(u.in_passwd, 1);
	assert_int_equal(u.gid, 3000);
	assert_string_equal(u.shell, "/bin/zsh");

	users_lookup(passwd_path, 0, &u);
	assert_string_equal(u.name, "root");
	assert_string_equal(u.home, "/root");
}

static void test_lookup_unlisted_falls_back(void **state)
{
	struct sandbox_user u;

	users_lookup(passwd_path, 4242, &u);
	assert_int_equal(u.in_passwd, 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 4242);
	assert_string_equal(u.name, "user");
	assert_string_equal(u.home, "/tmp");
	assert_string_equal(u.shell, "/bin/sh");
}

static void test_lookup_without_passwd_file(void **state)
{
	struct sandbox_user u;

	users_lookup("/nonexistent/handbox/passwd", 0, &u);
	assert_int_equal(u.in_passwd, 0);
	assert_string_equal(u.name, "root");
	assert_string_equal(u.home, "/root");
	assert_int_equal(u.gid, 0);
	users_lookup("/nonexistent/handbox/passwd", 1000, &u);
	assert_string_equal(u.name, "user");
	assert_string_equal(u.home, "/tmp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_line),
		cmocka_unit_test(test_parse_empty_home_and_shell),
		cmocka_unit_test(test_parse_other_uid),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_parse_long_fields_are_cut),
		cmocka_unit_test(test_lookup_listed),
		cmocka_unit_test(test_lookup_unlisted_falls_back),
		cmocka_unit_test(test_lookup_without_passwd_file),
	};

	return cmocka_run_group_tests_name("sandboxd/users", tests, write_passwd,
					   remove_passwd);
}
