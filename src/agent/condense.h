/* condense.h — keeping a long conversation within the LLM's context: the
 * first events (the system prompt and the task) and the newest ones stay,
 * the middle is forgotten and replaced by a summary written from the
 * events themselves (no extra LLM call), recorded as a Condensation
 * event (API.md § 2). */
#ifndef HB_AGENT_CONDENSE_H
#define HB_AGENT_CONDENSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A new Condensation event for events (all of the conversation's) when
 * the events in view number more than budget, or always when force (the
 * server said the context is too long); NULL when there is nothing to
 * forget. An action and its observation are kept or forgotten together. */
json_t *condense(json_t *events, size_t budget, bool force);

#endif
