/* tools_internal.h — what the files of src/agent/tools share behind
 * tools.h: the struct tools itself, each tool's execute function, and the
 * helpers that fill a struct tool_result. */
#ifndef HB_AGENT_TOOLS_TOOLS_INTERNAL_H
#define HB_AGENT_TOOLS_TOOLS_INTERNAL_H

#include <stdbool.h>

#include <jansson.h>

#include "agent/tools/tools.h"
#include "client/session_client.h"

struct fe_history;

struct tools {
	struct tool_env env;            /* its strings point into the copies below */
	char *url, *key, *working_dir;
	/* terminal */
	struct session_client sc;
	bool sc_open;
	char *session_id;               /* NULL: made on first use */
	bool running;                   /* our last command has not ended */
	/* file_editor: per-file undo history */
	struct fe_history *history;
	/* task_tracker: the list of the last plan (an array of task objects) */
	json_t *tasks;
	/* the browser tools: whether sandboxd has a browser, once asked */
	bool browser, browser_known;
};

/* Each returns 0 with *out filled (is_error for the tool's own failures),
 * or HB_E… when sandboxd cannot be used or cancel asked to stop. */
int terminal_execute(struct tools *t, json_t *action, const struct hb_cancel *cancel,
		     struct tool_result *out, char *err, size_t errlen);
void terminal_close(struct tools *t);
int file_editor_execute(struct tools *t, json_t *action, struct tool_result *out,
			char *err, size_t errlen);
void file_editor_free_history(struct tools *t);
int task_tracker_execute(struct tools *t, json_t *action, struct tool_result *out,
			 char *err, size_t errlen);
/* The text the model reads for a task list (view). */
char *task_tracker_render(json_t *tasks);
/* Checks and completes a task_list argument (a new array: ids given to
 * the tasks without one, notes "" and status "todo" by default); NULL with
 * the reason in msg. */
json_t *task_tracker_normalize(json_t *list, char *msg, size_t msglen);

/* name is one of the browser_* tools. */
int browser_execute(struct tools *t, const char *name, json_t *action,
		    const struct hb_cancel *cancel, struct tool_result *out, char *err,
		    size_t errlen);

/* Fills out: observation (stolen), the model's text (copied; the error
 * header is put first when is_error), is_error. HB_ENOMEM on failure
 * (observation freed). */
int tool_result_set(struct tool_result *out, json_t *observation, const char *text,
		    bool is_error, char *err, size_t errlen);
/* [{"type":"text","text":text}] */
json_t *tool_text_content(const char *text);

#endif
