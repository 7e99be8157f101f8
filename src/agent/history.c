/* history.c — a conversation's events as the chat messages the LLM reads.
 *
 * An LLM answer with several tool calls is several ActionEvents sharing
 * one llm_response_id: they become one assistant message again. Each call
 * must be followed by its tool message; a call left without an
 * observation (the process died, the user interrupted) gets a short one
 * saying so, and an error about a call the history does not hold (an
 * unknown tool: no ActionEvent was made) is told as a user message. */
#include <string.h>
#include <stdlib.h>

#include "agent/event.h"
#include "agent/history.h"

#define UNANSWERED "The call was not carried out: the conversation was interrupted."

json_t *history_forgotten(json_t *events)
{
	json_t *set = json_object(), *ev, *id;
	size_t i, j;

	json_array_foreach(events, i, ev) {
		if (strcmp(json_string_value(json_object_get(ev, "kind")) ?: "", "Condensation"))
			continue;
		json_array_foreach(json_object_get(ev, "forgotten_event_ids"), j, id)
			if (json_is_string(id))
				json_object_set_new(set, json_string_value(id), json_true());
	}
	return set;
}

json_t *history_view(json_t *events)
{
	json_t *forgotten = history_forgotten(events), *view = json_array(), *ev;
	size_t i;

	json_array_foreach(events, i, ev) {
		const char *id = json_string_value(json_object_get(ev, "id")) ?: "";
		const char *kind = json_string_value(json_object_get(ev, "kind")) ?: "";

		if (!json_object_get(forgotten, id) && strcmp(kind, "Condensation"))
			json_array_append(view, ev);
	}
	json_decref(forgotten);
	return view;
}

/* the message building state: the open assistant message and its calls
 * still waiting for an answer */
struct builder {
	json_t *messages;
	json_t *assistant;       /* borrowed from messages, NULL when none is open */
	const char *response_id;
	json_t *pending;         /* tool_call_id → true */
};

static void add_message(struct builder *b, const char *role, const char *text)
{
	json_array_append_new(b->messages, json_pack("{s:s, s:s}", "role", role, "content", text));
}

static void add_tool_answer(struct builder *b, const char *call_id, const char *text)
{
	json_array_append_new(b->messages, json_pack("{s:s, s:s, s:s}", "role", "tool",
						     "tool_call_id", call_id, "content", text));
	json_object_del(b->pending, call_id);
}

/* Answers what the open assistant message left unanswered, and closes it. */
static void close_assistant(struct builder *b)
{
	const char *id;
	json_t *v, *calls;
	size_t i;

	if (!b->assistant)
		return;
	calls = json_object_get(b->assistant, "tool_calls");
	json_array_foreach(calls, i, v) {
		id = json_string_value(json_object_get(v, "id")) ?: "";
		if (json_object_get(b->pending, id))
			add_tool_answer(b, id, UNANSWERED);
	}
	json_object_clear(b->pending);
	b->assistant = NULL;
	b->response_id = NULL;
}

static void add_action(struct builder *b, json_t *ev)
{
	const char *rid = json_string_value(json_object_get(ev, "llm_response_id")) ?: "";
	json_t *call = json_object_get(ev, "tool_call");
	const char *id = json_string_value(json_object_get(call, "id")) ?: "";
	char *thought;

	/* a new answer, or the same answer's next call after its first
	 * observation: the API wants all calls of one answer together, so an
	 * answer is closed by anything but its own calls and their results */
	if (!b->assistant || !*rid || !b->response_id || strcmp(rid, b->response_id)) {
		close_assistant(b);
		thought = event_content_text(json_object_get(ev, "thought"));
		b->assistant = json_pack("{s:s, s:s, s:[]}", "role", "assistant",
					 "content", thought ?: "", "tool_calls");
		free(thought);
		json_array_append_new(b->messages, b->assistant);
		b->response_id = rid;
	}
	json_array_append_new(json_object_get(b->assistant, "tool_calls"),
			      json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", id, "type", "function",
					"function", "name",
					json_string_value(json_object_get(call, "name")) ?: "",
					"arguments",
					json_string_value(json_object_get(call, "arguments")) ?: "{}"));
	json_object_set_new(b->pending, id, json_true());
}

static void add_observation(struct builder *b, json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "tool_call_id")) ?: "";
	json_t *obs = json_object_get(ev, "observation");
	char *text = event_content_text(json_object_get(obs, "content"));

	if (json_object_get(b->pending, id))
		add_tool_answer(b, id, text ?: "");
	free(text);
}

static void add_agent_error(struct builder *b, json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "tool_call_id")) ?: "";
	const char *error = json_string_value(json_object_get(ev, "error")) ?: "";

	if (json_object_get(b->pending, id)) {
		add_tool_answer(b, id, error);
		return;
	}
	close_assistant(b);
	add_message(b, "user", error);
}

static void add_text_message(struct builder *b, json_t *ev, const char *role)
{
	char *text = event_content_text(json_object_get(json_object_get(ev, "llm_message"),
							"content"));

	close_assistant(b);
	add_message(b, role, text ?: "");
	free(text);
}

/* The summaries of the Condensations still in force (a later one may
 * forget an earlier one: its summary then includes the earlier's), each at
 * the place of the first event it forgot: id of that event → summary. */
static json_t *summaries_by_place(json_t *events, json_t *forgotten)
{
	json_t *places = json_object(), *ev;
	size_t i;

	json_array_foreach(events, i, ev) {
		json_t *ids = json_object_get(ev, "forgotten_event_ids");
		const char *first = json_string_value(json_array_get(ids, 0));

		const char *id = json_string_value(json_object_get(ev, "id")) ?: "";

		if (first && !json_object_get(forgotten, id) &&
		    !strcmp(json_string_value(json_object_get(ev, "kind")) ?: "", "Condensation"))
			json_object_set(places, first, json_object_get(ev, "summary"));
	}
	return places;
}

static void add_event(struct builder *b, json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "kind")) ?: "";
	const char *source = json_string_value(json_object_get(ev, "source")) ?: "";

	if (!strcmp(kind, "SystemPromptEvent")) {
		close_assistant(b);
		add_message(b, "system", json_string_value(json_object_get(
			json_object_get(ev, "system_prompt"), "text")) ?: "");
	} else if (!strcmp(kind, "MessageEvent")) {
		add_text_message(b, ev, strcmp(source, "agent") ? "user" : "assistant");
	} else if (!strcmp(kind, "ActionEvent")) {
		add_action(b, ev);
	} else if (!strcmp(kind, "ObservationEvent")) {
		add_observation(b, ev);
	} else if (!strcmp(kind, "AgentErrorEvent")) {
		add_agent_error(b, ev);
	}
	/* state updates, pauses, errors and condensations are not shown */
}

json_t *history_messages(json_t *events)
{
	struct builder b = { .messages = json_array(), .pending = json_object() };
	json_t *forgotten = history_forgotten(events), *places = summaries_by_place(events, forgotten);
	json_t *ev;
	size_t i;

	json_array_foreach(events, i, ev) {
		const char *id = json_string_value(json_object_get(ev, "id")) ?: "";
		const char *summary = json_string_value(json_object_get(places, id));

		if (summary && *summary) {
			close_assistant(&b);
			add_message(&b, "user", summary);
		}
		if (!json_object_get(forgotten, id))
			add_event(&b, ev);
	}
	close_assistant(&b);
	json_decref(b.pending);
	json_decref(forgotten);
	json_decref(places);
	return b.messages;
}
