/* event.c — building the conversation events of API.md § 2. */
#include <stdlib.h>
#include <string.h>

#include "agent/event.h"
#include "common/ids.h"

json_t *event_new(const char *kind, const char *source)
{
	char id[UUID_STR_LEN], ts[ISOTIME_STR_LEN];

	uuid4_str(id);
	isotime_format_event(now_us(), ts);
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "timestamp", ts,
			 "source", source, "kind", kind);
}

/* ev with the fields of fields (stolen) added; NULL (both freed) when
 * either is NULL */
static json_t *with(json_t *ev, json_t *fields)
{
	if (!ev || !fields || json_object_update(ev, fields)) {
		json_decref(ev);
		ev = NULL;
	}
	json_decref(fields);
	return ev;
}

json_t *event_text_content(const char *text)
{
	if (!text || !*text)
		return json_array();
	return json_pack("[{s:s, s:s}]", "type", "text", "text", text);
}

char *event_content_text(json_t *content)
{
	size_t i, len = 0;
	json_t *part;
	char *out;

	json_array_foreach(content, i, part)
		len += strlen(json_string_value(json_object_get(part, "text")) ?: "");
	if (!(out = malloc(len + 1)))
		return NULL;
	out[0] = '\0';
	len = 0;
	json_array_foreach(content, i, part) {
		const char *t = json_string_value(json_object_get(part, "text")) ?: "";
		size_t n = strlen(t);

		memcpy(out + len, t, n + 1);
		len += n;
	}
	return out;
}

json_t *event_system_prompt(const char *text, json_t *tools)
{
	return with(event_new("SystemPromptEvent", "agent"),
		    json_pack("{s:{s:s, s:s}, s:O}", "system_prompt", "type", "text",
			      "text", text, "tools", tools));
}

json_t *event_message(const char *source, const char *role, const char *text)
{
	return with(event_new("MessageEvent", source),
		    json_pack("{s:{s:s, s:o}}", "llm_message", "role", role, "content",
			      event_text_content(text)));
}

json_t *event_state_update(const char *key, json_t *value)
{
	return with(event_new("ConversationStateUpdateEvent", "environment"),
		    json_pack("{s:s, s:o}", "key", key, "value", value));
}

json_t *event_conversation_error(const char *code, const char *detail)
{
	return with(event_new("ConversationErrorEvent", "environment"),
		    json_pack("{s:s, s:s}", "code", code, "detail", detail));
}

json_t *event_agent_error(const char *tool_name, const char *tool_call_id, const char *error)
{
	return with(event_new("AgentErrorEvent", "agent"),
		    json_pack("{s:s, s:s, s:s}", "tool_name", tool_name, "tool_call_id",
			      tool_call_id, "error", error));
}

json_t *event_pause(void)
{
	return event_new("PauseEvent", "user");
}

json_t *event_action(const struct event_call *c, json_t *action)
{
	json_t *ev = with(event_new("ActionEvent", "agent"),
			  json_pack("{s:o, s:o, s:s, s:s, s:{s:s, s:s, s:s}, s:s}",
				    "thought", event_text_content(c->thought),
				    "action", action, "tool_name", c->tool_name,
				    "tool_call_id", c->call_id, "tool_call", "id", c->call_id,
				    "name", c->call_name, "arguments", c->arguments ?: "{}",
				    "llm_response_id", c->response_id ?: ""));

	if (ev && c->summary)
		json_object_set_new(ev, "summary", json_string(c->summary));
	if (ev && c->reasoning)
		json_object_set_new(ev, "reasoning_content", json_string(c->reasoning));
	return ev;
}

json_t *event_observation(const char *tool_name, const char *tool_call_id,
			  const char *action_id, json_t *observation)
{
	return with(event_new("ObservationEvent", "environment"),
		    json_pack("{s:s, s:s, s:s, s:o}", "tool_name", tool_name,
			      "tool_call_id", tool_call_id, "action_id", action_id,
			      "observation", observation));
}

json_t *event_condensation(json_t *forgotten, const char *summary)
{
	return with(event_new("Condensation", "environment"),
		    json_pack("{s:o, s:s}", "forgotten_event_ids", forgotten,
			      "summary", summary));
}
