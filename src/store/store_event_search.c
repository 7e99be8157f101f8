/* store_event_search.c — the event search of the conversation API
 * (GET /api/conversations/{id}/events/search, /count, /{event_id}): filters
 * on the indexed columns (kind, source, time) and on the body's text, pages
 * that start at an event id. Read-only; prepared per call, so fn may use
 * the store. */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "store/store_internal.h"

/* ?1 cid; ?2 kind; ?3 source; ?4 body text; ?5, ?6 time range; ?7 the
 * page's first seq. A NULL parameter filters nothing. */
#define EVENT_WHERE " FROM events WHERE cid = ?1 AND (?2 IS NULL OR kind = ?2)" \
	" AND (?3 IS NULL OR source = ?3)" \
	" AND (?4 IS NULL OR instr(lower(body), lower(?4)) > 0)" \
	" AND (?5 IS NULL OR ts_us >= ?5) AND (?6 IS NULL OR ts_us < ?6)"

static int conv_cid(struct store *s, const char *conv_id, int64_t *cid, char *err,
		    size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "SELECT cid FROM conversations WHERE id = ?1",
				    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s, rc, "searching events", err, errlen);
	sqlite3_bind_text(st, 1, conv_id ? conv_id : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "%s: no conversation %s", s->path,
			       conv_id ? conv_id : "(null)");
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "searching events", err, errlen);
}

/* The seq of event_id in conversation cid; HB_ENOENT naming it when it is
 * not one of its events. */
static int event_seq(struct store *s, int64_t cid, const char *event_id, int64_t *seq,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "SELECT seq FROM events WHERE cid = ?1 AND event_id = ?2",
				    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s, rc, "searching events", err, errlen);
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "event \"%s\": not an event of this "
			       "conversation", event_id);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "searching events", err, errlen);
}

static void bind_query(sqlite3_stmt *st, int64_t cid, const struct store_event_query *q)
{
	sqlite3_bind_int64(st, 1, cid);
	if (q->kind)
		sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC);
	if (q->source)
		sqlite3_bind_text(st, 3, q->source, -1, SQLITE_STATIC);
	if (q->body && *q->body)
		sqlite3_bind_text(st, 4, q->body, -1, SQLITE_STATIC);
	if (q->ts_gte_us)
		sqlite3_bind_int64(st, 5, q->ts_gte_us);
	if (q->ts_lt_us)
		sqlite3_bind_int64(st, 6, q->ts_lt_us);
}

int store_event_search(struct store *s, const char *conv_id, const struct store_event_query *q,
		       store_event_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t cid = 0, first = 0;
	int rc;

	if ((rc = conv_cid(s, conv_id, &cid, err, errlen)) ||
	    (q->page_id && (rc = event_seq(s, cid, q->page_id, &first, err, errlen))))
		return rc;
	rc = sqlite3_prepare_v2(s->db, q->desc
				? "SELECT seq, body" EVENT_WHERE " AND (?7 IS NULL OR seq <= ?7)"
				  " ORDER BY seq DESC LIMIT ?8"
				: "SELECT seq, body" EVENT_WHERE " AND (?7 IS NULL OR seq >= ?7)"
				  " ORDER BY seq LIMIT ?8", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "searching events", err, errlen);
	bind_query(st, cid, q);
	if (q->page_id)
		sqlite3_bind_int64(st, 7, first);
	sqlite3_bind_int64(st, 8, q->limit ? (int64_t)q->limit : -1);
	return store_events_each(s, st, "searching events", fn, arg, err, errlen);
}

int store_event_count(struct store *s, const char *conv_id, const struct store_event_query *q,
		      int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t cid = 0;
	int rc;

	*out = 0;
	if ((rc = conv_cid(s, conv_id, &cid, err, errlen)))
		return rc;
	rc = sqlite3_prepare_v2(s->db, "SELECT count(*)" EVENT_WHERE, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "counting events", err, errlen);
	bind_query(st, cid, q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "counting events", err, errlen);
}

int store_event_get(struct store *s, const char *conv_id, const char *event_id, json_t **out,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t cid = 0;
	int rc;

	*out = NULL;
	if ((rc = conv_cid(s, conv_id, &cid, err, errlen)))
		return rc;
	rc = sqlite3_prepare_v2(s->db, "SELECT body FROM events WHERE cid = ?1 AND event_id = ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "reading an event", err, errlen);
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_text(st, 2, event_id ? event_id : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "event \"%s\": not an event of "
			       "conversation %s", event_id ? event_id : "(null)", conv_id);
	if (rc != SQLITE_ROW)
		return store_fail(s, rc, "reading an event", err, errlen);
	return *out ? 0 : hb_fail(err, errlen, HB_EIO, "%s: event %s is not JSON", s->path,
				  event_id);
}
