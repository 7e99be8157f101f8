/* run_render_tools.c — the agent's actions and what they gave back, as
 * text: `$ command` and its output, file edits and their diffs, the plan
 * as a checklist, think and finish (API.md § 3). Shared helpers are in
 * run_render.c. */
#include <stdlib.h>
#include <string.h>

#include "cli/line_diff.h"
#include "cli/run_format.h"
#include "cli/run_render_int.h"

/* a diff longer than this is cut: the file itself is in the sandbox */
#define DIFF_MAX_LINES 80

static void render_terminal_action(struct run_render *r, json_t *a)
{
	const char *cmd = render_str(a, "command") ?: "";

	if (json_is_true(json_object_get(a, "reset")))
		render_line(r, ANSI_BOLD, "", "[reset terminal]");
	else if (json_is_true(json_object_get(a, "is_input")))
		render_line(r, ANSI_BOLD, "[input] ", cmd);
	else if (!*cmd)
		render_line(r, ANSI_DIM, "", "[reading more output]");
	else
		render_line(r, ANSI_BOLD, "$ ", cmd);
}

static void render_file_action(struct run_render *r, json_t *a)
{
	const char *cmd = render_str(a, "command") ?: "?";
	const char *path = render_str(a, "path") ?: "?";
	json_t *range = json_object_get(a, "view_range");
	char line[4200];

	if (!strcmp(cmd, "insert"))
		snprintf(line, sizeof(line), "edit insert %s (after line %lld)", path,
			 json_integer_value(json_object_get(a, "insert_line")));
	else if (!strcmp(cmd, "view") && json_array_size(range) == 2)
		snprintf(line, sizeof(line), "view %s [%lld, %lld]", path,
			 json_integer_value(json_array_get(range, 0)),
			 json_integer_value(json_array_get(range, 1)));
	else if (!strcmp(cmd, "view"))
		snprintf(line, sizeof(line), "view %s", path);
	else
		snprintf(line, sizeof(line), "edit %s %s", cmd, path);
	render_line(r, ANSI_BOLD, "", line);
}

static void render_plan(struct run_render *r, json_t *a)
{
	json_t *list = json_object_get(a, "task_list"), *t;
	const char *status, *notes;
	char box[64];
	size_t i;

	if (strcmp(render_str(a, "command") ?: "", "plan")) {
		render_line(r, ANSI_DIM, "", "plan: view");
		return;
	}
	render_line(r, ANSI_BOLD, "", "plan:");
	json_array_foreach(list, i, t) {
		status = render_str(t, "status") ?: "todo";
		notes = render_str(t, "notes");
		snprintf(box, sizeof(box), "  [%s] ", !strcmp(status, "done") ? "x" :
			 !strcmp(status, "in_progress") ? "~" : " ");
		render_line(r, !strcmp(status, "done") ? ANSI_DIM : NULL, box,
			    render_str(t, "title") ?: "(untitled)");
		if (notes && *notes)
			render_line(r, ANSI_DIM, "      ", notes);
	}
}

/* A tool without a renderer of its own (the browser's…): its name and
 * its arguments as compact JSON. */
static void render_other_action(struct run_render *r, json_t *ev, json_t *a)
{
	json_t *args = json_deep_copy(a);
	char *text, prefix[128];

	json_object_del(args, "kind");
	text = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	snprintf(prefix, sizeof(prefix), "%s ", render_str(ev, "tool_name") ?:
		 render_str(a, "kind") ?: "action");
	render_line(r, ANSI_BOLD, prefix, text ? text : "");
	free(text);
	json_decref(args);
}

enum run_tick render_action(struct run_render *r, json_t *ev)
{
	json_t *a = json_object_get(ev, "action");
	const char *kind = render_str(a, "kind") ?: "";
	char *thought = render_content_text(json_object_get(ev, "thought"));

	if (thought && *thought)
		render_block(r, thought, "", NULL, false);
	free(thought);
	if (!strcmp(kind, "TerminalAction"))
		render_terminal_action(r, a);
	else if (!strcmp(kind, "FileEditorAction"))
		render_file_action(r, a);
	else if (!strcmp(kind, "TaskTrackerAction"))
		render_plan(r, a);
	else if (!strcmp(kind, "ThinkAction"))
		render_line(r, ANSI_DIM, "think: ", render_str(a, "thought") ?: "");
	else if (!strcmp(kind, "FinishAction"))
		render_line(r, ANSI_GREEN, "finish: ", render_str(a, "message") ?: "");
	else
		render_other_action(r, ev, a);
	return RUN_TICK_STOP;
}

/* A note the model reads at the end of a command's output ("[The command
 * completed with exit code …]", "[Current working directory: …]"), cut
 * when it is the last thing there: the exit code has a line of its own
 * here, and the directory is the command's. */
static void strip_last_note(char *text, const char *note_start)
{
	char *note = NULL, *p, *end;

	for (p = text; (p = strstr(p, note_start)); p++)
		note = p;
	if (!note || !(end = strchr(note, ']')) || end[1 + strspn(end + 1, " \n")])
		return;
	while (note > text && (note[-1] == '\n' || note[-1] == ' '))
		note--;
	*note = '\0';
}

static void render_terminal_output(struct run_render *r, json_t *o, bool is_error)
{
	char *text = render_content_text(json_object_get(o, "content"));
	json_t *code = json_object_get(o, "exit_code");
	char line[64];

	if (!json_is_integer(code))
		code = json_object_get(json_object_get(o, "metadata"), "exit_code");
	if (text) {
		strip_last_note(text, "[The command completed with exit code ");
		strip_last_note(text, "[Current working directory: ");
		render_block(r, text, "  ", is_error ? ANSI_RED : ANSI_DIM, true);
	}
	free(text);
	if (json_is_true(json_object_get(o, "timeout"))) {
		render_line(r, ANSI_YELLOW, "  ", "timed out");
	} else if (json_integer_value(code) > 0) {
		/* -1: still running (no output for a while), not a failure */
		snprintf(line, sizeof(line), "exit code %lld", json_integer_value(code));
		render_line(r, ANSI_RED, "  ", line);
	}
}

static void render_file_output(struct run_render *r, json_t *o, bool is_error)
{
	json_t *old_c = json_object_get(o, "old_content"), *new_c = json_object_get(o, "new_content");
	struct line_diff_opts d = { .color = r->color, .context = 3, .max_lines = DIFF_MAX_LINES,
				    .indent = "  " };
	const char *cmd = render_str(o, "command") ?: "";
	char *text;

	if (!is_error && strcmp(cmd, "view") && (json_is_string(old_c) || json_is_string(new_c))) {
		line_diff_write(r->out, json_string_value(old_c), json_string_value(new_c), &d);
		return;
	}
	text = render_content_text(json_object_get(o, "content"));
	if (text)
		render_block(r, text, "  ", is_error ? ANSI_RED : ANSI_DIM, true);
	free(text);
}

enum run_tick render_observation(struct run_render *r, json_t *ev)
{
	json_t *o = json_object_get(ev, "observation");
	const char *kind = render_str(o, "kind") ?: "";
	bool is_error = json_is_true(json_object_get(o, "is_error"));
	char *text;

	if (!strcmp(kind, "TerminalObservation")) {
		render_terminal_output(r, o, is_error);
	} else if (!strcmp(kind, "FileEditorObservation")) {
		render_file_output(r, o, is_error);
	} else if (is_error || (strcmp(kind, "ThinkObservation") &&
				strcmp(kind, "FinishObservation") &&
				strcmp(kind, "TaskTrackerObservation"))) {
		/* think, finish and the plan said all in their action */
		text = render_content_text(json_object_get(o, "content"));
		if (text && *text)
			render_block(r, text, "  ", is_error ? ANSI_RED : ANSI_DIM, true);
		free(text);
	}
	return RUN_TICK_START;
}
