/* store_schema.c — the schema of handbox.db and its migrations. The file's
 * version is PRAGMA user_version; migration N brings a file from version
 * N-1 to N inside one transaction, so a crash mid-way leaves the old
 * version whole. Never edit a shipped migration: add the next one (and a
 * line to docs/store.md). */
#include <stdio.h>

#include "common/hb_error.h"
#include "store/store_internal.h"

static const char *const migrations[] = {
	/* 1: conversations, events, settings. A conversation has an integer
	 * key (cid) so each event row carries 8 bytes rather than a UUID;
	 * seq never reuses a number (AUTOINCREMENT), so a reader's position
	 * stays valid after a conversation is deleted. */
	"CREATE TABLE conversations ("
	"  cid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL,"
	"  sandbox_id TEXT NOT NULL DEFAULT '',"
	"  config TEXT NOT NULL DEFAULT '{}',"
	"  stats TEXT NOT NULL DEFAULT '{}',"
	"  created_us INTEGER NOT NULL,"
	"  updated_us INTEGER NOT NULL,"
	"  owner_pid INTEGER NOT NULL DEFAULT 0,"
	"  owner_start TEXT NOT NULL DEFAULT '',"
	"  event_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX conversations_created ON conversations(created_us);"
	"CREATE INDEX conversations_status ON conversations(status, created_us);"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  cid INTEGER NOT NULL REFERENCES conversations(cid) ON DELETE CASCADE,"
	"  event_id TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  ts_us INTEGER NOT NULL,"
	"  body TEXT NOT NULL);"
	"CREATE INDEX events_conv ON events(cid, seq);"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL) WITHOUT ROWID;",
	/* 2: the event search of the conversation API (by kind, by source,
	 * by time range; paging by event id uses events.event_id's index). */
	"CREATE INDEX events_kind ON events(cid, kind, seq);"
	"CREATE INDEX events_source ON events(cid, source, seq);"
	"CREATE INDEX events_time ON events(cid, ts_us);",
};

#define LATEST ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_latest(void)
{
	return LATEST;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Version, application_id and whether the file holds anything, read in
 * one statement so they come from one snapshot: a process migrating a new
 * file at the same time is seen either before or after. */
static int read_header(sqlite3 *db, const char *path, int *version, int *app, int *tables,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
				    " (SELECT application_id FROM pragma_application_id),"
				    " (SELECT count(*) FROM sqlite_master)", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		*app = sqlite3_column_int(st, 1);
		*tables = sqlite3_column_int(st, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : store_sql_fail(path, db, rc, STORE_BUSY_MS,
						     "reading the schema version", err, errlen);
}

static int migrate_one(sqlite3 *db, const char *path, int to, char *err, size_t errlen)
{
	char sql[96], what[64];
	int rc, now = 0;

	snprintf(what, sizeof(what), "migrating to schema version %d", to);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	/* another process may have migrated while we waited for the lock */
	if (rc == SQLITE_OK)
		rc = pragma_int(db, "PRAGMA user_version", &now);
	if (rc == SQLITE_OK && now < to) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 to, STORE_APP_ID);
		rc = sqlite3_exec(db, migrations[to - 1], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	rc = store_sql_fail(path, db, rc, STORE_BUSY_MS, what, err, errlen);
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_migrate(sqlite3 *db, const char *path, int target, char *err, size_t errlen)
{
	int version = 0, app = 0, tables = 0, rc, v;

	if ((rc = read_header(db, path, &version, &app, &tables, err, errlen)))
		return rc;
	if (version > LATEST)
		return hb_fail(err, errlen, HB_EINVAL, "%s: schema version %d was written by a "
			       "newer handbox (this one knows up to %d): use that handbox, or move "
			       "the file away to start afresh", path, version, LATEST);
	/* a new file is empty; one of ours carries our application_id */
	if ((version == 0 && tables > 0) || (version > 0 && app != STORE_APP_ID))
		return hb_fail(err, errlen, HB_EINVAL, "%s: an SQLite file of another program "
			       "(application_id %d, user_version %d), not handbox's: move it away",
			       path, app, version);
	if (target < 1 || target > LATEST)
		return hb_fail(err, errlen, HB_EINVAL, "schema version %d: expected 1 to %d",
			       target, LATEST);
	for (v = version + 1; v <= target; v++)
		if ((rc = migrate_one(db, path, v, err, errlen)))
			return rc;
	return 0;
}
