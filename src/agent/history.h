/* history.h — what the LLM is shown of a conversation: its events turned
 * into chat messages (OpenAI format), with the events a Condensation
 * forgot replaced by its summary. Pure functions of the event list. */
#ifndef HB_AGENT_HISTORY_H
#define HB_AGENT_HISTORY_H

#include <stdbool.h>

#include <jansson.h>

/* The messages for events (an array of § 2 events, borrowed): a new array,
 * NULL when out of memory. Every tool call an assistant message makes is
 * answered by a tool message (one the conversation never answered, after
 * an interruption, says so), as the API requires. */
json_t *history_messages(json_t *events);

/* The ids of the events a Condensation of events forgot: an object whose
 * keys are those ids (a new reference). */
json_t *history_forgotten(json_t *events);

/* The events still in view (a new array of borrowed-then-increfed events):
 * all but the forgotten ones and the Condensations themselves. */
json_t *history_view(json_t *events);

#endif
