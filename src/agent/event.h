/* event.h — the conversation events of API.md § 2 as jansson objects.
 * Each constructor returns a new reference with a fresh UUID id, the
 * current timestamp (UTC, microseconds, no zone suffix), source and kind;
 * NULL only when out of memory. Arguments marked "stolen" are taken over,
 * the others copied. */
#ifndef HB_AGENT_EVENT_H
#define HB_AGENT_EVENT_H

#include <jansson.h>

/* {id, timestamp, source, kind} */
json_t *event_new(const char *kind, const char *source);

json_t *event_system_prompt(const char *text, json_t *tools);
/* role "user" or "assistant"; source "user", "agent" or "environment" */
json_t *event_message(const char *source, const char *role, const char *text);
/* key, value (stolen) */
json_t *event_state_update(const char *key, json_t *value);
json_t *event_conversation_error(const char *code, const char *detail);
json_t *event_agent_error(const char *tool_name, const char *tool_call_id, const char *error);
json_t *event_pause(void);

/* The model's call of a tool. thought: the answer's text (may be NULL);
 * action stolen; call_name/arguments as the model wrote them. */
struct event_call {
	const char *thought, *reasoning;
	const char *tool_name;         /* canonical */
	const char *call_id, *call_name, *arguments;
	const char *response_id;
	const char *summary;           /* may be NULL */
};
json_t *event_action(const struct event_call *c, json_t *action);
/* observation stolen */
json_t *event_observation(const char *tool_name, const char *tool_call_id,
			  const char *action_id, json_t *observation);
/* Condensation: forgotten (stolen) event ids, summary text */
json_t *event_condensation(json_t *forgotten, const char *summary);

/* A [{"type":"text","text":…}] list; text NULL or "": an empty list. */
json_t *event_text_content(const char *text);
/* The text of a TextContent list (concatenated), a new string; "" when none. */
char *event_content_text(json_t *content);

#endif
