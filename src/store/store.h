/* store.h — handbox's state: one SQLite file (WAL) holding conversations,
 * their sandbox, settings and events (ARCHITECTURE.md § 6).
 *
 * Durability: an append returns only once its transaction is committed to
 * the WAL, so an event a caller has shown survives a kill -9 of this
 * process at any moment, and the file is never left corrupt. Several
 * processes may use one file at once (serve, `handbox run`, `handbox
 * conversations`): readers never block the writer. One struct store is used
 * by one thread at a time.
 *
 * Every call returns 0 or a negative HB_E… code with a message naming the
 * file and what failed; HB_ENOENT for an unknown conversation. */
#ifndef HB_STORE_STORE_H
#define HB_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* $HANDBOX_STATE_DIR, else ~/.handbox, written into out (made 0700 when
 * missing by store_open). */
int store_default_dir(char *out, size_t outlen, char *err, size_t errlen);

/* Opens (creating it and its folder when missing) dir/handbox.db, applies
 * the schema migrations it lacks (versioned, each in one transaction) and
 * refuses a file made by a newer handbox. store_close(NULL) does nothing. */
int store_open(struct store **out, const char *dir, char *err, size_t errlen);
void store_close(struct store *s);
/* The file's path, for messages. */
const char *store_path(const struct store *s);

/* ------------------------------------------------------- conversations */

/* One conversation's row. Strings are owned by the struct:
 * store_conversation_clear() frees them. */
struct store_conversation {
	char *id;              /* UUID */
	char *title;           /* "" until known */
	char *status;          /* execution_status: idle running paused finished error stuck */
	char *sandbox_id;      /* "" when none */
	json_t *config;        /* the agent's settings as JSON (llm without api_key,
			          max_iterations, tools, sandbox settings…) */
	json_t *stats;         /* the "stats" object of API.md § 2 */
	int64_t created_us;    /* wall clock, microseconds */
	int64_t updated_us;
	long owner_pid;        /* process running it, 0 when none */
	char *owner_start;     /* that process's start time (/proc stat), "" when none:
			          a reused pid is not taken for the owner; see
			          store_owner_start() */
	int64_t event_count;
};
void store_conversation_clear(struct store_conversation *c);

/* Inserts c, or updates every field of the row with c->id (created_us and
 * event_count are kept). updated_us is set to now. */
int store_conversation_put(struct store *s, const struct store_conversation *c,
			   char *err, size_t errlen);
/* Fills out (clear it after); HB_ENOENT when unknown. */
int store_conversation_get(struct store *s, const char *id, struct store_conversation *out,
			   char *err, size_t errlen);
/* Deletes the conversation and its events; HB_ENOENT when unknown. */
int store_conversation_delete(struct store *s, const char *id, char *err, size_t errlen);

/* A page of conversations, newest first (created_us), status NULL for any,
 * limit 0 for no limit. Each row goes to fn (borrowed; fn returns non-zero
 * to stop, and that value is returned). fn may call the store. */
typedef int (*store_conversation_fn)(const struct store_conversation *c, void *arg);
int store_conversation_list(struct store *s, const char *status, size_t offset, size_t limit,
			    store_conversation_fn fn, void *arg, char *err, size_t errlen);

/* Conversations whose status is "running" but whose owner process is gone
 * (a kill -9, a crash) become "paused", with a ConversationStateUpdateEvent
 * appended saying so. *count (may be NULL) gets how many. */
int store_recover_orphans(struct store *s, int *count, char *err, size_t errlen);

/* What owner_start holds for process pid (its start time in clock ticks
 * after boot, from /proc/PID/stat, as decimal text): a process setting
 * itself as owner passes getpid(). HB_ENOENT when no such process runs. */
int store_owner_start(long pid, char *out, size_t outlen, char *err, size_t errlen);

/* Makes process pid (start: store_owner_start()) the owner of conversation
 * id, in one transaction: HB_EBUSY naming the process when another one
 * that still runs owns it (two processes never run one conversation),
 * HB_ENOENT when unknown. */
int store_conversation_claim(struct store *s, const char *id, long pid, const char *start,
			     char *err, size_t errlen);

/* -------------------------------------------------------------- events */

/* Appends one event (a JSON object of API.md § 2 with id, timestamp,
 * source and kind) to conversation conv_id, committed before it returns;
 * *seq (may be NULL) gets its position (1, 2, …, per store: increasing
 * within a conversation, never reused). The conversation's event_count and
 * updated_us follow. The event's text is stored as given (compact JSON):
 * redact secrets before. HB_EINVAL when the event lacks id/kind/source/
 * timestamp, its timestamp is not ISO-8601 or its id is already stored;
 * HB_ENOENT for an unknown conversation. */
int store_event_append(struct store *s, const char *conv_id, json_t *event, int64_t *seq,
		       char *err, size_t errlen);

/* Events of conv_id in order, those after position after_seq (0: all), at
 * most limit (0: no limit). fn gets each (borrowed) with its position;
 * a non-zero return stops the walk and is returned. fn may call the
 * store. HB_ENOENT for an unknown conversation. */
typedef int (*store_event_fn)(json_t *event, int64_t seq, void *arg);
int store_event_walk(struct store *s, const char *conv_id, int64_t after_seq, size_t limit,
		     store_event_fn fn, void *arg, char *err, size_t errlen);

/* The event search of the conversation API (store_event_search.c). Zero
 * fields filter nothing. */
struct store_event_query {
	const char *kind;      /* "ActionEvent"… */
	const char *source;    /* "agent", "user", "environment" */
	const char *body;      /* case-insensitive (ASCII) text in the event's JSON */
	int64_t ts_gte_us;     /* timestamp >= this (wall clock, microseconds) */
	int64_t ts_lt_us;      /* timestamp < this */
	const char *page_id;   /* the page starts at this event (included) */
	bool desc;             /* newest first */
	size_t limit;          /* 0: no limit */
};
/* Matching events in order (seq, or its reverse) to fn, as
 * store_event_walk. HB_ENOENT for an unknown conversation or a page_id that
 * is not one of its events. */
int store_event_search(struct store *s, const char *conv_id, const struct store_event_query *q,
		       store_event_fn fn, void *arg, char *err, size_t errlen);
/* How many events match q (page_id and limit ignored). */
int store_event_count(struct store *s, const char *conv_id, const struct store_event_query *q,
		      int64_t *out, char *err, size_t errlen);
/* One event by id (*out a new reference); HB_ENOENT when unknown. */
int store_event_get(struct store *s, const char *conv_id, const char *event_id, json_t **out,
		    char *err, size_t errlen);

/* ------------------------------------------------------------ settings */

/* A settings value by key ("llm", "sandbox"), *out NULL when absent
 * (json_decref() it). set replaces it; value NULL deletes it. */
int store_setting_get(struct store *s, const char *key, json_t **out, char *err, size_t errlen);
int store_setting_set(struct store *s, const char *key, json_t *value, char *err, size_t errlen);

#endif
