/* tools.c — the struct tools of a conversation (tools.h): its life, and
 * the dispatch of an Action to its tool, think and finish (which need no
 * file of their own). */
#include <stdlib.h>
#include <string.h>

#include "agent/tools/tool_text.h"
#include "agent/tools/tools.h"
#include "agent/tools/tools_internal.h"
#include "common/hb_error.h"

int tools_open(struct tools **out, const struct tool_env *env, char *err, size_t errlen)
{
	struct tools *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	t->env = *env;
	t->url = strdup(env->conn.url ? env->conn.url : "");
	t->key = env->conn.session_api_key ? strdup(env->conn.session_api_key) : NULL;
	t->working_dir = strdup(env->working_dir ? env->working_dir : "/workspace");
	t->tasks = json_array();
	if (!t->url || (env->conn.session_api_key && !t->key) || !t->working_dir || !t->tasks) {
		tools_close(t);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	t->env.conn.url = t->url;
	t->env.conn.session_api_key = t->key;
	t->env.working_dir = t->working_dir;
	if (!(t->env.soft_timeout_s > 0))
		t->env.soft_timeout_s = 30;
	*out = t;
	return 0;
}

void tools_close(struct tools *t)
{
	if (!t)
		return;
	terminal_close(t);
	file_editor_free_history(t);
	json_decref(t->tasks);
	free(t->url);
	free(t->key);
	free(t->working_dir);
	free(t);
}

/* think: nothing happens; finish: the conversation ends with its message. */
static int simple_execute(const char *name, json_t *action, struct tool_result *out,
			  char *err, size_t errlen)
{
	bool finish = !strcmp(name, "finish");
	const char *text = finish ? json_string_value(json_object_get(action, "message")) :
		"Your thought has been logged.";
	int rc;

	text = text ? text : "";
	rc = tool_result_set(out, json_pack("{s:s, s:o, s:b}", "kind", finish ?
					    "FinishObservation" : "ThinkObservation",
					    "content", tool_text_content(text), "is_error", 0),
			     text, false, err, errlen);
	if (!rc)
		out->finished = finish;
	return rc;
}

int tools_execute(struct tools *t, const char *name, json_t *action,
		  const struct hb_cancel *cancel, struct tool_result *out,
		  char *err, size_t errlen)
{
	const char *tool = tools_canonical_name(name);

	memset(out, 0, sizeof(*out));
	if (!tool || !json_is_object(action))
		return hb_fail(err, errlen, HB_EINVAL, "tool \"%.100s\": unknown, or no action",
			       name ? name : "");
	if (!strcmp(tool, "terminal"))
		return terminal_execute(t, action, cancel, out, err, errlen);
	if (!strcmp(tool, "file_editor"))
		return file_editor_execute(t, action, out, err, errlen);
	if (!strcmp(tool, "task_tracker"))
		return task_tracker_execute(t, action, out, err, errlen);
	if (!strncmp(tool, "browser_", 8))
		return browser_execute(t, tool, action, cancel, out, err, errlen);
	return simple_execute(tool, action, out, err, errlen);
}

void tools_replay(struct tools *t, const char *name, json_t *action)
{
	const char *tool = tools_canonical_name(name);
	json_t *list = json_object_get(action, "task_list");
	const char *cmd = json_string_value(json_object_get(action, "command"));

	if (!tool || strcmp(tool, "task_tracker") || !cmd || strcmp(cmd, "plan") ||
	    !json_is_array(list))
		return;
	json_decref(t->tasks);
	t->tasks = json_deep_copy(list);
	if (!t->tasks)
		t->tasks = json_array();
}
