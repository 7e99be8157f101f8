/* store_conversations.c — conversation rows: put (insert or update), get,
 * list and delete (its events go with it: ON DELETE CASCADE). */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "store/store_internal.h"

/* The columns of struct store_conversation, in the order conv_read takes. */
#define CONV_COLUMNS "id, title, status, sandbox_id, config, stats, created_us," \
		     " updated_us, owner_pid, owner_start, event_count"

static const char *const statuses[] = {
	"idle", "running", "paused", "waiting_for_confirmation", "finished", "error", "stuck",
};

void store_conversation_clear(struct store_conversation *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->title);
	free(c->status);
	free(c->sandbox_id);
	free(c->owner_start);
	json_decref(c->config);
	json_decref(c->stats);
	memset(c, 0, sizeof(*c));
}

static int check_status(const char *status, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (!strcmp(status, statuses[i]))
			return 0;
	return hb_fail(err, errlen, HB_EINVAL, "conversation status \"%s\": expected idle, "
		       "running, paused, waiting_for_confirmation, finished, error or stuck", status);
}

static char *dup_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

/* A JSON column; a value that does not parse reads as {} rather than
 * failing the whole conversation. */
static json_t *column_json(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	json_t *v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;

	return v ? v : json_object();
}

static int conv_read(sqlite3_stmt *st, struct store_conversation *c)
{
	memset(c, 0, sizeof(*c));
	c->id = dup_text(st, 0);
	c->title = dup_text(st, 1);
	c->status = dup_text(st, 2);
	c->sandbox_id = dup_text(st, 3);
	c->config = column_json(st, 4);
	c->stats = column_json(st, 5);
	c->created_us = sqlite3_column_int64(st, 6);
	c->updated_us = sqlite3_column_int64(st, 7);
	c->owner_pid = (long)sqlite3_column_int64(st, 8);
	c->owner_start = dup_text(st, 9);
	c->event_count = sqlite3_column_int64(st, 10);
	if (!c->id || !c->title || !c->status || !c->sandbox_id || !c->owner_start ||
	    !c->config || !c->stats) {
		store_conversation_clear(c);
		return HB_ENOMEM;
	}
	return 0;
}

static int bind_json(sqlite3_stmt *st, int col, const json_t *v)
{
	char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("{}");

	if (!t)
		return HB_ENOMEM;
	sqlite3_bind_text(st, col, t, -1, free);
	return 0;
}

static int conv_bind(sqlite3_stmt *st, const struct store_conversation *c)
{
	int64_t now = now_us();

	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->title ? c->title : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->status ? c->status : "idle", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->sandbox_id ? c->sandbox_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->created_us > 0 ? c->created_us : now);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_int64(st, 9, c->owner_pid > 0 ? c->owner_pid : 0);
	sqlite3_bind_text(st, 10, c->owner_pid > 0 && c->owner_start ? c->owner_start : "",
			  -1, SQLITE_STATIC);
	return bind_json(st, 5, c->config) || bind_json(st, 6, c->stats) ? HB_ENOMEM : 0;
}

int store_conversation_put(struct store *s, const struct store_conversation *c,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (!c || !c->id || !uuid_is_valid(c->id))
		return hb_fail(err, errlen, HB_EINVAL, "conversation id \"%s\": expected a UUID",
			       c && c->id ? c->id : "(null)");
	if (c->status && (rc = check_status(c->status, err, errlen)))
		return rc;
	rc = sqlite3_prepare_v2(s->db, "INSERT INTO conversations(id, title, status, sandbox_id,"
				" config, stats, created_us, updated_us, owner_pid, owner_start)"
				" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
				" ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
				" status = excluded.status, sandbox_id = excluded.sandbox_id,"
				" config = excluded.config, stats = excluded.stats,"
				" updated_us = excluded.updated_us, owner_pid = excluded.owner_pid,"
				" owner_start = excluded.owner_start", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "saving a conversation", err, errlen);
	if (conv_bind(st, c)) {
		sqlite3_finalize(st);
		return hb_fail(err, errlen, HB_ENOMEM, "conversation %s: out of memory", c->id);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "saving a conversation", err, errlen);
}

int store_conversation_get(struct store *s, const char *id, struct store_conversation *out,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite3_prepare_v2(s->db, "SELECT " CONV_COLUMNS " FROM conversations WHERE id = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "reading a conversation", err, errlen);
	sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = conv_read(st, out) ? hb_fail(err, errlen, HB_ENOMEM, "conversation %s: "
						  "out of memory", id) : 0;
	else if (rc == SQLITE_DONE)
		rc = hb_fail(err, errlen, HB_ENOENT, "%s: no conversation %s", s->path,
			     id ? id : "(null)");
	else
		rc = store_fail(s, rc, "reading a conversation", err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int store_conversation_delete(struct store *s, const char *id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "DELETE FROM conversations WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "deleting a conversation", err, errlen);
	sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, rc, "deleting a conversation", err, errlen);
	if (sqlite3_changes(s->db) == 0)
		return hb_fail(err, errlen, HB_ENOENT, "%s: no conversation %s", s->path,
			       id ? id : "(null)");
	return 0;
}

/* Rows go to fn while the statement runs: prepared per call, so fn may
 * itself use the store. */
int store_conversation_list(struct store *s, const char *status, size_t offset, size_t limit,
			    store_conversation_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_conversation c;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT " CONV_COLUMNS " FROM conversations"
				" WHERE ?1 IS NULL OR status = ?1"
				" ORDER BY created_us DESC, cid DESC LIMIT ?2 OFFSET ?3",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "listing conversations", err, errlen);
	if (status)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	sqlite3_bind_int64(st, 3, (int64_t)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (conv_read(st, &c)) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "listing conversations: out of memory");
			goto out;
		}
		rc = fn(&c, arg);
		store_conversation_clear(&c);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, rc, "listing conversations", err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}
