/* store_sql.c — the store's plumbing over SQLite: what a failed call means
 * for the caller (HB_E… code and a message naming the file), the cached
 * statements of the append path, and transactions. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "store/store_internal.h"

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	/* one statement both finds the conversation and counts the event */
	[STMT_EVENT_CONV] = "UPDATE conversations SET event_count = event_count + 1,"
			    " updated_us = ?2 WHERE id = ?1 RETURNING cid",
	[STMT_EVENT_INSERT] = "INSERT INTO events(cid, event_id, kind, source, ts_us, body)"
			      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
};

int store_sql_fail(const char *path, sqlite3 *db, int rc, int busy_ms, const char *what,
		   char *err, size_t errlen)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_FULL:
		return hb_fail(err, errlen, HB_EIO, "%s: the disk is full (%s while %s): free space "
			       "on its file system", path, msg, what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return hb_fail(err, errlen, HB_EBUSY, "%s: locked by another process for more "
			       "than %d ms while %s; try again", path, busy_ms, what);
	case SQLITE_NOTADB:
		return hb_fail(err, errlen, HB_EINVAL, "%s: not an SQLite database (%s): move "
			       "it away or set HANDBOX_STATE_DIR to another folder", path, msg);
	case SQLITE_CORRUPT:
		return hb_fail(err, errlen, HB_EIO, "%s: the database is corrupt (%s while %s)",
			       path, msg, what);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
	case SQLITE_AUTH:
		return hb_fail(err, errlen, HB_EPERM, "%s: cannot write (%s while %s): check "
			       "the permissions of the file and its folder", path, msg, what);
	case SQLITE_NOMEM:
		return hb_fail(err, errlen, HB_ENOMEM, "%s: out of memory while %s", path, what);
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
		return hb_fail(err, errlen, HB_EINVAL, "%s: %s while %s", path, msg, what);
	default:
		return hb_fail(err, errlen, HB_EIO, "%s: %s while %s", path, msg, what);
	}
}

int store_fail(struct store *s, int rc, const char *what, char *err, size_t errlen)
{
	return store_sql_fail(s->path, s->db, rc, s->busy_ms, what, err, errlen);
}

int store_stmt(struct store *s, enum store_stmt id, sqlite3_stmt **out,
	       char *err, size_t errlen)
{
	int rc;

	if (!s->stmt[id]) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&s->stmt[id], NULL);
		if (rc != SQLITE_OK)
			return store_fail(s, rc, "preparing a statement", err, errlen);
	}
	sqlite3_reset(s->stmt[id]);
	sqlite3_clear_bindings(s->stmt[id]);
	*out = s->stmt[id];
	return 0;
}

static int run_stmt(struct store *s, enum store_stmt id, const char *what,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, id, &st, err, errlen);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, what, err, errlen);
}

int store_begin(struct store *s, const char *what, char *err, size_t errlen)
{
	return run_stmt(s, STMT_BEGIN, what, err, errlen);
}

int store_commit(struct store *s, const char *what, char *err, size_t errlen)
{
	int rc = run_stmt(s, STMT_COMMIT, what, err, errlen);

	if (rc)
		store_rollback(s);
	return rc;
}

/* After a failed statement SQLite may already have rolled back (a full
 * disk, an I/O error); ROLLBACK then fails harmlessly. */
void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		run_stmt(s, STMT_ROLLBACK, "rolling back", NULL, 0);
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

/* Waiting for another connection's write lock: SQLite's own busy
 * timeout sleeps 1, 2, 5, 10 … 100 ms between tries, so a writer that
 * lost a race by microseconds waited tens of milliseconds (an app server's
 * conversations commit their events on connections of their own, and
 * each event's delivery waited behind those sleeps). Short sleeps instead,
 * growing to 1 ms, up to busy_ms in all. */
#define BUSY_DOUBLINGS 5     /* 50, 100, 200, 400, 800 µs, then 1 ms each */
#define BUSY_SLEEP_MIN_US 50
#define BUSY_SLEEP_MAX_US 1000

static int busy_wait(void *arg, int tries)
{
	struct store *s = arg;
	long long slept_us = tries <= BUSY_DOUBLINGS
		? BUSY_SLEEP_MIN_US * ((1LL << tries) - 1)
		: BUSY_SLEEP_MIN_US * ((1LL << BUSY_DOUBLINGS) - 1) +
		  (long long)(tries - BUSY_DOUBLINGS) * BUSY_SLEEP_MAX_US;

	if (slept_us >= (long long)s->busy_ms * 1000)
		return 0;
	usleep(tries < BUSY_DOUBLINGS ? BUSY_SLEEP_MIN_US << tries : BUSY_SLEEP_MAX_US);
	return 1;
}

void store_set_busy_timeout(struct store *s, int ms)
{
	s->busy_ms = ms;
	sqlite3_busy_handler(s->db, busy_wait, s);
}
