/* tools.h — the agent's tools (API.md § 3): terminal (a persistent bash
 * session of sandboxd), file_editor (through sandboxd's file routes),
 * task_tracker, think, finish, and the browser_* tools (the sandbox's
 * Chromium, driven by sandboxd). One struct tools per conversation holds
 * their state: the bash session, the editor's undo history, the task list.
 *
 * A call goes in two steps: tools_parse_action() turns the model's
 * arguments into an Action object (API.md § 2, e.g. {"kind":"TerminalAction",
 * "command":…}); a refusal there becomes an AgentErrorEvent the model can
 * correct. tools_execute() runs it and gives the Observation object and the
 * text the model reads. */
#ifndef HB_AGENT_TOOLS_TOOLS_H
#define HB_AGENT_TOOLS_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "client/sandbox_client.h"
#include "handbox/cancel.h"

struct tool_env {
	struct sandbox_conn conn;       /* sandboxd of the conversation's sandbox */
	const char *working_dir;        /* "/workspace": the terminal starts there */
	double soft_timeout_s;          /* no-output soft timeout of the terminal; 0: 30 */
};

struct tools;

/* Copies env; the bash session is made on first use. */
int tools_open(struct tools **out, const struct tool_env *env, char *err, size_t errlen);
/* Deletes the bash session (best effort) and frees t. NULL: nothing. */
void tools_close(struct tools *t);

/* The function specs for the LLM (a new reference): an array of
 * {"type":"function","function":{"name","description","parameters"}};
 * the browser_* tools only with browser. */
json_t *tools_specs(bool browser);
/* Whether the sandbox has a browser (its /server_info lists the
 * capability): asked once, false while sandboxd does not answer. */
bool tools_browser(struct tools *t);

/* The tool name a model's name stands for ("execute_bash", "bash" →
 * "terminal"; "str_replace_editor" → "file_editor"), or NULL when none. */
const char *tools_canonical_name(const char *name);

/* The Action object for a call of tool name (canonical) with arguments (a
 * JSON object text, NULL = {}). Types are coerced as models write them
 * ("true", "5", a JSON array in a string). HB_EINVAL with a message the
 * model can act on ("file_editor: missing required parameter path") when
 * they do not fit. *summary (may be NULL) gets the optional "summary"
 * argument (malloc'd, NULL when absent). */
int tools_parse_action(const char *name, const char *arguments, json_t **action,
		       char **summary, char *err, size_t errlen);

struct tool_result {
	json_t *observation;   /* {"kind":"TerminalObservation",…} (owned) */
	char *text;            /* what the model reads (owned) */
	bool is_error;         /* the tool failed (the model should see why) */
	bool finished;         /* the finish tool: the conversation ends */
};
void tool_result_clear(struct tool_result *r);

/* Runs action (from tools_parse_action) of tool name. Errors of the tool's
 * own (no such file, a duplicate match, a failed command) are results with
 * is_error, not failures. Returns HB_E… only when sandboxd cannot be used
 * (gone, refused the key) or cancel asked to stop (HB_ECANCELED: the
 * terminal's running command is interrupted with C-c first). */
int tools_execute(struct tools *t, const char *name, json_t *action,
		  const struct hb_cancel *cancel, struct tool_result *out,
		  char *err, size_t errlen);

/* Brings state back from a stored action that was executed (a resumed
 * conversation): the task list of task_tracker plans. */
void tools_replay(struct tools *t, const char *name, json_t *action);

#endif
