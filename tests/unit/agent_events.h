/* agent_events.h — building conversation event lists for the agent's unit
 * tests (test_agent_*.c): each helper appends an event made by event.c's
 * constructors to a list and returns it (borrowed from the list), so a
 * test reads like the conversation it stands for. Header-only: unit.mk
 * builds every test_*.c as its own program. */
#ifndef HB_TESTS_UNIT_AGENT_EVENTS_H
#define HB_TESTS_UNIT_AGENT_EVENTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/event.h"

static inline json_t *push(json_t *events, json_t *ev)
{
	assert_non_null(ev);
	assert_int_equal(json_array_append_new(events, ev), 0);
	return ev;
}

static inline const char *id_of(json_t *ev)
{
	return json_string_value(json_object_get(ev, "id"));
}

static inline json_t *sys_prompt(json_t *events, const char *text)
{
	json_t *tools = json_pack("[{s:s}]", "type", "function");
	json_t *ev = push(events, event_system_prompt(text, tools));

	/* tools is copied, not stolen */
	json_decref(tools);
	return ev;
}

static inline json_t *user_says(json_t *events, const char *text)
{
	return push(events, event_message("user", "user", text));
}

static inline json_t *agent_says(json_t *events, const char *text)
{
	return push(events, event_message("agent", "assistant", text));
}

/* A terminal call: call id, the LLM answer's id (response), the command;
 * thought may be NULL. */
static inline json_t *run_cmd(json_t *events, const char *call_id, const char *response,
			      const char *command, const char *thought)
{
	char args[256];
	struct event_call c = {
		.thought = thought, .tool_name = "terminal", .call_id = call_id,
		.call_name = "terminal", .arguments = args, .response_id = response,
	};

	json_t *a = json_pack("{s:s, s:s}", "kind", "TerminalAction", "command", command);
	json_t *enc = json_pack("{s:s}", "command", command);
	char *s = json_dumps(enc, JSON_COMPACT);

	snprintf(args, sizeof(args), "%s", s);
	free(s);
	json_decref(enc);
	return push(events, event_action(&c, a));
}

/* A file_editor call on path. */
static inline json_t *edit_file(json_t *events, const char *call_id, const char *response,
				const char *command, const char *path)
{
	struct event_call c = {
		.tool_name = "file_editor", .call_id = call_id, .call_name = "file_editor",
		.arguments = "{}", .response_id = response,
	};

	return push(events, event_action(&c, json_pack("{s:s, s:s, s:s}", "kind",
						       "FileEditorAction", "command", command,
						       "path", path)));
}

/* The observation of action (an ActionEvent of the list). */
static inline json_t *observe(json_t *events, json_t *action, const char *text, int exit_code,
			      int is_error)
{
	json_t *obs = json_pack("{s:s, s:o, s:b, s:i}", "kind", "TerminalObservation",
				"content", event_text_content(text), "is_error", is_error,
				"exit_code", exit_code);

	return push(events, event_observation(
		json_string_value(json_object_get(action, "tool_name")),
		json_string_value(json_object_get(action, "tool_call_id")), id_of(action), obs));
}

/* A Condensation forgetting the given events (NULL-terminated). */
static inline json_t *condensation_of(json_t *events, const char *summary, json_t *const *gone)
{
	json_t *ids = json_array();

	for (; *gone; gone++)
		json_array_append_new(ids, json_string(id_of(*gone)));
	return push(events, event_condensation(ids, summary));
}

static inline const char *str_at(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

#endif
