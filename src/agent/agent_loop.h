/* agent_loop.h — what agent.c (the conversation's state and the run),
 * agent_step.c (one step: an LLM call and the tools it asks for) and
 * agent_emit.c (events out, the status) share. */
#ifndef HB_AGENT_AGENT_LOOP_H
#define HB_AGENT_AGENT_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <signal.h>

#include "agent/agent.h"
#include "common/strv.h"
#include "handbox/cancel.h"

struct agent {
	struct agent_config cfg;
	struct strv secrets;          /* a copy of cfg.secrets */
	char *model;                  /* copies of cfg's strings that outlive open */
	char *working_dir;
	struct llm *llm;
	struct tools *tools;
	json_t *specs;                /* tools_specs() */
	json_t *events;               /* every event so far, in order */
	const char *status;           /* a static string */
	bool nudged;                  /* the empty-answer nudge was sent */

	pthread_mutex_t lock;         /* guards inbox and running; held while a
					 message sent between runs is emitted */
	json_t *inbox;                /* user messages not yet taken (strings) */
	bool running;                 /* agent_run() is on: messages queue */

	/* set from other threads and signal handlers */
	volatile sig_atomic_t pause_asked;
	struct hb_cancel cancel;      /* interrupts the LLM call or the tool in flight */
};

/* Hides secrets in ev, hands it to the callback and keeps it (ev is
 * stolen). 0, or the callback's error. */
int agent_emit(struct agent *a, json_t *ev, char *err, size_t errlen);
/* Sets the status, with a ConversationStateUpdateEvent when it changed. */
int agent_set_status(struct agent *a, const char *status, char *err, size_t errlen);
/* A ConversationErrorEvent and status "error"; the detail goes to err too. */
int agent_fail(struct agent *a, const char *code, const char *detail, char *err, size_t errlen);

/* The run stops for a pause or an interrupt: PauseEvent, status "paused". */
int agent_paused(struct agent *a, char *err, size_t errlen);

/* One step. *done: the run ends (finished, error, stuck, paused). */
int agent_step(struct agent *a, bool *done, char *err, size_t errlen);

#endif
