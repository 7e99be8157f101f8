/* test_store.c — src/store: handbox.db created and reopened, conversations,
 * events (order, paging, bad input), settings, migrations (an older file
 * upgraded, a newer one refused), orphan recovery, and the errors that
 * name the file (not a database, unwritable folder, full, locked). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "store/store_internal.h"

#define CONV_A "11111111-1111-4111-8111-111111111111"
#define CONV_B "22222222-2222-4222-8222-222222222222"
#define CONV_C "33333333-3333-4333-8333-333333333333"
#define CONV_D "44444444-4444-4444-8444-444444444444"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	char err[HB_ERR_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/handbox.db", f->dir);
	unsetenv("HANDBOX_STORE_SYNC");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void open_store(struct fixture *f)
{
	int rc = store_open(&f->s, f->dir, f->err, sizeof(f->err));

	if (rc)
		fail_msg("store_open: %s", f->err);
}

static void put_conv(struct fixture *f, const char *id, const char *status, int64_t created)
{
	struct store_conversation c = {
		.id = (char *)id, .status = (char *)status, .title = "t",
		.created_us = created,
	};

	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), 0);
}

static json_t *make_event(const char *id, const char *kind, const char *text)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "timestamp",
			 "2026-06-16T05:39:18.809928", "source", "agent", "kind", kind,
			 "text", text);
}

static int append(struct fixture *f, const char *conv, json_t *event, int64_t *seq)
{
	int rc = store_event_append(f->s, conv, event, seq, f->err, sizeof(f->err));

	json_decref(event);
	return rc;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---------------------------------------------------------------- open */

static void test_open_creates_and_reopens(void **state)
{
	struct fixture *f = *state;
	char sub[128];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/state", f->dir);
	assert_int_equal(store_open(&f->s, sub, f->err, sizeof(f->err)), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_non_null(strstr(store_path(f->s), "/state/handbox.db"));
	assert_int_equal(stat(store_path(f->s), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(raw_int(store_db(f->s), "PRAGMA user_version"), store_schema_latest());
	put_conv(f, CONV_A, "idle", 0);
	store_close(f->s);
	f->s = NULL;
	/* reopened: the row is there, nothing migrated twice */
	assert_int_equal(store_open(&f->s, sub, f->err, sizeof(f->err)), 0);
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM conversations"), 1);
	assert_int_equal(raw_int(store_db(f->s), "PRAGMA synchronous"), 1);   /* NORMAL */
	store_close(f->s);
	f->s = NULL;
	setenv("HANDBOX_STORE_SYNC", "full", 1);
	open_store(f);
	assert_int_equal(raw_int(store_db(f->s), "PRAGMA synchronous"), 2);   /* FULL */
	store_close(f->s);
	f->s = NULL;
	setenv("HANDBOX_STORE_SYNC", "sometimes", 1);
	assert_int_equal(store_open(&f->s, f->dir, f->err, sizeof(f->err)), HB_EINVAL);
	assert_non_null(strstr(f->err, "HANDBOX_STORE_SYNC"));
	assert_null(f->s);
	unsetenv("HANDBOX_STORE_SYNC");
}

static void test_default_dir(void **state)
{
	char dir[256], err[HB_ERR_MAX];

	setenv("HANDBOX_STATE_DIR", "/srv/hb", 1);
	assert_int_equal(store_default_dir(dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/srv/hb");
	setenv("HANDBOX_STATE_DIR", "relative", 1);
	assert_int_equal(store_default_dir(dir, sizeof(dir), err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "HANDBOX_STATE_DIR"));
	unsetenv("HANDBOX_STATE_DIR");
	setenv("HOME", "/home/u", 1);
	assert_int_equal(store_default_dir(dir, sizeof(dir), err, sizeof(err)), 0);
	assert_string_equal(dir, "/home/u/.handbox");
}

/* ------------------------------------------------------- conversations */

struct listed {
	char ids[8][UUID_STR_LEN];
	int n;
};

static int collect_conv(const struct store_conversation *c, void *arg)
{
	struct listed *l = arg;

	snprintf(l->ids[l->n++], UUID_STR_LEN, "%s", c->id);
	return 0;
}

static void test_conversation_put_get(void **state)
{
	struct fixture *f = *state;
	struct store_conversation c = {
		.id = CONV_A, .title = "fix the build", .status = "running",
		.sandbox_id = "sb1", .created_us = 1000, .owner_pid = 42, .owner_start = "777",
	}, got;

	open_store(f);
	c.config = json_pack("{s:s, s:i}", "model", "m", "max_iterations", 500);
	c.stats = json_pack("{s:{}}", "usage_to_metrics");
	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_conversation_get(f->s, CONV_A, &got, f->err, sizeof(f->err)), 0);
	assert_string_equal(got.title, "fix the build");
	assert_string_equal(got.status, "running");
	assert_string_equal(got.sandbox_id, "sb1");
	assert_int_equal(got.created_us, 1000);
	assert_true(got.updated_us > 1000);
	assert_int_equal(got.owner_pid, 42);
	assert_string_equal(got.owner_start, "777");
	assert_true(json_equal(got.config, c.config));
	assert_true(json_equal(got.stats, c.stats));
	assert_int_equal(got.event_count, 0);
	store_conversation_clear(&got);
	/* an update keeps created_us, changes the rest */
	c.title = "renamed";
	c.status = "paused";
	c.created_us = 5;
	c.owner_pid = 0;
	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_conversation_get(f->s, CONV_A, &got, f->err, sizeof(f->err)), 0);
	assert_string_equal(got.title, "renamed");
	assert_string_equal(got.status, "paused");
	assert_int_equal(got.created_us, 1000);
	assert_int_equal(got.owner_pid, 0);
	assert_string_equal(got.owner_start, "");
	store_conversation_clear(&got);
	json_decref(c.config);
	json_decref(c.stats);
	assert_int_equal(store_conversation_get(f->s, CONV_B, &got, f->err, sizeof(f->err)),
			 HB_ENOENT);
	assert_non_null(strstr(f->err, CONV_B));
}

static void test_conversation_list_delete(void **state)
{
	struct fixture *f = *state;
	struct listed l = { .n = 0 };

	open_store(f);
	put_conv(f, CONV_A, "idle", 100);
	put_conv(f, CONV_B, "running", 300);
	put_conv(f, CONV_C, "idle", 200);
	assert_int_equal(store_conversation_list(f->s, NULL, 0, 0, collect_conv, &l,
						 f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], CONV_B);   /* newest first */
	assert_string_equal(l.ids[1], CONV_C);
	assert_string_equal(l.ids[2], CONV_A);
	l.n = 0;
	assert_int_equal(store_conversation_list(f->s, NULL, 1, 1, collect_conv, &l,
						 f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], CONV_C);
	l.n = 0;
	assert_int_equal(store_conversation_list(f->s, "idle", 0, 0, collect_conv, &l,
						 f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(append(f, CONV_C, make_event("e1", "MessageEvent", "x"), NULL), 0);
	assert_int_equal(store_conversation_delete(f->s, CONV_C, f->err, sizeof(f->err)), 0);
	/* its events went with it */
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM events"), 0);
	assert_int_equal(store_conversation_delete(f->s, CONV_C, f->err, sizeof(f->err)),
			 HB_ENOENT);
	l.n = 0;
	assert_int_equal(store_conversation_list(f->s, NULL, 0, 0, collect_conv, &l,
						 f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 2);
}

static void test_conversation_bad_input(void **state)
{
	struct fixture *f = *state;
	struct store_conversation c = { .id = "not-a-uuid" };

	open_store(f);
	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), HB_EINVAL);
	assert_non_null(strstr(f->err, "not-a-uuid"));
	c.id = CONV_A;
	c.status = "sleeping";
	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), HB_EINVAL);
	assert_non_null(strstr(f->err, "sleeping"));
}

/* -------------------------------------------------------------- events */

struct walked {
	int64_t seqs[16];
	char ids[16][8];
	int n;
	int stop_at;
	struct fixture *f;
};

static int collect_event(json_t *event, int64_t seq, void *arg)
{
	struct walked *w = arg;

	w->seqs[w->n] = seq;
	snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s",
		 json_string_value(json_object_get(event, "id")));
	w->n++;
	if (w->f) {   /* the store may be used from the callback */
		char id[16];

		snprintf(id, sizeof(id), "copy%d", w->n);
		assert_int_equal(append(w->f, CONV_B, make_event(id, "MessageEvent", "c"), NULL), 0);
	}
	return w->n == w->stop_at ? 7 : 0;
}

static void test_events_append_walk(void **state)
{
	struct fixture *f = *state;
	struct store_conversation got;
	struct walked w = { .n = 0 };
	char id[8];
	int64_t seq[5];
	int i;

	open_store(f);
	put_conv(f, CONV_A, "idle", 0);
	put_conv(f, CONV_B, "idle", 0);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		assert_int_equal(append(f, CONV_A, make_event(id, "MessageEvent", "hi"), &seq[i]), 0);
		if (i)
			assert_true(seq[i] > seq[i - 1]);
		if (i == 2)   /* another conversation's event in between */
			assert_int_equal(append(f, CONV_B, make_event("b0", "PauseEvent", ""), NULL), 0);
	}
	assert_int_equal(store_event_walk(f->s, CONV_A, 0, 0, collect_event, &w,
					  f->err, sizeof(f->err)), 0);
	assert_int_equal(w.n, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(w.seqs[i], seq[i]);
		snprintf(id, sizeof(id), "a%d", i);
		assert_string_equal(w.ids[i], id);
	}
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_event_walk(f->s, CONV_A, seq[1], 2, collect_event, &w,
					  f->err, sizeof(f->err)), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.ids[0], "a2");
	assert_string_equal(w.ids[1], "a3");
	/* fn's non-zero return stops the walk and comes back */
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	w.f = f;
	assert_int_equal(store_event_walk(f->s, CONV_A, 0, 0, collect_event, &w,
					  f->err, sizeof(f->err)), 7);
	assert_int_equal(w.n, 3);
	assert_int_equal(store_conversation_get(f->s, CONV_A, &got, f->err, sizeof(f->err)), 0);
	assert_int_equal(got.event_count, 5);
	store_conversation_clear(&got);
	assert_int_equal(store_conversation_get(f->s, CONV_B, &got, f->err, sizeof(f->err)), 0);
	assert_int_equal(got.event_count, 4);   /* b0 and the callback's three */
	store_conversation_clear(&got);
	assert_int_equal(store_event_walk(f->s, CONV_C, 0, 0, collect_event, &w,
					  f->err, sizeof(f->err)), HB_ENOENT);
}

/* The text stored is the event as given, and the indexed columns hold
 * its keys. */
static void test_event_columns(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st;

	open_store(f);
	put_conv(f, CONV_A, "idle", 0);
	assert_int_equal(append(f, CONV_A, make_event("e1", "ActionEvent", "é"), NULL), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), "SELECT event_id, kind, source, ts_us,"
					    " body FROM events", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "e1");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "ActionEvent");
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "agent");
	assert_int_equal(sqlite3_column_int64(st, 3), 1781588358809928LL);
	assert_string_equal((const char *)sqlite3_column_text(st, 4),
			    "{\"id\":\"e1\",\"timestamp\":\"2026-06-16T05:39:18.809928\","
			    "\"source\":\"agent\",\"kind\":\"ActionEvent\",\"text\":\"é\"}");
	sqlite3_finalize(st);
}

static void test_event_bad_input(void **state)
{
	struct fixture *f = *state;
	struct store_conversation got;
	json_t *e;

	open_store(f);
	put_conv(f, CONV_A, "idle", 0);
	e = make_event("x", "MessageEvent", "");
	json_object_del(e, "id");
	assert_int_equal(append(f, CONV_A, e, NULL), HB_EINVAL);
	assert_non_null(strstr(f->err, "\"id\""));
	e = make_event("x", "MessageEvent", "");
	json_object_del(e, "kind");
	assert_int_equal(append(f, CONV_A, e, NULL), HB_EINVAL);
	assert_non_null(strstr(f->err, "\"kind\""));
	e = make_event("x", "MessageEvent", "");
	json_object_set_new(e, "timestamp", json_string("yesterday"));
	assert_int_equal(append(f, CONV_A, e, NULL), HB_EINVAL);
	assert_non_null(strstr(f->err, "yesterday"));
	assert_int_equal(append(f, CONV_A, json_string("event"), NULL), HB_EINVAL);
	assert_int_equal(append(f, CONV_B, make_event("x", "MessageEvent", ""), NULL), HB_ENOENT);
	assert_non_null(strstr(f->err, CONV_B));
	assert_int_equal(append(f, CONV_A, make_event("x", "MessageEvent", ""), NULL), 0);
	assert_int_equal(append(f, CONV_A, make_event("x", "MessageEvent", ""), NULL), HB_EINVAL);
	assert_non_null(strstr(f->err, "already"));
	/* only the one good event was counted */
	assert_int_equal(store_conversation_get(f->s, CONV_A, &got, f->err, sizeof(f->err)), 0);
	assert_int_equal(got.event_count, 1);
	store_conversation_clear(&got);
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM events"), 1);
}

/* ------------------------------------------------------------ settings */

static void test_settings(void **state)
{
	struct fixture *f = *state;
	json_t *v, *got;

	open_store(f);
	assert_int_equal(store_setting_get(f->s, "llm", &got, f->err, sizeof(f->err)), 0);
	assert_null(got);
	v = json_pack("{s:s}", "model", "m1");
	assert_int_equal(store_setting_set(f->s, "llm", v, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_setting_get(f->s, "llm", &got, f->err, sizeof(f->err)), 0);
	assert_true(json_equal(got, v));
	json_decref(got);
	json_decref(v);
	v = json_integer(3);
	assert_int_equal(store_setting_set(f->s, "llm", v, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_setting_get(f->s, "llm", &got, f->err, sizeof(f->err)), 0);
	assert_true(json_equal(got, v));
	json_decref(got);
	json_decref(v);
	assert_int_equal(store_setting_set(f->s, "llm", NULL, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_setting_get(f->s, "llm", &got, f->err, sizeof(f->err)), 0);
	assert_null(got);
	assert_int_equal(store_setting_set(f->s, "", NULL, f->err, sizeof(f->err)), HB_EINVAL);
}

/* ---------------------------------------------------------- migrations */

static void test_migrate_older_file(void **state)
{
	struct fixture *f = *state;
	struct walked w = { .n = 0 };
	sqlite3 *db;

	close(open(f->path, O_CREAT | O_WRONLY, 0600));
	db = raw_open(f->path);
	assert_int_equal(store_migrate(db, f->path, 1, f->err, sizeof(f->err)), 0);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_kind'"), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO conversations(id, status, created_us,"
				      " updated_us, event_count) VALUES('" CONV_A "', 'idle', 1, 1, 1);"
				      "INSERT INTO events(cid, event_id, kind, source, ts_us, body)"
				      " VALUES(1, 'old', 'MessageEvent', 'user', 0, '{\"id\":\"old\"}')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	open_store(f);
	assert_int_equal(raw_int(store_db(f->s), "PRAGMA user_version"), store_schema_latest());
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM sqlite_master"
				 " WHERE name IN ('events_kind', 'events_source', 'events_time')"), 3);
	assert_int_equal(store_event_walk(f->s, CONV_A, 0, 0, collect_event, &w,
					  f->err, sizeof(f->err)), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], "old");
}

static void test_newer_file_refused(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;

	open_store(f);
	store_close(f->s);
	f->s = NULL;
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&f->s, f->dir, f->err, sizeof(f->err)), HB_EINVAL);
	assert_null(f->s);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "99"));
	assert_non_null(strstr(f->err, "newer handbox"));
}

static void test_other_program_refused(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = raw_open(f->path);

	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&f->s, f->dir, f->err, sizeof(f->err)), HB_EINVAL);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "another program"));
}

/* -------------------------------------------------------------- errors */

static void test_not_a_database(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->path, "w");
	int i;

	assert_non_null(fp);
	for (i = 0; i < 200; i++)
		fputs("this is not an SQLite file. ", fp);
	fclose(fp);
	assert_int_equal(store_open(&f->s, f->dir, f->err, sizeof(f->err)), HB_EINVAL);
	assert_null(f->s);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "not an SQLite database"));
}

/* A folder under a regular file cannot be made, even by root. */
static void test_unwritable_dir(void **state)
{
	struct fixture *f = *state;
	char file[128], dir[160];

	snprintf(file, sizeof(file), "%s/plain", f->dir);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	snprintf(dir, sizeof(dir), "%s/state", file);
	assert_int_equal(store_open(&f->s, dir, f->err, sizeof(f->err)), HB_EPERM);
	assert_non_null(strstr(f->err, dir));
	assert_int_equal(store_open(&f->s, file, f->err, sizeof(f->err)), HB_EPERM);
	assert_non_null(strstr(f->err, "not a directory"));
	assert_int_equal(store_open(&f->s, "relative", f->err, sizeof(f->err)), HB_EINVAL);
}

/* max_page_count stands in for a full disk: SQLite answers SQLITE_FULL. */
static void test_full_disk(void **state)
{
	struct fixture *f = *state;
	char big[65536];
	char sql[64];

	open_store(f);
	put_conv(f, CONV_A, "idle", 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		 (long long)raw_int(store_db(f->s), "PRAGMA page_count"));
	assert_int_equal(sqlite3_exec(store_db(f->s), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(append(f, CONV_A, make_event("e1", "MessageEvent", big), NULL), HB_EIO);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "disk is full"));
	/* nothing half-written; the store works again once there is room */
	assert_int_equal(sqlite3_exec(store_db(f->s), "PRAGMA max_page_count = 1000000",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(append(f, CONV_A, make_event("e1", "MessageEvent", big), NULL), 0);
	assert_int_equal(raw_int(store_db(f->s), "SELECT event_count FROM conversations"), 1);
}

static void test_locked(void **state)
{
	struct fixture *f = *state;
	sqlite3 *other;

	open_store(f);
	put_conv(f, CONV_A, "idle", 0);
	other = raw_open(f->path);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	store_set_busy_timeout(f->s, 20);
	assert_int_equal(append(f, CONV_A, make_event("e1", "MessageEvent", ""), NULL), HB_EBUSY);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "locked"));
	/* readers are not blocked by the writer */
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM conversations"), 1);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(append(f, CONV_A, make_event("e1", "MessageEvent", ""), NULL), 0);
}

/* ------------------------------------------------------------ recovery */

static long dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void put_owned(struct fixture *f, const char *id, const char *status, long pid,
		      const char *start)
{
	struct store_conversation c = {
		.id = (char *)id, .status = (char *)status, .owner_pid = pid,
		.owner_start = (char *)start,
	};

	assert_int_equal(store_conversation_put(f->s, &c, f->err, sizeof(f->err)), 0);
}

static void check_paused_event(json_t *e)
{
	const char *ts = json_string_value(json_object_get(e, "timestamp"));
	int64_t us;

	assert_true(uuid_is_valid(json_string_value(json_object_get(e, "id"))));
	assert_string_equal(json_string_value(json_object_get(e, "kind")),
			    "ConversationStateUpdateEvent");
	assert_string_equal(json_string_value(json_object_get(e, "source")), "environment");
	assert_string_equal(json_string_value(json_object_get(e, "key")), "execution_status");
	assert_string_equal(json_string_value(json_object_get(e, "value")), "paused");
	assert_int_equal(strlen(ts), 26);   /* 2026-06-16T05:39:18.809928, no zone */
	assert_int_equal(isotime_parse(ts, &us), 0);
	assert_true(us > now_us() - 60000000LL);
}

static int last_event(json_t *event, int64_t seq, void *arg)
{
	json_decref(*(json_t **)arg);
	*(json_t **)arg = json_incref(event);
	return 0;
}

static void expect_status(struct fixture *f, const char *id, const char *status, long pid)
{
	struct store_conversation c;

	assert_int_equal(store_conversation_get(f->s, id, &c, f->err, sizeof(f->err)), 0);
	assert_string_equal(c.status, status);
	assert_int_equal(c.owner_pid, pid);
	store_conversation_clear(&c);
}

static void test_recover_orphans(void **state)
{
	struct fixture *f = *state;
	char self[32];
	long gone = dead_pid();
	json_t *e = NULL;
	int n = -1;

	open_store(f);
	assert_int_equal(store_owner_start(getpid(), self, sizeof(self), f->err,
					   sizeof(f->err)), 0);
	assert_int_equal(store_owner_start(gone, self + 0, 0, f->err, sizeof(f->err)), HB_ENOENT);
	assert_int_equal(store_owner_start(getpid(), self, sizeof(self), f->err,
					   sizeof(f->err)), 0);
	put_owned(f, CONV_A, "running", gone, "12345");          /* owner gone */
	put_owned(f, CONV_B, "running", getpid(), self);         /* owner alive: us */
	put_owned(f, CONV_C, "running", getpid(), "1");          /* our pid, another start */
	put_owned(f, CONV_D, "paused", gone, "12345");           /* not running */
	assert_int_equal(store_recover_orphans(f->s, &n, f->err, sizeof(f->err)), 0);
	assert_int_equal(n, 2);
	expect_status(f, CONV_A, "paused", 0);
	expect_status(f, CONV_B, "running", getpid());
	expect_status(f, CONV_C, "paused", 0);
	expect_status(f, CONV_D, "paused", gone);
	assert_int_equal(store_event_walk(f->s, CONV_A, 0, 0, last_event, &e,
					  f->err, sizeof(f->err)), 0);
	assert_non_null(e);
	check_paused_event(e);
	json_decref(e);
	e = NULL;
	assert_int_equal(store_event_walk(f->s, CONV_B, 0, 0, last_event, &e,
					  f->err, sizeof(f->err)), 0);
	assert_null(e);
	/* a second pass finds nothing more */
	assert_int_equal(store_recover_orphans(f->s, &n, f->err, sizeof(f->err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM events"), 2);
}

/* killed after the status event, before the row: the events say how it ended */
static void test_recover_ended_before_row(void **state)
{
	struct fixture *f = *state;
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			       "id", "6b1f0c1e-2a6d-4c1b-9a39-0a0d4c2f6e01",
			       "timestamp", "2026-06-16T05:39:18.809928", "source", "environment",
			       "kind", "ConversationStateUpdateEvent", "key", "execution_status",
			       "value", "finished");
	json_t *e = NULL;
	int n = -1;

	open_store(f);
	put_owned(f, CONV_A, "running", dead_pid(), "12345");
	assert_int_equal(store_event_append(f->s, CONV_A, ev, NULL, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_recover_orphans(f->s, &n, f->err, sizeof(f->err)), 0);
	assert_int_equal(n, 1);
	expect_status(f, CONV_A, "finished", 0);
	assert_int_equal(store_event_walk(f->s, CONV_A, 0, 0, last_event, &e,
					  f->err, sizeof(f->err)), 0);
	assert_string_equal(json_string_value(json_object_get(e, "value")), "finished");
	assert_int_equal(raw_int(store_db(f->s), "SELECT count(*) FROM events"), 1);
	json_decref(e);
	json_decref(ev);
}

/* two processes never run one conversation */
static void test_claim(void **state)
{
	struct fixture *f = *state;
	char self[32], parent[32];

	open_store(f);
	assert_int_equal(store_owner_start(getpid(), self, sizeof(self), f->err,
					   sizeof(f->err)), 0);
	assert_int_equal(store_owner_start(getppid(), parent, sizeof(parent), f->err,
					   sizeof(f->err)), 0);
	put_owned(f, CONV_A, "paused", getppid(), parent);     /* a live owner */
	assert_int_equal(store_conversation_claim(f->s, CONV_A, getpid(), self, f->err,
						  sizeof(f->err)), HB_EBUSY);
	assert_non_null(strstr(f->err, "being run by process"));
	expect_status(f, CONV_A, "paused", getppid());
	put_owned(f, CONV_A, "paused", dead_pid(), "12345");    /* a dead one */
	assert_int_equal(store_conversation_claim(f->s, CONV_A, getpid(), self, f->err,
						  sizeof(f->err)), 0);
	expect_status(f, CONV_A, "paused", getpid());
	/* again by the owner itself: fine */
	assert_int_equal(store_conversation_claim(f->s, CONV_A, getpid(), self, f->err,
						  sizeof(f->err)), 0);
	assert_int_equal(store_conversation_claim(f->s, CONV_B, getpid(), self, f->err,
						  sizeof(f->err)), HB_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_and_reopens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conversation_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conversation_list_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conversation_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_append_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_older_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_program_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_ended_before_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
