/* store_internal.h — what the store's files share and the unit tests may
 * reach (never the rest of handbox): the handle, its cached statements,
 * the SQLite-to-HB_E… error mapping, transactions and migrations. */
#ifndef HB_STORE_STORE_INTERNAL_H
#define HB_STORE_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"

#define STORE_FILE "handbox.db"
/* How long a call waits for another process's write lock before it fails
 * with HB_EBUSY. Appends hold it for well under a millisecond. */
#define STORE_BUSY_MS 5000
/* PRAGMA application_id of a handbox file ("hbox"): another program's
 * SQLite file is refused rather than migrated. */
#define STORE_APP_ID 0x68626f78

/* The statements on the append path, prepared once per handle. Statements
 * whose rows go to a caller's callback are prepared per call instead, so a
 * callback may use the store. */
enum store_stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_EVENT_CONV,
	STMT_EVENT_INSERT,
	STMT_COUNT
};

struct store {
	sqlite3 *db;
	int busy_ms;
	sqlite3_stmt *stmt[STMT_COUNT];
	char path[4200];
};

/* The message and code for a failed SQLite call rc while doing `what`
 * (a verb phrase: "appending an event"), naming the file. */
int store_sql_fail(const char *path, sqlite3 *db, int rc, int busy_ms, const char *what,
		   char *err, size_t errlen);
int store_fail(struct store *s, int rc, const char *what, char *err, size_t errlen);

/* The cached statement id, reset and unbound, prepared on first use. */
int store_stmt(struct store *s, enum store_stmt id, sqlite3_stmt **out,
	       char *err, size_t errlen);
/* BEGIN IMMEDIATE (takes the write lock now, waiting up to busy_ms, so a
 * transaction never fails half-way on a lock), COMMIT, ROLLBACK. */
int store_begin(struct store *s, const char *what, char *err, size_t errlen);
int store_commit(struct store *s, const char *what, char *err, size_t errlen);
void store_rollback(struct store *s);

/* Appends event to conv_id inside the caller's transaction. */
int store_event_insert(struct store *s, const char *conv_id, json_t *event, int64_t *seq,
		       char *err, size_t errlen);

/* Migrations: brings the file of db (at path) to schema version target
 * (1 … store_schema_latest()), one transaction per version; refuses a file
 * whose version is newer than this build knows or that another program
 * made. */
int store_schema_latest(void);
int store_migrate(sqlite3 *db, const char *path, int target, char *err, size_t errlen);

/* For tests: the connection, and a shorter wait for locks. */
sqlite3 *store_db(struct store *s);
void store_set_busy_timeout(struct store *s, int ms);

/* Steps st, whose rows are (seq, event JSON text), handing each event to
 * fn (a non-zero return stops and is returned); finalizes st. what names
 * the work in messages. */
int store_events_each(struct store *s, sqlite3_stmt *st, const char *what, store_event_fn fn,
		      void *arg, char *err, size_t errlen);

#endif
