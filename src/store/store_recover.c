/* store_recover.c — conversations left "running" by a process that is
 * gone (kill -9, a crash, a reboot) become "paused", with the state event
 * a client would have seen had the process paused them itself. A process
 * is its pid and its start time, so a reused pid is not taken for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "common/proc_stat.h"
#include "store/store_internal.h"

struct orphan {
	char *id;
	int64_t pid;
	char *start;
};

int store_owner_start(long pid, char *out, size_t outlen, char *err, size_t errlen)
{
	struct proc_stat st;

	if (pid <= 0 || proc_stat_read((pid_t)pid, &st) != 0 || !proc_stat_alive(&st))
		return hb_fail(err, errlen, HB_ENOENT, "no process %ld is running", pid);
	snprintf(out, outlen, "%llu", st.start);
	return 0;
}

static bool owner_alive(int64_t pid, const char *start)
{
	char now[32];

	return store_owner_start((long)pid, now, sizeof(now), NULL, 0) == 0 &&
	       !strcmp(now, start);
}

/* The running conversations whose owner is gone, read before any write
 * so no statement is open while they are changed. */
static int find_orphans(struct store *s, struct orphan **out, size_t *n,
			char *err, size_t errlen)
{
	struct orphan *v = NULL, *nv, o;
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	rc = sqlite3_prepare_v2(s->db, "SELECT id, owner_pid, owner_start FROM conversations"
				" WHERE status = 'running'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "finding orphaned conversations", err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o.pid = sqlite3_column_int64(st, 1);
		if (owner_alive(o.pid, (const char *)sqlite3_column_text(st, 2)))
			continue;
		o.id = strdup((const char *)sqlite3_column_text(st, 0));
		o.start = strdup((const char *)sqlite3_column_text(st, 2));
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!o.id || !o.start || !nv) {
			free(o.id);
			free(o.start);
			v = nv ? nv : v;
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		v[(*n)++] = o;
	}
	sqlite3_finalize(st);
	*out = v;
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "finding orphaned conversations",
						   err, errlen);
}

static json_t *paused_event(void)
{
	char id[UUID_STR_LEN], ts[ISOTIME_STR_LEN];

	uuid4_str(id);
	isotime_format_event(now_us(), ts);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "timestamp", ts,
			 "source", "environment", "kind", "ConversationStateUpdateEvent",
			 "key", "execution_status", "value", "paused");
}

/* The last execution_status the events of conversation id say, into out
 * ("" when none). The row is written after the event: a process killed in
 * between leaves the row "running" while its events say how it ended. */
static int last_status(struct store *s, const char *id, char *out, size_t outlen,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, "SELECT json_extract(e.body, '$.value') FROM events e"
				" JOIN conversations c ON e.cid = c.cid WHERE c.id = ?1"
				" AND e.kind = 'ConversationStateUpdateEvent'"
				" AND json_extract(e.body, '$.key') = 'execution_status'"
				" ORDER BY e.seq DESC LIMIT 1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, rc, "reading a conversation's last status", err, errlen);
	return 0;
}

/* Pauses o unless another process did first or o's owner changed since it
 * was read (the UPDATE matches nothing then): *done 1 when it did. One
 * whose events already end in another status than running gets that one,
 * with no new event. */
static int pause_one(struct store *s, const struct orphan *o, int *done,
		     char *err, size_t errlen)
{
	json_t *event = NULL;
	sqlite3_stmt *st = NULL;
	char last[32];
	bool ended;
	int rc;

	*done = 0;
	if ((rc = store_begin(s, "pausing an orphaned conversation", err, errlen)))
		return rc;
	if ((rc = last_status(s, o->id, last, sizeof(last), err, errlen)))
		goto fail;
	ended = *last && strcmp(last, "running");
	rc = sqlite3_prepare_v2(s->db, "UPDATE conversations SET status = ?4,"
				" owner_pid = 0, owner_start = '' WHERE id = ?1 AND status = 'running'"
				" AND owner_pid = ?2 AND owner_start = ?3", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, o->pid);
		sqlite3_bind_text(st, 3, o->start, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ended ? last : "paused", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = store_fail(s, rc, "pausing an orphaned conversation", err, errlen);
		goto fail;
	}
	*done = sqlite3_changes(s->db) == 1;
	if (*done && !ended) {
		if (!(event = paused_event())) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "pausing %s: out of memory", o->id);
			goto fail;
		}
		rc = store_event_insert(s, o->id, event, NULL, err, errlen);
		json_decref(event);
		if (rc)
			goto fail;
	}
	if ((rc = store_commit(s, "pausing an orphaned conversation", err, errlen)))
		*done = 0;
	return rc;
fail:
	store_rollback(s);
	*done = 0;
	return rc;
}

int store_recover_orphans(struct store *s, int *count, char *err, size_t errlen)
{
	struct orphan *v = NULL;
	size_t n = 0, i;
	int rc, done, total = 0;

	rc = find_orphans(s, &v, &n, err, errlen);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = pause_one(s, &v[i], &done, err, errlen);
		total += done;
	}
	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].start);
	}
	free(v);
	if (count)
		*count = total;
	return rc;
}

/* The row's owner, read inside the caller's transaction. */
static int read_owner(struct store *s, const char *id, int64_t *pid, char *start,
		      size_t startlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT owner_pid, owner_start FROM conversations"
				" WHERE id = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*pid = sqlite3_column_int64(st, 0);
			snprintf(start, startlen, "%s", (const char *)sqlite3_column_text(st, 1) ?: "");
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return hb_fail(err, errlen, HB_ENOENT, "conversation \"%s\" not found", id);
	return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "reading a conversation's owner",
						 err, errlen);
}

int store_conversation_claim(struct store *s, const char *id, long pid, const char *start,
			     char *err, size_t errlen)
{
	char held[32] = "";
	int64_t owner = 0;
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_begin(s, "claiming a conversation", err, errlen)))
		return rc;
	if ((rc = read_owner(s, id, &owner, held, sizeof(held), err, errlen)))
		goto fail;
	if (owner > 0 && !(owner == pid && !strcmp(held, start)) && owner_alive(owner, held)) {
		rc = hb_fail(err, errlen, HB_EBUSY, "conversation %s is being run by process %lld; "
			     "pause it there first", id, (long long)owner);
		goto fail;
	}
	rc = sqlite3_prepare_v2(s->db, "UPDATE conversations SET owner_pid = ?2,"
				" owner_start = ?3 WHERE id = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, pid);
		sqlite3_bind_text(st, 3, start, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = store_fail(s, rc, "claiming a conversation", err, errlen);
		goto fail;
	}
	return store_commit(s, "claiming a conversation", err, errlen);
fail:
	store_rollback(s);
	return rc;
}
