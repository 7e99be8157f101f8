/* condense.c — the Condensation of condense.h. The summary lists what the
 * forgotten steps did (commands and their exit codes, files edited, the
 * user's messages), so the model keeps its bearings without paying for a
 * summarising call; earlier summaries still in force are folded in. */
#include <stdio.h>
#include <string.h>

#include "agent/condense.h"
#include "agent/event.h"
#include "agent/history.h"
#include "common/buf.h"
#include "common/utf8.h"

#define KEEP_HEAD 2              /* the system prompt and the task */
#define SUMMARY_MAX 6000         /* characters */
#define LINE_MAX_CHARS 160

static const char *kind_of(json_t *ev)
{
	return json_string_value(json_object_get(ev, "kind")) ?: "";
}

static const char *response_of(json_t *ev)
{
	return json_string_value(json_object_get(ev, "llm_response_id")) ?: "";
}

/* true when view[i] can begin the kept tail: a message, or the first
 * action of an LLM answer (an answer's calls and results stay together) */
static bool starts_turn(json_t *view, size_t i)
{
	json_t *ev = json_array_get(view, i);
	size_t j;

	if (!strcmp(kind_of(ev), "MessageEvent"))
		return true;
	if (strcmp(kind_of(ev), "ActionEvent"))
		return false;
	for (j = i; j-- > 0;) {
		json_t *prev = json_array_get(view, j);

		if (!strcmp(kind_of(prev), "ActionEvent"))
			return !*response_of(ev) || strcmp(response_of(prev), response_of(ev));
		if (strcmp(kind_of(prev), "ObservationEvent") && strcmp(kind_of(prev), "AgentErrorEvent"))
			return true;
	}
	return true;
}

/* One line for a forgotten event, or "" when it says nothing worth keeping. */
static void describe(json_t *ev, char *line, size_t len)
{
	json_t *a = json_object_get(ev, "action"), *o = json_object_get(ev, "observation");
	const char *kind = kind_of(ev);

	line[0] = '\0';
	if (!strcmp(kind, "ActionEvent") && json_is_string(json_object_get(a, "command")) &&
	    !strcmp(json_string_value(json_object_get(a, "kind")) ?: "", "TerminalAction"))
		snprintf(line, len, "- ran: %s", json_string_value(json_object_get(a, "command")) ?: "");
	else if (!strcmp(kind, "ActionEvent") && json_is_string(json_object_get(a, "path")))
		snprintf(line, len, "- file_editor %s %s",
			 json_string_value(json_object_get(a, "command")) ?: "",
			 json_string_value(json_object_get(a, "path")));
	else if (!strcmp(kind, "ObservationEvent") && json_is_integer(json_object_get(o, "exit_code")))
		snprintf(line, len, "  (exit code %lld)",
			 (long long)json_integer_value(json_object_get(o, "exit_code")));
	else if (!strcmp(kind, "MessageEvent") &&
		 !strcmp(json_string_value(json_object_get(ev, "source")) ?: "", "user"))
		snprintf(line, len, "- the user said: %s", json_string_value(json_object_get(
			json_array_get(json_object_get(json_object_get(ev, "llm_message"), "content"),
				       0), "text")) ?: "");
	else if (!strcmp(kind, "AgentErrorEvent"))
		snprintf(line, len, "- a tool call failed: %s",
			 json_string_value(json_object_get(ev, "error")) ?: "");
	/* one line each: the first line of a long command or message */
	line[strcspn(line, "\n")] = '\0';
	/* snprintf cuts at a byte: a character cut in two would make the
	 * summary invalid UTF-8, and the Condensation could not be made */
	line[utf8_cut_point(line, strlen(line))] = '\0';
}

/* Adds line, cut to the room left (at a character boundary): an earlier
 * summary that no longer fits whole keeps its beginning, the oldest and
 * most general part, rather than vanishing. */
static void append_line(struct buf *b, const char *line)
{
	size_t room = b->len + 2 < SUMMARY_MAX ? SUMMARY_MAX - b->len - 2 : 0;
	size_t n = strlen(line);

	if (!*line || !room)
		return;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
			n--;
	}
	buf_append(b, line, n);
	buf_append(b, "\n", 1);
}

/* a Condensation no later one has forgotten (gone: history_forgotten()) */
static bool in_force(json_t *ev, json_t *gone)
{
	return !strcmp(kind_of(ev), "Condensation") &&
	       !json_object_get(gone, json_string_value(json_object_get(ev, "id")) ?: "");
}

static json_t *make_condensation(json_t *events, json_t *gone, json_t *view, size_t head,
				 size_t tail)
{
	json_t *forgotten = json_array(), *ev, *c;
	struct buf b;
	char line[LINE_MAX_CHARS];
	size_t i;

	buf_init(&b, SUMMARY_MAX + 1);
	snprintf(line, sizeof(line), "Summary of %zu earlier events, removed to save context:",
		 tail - head);
	append_line(&b, line);
	/* earlier condensations in force are replaced by this one */
	json_array_foreach(events, i, ev)
		if (in_force(ev, gone))
			append_line(&b, json_string_value(json_object_get(ev, "summary")) ?: "");
	for (i = head; i < tail; i++) {
		ev = json_array_get(view, i);
		json_array_append(forgotten, json_object_get(ev, "id"));
		describe(ev, line, sizeof(line));
		append_line(&b, line);
	}
	json_array_foreach(events, i, ev)
		if (in_force(ev, gone))
			json_array_append(forgotten, json_object_get(ev, "id"));
	buf_append(&b, "", 1);
	c = event_condensation(forgotten, b.data ? b.data : "");
	buf_free(&b);
	return c;
}

json_t *condense(json_t *events, size_t budget, bool force)
{
	json_t *view = history_view(events), *gone = history_forgotten(events), *c = NULL;
	size_t n = json_array_size(view), head = KEEP_HEAD, tail;

	if (!force && n <= budget)
		goto out;
	/* the head ends after the results of its last call */
	while (head < n && !starts_turn(view, head))
		head++;
	tail = n - (force ? n / 3 : budget / 2);
	/* forward, not back: forgetting a little more is what saves the context */
	while (tail < n && !starts_turn(view, tail))
		tail++;
	if (tail > head)
		c = make_condensation(events, gone, view, head, tail);
out:
	json_decref(view);
	json_decref(gone);
	return c;
}
