/* tools_params.c — the tools as the model sees them: one table of each
 * tool's parameters gives both the function specs sent to the LLM and the
 * parsing of the model's arguments into an Action (names, types, defaults,
 * the order of the Action's fields as the reference writes them).
 *
 * Models write arguments loosely, so values are coerced the way they are
 * usually mistyped: "true"/"1" for a boolean, "5" for a number, a JSON
 * array written as a string. `summary` is taken off every call; an
 * unknown argument (`security_risk`, which we do not require) is ignored. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/tools/tools.h"
#include "agent/tools/tools_internal.h"
#include "common/hb_error.h"

enum ptype { P_STRING, P_BOOL, P_NUMBER, P_INT, P_INT_LIST, P_TASK_LIST, P_ENUM };

struct param {
	const char *name;
	enum ptype type;
	bool required;
	const char *def;          /* default as JSON text; NULL: null */
	const char *const *values;   /* P_ENUM */
	const char *desc;
};

struct tool {
	const char *name, *kind, *desc;
	const struct param *params;
	bool browser;             /* offered only when the sandbox has a browser */
};

static const char *const EDITOR_COMMANDS[] = { "view", "create", "str_replace", "insert",
					       "undo_edit", NULL };
static const char *const TRACKER_COMMANDS[] = { "view", "plan", NULL };
static const char *const SCROLL_DIRECTIONS[] = { "down", "up", NULL };

static const struct param TERMINAL[] = {
	{ "command", P_STRING, true, NULL, NULL,
	  "The bash command line to run. Empty: wait for and show more output of the "
	  "command still running. With is_input: the text or key (C-c, C-d, C-z) to send "
	  "to it." },
	{ "is_input", P_BOOL, false, "false", NULL,
	  "true: send command to the running process as its input instead of running "
	  "a new command." },
	{ "timeout", P_NUMBER, false, NULL, NULL,
	  "Seconds to wait at most for the command (set it for long builds, tests, "
	  "installs). Without it, the tool answers once the command has printed nothing "
	  "for a while; the command keeps running either way." },
	{ "reset", P_BOOL, false, "false", NULL,
	  "true: kill the shell and start a new one (environment and cwd are lost). "
	  "Only when the terminal no longer responds; not with is_input." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param FILE_EDITOR[] = {
	{ "command", P_ENUM, true, NULL, EDITOR_COMMANDS,
	  "One of view, create, str_replace, insert, undo_edit." },
	{ "path", P_STRING, true, NULL, NULL,
	  "Absolute path of the file or directory, e.g. /workspace/app.py." },
	{ "file_text", P_STRING, false, NULL, NULL,
	  "create: the whole content of the new file." },
	{ "old_str", P_STRING, false, NULL, NULL,
	  "str_replace: the exact text to replace; it must occur exactly once, "
	  "whitespace included." },
	{ "new_str", P_STRING, false, NULL, NULL,
	  "str_replace: the replacement text. insert: the text to insert." },
	{ "insert_line", P_INT, false, NULL, NULL,
	  "insert: new_str goes after this line (0: at the top)." },
	{ "view_range", P_INT_LIST, false, NULL, NULL,
	  "view of a file: [first, last] line numbers, from 1; last -1 means to the end." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param TASK_TRACKER[] = {
	{ "command", P_ENUM, false, "\"view\"", TRACKER_COMMANDS,
	  "view: show the task list. plan: replace it with task_list." },
	{ "task_list", P_TASK_LIST, false, "[]", NULL,
	  "plan: the whole list, each task {title, notes, status: todo|in_progress|done}; "
	  "keep the ids view shows for tasks that stay." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param THINK[] = {
	{ "thought", P_STRING, true, NULL, NULL, "What you are thinking." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param FINISH[] = {
	{ "message", P_STRING, true, NULL, NULL,
	  "What was done and what the user should know." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

/* The browser tools: the reference's parameters (browser_use), our texts. */
static const struct param BROWSER_NAVIGATE[] = {
	{ "url", P_STRING, true, NULL, NULL,
	  "The address to open, e.g. http://localhost:8011/ (an app you started in the "
	  "sandbox is on localhost)." },
	{ "new_tab", P_BOOL, false, "false", NULL, "true: open it in a new tab." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param BROWSER_CLICK[] = {
	{ "index", P_INT, true, NULL, NULL,
	  "The number of the element, as the last page state lists it." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param BROWSER_TYPE[] = {
	{ "index", P_INT, true, NULL, NULL,
	  "The number of the field, as the last page state lists it." },
	{ "text", P_STRING, true, NULL, NULL, "What to type; it replaces what the field holds." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param BROWSER_GET_STATE[] = {
	{ "include_screenshot", P_BOOL, false, "false", NULL,
	  "true: also take a screenshot, which the user sees." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param BROWSER_GET_CONTENT[] = {
	{ "extract_links", P_BOOL, false, "false", NULL,
	  "true: list the page's links with their addresses." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param BROWSER_SCROLL[] = {
	{ "direction", P_ENUM, false, "\"down\"", SCROLL_DIRECTIONS, "down or up." },
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct param NONE[] = {
	{ NULL, 0, false, NULL, NULL, NULL },
};

static const struct tool TOOLS[] = {
	{ "terminal", "TerminalAction",
	  "Run a bash command in a shell that persists between calls: the working "
	  "directory, variables and an activated virtualenv carry over. One command per "
	  "call (chain with && or ;). The answer ends with the exit code. A command that "
	  "prints nothing for 30 seconds is left running and you get what it printed so "
	  "far: then send an empty command to wait for more, C-c with is_input to stop "
	  "it, or text with is_input to answer it. Start servers in the background with "
	  "output to a file (cmd > log 2>&1 &). Long output is cut in the middle.",
	  TERMINAL, false },
	{ "file_editor", "FileEditorAction",
	  "View, create and edit plain-text files. view shows a file with line numbers "
	  "(cat -n) or a directory two levels deep without hidden entries. create makes a "
	  "new file and refuses an existing one. str_replace replaces old_str, which must "
	  "occur exactly once, with new_str. insert adds new_str after line insert_line. "
	  "undo_edit takes back the last edit of the file. Paths are absolute. Long "
	  "answers are cut and marked <response clipped>.",
	  FILE_EDITOR, false },
	{ "task_tracker", "TaskTrackerAction",
	  "Keep a task list for work with several steps: plan writes the whole list, "
	  "view shows it. Mark one task in_progress at a time and done only when it "
	  "really is.",
	  TASK_TRACKER, false },
	{ "think", "ThinkAction",
	  "Write down reasoning (a plan, hypotheses about a bug, options to weigh). It "
	  "changes nothing and fetches nothing.",
	  THINK, false },
	{ "finish", "FinishAction",
	  "End the task: when it is done, or when you cannot go further. The message "
	  "says what was done, what is left and anything the user must know.",
	  FINISH, false },
	{ "browser_navigate", "BrowserNavigateAction",
	  "Open a URL in the sandbox's web browser (Chromium, shown on the desktop). The "
	  "answer is the page: its text, then its interactive elements numbered [N] for "
	  "browser_click and browser_type. Long pages are cut.",
	  BROWSER_NAVIGATE, true },
	{ "browser_click", "BrowserClickAction",
	  "Click element N of the current page (a link, a button…), then get the page as "
	  "it is after the click.",
	  BROWSER_CLICK, true },
	{ "browser_type", "BrowserTypeAction",
	  "Type text into field N of the current page (its old value is replaced).",
	  BROWSER_TYPE, true },
	{ "browser_get_state", "BrowserGetStateAction",
	  "Read the current page again: URL, title, text and numbered elements; "
	  "optionally a screenshot.",
	  BROWSER_GET_STATE, true },
	{ "browser_get_content", "BrowserGetContentAction",
	  "Read the current page's text, optionally with its links.",
	  BROWSER_GET_CONTENT, true },
	{ "browser_scroll", "BrowserScrollAction",
	  "Scroll the current page by most of a screen, down or up.",
	  BROWSER_SCROLL, true },
	{ "browser_go_back", "BrowserGoBackAction",
	  "Go back to the previous page of the tab's history.",
	  NONE, true },
};
#define NTOOLS (sizeof(TOOLS) / sizeof(TOOLS[0]))

static const struct tool *tool_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < NTOOLS; i++)
		if (!strcmp(TOOLS[i].name, name))
			return &TOOLS[i];
	return NULL;
}

const char *tools_canonical_name(const char *name)
{
	static const char *const alias[][2] = {
		{ "execute_bash", "terminal" }, { "bash", "terminal" },
		{ "str_replace_editor", "file_editor" },
	};
	const struct tool *t = tool_find(name);
	size_t i;

	if (t)
		return t->name;
	for (i = 0; name && i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(alias[i][0], name))
			return alias[i][1];
	return NULL;
}

/* ------------------------------------------------------------------ specs */

static json_t *param_schema(const struct param *p)
{
	static const char *const types[] = { "string", "boolean", "number", "integer",
					     "array", "array", "string" };
	json_t *s = json_pack("{s:s, s:s}", "type", types[p->type], "description", p->desc);
	json_t *vals;
	size_t i;

	if (!s)
		return NULL;
	if (p->type == P_INT_LIST)
		json_object_set_new(s, "items", json_pack("{s:s}", "type", "integer"));
	if (p->type == P_TASK_LIST)
		json_object_set_new(s, "items", json_pack(
			"{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:[sss]}}, s:[s]}",
			"type", "object", "properties", "id", "type", "string",
			"title", "type", "string", "notes", "type", "string",
			"status", "type", "string", "enum", "todo", "in_progress", "done",
			"required", "title"));
	if (p->type == P_ENUM && (vals = json_array())) {
		for (i = 0; p->values[i]; i++)
			json_array_append_new(vals, json_string(p->values[i]));
		json_object_set_new(s, "enum", vals);
	}
	return s;
}

static json_t *tool_spec(const struct tool *t)
{
	json_t *props = json_object(), *req = json_array(), *spec;
	const struct param *p;

	for (p = t->params; props && req && p->name; p++) {
		json_object_set_new(props, p->name, param_schema(p));
		if (p->required)
			json_array_append_new(req, json_string(p->name));
	}
	if (props)
		json_object_set_new(props, "summary", json_pack("{s:s, s:s}", "type", "string",
			"description", "A few words on what this call does, shown to the user."));
	spec = json_pack("{s:s, s:{s:s, s:s, s:{s:s, s:o, s:o}}}", "type", "function",
			 "function", "name", t->name, "description", t->desc, "parameters",
			 "type", "object", "properties", props, "required", req);
	return spec;
}

json_t *tools_specs(bool browser)
{
	json_t *a = json_array(), *s;
	size_t i;

	for (i = 0; a && i < NTOOLS; i++) {
		if (TOOLS[i].browser && !browser)
			continue;
		if (!(s = tool_spec(&TOOLS[i])) || json_array_append_new(a, s)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* -------------------------------------------------------------- coercion */

#define MSG_MAX 512

/* A JSON array written as a string ("[1, 5]") is read as the array. */
static json_t *from_text(json_t *v)
{
	const char *s = json_string_value(v);

	if (!s)
		return json_incref(v);
	while (isspace((unsigned char)*s))
		s++;
	return *s == '[' || *s == '{' ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
}

static int coerce_bool(json_t *v, json_t **out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off", "" };
	const char *s = json_string_value(v);
	size_t i;

	if (json_is_boolean(v))
		*out = json_incref(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		*out = json_boolean(json_integer_value(v));
	for (i = 0; s && !*out && i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcasecmp(s, yes[i]))
			*out = json_true();
	for (i = 0; s && !*out && i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcasecmp(s, no[i]))
			*out = json_false();
	return *out ? 0 : -1;
}

static int coerce_number(json_t *v, bool integer, json_t **out)
{
	const char *s = json_string_value(v);
	double d;
	char *end;

	if (json_is_number(v))
		d = json_number_value(v);
	else if (s && *s) {
		errno = 0;
		d = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		if (errno || *end)
			return -1;
	} else
		return -1;
	if (!isfinite(d))
		return -1;
	if (integer) {
		if (d != floor(d) || fabs(d) > 1e15)
			return -1;
		*out = json_integer((json_int_t)d);
	} else
		*out = json_is_integer(v) ? json_integer(json_integer_value(v)) : json_real(d);
	return *out ? 0 : -1;
}

static int coerce_int_list(json_t *v, json_t **out)
{
	json_t *a = from_text(v), *item, *n;
	size_t i;

	if (!json_is_array(a)) {
		json_decref(a);
		return -1;
	}
	*out = json_array();
	json_array_foreach(a, i, item) {
		n = NULL;
		if (!*out || coerce_number(item, true, &n) || json_array_append_new(*out, n)) {
			json_decref(*out);
			*out = NULL;
			break;
		}
	}
	json_decref(a);
	return *out ? 0 : -1;
}

/* A number or boolean where text belongs is taken as its JSON spelling. */
static int coerce_string(json_t *v, json_t **out)
{
	char *s;

	if (json_is_string(v)) {
		*out = json_incref(v);
		return 0;
	}
	if (!json_is_number(v) && !json_is_boolean(v))
		return -1;
	s = json_dumps(v, JSON_ENCODE_ANY);
	*out = s ? json_string(s) : NULL;
	free(s);
	return *out ? 0 : -1;
}

static const char *expected(const struct param *p)
{
	switch (p->type) {
	case P_STRING: return "a string";
	case P_BOOL: return "true or false";
	case P_NUMBER: return "a number of seconds, 0 or more";
	case P_INT: return "an integer, 0 or more";
	case P_INT_LIST: return "a list of integers such as [1, 20]";
	case P_TASK_LIST: return "a list of tasks {\"title\", \"notes\", \"status\"}";
	default: return "one of the listed values";
	}
}

/* The value of parameter p from the model's v (not null) into *out; a
 * message in msg when it does not fit. */
static int coerce(const char *tool, const struct param *p, json_t *v, json_t **out,
		  char *msg, size_t msglen)
{
	json_t *list;
	size_t i;
	int bad = 0;

	*out = NULL;
	switch (p->type) {
	case P_STRING:
		bad = coerce_string(v, out);
		break;
	case P_BOOL:
		bad = coerce_bool(v, out);
		break;
	case P_NUMBER:
	case P_INT:
		bad = coerce_number(v, p->type == P_INT, out) || json_number_value(*out) < 0;
		break;
	case P_INT_LIST:
		bad = coerce_int_list(v, out);
		break;
	case P_TASK_LIST:
		list = from_text(v);
		if (!json_is_array(list)) {
			json_decref(list);
			bad = 1;
			break;
		}
		*out = task_tracker_normalize(list, msg, msglen);
		json_decref(list);
		return *out ? 0 : HB_EINVAL;
	case P_ENUM:
		for (i = 0; json_is_string(v) && p->values[i]; i++)
			if (!strcmp(json_string_value(v), p->values[i]))
				*out = json_incref(v);
		bad = !*out;
		break;
	}
	if (!bad)
		return 0;
	json_decref(*out);
	*out = NULL;
	{
		char *got = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(msg, msglen, "%s: parameter %s: expected %s, got %.100s", tool, p->name,
			 expected(p), got ? got : "?");
		free(got);
	}
	return HB_EINVAL;
}

/* ----------------------------------------------------------------- parse */

/* The Action's fields in the table's order, from args; every field
 * present (null or its default when not given). */
static int build_action(const struct tool *t, json_t *args, json_t *action, char *msg,
			size_t msglen)
{
	const struct param *p;
	json_t *v, *val;
	int rc;

	for (p = t->params; p->name; p++) {
		v = json_object_get(args, p->name);
		if (!v || json_is_null(v)) {
			if (p->required) {
				snprintf(msg, msglen, "%s: missing required parameter %s", t->name,
					 p->name);
				return HB_EINVAL;
			}
			val = p->def ? json_loads(p->def, JSON_DECODE_ANY, NULL) : json_null();
		} else if ((rc = coerce(t->name, p, v, &val, msg, msglen)))
			return rc;
		if (!val || json_object_set_new(action, p->name, val)) {
			snprintf(msg, msglen, "out of memory");
			return HB_ENOMEM;
		}
	}
	return 0;
}

/* What the types cannot say. */
static int check_action(const struct tool *t, json_t *a, char *msg, size_t msglen)
{
	if (!strcmp(t->name, "terminal") && json_is_true(json_object_get(a, "reset")) &&
	    json_is_true(json_object_get(a, "is_input"))) {
		snprintf(msg, msglen, "terminal: reset cannot be combined with is_input (reset "
			 "starts a new shell; send the input without reset)");
		return HB_EINVAL;
	}
	return 0;
}

int tools_parse_action(const char *name, const char *arguments, json_t **action,
		       char **summary, char *err, size_t errlen)
{
	const struct tool *t = tool_find(tools_canonical_name(name));
	char msg[MSG_MAX] = "";
	json_error_t jerr;
	json_t *args = NULL, *sum;
	int rc;

	*action = NULL;
	if (summary)
		*summary = NULL;
	if (!t)
		return hb_fail(err, errlen, HB_EINVAL, "Tool '%.100s' not found. Available: "
			       "terminal, file_editor, task_tracker, think, finish (and browser_* in a "
			       "sandbox with a browser)", name ? name : "");
	args = arguments && arguments[strspn(arguments, " \t\r\n")] ?
		json_loads(arguments, 0, &jerr) : json_object();
	if (!json_is_object(args)) {
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: the arguments are not a JSON object "
			     "(%s)", t->name, args ? "another JSON value" : jerr.text);
		goto out;
	}
	*action = json_pack("{s:s}", "kind", t->kind);
	if (!*action) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = build_action(t, args, *action, msg, sizeof(msg))) ||
	    (rc = check_action(t, *action, msg, sizeof(msg)))) {
		hb_fail(err, errlen, rc, "%s", msg);
		json_decref(*action);
		*action = NULL;
		goto out;
	}
	sum = json_object_get(args, "summary");
	if (summary && json_is_string(sum) && !(*summary = strdup(json_string_value(sum))))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
out:
	json_decref(args);
	return rc;
}
