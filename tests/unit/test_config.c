/* test_config.c — sandboxd/config: config_parse_uid, and config_load from argv
 * and an environment: options, their errors, session keys, and the child
 * environment they must never leak into. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "sandboxd/config.h"

static char *no_env[] = { NULL };

/* Loads argv (NULL-terminated) with envp; the config is freed unless the
 * caller wants it (cfg_out). */
static int load(char **argv, char **envp, char *err, size_t errlen,
		struct sandboxd_config *cfg_out)
{
	struct sandboxd_config cfg;
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	err[0] = '\0';
	rc = config_load(&cfg, argc, argv, envp, err, errlen);
	if (cfg_out)
		*cfg_out = cfg;
	else if (rc == 0)
		config_free(&cfg);
	return rc;
}

static void rejects(char **argv, char **envp, const char *needle1,
		    const char *needle2)
{
	char err[512];

	assert_int_equal(load(argv, envp, err, sizeof(err), NULL), HB_EINVAL);
	if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
		fail_msg("message \"%s\" should name \"%s\"%s%s", err, needle1,
			 needle2 ? " and " : "", needle2 ? needle2 : "");
}

static void test_parse_uid(void **state)
{
	static const char *bad[] = { "", "-1", "+1", " 1", "1 ", "abc", "1e3",
				     "0x10", "2147483648", "99999999999999999999" };
	unsigned uid = 77;
	char err[256];
	size_t i;

	assert_int_equal(config_parse_uid("SANDBOX_USER_ID", "0", &uid, err, sizeof(err)), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(config_parse_uid("SANDBOX_USER_ID", "1000", &uid, err, sizeof(err)), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(config_parse_uid("SANDBOX_USER_ID", "2147483647", &uid, err, sizeof(err)), 0);
	assert_int_equal(uid, 2147483647u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uid = 77;
		err[0] = '\0';
		if (config_parse_uid("SANDBOX_USER_ID", bad[i], &uid, err, sizeof(err)) != HB_EINVAL)
			fail_msg("config_parse_uid accepted \"%s\"", bad[i]);
		assert_int_equal(uid, 77);
		assert_non_null(strstr(err, "SANDBOX_USER_ID"));
	}
}

static void test_defaults(void **state)
{
	char *argv[] = { "handbox-sandboxd", NULL };
	struct sandboxd_config cfg;
	char err[256];

	assert_int_equal(load(argv, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.port, 8000);
	assert_string_equal(cfg.host, "127.0.0.1");
	assert_true(cfg.workdir[0] == '/');
	assert_non_null(cfg.api_keys);
	assert_null(cfg.api_keys[0]);
	config_free(&cfg);
}

static void test_options(void **state)
{
	char *argv[] = { "handbox-sandboxd", "--port", "8123", "--host", "0.0.0.0",
			 "--workdir", "/tmp", NULL };
	char *argv_eq[] = { "handbox-sandboxd", "--port=1", "--host=10.1.2.3", NULL };
	struct sandboxd_config cfg;
	char err[256];

	assert_int_equal(load(argv, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.port, 8123);
	assert_string_equal(cfg.host, "0.0.0.0");
	assert_string_equal(cfg.workdir, "/tmp");
	config_free(&cfg);

	assert_int_equal(load(argv_eq, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.port, 1);
	assert_string_equal(cfg.host, "10.1.2.3");
	config_free(&cfg);
}

static void test_bad_port(void **state)
{
	static const char *bad[] = { "65536", "-1", "abc", "80x", "", " 80", "+0",
				     "99999999999999999999" };
	char *argv[] = { "handbox-sandboxd", "--port", NULL, NULL };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[2] = (char *)bad[i];
		rejects(argv, no_env, "--port", bad[i][0] ? bad[i] : "\"\"");
	}
}

/* --port 0 asks the kernel for a free port; --ready-fd then reports it, so
 * the descriptor must be open for writing (a pipe's write end). */
static void test_port_zero_and_ready_fd(void **state)
{
	char fdnum[16], rdnum[16];
	char *argv[] = { "handbox-sandboxd", "--port", "0", "--ready-fd", fdnum,
			 "--label", "handbox.sandbox=0123456789ab",
			 "--label=handbox.state-dir=/tmp/a=b", NULL };
	char *read_end[] = { "handbox-sandboxd", "--ready-fd", rdnum, NULL };
	char *closed[] = { "handbox-sandboxd", "--ready-fd", "1000", NULL };
	char *low[] = { "handbox-sandboxd", "--ready-fd", "2", NULL };
	char *word[] = { "handbox-sandboxd", "--ready-fd", "three", NULL };
	char *no_eq[] = { "handbox-sandboxd", "--label", "handbox", NULL };
	char *no_key[] = { "handbox-sandboxd", "--label", "=x", NULL };
	char *plain[] = { "handbox-sandboxd", NULL };
	struct sandboxd_config cfg;
	char err[256];
	int p[2];

	assert_int_equal(pipe(p), 0);
	snprintf(fdnum, sizeof(fdnum), "%d", p[1]);
	snprintf(rdnum, sizeof(rdnum), "%d", p[0]);
	assert_int_equal(load(argv, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.ready_fd, p[1]);
	config_free(&cfg);

	assert_int_equal(load(plain, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.ready_fd, -1);
	config_free(&cfg);

	rejects(read_end, no_env, "--ready-fd", "not a descriptor open for writing");
	rejects(closed, no_env, "--ready-fd", "1000");
	rejects(low, no_env, "--ready-fd", "\"2\"");
	rejects(word, no_env, "--ready-fd", "three");
	rejects(no_eq, no_env, "--label", "KEY=VALUE");
	rejects(no_key, no_env, "--label", "\"=x\"");
	close(p[0]);
	close(p[1]);
}

static void test_bad_host(void **state)
{
	static const char *bad[] = { "localhost", "1.2.3", "1.2.3.4.5", "256.0.0.1",
				     "1.2.3.4x", "::1", "", "1.2.3.-4",
				     "111111111111111111111111111111111111111111111111111111111111111111.1.1.1" };
	char *argv[] = { "handbox-sandboxd", "--host", NULL, NULL };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[2] = (char *)bad[i];
		rejects(argv, no_env, "--host", NULL);
	}
}

static void test_bad_arguments(void **state)
{
	char *unknown[] = { "handbox-sandboxd", "--bogus", NULL };
	char *unknown_short[] = { "handbox-sandboxd", "-x", NULL };
	char *missing[] = { "handbox-sandboxd", "--port", NULL };
	char *extra[] = { "handbox-sandboxd", "stray", NULL };
	char *workdir_rel[] = { "handbox-sandboxd", "--workdir", "tmp", NULL };
	char *workdir_gone[] = { "handbox-sandboxd", "--workdir", "/nonexistent/handbox", NULL };
	char *plain[] = { "handbox-sandboxd", NULL };
	char *bad_uid[] = { "SANDBOX_USER_ID=alice", NULL };

	rejects(unknown, no_env, "--bogus", "unknown option");
	rejects(unknown_short, no_env, "-x", "unknown option");
	rejects(missing, no_env, "--port", "needs a value");
	rejects(extra, no_env, "stray", NULL);
	rejects(workdir_rel, no_env, "--workdir", "\"tmp\"");
	rejects(workdir_gone, no_env, "--workdir", "/nonexistent/handbox");
	rejects(plain, bad_uid, "SANDBOX_USER_ID", "alice");
}

/* getopt keeps state between calls: a parse that stopped inside a bundle
 * of short options must not leak into the next config_load(). */
static void test_reload_after_error(void **state)
{
	char *bundle[] = { "handbox-sandboxd", "-xyz", NULL };
	char *good[] = { "handbox-sandboxd", "--port", "9000", NULL };
	struct sandboxd_config cfg;
	char err[256];

	/* the message names the option, not argv[0] */
	rejects(bundle, no_env, "-x: unknown option", NULL);
	assert_int_equal(load(good, no_env, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.port, 9000);
	config_free(&cfg);
}

static void test_keys(void **state)
{
	char *argv[] = { "handbox-sandboxd", NULL };
	char *env[] = { "OH_SESSION_API_KEYS_0=k0", "OTHER=1",
			"OH_SESSION_API_KEYS_1=k1", "SESSION_API_KEY=legacy", NULL };
	char *gap[] = { "OH_SESSION_API_KEYS_0=k0", "OH_SESSION_API_KEYS_2=k2", NULL };
	char *empty[] = { "OH_SESSION_API_KEYS_0=", "OH_SESSION_API_KEYS_1=k1",
			  "SESSION_API_KEY=", NULL };
	struct sandboxd_config cfg;
	char err[256];

	assert_int_equal(load(argv, env, err, sizeof(err), &cfg), 0);
	assert_string_equal(cfg.api_keys[0], "k0");
	assert_string_equal(cfg.api_keys[1], "k1");
	assert_string_equal(cfg.api_keys[2], "legacy");
	assert_null(cfg.api_keys[3]);
	config_free(&cfg);

	/* the numbering stops at the first gap */
	assert_int_equal(load(argv, gap, err, sizeof(err), &cfg), 0);
	assert_string_equal(cfg.api_keys[0], "k0");
	assert_null(cfg.api_keys[1]);
	config_free(&cfg);

	/* empty values are no keys (and no gap) */
	assert_int_equal(load(argv, empty, err, sizeof(err), &cfg), 0);
	assert_string_equal(cfg.api_keys[0], "k1");
	assert_null(cfg.api_keys[1]);
	config_free(&cfg);
}

static void test_child_env_has_no_keys(void **state)
{
	char *argv[] = { "handbox-sandboxd", NULL };
	char *env[] = { "OH_SESSION_API_KEYS_0=secret0", "KEEP_ME=yes",
			"OH_SESSION_API_KEYS_1=secret1", "SESSION_API_KEY=secret2",
			"PATH=/opt/bin:/usr/bin", NULL };
	struct sandboxd_config cfg;
	char err[256], **v;

	assert_int_equal(load(argv, env, err, sizeof(err), &cfg), 0);
	for (v = cfg.child_env.v; *v; v++)
		if (strstr(*v, "secret") || strstr(*v, "SESSION_API_KEY"))
			fail_msg("the child environment holds \"%s\"", *v);
	assert_string_equal(env_get(&cfg.child_env, "KEEP_ME"), "yes");
	assert_string_equal(env_get(&cfg.child_env, "PATH"), "/opt/bin:/usr/bin");
	assert_non_null(env_get(&cfg.child_env, "HOME"));
	assert_non_null(env_get(&cfg.child_env, "USER"));
	/* the server itself still has them */
	assert_string_equal(cfg.api_keys[0], "secret0");
	config_free(&cfg);
}

static void test_child_env_defaults(void **state)
{
	char *argv[] = { "handbox-sandboxd", NULL };
	struct sandboxd_config cfg;
	char err[256];

	assert_int_equal(load(argv, no_env, err, sizeof(err), &cfg), 0);
	assert_non_null(strstr(env_get(&cfg.child_env, "PATH"), "/usr/bin"));
	assert_string_equal(env_get(&cfg.child_env, "HOME"), cfg.user.home);
	assert_string_equal(env_get(&cfg.child_env, "USER"), cfg.user.name);
	assert_string_equal(env_get(&cfg.child_env, "LOGNAME"), cfg.user.name);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_port_zero_and_ready_fd),
		cmocka_unit_test(test_bad_host),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_reload_after_error),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_child_env_has_no_keys),
		cmocka_unit_test(test_child_env_defaults),
	};

	return cmocka_run_group_tests_name("sandboxd/config", tests, NULL, NULL);
}
