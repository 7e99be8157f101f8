/* run_render.c — conversation events as text (run_render.h): the
 * dispatch on "kind", messages, errors, the execution status, and the
 * summary line of a run. Actions and observations: run_render_tools.c. */
#include <stdlib.h>
#include <string.h>

#include "cli/run_format.h"
#include "cli/run_render_int.h"
#include "common/buf.h"

void run_render_init(struct run_render *r, FILE *out, bool color)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->color = color;
}

const char *render_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

char *render_content_text(json_t *v)
{
	struct buf b;
	size_t i;
	json_t *item;
	const char *t;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	buf_init(&b, 0);
	json_array_foreach(v, i, item) {
		t = json_is_string(item) ? json_string_value(item) : render_str(item, "text");
		if (t && buf_append(&b, t, strlen(t))) {
			buf_free(&b);
			return NULL;
		}
	}
	return b.len ? buf_steal(&b, NULL) : strdup("");
}

void render_line(struct run_render *r, const char *colour, const char *prefix,
		 const char *text)
{
	fputs(ansi(r->color && colour, colour), r->out);
	fputs(prefix, r->out);
	text_write_visible(r->out, text, strlen(text));
	fprintf(r->out, "%s\n", ansi(r->color && colour, ANSI_RESET));
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	const char *p;

	for (p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n + (*text && text[strlen(text) - 1] != '\n');
}

void render_block(struct run_render *r, const char *text, const char *indent,
		  const char *colour, bool cap)
{
	size_t total = count_lines(text), i = 0, len;
	const char *p = text, *nl;
	char note[64];

	for (; *p; p = *nl ? nl + 1 : nl, i++) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		if (cap && total > RENDER_HEAD_LINES + RENDER_TAIL_LINES &&
		    i >= RENDER_HEAD_LINES && i < total - RENDER_TAIL_LINES) {
			if (i == RENDER_HEAD_LINES) {
				snprintf(note, sizeof(note), "… %zu lines …",
					 total - RENDER_HEAD_LINES - RENDER_TAIL_LINES);
				render_line(r, ANSI_DIM, indent, note);
			}
			continue;
		}
		fprintf(r->out, "%s%s", ansi(r->color && colour, colour), indent);
		text_write_visible(r->out, p, len);
		fprintf(r->out, "%s\n", ansi(r->color && colour, ANSI_RESET));
	}
}

static enum run_tick render_message(struct run_render *r, json_t *ev)
{
	json_t *msg = json_object_get(ev, "llm_message");
	const char *role = render_str(msg, "role");
	char *text = render_content_text(json_object_get(msg, "content"));
	bool user = role ? !strcmp(role, "user") : !strcmp(render_str(ev, "source") ?: "", "user");

	if (!text)
		return RUN_TICK_KEEP;
	fprintf(r->out, "%s%s ›%s ", ansi(r->color, ANSI_BOLD), user ? "user" : "agent",
		ansi(r->color, ANSI_RESET));
	if (*text)
		render_block(r, text, "", NULL, false);
	else
		fputc('\n', r->out);
	free(text);
	/* the user's message is what the agent now thinks about */
	return user ? RUN_TICK_KEEP : RUN_TICK_STOP;
}

static enum run_tick render_agent_error(struct run_render *r, json_t *ev)
{
	const char *tool = render_str(ev, "tool_name");
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "error%s%s: ", tool ? " in " : "", tool ? tool : "");
	render_line(r, ANSI_RED, prefix, render_str(ev, "error") ?: "(no message)");
	return RUN_TICK_START;   /* the model reads it and tries again */
}

static enum run_tick render_conversation_error(struct run_render *r, json_t *ev)
{
	char prefix[160];

	snprintf(prefix, sizeof(prefix), "conversation error: %s: ",
		 render_str(ev, "code") ?: "unknown");
	render_line(r, ANSI_RED, prefix, render_str(ev, "detail") ?: "(no detail)");
	return RUN_TICK_STOP;
}

/* idle and running are the ordinary course of a run: not worth a line */
static bool status_is_news(const char *s)
{
	return strcmp(s, "idle") && strcmp(s, "running");
}

static enum run_tick render_status(struct run_render *r, const char *status, bool quiet)
{
	bool changed = strcmp(status, r->status) != 0;

	snprintf(r->status, sizeof(r->status), "%s", status);
	if (!changed || quiet || !status_is_news(status))
		return !strcmp(status, "running") ? RUN_TICK_KEEP : RUN_TICK_STOP;
	render_line(r, !strcmp(status, "paused") ? ANSI_YELLOW :
		    !strcmp(status, "finished") ? ANSI_GREEN : ANSI_RED, "status: ", status);
	return RUN_TICK_STOP;
}

static enum run_tick render_state_update(struct run_render *r, json_t *ev)
{
	const char *key = render_str(ev, "key") ?: "";
	json_t *value = json_object_get(ev, "value");
	const char *s;

	if (!strcmp(key, "execution_status") && json_is_string(value))
		return render_status(r, json_string_value(value), false);
	if (!strcmp(key, "full_state")) {
		/* the state a follower starts from: remembered, not shown */
		s = render_str(value, "execution_status");
		if (s)
			snprintf(r->status, sizeof(r->status), "%s", s);
		return RUN_TICK_KEEP;
	}
	if (!strcmp(key, "native_tool_calling") && json_is_false(value))
		render_line(r, ANSI_YELLOW, "note: ", "the LLM server refused native tool calls; "
			    "the tools are now called as text (LLM_NATIVE_TOOL_CALLING=false "
			    "skips the first try)");
	return RUN_TICK_KEEP;
}

static enum run_tick render_condensation(struct run_render *r, json_t *ev)
{
	char text[96];
	size_t n = json_array_size(json_object_get(ev, "forgotten_event_ids"));

	snprintf(text, sizeof(text), "context condensed: %zu event%s summarised", n,
		 n == 1 ? "" : "s");
	render_line(r, ANSI_DIM, "", text);
	return RUN_TICK_KEEP;
}

static enum run_tick render_system_prompt(struct run_render *r, json_t *ev)
{
	char text[64];
	size_t n = json_array_size(json_object_get(ev, "tools"));

	snprintf(text, sizeof(text), "system prompt (%zu tool%s)", n, n == 1 ? "" : "s");
	render_line(r, ANSI_DIM, "", text);
	return RUN_TICK_KEEP;
}

static enum run_tick render_pause(struct run_render *r, json_t *ev)
{
	/* the status update that follows says the same */
	snprintf(r->status, sizeof(r->status), "paused");
	render_line(r, ANSI_YELLOW, "", "paused");
	return RUN_TICK_STOP;
}

static const struct {
	const char *kind;
	enum run_tick (*render)(struct run_render *r, json_t *ev);
} kinds[] = {
	{ "MessageEvent", render_message },
	{ "ActionEvent", render_action },
	{ "ObservationEvent", render_observation },
	{ "AgentErrorEvent", render_agent_error },
	{ "ConversationErrorEvent", render_conversation_error },
	{ "ConversationStateUpdateEvent", render_state_update },
	{ "Condensation", render_condensation },
	{ "SystemPromptEvent", render_system_prompt },
	{ "PauseEvent", render_pause },
};

enum run_tick run_render_event(struct run_render *r, const char *event_json)
{
	json_error_t jerr;
	json_t *ev = json_loads(event_json, JSON_REJECT_DUPLICATES, &jerr);
	const char *kind = render_str(ev, "kind");
	enum run_tick tick = RUN_TICK_KEEP;
	char note[128];
	size_t i;

	if (!json_is_object(ev)) {
		snprintf(note, sizeof(note), "[unreadable event: %.60s]", event_json);
		render_line(r, ANSI_DIM, "", note);
		json_decref(ev);
		return RUN_TICK_KEEP;
	}
	for (i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].kind))
			break;
	if (kind && i < sizeof(kinds) / sizeof(kinds[0])) {
		tick = kinds[i].render(r, ev);
	} else {
		snprintf(note, sizeof(note), "[%.100s]", kind ? kind : "event without a kind");
		render_line(r, ANSI_DIM, "", note);
	}
	json_decref(ev);
	return tick;
}

void run_render_summary(FILE *out, bool color, const char *status,
			const struct hb_conversation_stats *st, double elapsed_s)
{
	char prompt[32], completion[32], cost[32], took[32];
	const char *colour = !strcmp(status, "finished") ? ANSI_GREEN :
			     !strcmp(status, "paused") ? ANSI_YELLOW : ANSI_RED;

	fmt_thousands(prompt, sizeof(prompt), st->prompt_tokens);
	fmt_thousands(completion, sizeof(completion), st->completion_tokens);
	fmt_cost(cost, sizeof(cost), st->cost);
	fmt_duration(took, sizeof(took), elapsed_s);
	fprintf(out, "%s%s%s · %lld step%s · %s ↑ %s ↓ tokens · %s · %s\n",
		ansi(color, colour), status, ansi(color, ANSI_RESET), (long long)st->steps,
		st->steps == 1 ? "" : "s", prompt, completion, cost, took);
}
