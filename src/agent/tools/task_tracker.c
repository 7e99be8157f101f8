/* task_tracker.c — the task_tracker tool: a list of tasks the agent plans
 * and checks off, kept in struct tools (tools_replay() brings it back for
 * a resumed conversation). The texts follow the reference's task tracker. */
#include <stdlib.h>
#include <string.h>

#include "agent/tools/tools_internal.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/ids.h"

static const char *const STATUSES[] = { "todo", "in_progress", "done" };
static const char *const ICONS[] = { "\u23f3", "\U0001f504", "\u2705" };

static int status_index(const char *s)
{
	int i;

	for (i = 0; s && i < 3; i++)
		if (!strcmp(s, STATUSES[i]))
			return i;
	return -1;
}

/* One task of the model's list, checked, as a new object. */
static json_t *normalize_task(json_t *in, size_t i, char *msg, size_t msglen)
{
	json_t *title = json_object_get(in, "title"), *notes = json_object_get(in, "notes");
	json_t *status = json_object_get(in, "status"), *id = json_object_get(in, "id");
	char uuid[UUID_STR_LEN];
	const char *st = json_is_null(status) || !status ? "todo" : json_string_value(status);

	if (!json_is_object(in) || !json_is_string(title)) {
		snprintf(msg, msglen, "task_tracker: task_list[%zu]: expected an object with a "
			 "string \"title\"", i);
		return NULL;
	}
	if (notes && !json_is_null(notes) && !json_is_string(notes)) {
		snprintf(msg, msglen, "task_tracker: task_list[%zu].notes: expected a string", i);
		return NULL;
	}
	if (status_index(st) < 0) {
		snprintf(msg, msglen, "task_tracker: task_list[%zu].status: expected todo, "
			 "in_progress or done", i);
		return NULL;
	}
	if (!json_is_string(id) || !json_string_length(id))
		uuid4_str(uuid);
	return json_pack("{s:s, s:O, s:s, s:s}", "id", json_is_string(id) &&
			 json_string_length(id) ? json_string_value(id) : uuid,
			 "title", title, "notes", json_is_string(notes) ?
			 json_string_value(notes) : "", "status", st);
}

json_t *task_tracker_normalize(json_t *list, char *msg, size_t msglen)
{
	json_t *out = json_array(), *item, *task;
	size_t i;

	json_array_foreach(list, i, item) {
		task = out ? normalize_task(item, i, msg, msglen) : NULL;
		if (!task || json_array_append_new(out, task)) {
			if (out && task == NULL && !msg[0])
				snprintf(msg, msglen, "out of memory");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

char *task_tracker_render(json_t *tasks)
{
	struct buf b;
	json_t *task;
	size_t i;
	int rc = 0;

	buf_init(&b, 0);
	if (!json_array_size(tasks))
		return strdup("No task list found. Use the \"plan\" command to create one.");
	rc = buf_printf(&b, "# Task List\n");
	json_array_foreach(tasks, i, task) {
		const char *notes = json_string_value(json_object_get(task, "notes"));
		int st = status_index(json_string_value(json_object_get(task, "status")));

		if (!rc)
			rc = buf_printf(&b, "\n%zu. %s [%s] %s\n", i + 1, ICONS[st < 0 ? 0 : st],
					json_string_value(json_object_get(task, "id")),
					json_string_value(json_object_get(task, "title")));
		if (!rc && notes && notes[0])
			rc = buf_printf(&b, "   %s\n", notes);
	}
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	/* the reference strips the last line break */
	while (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return buf_steal(&b, NULL);
}

int task_tracker_execute(struct tools *t, json_t *action, struct tool_result *out,
			 char *err, size_t errlen)
{
	const char *cmd = json_string_value(json_object_get(action, "command"));
	json_t *list = json_object_get(action, "task_list");
	char *text = NULL, count[96];
	int rc;

	if (cmd && !strcmp(cmd, "plan")) {
		json_decref(t->tasks);
		t->tasks = json_is_array(list) ? json_deep_copy(list) : json_array();
		if (!t->tasks)
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		snprintf(count, sizeof(count), "Task list has been updated with %zu item(s).",
			 json_array_size(t->tasks));
	} else if (!(text = task_tracker_render(t->tasks)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = tool_result_set(out, json_pack("{s:s, s:o, s:b, s:s, s:O}", "kind",
					    "TaskTrackerObservation", "content",
					    tool_text_content(text ? text : count), "is_error", 0,
					    "command", cmd ? cmd : "view", "task_list", t->tasks),
			     text ? text : count, false, err, errlen);
	free(text);
	return rc;
}
