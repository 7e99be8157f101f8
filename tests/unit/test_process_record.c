/* test_process_record.c — the process backend's record files: what is
 * saved is what is loaded, a save replaces the file whole, and a file
 * that is not a record (corrupt, cut short, too long, the wrong shape) is
 * refused with a message naming it rather than half-read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/hb_error.h"
#include "runtime/process/process_record.h"

#define ID "0123456789ab"

static char err[8192];

/* Each test gets a fresh folder: the backend's STATE_DIR/process. */
static int make_dir(void **state)
{
	char *dir = strdup("/tmp/hb-unit-record-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int remove_dir(void **state)
{
	char *dir = *state, path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
	return 0;
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

/* A record with every field set to something other than its zero. */
static void sample(struct process_record *r)
{
	static const char *const env[] = { "A=1", "B=two words", "EMPTY=", NULL };

	memset(r, 0, sizeof(*r));
	strcpy(r->id, ID);
	r->pid = 4242;
	strcpy(r->pid_lease, "4242:987654321");
	r->port = 40123;
	strcpy(r->bind_address, "0.0.0.0");
	memset(r->session_api_key, 'k', HB_SANDBOX_KEY_LEN);
	strcpy(r->workdir, "/tmp/handbox-" ID "-AbCdEf");
	r->own_workspace = true;
	strcpy(r->owner, "ffffffffffffffffffffffffffffffff");
	strcpy(r->state_dir, "/var/lib/handbox state");
	strcpy(r->lease, "77:12345");
	r->created_us = 1700000000123456LL;
	strcpy(r->image, "host");
	strcpy(r->log, "/var/lib/handbox state/process/" ID ".log");
	r->user_id = 1000;
	assert_int_equal(process_record_set_env(r, env), 0);
	r->stopped = true;
	r->exit_code = 137;
}

static void assert_same(const struct process_record *a, const struct process_record *b)
{
	int i;

	assert_string_equal(a->id, b->id);
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->pid_lease, b->pid_lease);
	assert_int_equal(a->port, b->port);
	assert_string_equal(a->bind_address, b->bind_address);
	assert_string_equal(a->session_api_key, b->session_api_key);
	assert_string_equal(a->workdir, b->workdir);
	assert_int_equal(a->own_workspace, b->own_workspace);
	assert_string_equal(a->owner, b->owner);
	assert_string_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->lease, b->lease);
	assert_int_equal(a->created_us, b->created_us);
	assert_string_equal(a->image, b->image);
	assert_string_equal(a->log, b->log);
	assert_int_equal(a->user_id, b->user_id);
	for (i = 0; i <= SANDBOX_ENV_MAX && (a->env[i] || b->env[i]); i++) {
		assert_non_null(a->env[i]);
		assert_non_null(b->env[i]);
		assert_string_equal(a->env[i], b->env[i]);
	}
	assert_int_equal(a->stopped, b->stopped);
	assert_int_equal(a->exit_code, b->exit_code);
}

/* How many entries of dir, "." and ".." aside. */
static int entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	struct process_record r, back;
	char path[PATH_MAX];
	struct stat st;

	sample(&r);
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	assert_int_equal(process_record_path(dir, ID, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	/* it holds the session key */
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(process_record_load(dir, ID, &back, err, sizeof(err)), 0);
	assert_same(&r, &back);
	process_record_free(&back);

	/* the zero record (before sandboxd is started) survives as well */
	process_record_free(&r);
	memset(&r, 0, sizeof(r));
	strcpy(r.id, ID);
	r.exit_code = -1;
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	assert_int_equal(process_record_load(dir, ID, &back, err, sizeof(err)), 0);
	assert_same(&r, &back);
	assert_null(back.env[0]);
	process_record_free(&back);

	/* fields a longer buffer holds exactly at their cap */
	memset(r.workdir, 'w', sizeof(r.workdir) - 1);
	r.workdir[0] = '/';
	r.workdir[sizeof(r.workdir) - 1] = '\0';
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	assert_int_equal(process_record_load(dir, ID, &back, err, sizeof(err)), 0);
	assert_string_equal(back.workdir, r.workdir);
	process_record_free(&back);

	assert_int_equal(process_record_delete(dir, ID, err, sizeof(err)), 0);
	assert_int_equal(process_record_load(dir, ID, &back, err, sizeof(err)), HB_ENOENT);
	assert_non_null(strstr(err, "no sandbox " ID));
	/* deleting what is gone is not an error */
	assert_int_equal(process_record_delete(dir, ID, err, sizeof(err)), 0);
	assert_int_equal(entries(dir), 0);
}

/* A save is a new file renamed over the old one: a reader that had the
 * old one open reads it whole, never a mix, and no temporary file stays. */
static void test_atomic_replace(void **state)
{
	const char *dir = *state;
	struct process_record r, back;
	char path[PATH_MAX], stale[64], old[4096];
	struct stat before, after;
	json_t *o;
	ssize_t n;
	int fd;

	sample(&r);
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	assert_int_equal(process_record_path(dir, ID, path, sizeof(path)), 0);
	assert_int_equal(stat(path, &before), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);

	/* a temporary file a crashed writer left behind is overwritten */
	snprintf(stale, sizeof(stale), "." ID ".json.%d", (int)getpid());
	write_text(dir, stale, "{\"id\": \"half a rec");

	r.port = 50001;
	r.stopped = false;
	r.exit_code = 0;
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_not_equal(before.st_ino, after.st_ino);
	assert_int_equal(entries(dir), 1);

	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	assert_true(n > 0);
	old[n] = '\0';
	o = json_loads(old, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "port")), 40123);
	assert_true(json_is_true(json_object_get(o, "stopped")));
	json_decref(o);

	assert_int_equal(process_record_load(dir, ID, &back, err, sizeof(err)), 0);
	assert_same(&r, &back);
	process_record_free(&back);
	process_record_free(&r);
}

static void test_save_errors(void **state)
{
	const char *dir = *state;
	struct process_record r;
	char gone[PATH_MAX], deep[PATH_MAX + 64];

	sample(&r);
	snprintf(gone, sizeof(gone), "%s/no-such-folder", dir);
	assert_int_equal(process_record_save(gone, &r, err, sizeof(err)), HB_EIO);
	assert_non_null(strstr(err, "cannot write"));
	assert_non_null(strstr(err, gone));

	memset(deep, 'd', sizeof(deep) - 1);
	deep[0] = '/';
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(process_record_save(deep, &r, err, sizeof(err)), HB_ETOOBIG);
	assert_int_equal(process_record_path(deep, ID, gone, sizeof(gone)), HB_ETOOBIG);
	assert_int_equal(entries(dir), 0);
	process_record_free(&r);
}

/* Loads name as the record of id and expects HB_EINVAL with a message
 * naming the file. */
static void assert_refused(const char *dir, const char *id)
{
	struct process_record r;
	char path[PATH_MAX];

	assert_int_equal(process_record_load(dir, id, &r, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(process_record_path(dir, id, path, sizeof(path)), 0);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a sandbox record"));
	/* nothing is left allocated in r (the sanitized run checks for leaks) */
	assert_null(r.env[0]);
}

static void test_corrupt(void **state)
{
	static const char nul[] = "{\"id\": \"" ID "\"\0}";
	const char *dir = *state;

	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"port\": 4");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "[\"" ID "\"]");
	assert_refused(dir, ID);
	write_file(dir, ID ".json", nul, sizeof(nul) - 1);
	assert_refused(dir, ID);
	/* the wrong types and values out of range */
	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"pid\": \"12\"}");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"port\": 70000}");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"exit_code\": -2}");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"workdir\": 7}");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "{\"id\": \"" ID "\", \"env\": [\"A=1\", 2]}");
	assert_refused(dir, ID);
	/* a record must name the sandbox its file is named after */
	write_text(dir, ID ".json", "{\"id\": \"ba9876543210\"}");
	assert_refused(dir, ID);
	write_text(dir, ID ".json", "{\"port\": 1}");
	assert_refused(dir, ID);
}

/* Every prefix of a valid record is refused: a reader never takes a
 * record cut short for a complete one. */
static void test_truncated(void **state)
{
	const char *dir = *state;
	struct process_record r;
	char path[PATH_MAX], *text;
	size_t len, cut;
	FILE *f;

	sample(&r);
	assert_int_equal(process_record_save(dir, &r, err, sizeof(err)), 0);
	process_record_free(&r);
	assert_int_equal(process_record_path(dir, ID, path, sizeof(path)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	text = malloc(65536);
	assert_non_null(text);
	len = fread(text, 1, 65536, f);
	fclose(f);
	assert_true(len > 100 && len < 65536);
	for (cut = 0; cut < len; cut++) {
		write_file(dir, ID ".json", text, cut);
		assert_refused(dir, ID);
	}
	write_file(dir, ID ".json", text, len);
	assert_int_equal(process_record_load(dir, ID, &r, err, sizeof(err)), 0);
	process_record_free(&r);
	free(text);
}

static void test_over_long(void **state)
{
	const char *dir = *state;
	char *text, *p;
	size_t i, big = 1024 * 1024 + 2;
	int len;

	/* a string longer than its field */
	text = malloc(big + 64);
	assert_non_null(text);
	len = snprintf(text, big + 64, "{\"id\": \"" ID "\", \"bind_address\": \"%0*d\"}",
		       64, 0);
	write_file(dir, ID ".json", text, (size_t)len);
	assert_refused(dir, ID);
	p = text + sprintf(text, "{\"id\": \"" ID "\", \"workdir\": \"/");
	memset(p, 'w', PATH_MAX);
	strcpy(p + PATH_MAX, "\"}");
	write_text(dir, ID ".json", text);
	assert_refused(dir, ID);

	/* more env entries than a sandbox takes */
	p = text + sprintf(text, "{\"id\": \"" ID "\", \"env\": [");
	for (i = 0; i <= SANDBOX_ENV_MAX; i++)
		p += sprintf(p, "%s\"V%zu=x\"", i ? ", " : "", i);
	strcpy(p, "]}");
	write_text(dir, ID ".json", text);
	assert_refused(dir, ID);

	/* a file larger than any record, even if it were valid JSON */
	p = text + sprintf(text, "{\"id\": \"" ID "\", \"owner\": \"\"");
	memset(p, ' ', big - (size_t)(p - text));
	strcpy(text + big - 1, "}");
	write_file(dir, ID ".json", text, big);
	assert_refused(dir, ID);
	free(text);
}

static void test_not_a_record_file(void **state)
{
	const char *dir = *state;
	struct process_record r;
	char path[PATH_MAX], target[PATH_MAX];

	/* ids become file names: anything else is no sandbox, unread */
	assert_false(sandbox_id_ok("../../etc/pa"));
	assert_false(sandbox_id_ok("0123456789AB"));
	assert_false(sandbox_id_ok("0123456789a"));
	assert_true(sandbox_id_ok(ID));
	assert_int_equal(process_record_load(dir, "../x", &r, err, sizeof(err)), HB_ENOENT);
	assert_int_equal(process_record_load(dir, ID, &r, err, sizeof(err)), HB_ENOENT);

	snprintf(path, sizeof(path), "%s/" ID ".json", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_refused(dir, ID);
	assert_int_equal(rmdir(path), 0);

	/* a link is never followed, even to a valid record */
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	write_text(dir, "elsewhere", "{\"id\": \"" ID "\"}");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(process_record_load(dir, ID, &r, err, sizeof(err)), HB_EIO);
	assert_non_null(strstr(err, path));
}

static void test_set_env(void **state)
{
	static const char *const first[] = { "A=1", "B=2", "C=3", NULL };
	static const char *const second[] = { "D=4", NULL };
	const char *many[SANDBOX_ENV_MAX + 2];
	char names[SANDBOX_ENV_MAX + 1][16];
	struct process_record r;
	int i;

	memset(&r, 0, sizeof(r));
	assert_int_equal(process_record_set_env(&r, first), 0);
	assert_string_equal(r.env[2], "C=3");
	/* replacing drops the earlier entries (and frees them) */
	assert_int_equal(process_record_set_env(&r, second), 0);
	assert_string_equal(r.env[0], "D=4");
	assert_null(r.env[1]);
	assert_int_equal(process_record_set_env(&r, NULL), 0);
	assert_null(r.env[0]);

	for (i = 0; i <= SANDBOX_ENV_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "V%d=x", i);
		many[i] = names[i];
	}
	many[SANDBOX_ENV_MAX + 1] = NULL;
	assert_int_equal(process_record_set_env(&r, many), 0);
	assert_string_equal(r.env[SANDBOX_ENV_MAX - 1], names[SANDBOX_ENV_MAX - 1]);
	assert_null(r.env[SANDBOX_ENV_MAX]);
	process_record_free(&r);
	assert_null(r.env[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_atomic_replace, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_save_errors, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_corrupt, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_truncated, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_over_long, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_not_a_record_file, make_dir, remove_dir),
		cmocka_unit_test(test_set_env),
	};
	return cmocka_run_group_tests_name("process_record", tests, NULL, NULL);
}
