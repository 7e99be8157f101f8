/* remote.h — what the files of a conversation on `handbox serve` share
 * (hb_conversation_open_remote(), API.md § 2): the server's address, the
 * state the event stream tells (status, stats, the last error), which
 * events were handed out, and the requests.
 *
 *   remote_state.c   pure: an event's effect on the state, the create body
 *   remote_http.c    one REST request (libcurl), errors said for people
 *   remote_follow.c  a run: the events WebSocket (libwebsockets), catch-up
 *                    from the stored events, the end of the run, reconnects
 *   api_conversation_remote.c   the public calls on it */
#ifndef HB_LIB_REMOTE_H
#define HB_LIB_REMOTE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/ids.h"
#include "handbox/conversation.h"

#define REMOTE_DETAIL_MAX 1024

/* What the events say of the conversation. */
struct remote_state {
	const char *status;                  /* a static string (remote_status_name) */
	struct hb_conversation_stats stats;
	char error[REMOTE_DETAIL_MAX];       /* the last ConversationErrorEvent's detail */
};

struct remote {
	char *url;                           /* the server's base URL, no trailing '/' */
	char *key;                           /* its API key; NULL: none */
	char id[UUID_STR_LEN];
	hb_event_fn on_event;
	void *arg;
	/* pause and interrupt write 'p' or 'i' here, which is safe in a signal
	 * handler; the thread in hb_conversation_run() reads it and asks */
	int wake[2];
	pthread_mutex_t lock;                /* st, for other threads' reads */
	struct remote_state st;
	json_t *delivered;                   /* ids handed to on_event (a set) */
	char last_id[UUID_STR_LEN];          /* the last of them; "" none */
};

/* ----------------------------------------- api_conversation_remote.c */

/* The halves of the public calls that api_conversation.c hands over for
 * a remote conversation. */
int remote_send(struct remote *r, const char *text, char *err, size_t errlen);
int remote_run(struct remote *r, char *err, size_t errlen);
const char *remote_status(struct remote *r);
void remote_stats(struct remote *r, struct hb_conversation_stats *out);
/* 'p' pause, 'i' interrupt: safe from any thread and a signal handler. */
void remote_wake(struct remote *r, char what);
void remote_close(struct remote *r);

/* ---------------------------------------------------- remote_state.c */

/* The static string of a status name ("finished"…); "unknown" for a name
 * this library does not know, so that no other thread sees a pointer into
 * a buffer being rewritten. */
const char *remote_status_name(const char *status);
/* Whether a run has ended at this status (anything but running and idle). */
bool remote_status_ends_run(const char *status);
/* ConversationInfo's or a state update's "stats" ({"usage_to_metrics":
 * {"agent": …}}) into out; cost -1 when it is null or missing. */
void remote_stats_read(json_t *stats, struct hb_conversation_stats *out);
/* What ev changes in st: an execution_status or stats update, a
 * ConversationErrorEvent. Returns the status ev announces, or NULL. */
const char *remote_state_track(struct remote_state *st, json_t *ev);
/* The StartConversationRequest of hb_conversation_open_remote(): llm's
 * fields, else LLM_MODEL, LLM_BASE_URL, LLM_API_KEY, left out when none
 * (the server's settings then); max_iterations when > 0. NULL: out of
 * memory, or text that is not UTF-8 (named in err). */
json_t *remote_create_body(const struct hb_llm *llm, int max_iterations, char *err,
			   size_t errlen);

/* ----------------------------------------------------- remote_http.c */

/* One request: method, path under the base URL, body (JSON, not taken;
 * NULL: none). On a 2xx answer 0, *answer (may be NULL) its JSON (NULL
 * when empty; the caller decrefs). Otherwise an HB_E… with a sentence: the
 * server not answering (HB_EIO, naming the URL), a refused key (HB_EPERM),
 * 429 (HB_EBUSY, the server's sentence), 404 (HB_ENOENT), 409 (HB_EBUSY),
 * another 4xx (HB_EINVAL) or 5xx (HB_EIO) with the server's detail.
 * *status (may be NULL) gets the HTTP status, 0 when none came. Safe from
 * any thread (a handle per call). */
int remote_call(const struct remote *r, const char *method, const char *path, json_t *body,
		long *status, json_t **answer, char *err, size_t errlen);
/* Hands ev to the program once: an id already handed out is skipped.
 * Tracks the state. Called on the run's thread. */
int remote_deliver(struct remote *r, json_t *ev, char *err, size_t errlen);
/* Hands out the stored events after r->last_id (all when ""), paging
 * GET …/events/search. */
int remote_catch_up(struct remote *r, char *err, size_t errlen);

/* --------------------------------------------------- remote_follow.c */

/* POST …/run (a 409 means it already runs: it is followed), then the
 * events until the server says the run is over. 0 with r->st current, or
 * HB_E… when the server cannot be followed (gone for good, the key
 * refused, the conversation deleted). */
int remote_follow_run(struct remote *r, char *err, size_t errlen);

#endif
