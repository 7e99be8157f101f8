/* store_events.c — appending events and reading them back in order. An
 * event's JSON is kept as text; its id, kind, source and time are copied
 * into indexed columns for the search of the conversation API. */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "store/store_internal.h"

struct event_keys {
	const char *id, *kind, *source, *timestamp;
	int64_t ts_us;
};

static int event_string(json_t *event, const char *key, const char **out,
			char *err, size_t errlen)
{
	*out = json_string_value(json_object_get(event, key));
	if (!*out || !**out)
		return hb_fail(err, errlen, HB_EINVAL,
			       "event: \"%s\" is missing or not a non-empty string", key);
	return 0;
}

static int event_keys(json_t *event, struct event_keys *k, char *err, size_t errlen)
{
	int rc;

	if (!json_is_object(event))
		return hb_fail(err, errlen, HB_EINVAL, "event: expected a JSON object");
	if ((rc = event_string(event, "id", &k->id, err, errlen)) ||
	    (rc = event_string(event, "kind", &k->kind, err, errlen)) ||
	    (rc = event_string(event, "source", &k->source, err, errlen)) ||
	    (rc = event_string(event, "timestamp", &k->timestamp, err, errlen)))
		return rc;
	if (isotime_parse(k->timestamp, &k->ts_us))
		return hb_fail(err, errlen, HB_EINVAL, "event %s: timestamp \"%s\": expected "
			       "ISO-8601 (2026-06-16T05:39:18.809928)", k->id, k->timestamp);
	return 0;
}

/* The conversation's key, counting the event on its row. */
static int count_event(struct store *s, const char *conv_id, int64_t *cid,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, STMT_EVENT_CONV, &st, err, errlen);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, conv_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_us());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "%s: no conversation %s",
			       s->path, conv_id);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "appending an event", err, errlen);
}

int store_event_insert(struct store *s, const char *conv_id, json_t *event, int64_t *seq,
		       char *err, size_t errlen)
{
	struct event_keys k;
	sqlite3_stmt *st;
	int64_t cid = 0;
	char *text;
	int rc;

	if (!conv_id)
		return hb_fail(err, errlen, HB_EINVAL, "event: no conversation id");
	if ((rc = event_keys(event, &k, err, errlen)) ||
	    (rc = count_event(s, conv_id, &cid, err, errlen)) ||
	    (rc = store_stmt(s, STMT_EVENT_INSERT, &st, err, errlen)))
		return rc;
	if (!(text = json_dumps(event, JSON_COMPACT)))
		return hb_fail(err, errlen, HB_ENOMEM, "event %s: cannot encode it", k.id);
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_text(st, 2, k.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k.kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k.source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, k.ts_us);
	sqlite3_bind_text(st, 6, text, -1, free);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return hb_fail(err, errlen, HB_EINVAL, "%s: event id %s is already stored",
			       s->path, k.id);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "appending an event", err, errlen);
	if (seq)
		*seq = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_event_append(struct store *s, const char *conv_id, json_t *event, int64_t *seq,
		       char *err, size_t errlen)
{
	int rc = store_begin(s, "appending an event", err, errlen);

	if (rc)
		return rc;
	if ((rc = store_event_insert(s, conv_id, event, seq, err, errlen))) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, "appending an event", err, errlen);
}

static int conversation_key(struct store *s, const char *conv_id, int64_t *cid,
			    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "SELECT cid FROM conversations WHERE id = ?1",
				    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s, rc, "reading events", err, errlen);
	sqlite3_bind_text(st, 1, conv_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "%s: no conversation %s",
			       s->path, conv_id);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "reading events", err, errlen);
}

/* Rows go to fn while the statement runs: prepared per call, so fn may
 * itself use the store (append, walk another conversation). */
int store_event_walk(struct store *s, const char *conv_id, int64_t after_seq, size_t limit,
		     store_event_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t cid = 0;
	int rc;

	if (!conv_id)
		return hb_fail(err, errlen, HB_EINVAL, "events: no conversation id");
	if ((rc = conversation_key(s, conv_id, &cid, err, errlen)))
		return rc;
	rc = sqlite3_prepare_v2(s->db, "SELECT seq, body FROM events WHERE cid = ?1"
				" AND seq > ?2 ORDER BY seq LIMIT ?3", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "reading events", err, errlen);
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int64(st, 2, after_seq);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	return store_events_each(s, st, "reading events", fn, arg, err, errlen);
}

int store_events_each(struct store *s, sqlite3_stmt *st, const char *what, store_event_fn fn,
		      void *arg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *event;
	int64_t seq;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		event = json_loads((const char *)sqlite3_column_text(st, 1), 0, &jerr);
		if (!event) {
			rc = hb_fail(err, errlen, HB_EIO, "%s: event %lld is not JSON: %s",
				     s->path, (long long)seq, jerr.text);
			goto out;
		}
		rc = fn(event, seq, arg);
		json_decref(event);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, rc, what, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}
