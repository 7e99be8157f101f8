/* stuck.c — the stuck patterns of stuck.h, on the steps since the last
 * user message. A step is an action (or a call refused before it became
 * one) and what came back, both reduced to text so steps compare as
 * strings; the summary a model adds is left out, as models vary it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/event.h"
#include "agent/stuck.h"

#define STEPS_LOOKED_AT 6

struct step {
	char *action;     /* the action as JSON text, or NULL when none came back yet */
	char *result;     /* the observation's text or the error */
	bool failed;
};

static const char *kind_of(json_t *ev)
{
	return json_string_value(json_object_get(ev, "kind")) ?: "";
}

static char *action_text(json_t *ev)
{
	json_t *a = json_deep_copy(json_object_get(ev, "action"));
	char *s = NULL;

	if (!a) {
		/* an AgentErrorEvent holds no arguments: the tool and what was
		 * wrong stand for the call (other arguments, other errors) */
		if (asprintf(&s, "%s: %s", json_string_value(json_object_get(ev, "tool_name")) ?: "",
			     json_string_value(json_object_get(ev, "error")) ?: "") < 0)
			return NULL;
		return s;
	}
	json_object_del(a, "summary");
	s = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(a);
	return s;
}

static void step_set_result(struct step *st, json_t *ev)
{
	json_t *obs = json_object_get(ev, "observation");

	free(st->result);
	if (obs) {
		st->result = event_content_text(json_object_get(obs, "content"));
		st->failed = json_is_true(json_object_get(obs, "is_error"));
	} else {
		st->result = strdup(json_string_value(json_object_get(ev, "error")) ?: "");
		st->failed = true;
	}
}

static bool same(const struct step *a, const struct step *b, bool results_too)
{
	if (!a->action || !b->action || strcmp(a->action, b->action))
		return false;
	return !results_too || (a->result && b->result && !strcmp(a->result, b->result));
}

static bool repeats(const struct step *s, size_t n, size_t times, bool results_too)
{
	size_t i;

	if (n < times)
		return false;
	for (i = n - times + 1; i < n; i++)
		if (!same(&s[i], &s[n - times], results_too))
			return false;
	return true;
}

static bool repeats_failing(const struct step *s, size_t n, size_t times)
{
	size_t i;

	if (!repeats(s, n, times, false))
		return false;
	for (i = n - times; i < n; i++)
		if (!s[i].failed)
			return false;
	return true;
}

static bool alternates(const struct step *s, size_t n)
{
	const struct step *t;

	if (n < 6)
		return false;
	t = s + n - 6;
	return !same(&t[0], &t[1], false) && same(&t[0], &t[2], true) &&
	       same(&t[0], &t[4], true) && same(&t[1], &t[3], true) && same(&t[1], &t[5], true);
}

/* The last STEPS_LOOKED_AT steps after the user's last message into
 * steps; their number. *messages counts agent messages in a row at the end. */
static size_t collect(json_t *events, struct step *steps, size_t *messages)
{
	size_t i, n = 0, start = 0;
	json_t *ev;

	json_array_foreach(events, i, ev)
		if (!strcmp(kind_of(ev), "MessageEvent") &&
		    !strcmp(json_string_value(json_object_get(ev, "source")) ?: "", "user"))
			start = i + 1;
	*messages = 0;
	for (i = start; i < json_array_size(events); i++) {
		const char *kind = kind_of(ev = json_array_get(events, i));
		bool error = !strcmp(kind, "AgentErrorEvent");

		if (!strcmp(kind, "MessageEvent")) {
			(*messages)++;
			continue;
		}
		if (strcmp(kind, "ActionEvent") && strcmp(kind, "ObservationEvent") && !error)
			continue;
		*messages = 0;
		if (!strcmp(kind, "ObservationEvent")) {
			if (n)
				step_set_result(&steps[n - 1], ev);
			continue;
		}
		if (n == STEPS_LOOKED_AT) {
			free(steps[0].action);
			free(steps[0].result);
			memmove(steps, steps + 1, (n - 1) * sizeof(*steps));
			n--;
		}
		steps[n] = (struct step){ .action = action_text(ev) };
		if (error)
			step_set_result(&steps[n], ev);
		n++;
	}
	return n;
}

const char *stuck_check(json_t *events)
{
	struct step steps[STEPS_LOOKED_AT];
	const char *why = NULL;
	size_t n, messages, i;

	n = collect(events, steps, &messages);
	/* failing first: it says more when both hold */
	if (repeats_failing(steps, n, 4))
		why = "the agent repeated the same failing action 4 times";
	else if (repeats(steps, n, 4, true))
		why = "the agent repeated the same action with the same result 4 times";
	else if (alternates(steps, n))
		why = "the agent alternated between two actions with the same results for 6 steps";
	else if (messages >= 3)
		why = "the agent sent 3 messages in a row without acting";
	for (i = 0; i < n; i++) {
		free(steps[i].action);
		free(steps[i].result);
	}
	return why;
}
