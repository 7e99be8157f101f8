/* test_settings.c — runtime/settings parsers and owner leases: the values
 * users write in flags and variables, and the messages for bad ones; and
 * which engine containers count as sandboxes when read back (what gc and
 * every other command may touch). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/parse.h"
#include "runtime/docker/docker.h"
#include "runtime/owner.h"
#include "runtime/settings.h"

static char err[1024];

static void test_sizes(void **state)
{
	int64_t b;

	assert_int_equal(parse_size("--memory", "512m", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 512LL << 20);
	assert_int_equal(parse_size("--memory", "1.5G", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 3LL << 29);
	assert_int_equal(parse_size("--memory", "64MiB", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 64LL << 20);
	assert_int_equal(parse_size("--memory", "0", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 0);
	assert_int_equal(parse_size("--memory", "1x", &b, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "--memory: \"1x\": expected a size"));
	assert_int_equal(parse_size("--memory", "-5m", &b, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_size("--memory", "1k", &b, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "at least 6m"));
	assert_int_equal(parse_size("--memory", "", &b, err, sizeof(err)), HB_EINVAL);
	/* not zero, so not "no limit" */
	assert_int_equal(parse_size("--memory", "0.1", &b, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "--memory: \"0.1\": at least 6m"));
	assert_int_equal(parse_size("--memory", "0.5b", &b, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_size("--memory", "0m", &b, err, sizeof(err)), 0);
	assert_int_equal(b, 0);
}

static void test_strings_and_prefixes(void **state)
{
	char out[8], prefix[64];

	assert_int_equal(parse_string("--image", "busybox", out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "busybox");
	/* cut short, it would name another image */
	assert_int_equal(parse_string("--image", "busybox:1", out, sizeof(out), err, sizeof(err)),
			 HB_ETOOBIG);
	assert_non_null(strstr(err, "--image: \"busybox:1"));
	assert_non_null(strstr(err, "longer than 7 characters"));

	assert_int_equal(settings_parse_name_prefix("P", "oh-agent-server-", prefix, sizeof(prefix), err,
					   sizeof(err)), 0);
	assert_int_equal(settings_parse_name_prefix("P", "My_box.1", prefix, sizeof(prefix), err,
					   sizeof(err)), 0);
	/* it goes into Engine API paths as it is */
	assert_int_equal(settings_parse_name_prefix("HANDBOX_CONTAINER_PREFIX", "../../images/x", prefix,
					   sizeof(prefix), err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "HANDBOX_CONTAINER_PREFIX: \"../../images/x\": expected"));
	assert_int_equal(settings_parse_name_prefix("P", "a?b", prefix, sizeof(prefix), err, sizeof(err)),
			 HB_EINVAL);
	assert_int_equal(settings_parse_name_prefix("P", "-x", prefix, sizeof(prefix), err, sizeof(err)),
			 HB_EINVAL);
	assert_int_equal(settings_parse_name_prefix("P", "a b", prefix, sizeof(prefix), err, sizeof(err)),
			 HB_EINVAL);
}

static void test_cpus_bools_numbers(void **state)
{
	int64_t n;
	bool v;
	unsigned long u;
	int ms;

	assert_int_equal(parse_cpus("--cpus", "0.5", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 500000000);
	assert_int_equal(parse_cpus("--cpus", "lots", &n, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_cpus("--cpus", "100000", &n, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "expected a number of CPUs"));
	assert_int_equal(parse_bool("X", "TRUE", &v, err, sizeof(err)), 0);
	assert_true(v);
	assert_int_equal(parse_bool("X", "off", &v, err, sizeof(err)), 0);
	assert_false(v);
	assert_int_equal(parse_bool("SANDBOX_KEEP_RUNTIME_ALIVE", "maybe", &v, err,
				    sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "SANDBOX_KEEP_RUNTIME_ALIVE: \"maybe\": expected true or false"));
	assert_int_equal(parse_uint("N", "42", 100, &u, err, sizeof(err)), 0);
	assert_int_equal(u, 42);
	assert_int_equal(parse_uint("N", "-1", 100, &u, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_uint("N", "101", 100, &u, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_uint("N", "", 100, &u, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_seconds_ms("T", "1.5", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(parse_seconds_ms("T", "0", &ms, err, sizeof(err)), HB_EINVAL);
}

static void test_durations(void **state)
{
	long s;

	assert_int_equal(parse_duration("--idle-pause", "90", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("--idle-pause", "90s", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 90);
	assert_int_equal(parse_duration("--idle-pause", "15m", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 900);
	assert_int_equal(parse_duration("--idle-pause", "2h", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 7200);
	assert_int_equal(parse_duration("--idle-pause", "1d", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 86400);
	/* disabled */
	assert_int_equal(parse_duration("--idle-pause", "0", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 0);
	s = 5;
	assert_int_equal(parse_duration("--idle-pause", "OFF", 86400, &s, err, sizeof(err)), 0);
	assert_int_equal(s, 0);
	/* named, with the forms expected */
	assert_int_equal(parse_duration("--idle-pause", "abc", 86400, &s, err, sizeof(err)),
			 HB_EINVAL);
	assert_non_null(strstr(err, "--idle-pause: \"abc\": expected a duration such as 90"));
	assert_int_equal(parse_duration("X", "-5", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_duration("X", "", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_duration("X", "15mm", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_duration("X", "1.5m", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_duration("X", "m", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(parse_duration("X", "2d", 86400, &s, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "at most 86400 s"));
	assert_int_equal(parse_duration("X", "99999999999999999999", 86400, &s, err, sizeof(err)),
			 HB_EINVAL);
}

static void test_bind_addresses(void **state)
{
	char out[64];

	assert_int_equal(parse_bind_address("B", "0.0.0.0", out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(parse_bind_address("B", "::1", out, sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(parse_bind_address("SANDBOX_RUNTIME_BINDING_ADDRESS", "localhost", out,
					    sizeof(out), err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "\"localhost\": expected an IP address"));
}

static void test_settings_from_env(void **state)
{
	struct runtime_settings s;

	setenv("HANDBOX_STATE_DIR", "/tmp/hb-unit-state", 1);
	setenv("SANDBOX_VOLUMES", "/tmp:/data:ro", 1);
	setenv("WORKSPACE_BASE", "/var", 1);
	setenv("SANDBOX_USER_ID", "1234", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), 0);
	assert_int_equal(s.user_id, 1234);
	assert_int_equal(s.nwarnings, 2);
	assert_non_null(strstr(s.warnings[0], "WORKSPACE_BASE and WORKSPACE_MOUNT_PATH are deprecated"));
	assert_string_equal(s.warnings[1], "mount /var:/workspace: /var is a system folder of "
			    "this host; the sandbox can read everything in it and change it (rw)");
	assert_int_equal(s.volumes.n, 2);
	assert_string_equal(s.volumes.v[0].source, "/var");    /* legacy first */
	assert_string_equal(s.bind_address, "127.0.0.1");
	assert_string_equal(s.image, DEFAULT_SANDBOX_IMAGE);
	assert_true(s.memory_bytes > 0);
	settings_free(&s);

	unsetenv("WORKSPACE_BASE");
	setenv("SANDBOX_RUNTIME_BINDING_ADDRESS", "nowhere", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "SANDBOX_RUNTIME_BINDING_ADDRESS"));
	unsetenv("SANDBOX_RUNTIME_BINDING_ADDRESS");
	setenv("HANDBOX_STATE_DIR", "relative", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "HANDBOX_STATE_DIR"));
	unsetenv("HANDBOX_STATE_DIR");
	unsetenv("SANDBOX_VOLUMES");
	setenv("HANDBOX_CONTAINER_PREFIX", "x/../", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "HANDBOX_CONTAINER_PREFIX: \"x/../\""));
	unsetenv("HANDBOX_CONTAINER_PREFIX");
	setenv("DOCKER_HOST", "unix:///run/docker.sock", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), 0);
	assert_string_equal(s.docker_host, "unix:///run/docker.sock");
	settings_free(&s);
	unsetenv("DOCKER_HOST");
	unsetenv("SANDBOX_VOLUMES");
	unsetenv("SANDBOX_USER_ID");
}

/* Values that would be cut short: refused, naming the variable. */
static void test_settings_too_long(void **state)
{
	struct runtime_settings s;
	char longer[1200];

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	setenv("SANDBOX_RUNTIME_CONTAINER_IMAGE", longer, 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_ETOOBIG);
	assert_non_null(strstr(err, "SANDBOX_RUNTIME_CONTAINER_IMAGE: \"aaa"));
	unsetenv("SANDBOX_RUNTIME_CONTAINER_IMAGE");

	longer[0] = '/';
	setenv("HANDBOX_STATE_DIR", longer, 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_ETOOBIG);
	assert_non_null(strstr(err, "HANDBOX_STATE_DIR: \"/aaa"));
	unsetenv("HANDBOX_STATE_DIR");

	memcpy(longer, "unix:///", 8);
	setenv("DOCKER_HOST", longer, 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), HB_ETOOBIG);
	assert_non_null(strstr(err, "DOCKER_HOST"));
	unsetenv("DOCKER_HOST");
}

static json_t *summary(const char *name, const char *id, const char *state_dir)
{
	return json_pack("{s:[s], s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:[]}",
			 "Names", name, "Image", "img", "State", "running",
			 "Labels", LABEL_SANDBOX, id, LABEL_OWNER, "0123", LABEL_STATE_DIR,
			 state_dir, LABEL_LEASE, "", LABEL_WORKDIR, "/workspace", "Ports");
}

/* Only what handbox made is a sandbox: gc and rm act on prefix + id, so a
 * container with another name or a mangled label must not be taken for
 * one. */
static void test_which_containers_are_sandboxes(void **state)
{
	const char *prefix = "oh-agent-server-";
	struct hb_sandbox sb;
	char longer[1100];
	json_t *c;

	c = summary("/oh-agent-server-0123456789ab", "0123456789ab", "/home/me/.handbox");
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), 0);
	assert_string_equal(sb.id, "0123456789ab");
	assert_string_equal(sb.name, "oh-agent-server-0123456789ab");
	assert_string_equal(sb.state_dir, "/home/me/.handbox");
	/* another prefix's: not this configuration's to touch */
	assert_int_equal(docker_sandbox_from_summary(c, "other-", &sb), HB_ENOENT);
	json_decref(c);

	/* `docker run` of an image committed from a sandbox: same labels,
	 * another name */
	c = summary("/gracious_swartz", "0123456789ab", "/home/me/.handbox");
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), HB_ENOENT);
	json_decref(c);

	/* an id handbox would not make (it would go into a URL path) */
	c = summary("/oh-agent-server-../../x", "../../x", "/home/me/.handbox");
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), HB_ENOENT);
	json_decref(c);
	c = summary("/oh-agent-server-0123456789abc", "0123456789abc", "/home/me/.handbox");
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), HB_ENOENT);
	json_decref(c);

	/* a state directory cut short would look gone: not ours */
	memset(longer, 'd', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	c = summary("/oh-agent-server-0123456789ab", "0123456789ab", longer);
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), HB_ENOENT);
	json_decref(c);

	/* linked containers list more names; ours is among them */
	c = summary("/web/oh-agent-server-0123456789ab", "0123456789ab", "/s");
	json_array_append_new(json_object_get(c, "Names"),
			      json_string("/oh-agent-server-0123456789ab"));
	assert_int_equal(docker_sandbox_from_summary(c, prefix, &sb), 0);
	assert_string_equal(sb.name, "oh-agent-server-0123456789ab");
	json_decref(c);

	assert_true(sandbox_id_ok("0123456789ab"));
	assert_false(sandbox_id_ok("0123456789AB"));
	assert_false(sandbox_id_ok("0123456789a"));
	assert_false(sandbox_id_ok(NULL));
}

static void test_leases_and_orphans(void **state)
{
	char lease[OWNER_LEASE_MAX], dir[] = "/tmp/hb-unit-owner-XXXXXX", id[OWNER_ID_LEN + 1];
	char again[OWNER_ID_LEN + 1], why[256], path[128];

	assert_int_equal(owner_lease_of(getpid(), lease, err, sizeof(err)), 0);
	assert_true(owner_lease_alive(lease));
	assert_false(owner_lease_alive("999999999:1"));
	assert_false(owner_lease_alive("garbage"));
	assert_int_equal(owner_lease_of(999999999, lease, err, sizeof(err)), HB_ENOENT);

	assert_non_null(mkdtemp(dir));
	assert_int_equal(owner_server_id(dir, id, err, sizeof(err)), 0);
	assert_int_equal(owner_server_id(dir, again, err, sizeof(err)), 0);
	assert_string_equal(id, again);
	assert_false(owner_is_orphan(id, dir, "", why, sizeof(why)));
	assert_true(owner_is_orphan("someoneelse", dir, "", why, sizeof(why)));
	assert_non_null(strstr(why, "now belongs to server"));
	assert_true(owner_is_orphan(id, dir, "999999999:1", why, sizeof(why)));
	assert_non_null(strstr(why, "has ended"));
	snprintf(path, sizeof(path), "%s/server-id", dir);
	unlink(path);
	rmdir(dir);
	assert_true(owner_is_orphan(id, dir, "", why, sizeof(why)));
	assert_non_null(strstr(why, "is gone"));
}

#define ID_THREADS 16

struct id_race {
	const char *dir;
	char id[OWNER_ID_LEN + 1];
	char err[256];
	int rc;
};

static void *id_thread(void *p)
{
	struct id_race *r = p;

	r->rc = owner_server_id(r->dir, r->id, r->err, sizeof(r->err));
	return NULL;
}

/* The workers of `handbox serve` make their first sandboxes at once: every
 * thread gets the one id, none fails on another's temporary file. */
static void test_server_id_made_by_threads_at_once(void **state)
{
	char dir[] = "/tmp/hb-unit-owner-race-XXXXXX", path[256];
	struct id_race r[ID_THREADS];
	pthread_t t[ID_THREADS];
	int i, round;

	for (round = 0; round < 20; round++) {
		assert_non_null(mkdtemp(dir));
		for (i = 0; i < ID_THREADS; i++) {
			r[i] = (struct id_race){ .dir = dir };
			assert_int_equal(pthread_create(&t[i], NULL, id_thread, &r[i]), 0);
		}
		for (i = 0; i < ID_THREADS; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < ID_THREADS; i++) {
			if (r[i].rc)
				fail_msg("thread %d: %s", i, r[i].err);
			assert_string_equal(r[i].id, r[0].id);
		}
		snprintf(path, sizeof(path), "%s/server-id", dir);
		assert_int_equal(unlink(path), 0);
		assert_int_equal(rmdir(dir), 0);   /* no temporary file left behind */
		memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
	}
}

static void test_refused_networks_and_names(void **state)
{
	struct runtime_settings s;

	setenv("HANDBOX_STATE_DIR", "/tmp/hb-unit-state", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), 0);
	assert_int_equal(settings_set(&s, HB_SET_NETWORK, "host", "--network", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "--network: \"host\": the sandbox would share the host's network"));
	assert_int_equal(settings_set(&s, HB_SET_NETWORK, "container:db", "--network", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "--network: \"container:db\""));
	assert_int_equal(settings_set(&s, HB_SET_NETWORK, "none", "--network", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "use isolated"));
	assert_string_equal(s.network, "");
	assert_int_equal(settings_set(&s, HB_SET_NETWORK, "hostile", "--network", err,
				      sizeof(err)), 0);
	assert_string_equal(s.network, "hostile");
	assert_int_equal(settings_set(&s, HB_SET_ENV, "SESSION_API_KEY=x", "--env", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "--env: \"SESSION_API_KEY\": a name handbox sets itself"));
	assert_int_equal(settings_set(&s, HB_SET_ENV, "OH_SESSION_API_KEYS_3=x", "--env", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "\"OH_SESSION_API_KEYS_3\""));
	assert_int_equal(settings_set(&s, HB_SET_ENV, "SANDBOX_USER_ID=0", "--env", err,
				      sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "use --user-id"));
	assert_int_equal(s.nenv, 0);
	/* near misses are ordinary names */
	assert_int_equal(settings_set(&s, HB_SET_ENV, "SESSION_API_KEY_FILE=x", "--env", err,
				      sizeof(err)), 0);
	assert_int_equal(settings_set(&s, HB_SET_ENV, "MY_SANDBOX_USER_ID=0", "--env", err,
				      sizeof(err)), 0);
	settings_free(&s);
	unsetenv("HANDBOX_STATE_DIR");
}

/* Warnings follow the settings as they are now: a replaced mount's goes. */
static void test_warnings_follow_the_settings(void **state)
{
	struct runtime_settings s;

	setenv("HANDBOX_STATE_DIR", "/tmp/hb-unit-state", 1);
	setenv("SANDBOX_VOLUMES", "/etc:/e:ro", 1);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), 0);
	assert_int_equal(s.nwarnings, 1);
	assert_string_equal(s.warnings[0], "mount /etc:/e: /etc is a system folder of this "
			    "host; the sandbox can read everything in it");
	assert_int_equal(settings_set(&s, HB_SET_VOLUME, "/tmp:/w", "--volume", err,
				      sizeof(err)), 0);
	assert_int_equal(s.nwarnings, 0);
	assert_int_equal(settings_set(&s, HB_SET_VOLUME, "/usr/share:/s", "--volume", err,
				      sizeof(err)), 0);
	assert_int_equal(settings_set(&s, HB_SET_PIDS, "0", "--pids", err, sizeof(err)), 0);
	assert_int_equal(s.nwarnings, 2);
	assert_non_null(strstr(s.warnings[0], "mount /usr/share:/s: /usr/share lies in /usr, "
				"a system folder of this host; the sandbox can read everything "
				"in it and change it (rw)"));
	assert_non_null(strstr(s.warnings[1], "--pids 0: no process limit"));
	assert_int_equal(settings_set(&s, HB_SET_PIDS, "10", "--pids", err, sizeof(err)), 0);
	assert_int_equal(s.nwarnings, 1);
	settings_free(&s);
	unsetenv("SANDBOX_VOLUMES");
	unsetenv("HANDBOX_STATE_DIR");
}

/* The HostConfig every sandbox gets: only sandboxd's capabilities, no
 * new privileges, a disk quota only when asked, PID 1's OOM score left to
 * the engine (a negative one stops rootless engines from starting it). */
static void test_create_body_hardening(void **state)
{
	struct runtime_options opt = { .sandboxd_path = "/x/handbox-sandboxd" };
	struct sandbox_spec spec = { .image = "img", .bind_address = "127.0.0.1" };
	json_t *body, *host, *v;
	size_t i;
	char add[128] = "";

	body = docker_create_body(&spec, "0123456789ab", "key", NULL, &opt);
	assert_non_null(body);
	host = json_object_get(body, "HostConfig");
	v = json_object_get(host, "CapDrop");
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "ALL");
	json_array_foreach(json_object_get(host, "CapAdd"), i, v) {
		strcat(add, json_string_value(v));
		strcat(add, " ");
	}
	assert_string_equal(add, "CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID ");
	v = json_object_get(host, "SecurityOpt");
	assert_string_equal(json_string_value(json_array_get(v, 0)), "no-new-privileges:true");
	assert_null(json_object_get(host, "OomScoreAdj"));
	assert_null(json_object_get(host, "StorageOpt"));
	json_decref(body);
	spec.disk_bytes = 10LL << 30;
	body = docker_create_body(&spec, "0123456789ab", "key", NULL, &opt);
	host = json_object_get(body, "HostConfig");
	assert_string_equal(json_string_value(json_object_get(json_object_get(host, "StorageOpt"),
							     "size")), "10737418240");
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_strings_and_prefixes),
		cmocka_unit_test(test_settings_too_long),
		cmocka_unit_test(test_which_containers_are_sandboxes),
		cmocka_unit_test(test_cpus_bools_numbers),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_bind_addresses),
		cmocka_unit_test(test_settings_from_env),
		cmocka_unit_test(test_leases_and_orphans),
		cmocka_unit_test(test_server_id_made_by_threads_at_once),
		cmocka_unit_test(test_refused_networks_and_names),
		cmocka_unit_test(test_warnings_follow_the_settings),
		cmocka_unit_test(test_create_body_hardening),
	};
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
