/* conversation.h — what the files of <handbox/conversation.h>'s
 * implementation share: the handle and the store of the state directory. */
#ifndef HB_LIB_CONVERSATION_H
#define HB_LIB_CONVERSATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "agent/agent.h"
#include "common/ids.h"
#include "handbox/conversation.h"
#include "store/store.h"

struct remote;

/* Local (agent, store, ws) or on handbox serve (remote, the rest unset). */
struct hb_conversation {
	char id[UUID_STR_LEN];
	struct remote *remote;         /* hb_conversation_open_remote(): remote.h */
	struct store *store;
	struct agent *agent;
	struct hb_workspace *ws;
	bool owns_ws;                  /* resumed: close closes ws too */
	bool made_sandbox;             /* resumed in a sandbox made anew */
	hb_event_fn on_event;
	void *arg;
	bool log_events;               /* LOG_ALL_EVENTS */
	struct store_conversation row; /* as stored, kept current */
	/* guards store and row between the thread that runs and one that sends
	 * a message between runs (its event is committed on that thread) */
	pthread_mutex_t lock;
};

/* A zeroed handle with its lock (NULL when out of memory); freed by
 * hb_conversation_close(). */
struct hb_conversation *conversation_alloc(void);

/* Opens the state directory's store. */
int conversation_store_open(struct store **out, char *err, size_t errlen);

/* A conversation's settings as stored (config of its row): the LLM's
 * (never its key), max_iterations, and the sandbox's image and volumes. */
json_t *conversation_config(const struct llm_config *llm, int max_iterations,
			    const struct hb_workspace *ws);

/* The LLM settings: given's fields, else stored's (a resumed
 * conversation's "llm" config), else the environment's (LLM_*). Strings
 * point into those. A missing model or base URL fails saying what to set. */
int conversation_llm_settings(struct llm_config *cfg, const struct hb_llm *given,
			      json_t *stored, char *err, size_t errlen);

/* Makes this process row's owner (row->owner_start NULL when out of
 * memory). */
void conversation_owner_set(struct store_conversation *row);

/* c's agent on c->ws, replaying history (may be NULL). */
int conversation_start_agent(struct hb_conversation *c, const struct llm_config *llm,
			     int max_iterations, bool no_stuck, json_t *history,
			     char *err, size_t errlen);

#endif
