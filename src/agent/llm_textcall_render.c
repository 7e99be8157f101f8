/* llm_textcall_render.c — the request side of text tool calls
 * (llm_textcall.h): the tools described in words for the system message,
 * and a native history rewritten into plain chat messages. */
#include <stdlib.h>
#include <string.h>

#include "agent/llm_textcall.h"
#include "common/buf.h"

static int put(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* "string", or "string|null" for a list of types. */
static int put_type(struct buf *b, json_t *type)
{
	size_t i;
	json_t *t;
	int rc = 0;

	if (!json_is_array(type))
		return put(b, json_is_string(type) ? json_string_value(type) : "string");
	json_array_foreach(type, i, t) {
		if (i)
			rc |= put(b, "|");
		rc |= put(b, json_is_string(t) ? json_string_value(t) : "?");
	}
	return rc;
}

static bool is_required(json_t *required, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(required, i, r)
		if (json_is_string(r) && !strcmp(json_string_value(r), name))
			return true;
	return false;
}

static int put_enum(struct buf *b, json_t *values)
{
	size_t i;
	json_t *v;
	char *s;
	int rc = put(b, " (one of");

	json_array_foreach(values, i, v) {
		s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		rc |= buf_printf(b, "%s `%s`", i ? "," : "", s ? s : json_string_value(v) ? json_string_value(v) : "");
		free(s);
	}
	return rc | put(b, ")");
}

/* One tool: its name, description and one line per parameter. */
static int describe_tool(struct buf *b, json_t *tool)
{
	json_t *fn = json_object_get(tool, "function");
	json_t *params, *props, *required, *p;
	const char *key;
	int rc;

	if (!fn)
		fn = tool;
	params = json_object_get(fn, "parameters");
	props = json_object_get(params, "properties");
	required = json_object_get(params, "required");
	rc = buf_printf(b, "## %s\n%s\n", str_or(fn, "name", "?"), str_or(fn, "description", ""));
	if (!json_object_size(props))
		return rc | put(b, "No parameters.\n\n");
	rc |= put(b, "Parameters:\n");
	json_object_foreach(props, key, p) {
		rc |= buf_printf(b, "- %s (", key);
		rc |= put_type(b, json_object_get(p, "type"));
		rc |= buf_printf(b, ", %s): %s", is_required(required, key) ? "required" : "optional",
				 str_or(p, "description", ""));
		if (json_is_array(json_object_get(p, "enum")))
			rc |= put_enum(b, json_object_get(p, "enum"));
		rc |= put(b, "\n");
	}
	return rc | put(b, "\n");
}

static const char FORMAT_RULES[] =
	"# How to call a function\n"
	"Write the call in exactly this form, after any explanation, and write nothing after it:\n\n"
	"<function=FUNCTION_NAME>\n"
	"<parameter=PARAMETER_NAME>value</parameter>\n"
	"<parameter=OTHER_PARAMETER>a value\n"
	"that may span several lines</parameter>\n"
	"</function>\n\n"
	"Rules:\n"
	"- At most one function call per message. Its result comes back in the next message, "
	"which starts with EXECUTION RESULT of [FUNCTION_NAME]:\n"
	"- Write values as plain text: no quotes around them, no escaping. Write lists and "
	"objects as JSON.\n"
	"- Give every required parameter.\n"
	"- To answer without calling a function, write plain text only.\n";

char *llm_textcall_describe(json_t *tools)
{
	struct buf b;
	size_t i;
	json_t *t;
	int rc;

	buf_init(&b, 0);
	rc = put(&b, "# Functions\nYou can call the following functions.\n\n");
	json_array_foreach(tools, i, t)
		rc |= describe_tool(&b, t);
	rc |= put(&b, FORMAT_RULES);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* A message's content as one string: a string as is, text parts joined. */
static int put_content(struct buf *b, json_t *content)
{
	size_t i;
	json_t *part;
	int rc = 0, n = 0;

	if (json_is_string(content))
		return put(b, json_string_value(content));
	json_array_foreach(content, i, part) {
		const char *text = json_string_value(json_object_get(part, "text"));

		if (!text)
			continue;
		if (n++)
			rc |= put(b, "\n");
		rc |= put(b, text);
	}
	return rc;
}

/* <function=NAME>\n<parameter=K>V</parameter>\n…</function>: string values
 * raw, others as JSON (what the model is asked to write). */
static int put_call(struct buf *b, json_t *call)
{
	json_t *fn = json_object_get(call, "function");
	const char *args_text = str_or(fn, "arguments", "{}");
	json_t *args = json_loads(args_text, JSON_DECODE_ANY, NULL);
	const char *key;
	json_t *v;
	int rc = buf_printf(b, "<function=%s>\n", str_or(fn, "name", ""));

	if (!json_is_object(args) && *args_text)
		rc |= buf_printf(b, "%s\n", args_text);
	json_object_foreach(args, key, v) {
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		rc |= buf_printf(b, "<parameter=%s>%s</parameter>\n", key,
				 s ? s : json_string_value(v));
		free(s);
	}
	json_decref(args);
	return rc | put(b, "</function>");
}

static json_t *text_message(const char *role, struct buf *b)
{
	json_t *m = json_pack("{s:s, s:s}", "role", role, "content", b->data ? b->data : "");

	buf_free(b);
	return m;
}

static json_t *assistant_message(json_t *m)
{
	struct buf b;
	size_t i;
	json_t *call;
	int rc;

	buf_init(&b, 0);
	rc = put_content(&b, json_object_get(m, "content"));
	json_array_foreach(json_object_get(m, "tool_calls"), i, call) {
		if (b.len)
			rc |= put(&b, "\n");
		rc |= put_call(&b, call);
	}
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return text_message("assistant", &b);
}

/* The name of the call a tool result answers: its "name", else the name
 * of the earlier assistant call with that id. */
static const char *result_name(json_t *messages, size_t upto, json_t *m)
{
	const char *id = str_or(m, "tool_call_id", NULL);
	size_t i, j;
	json_t *call;

	if (json_is_string(json_object_get(m, "name")))
		return json_string_value(json_object_get(m, "name"));
	for (i = upto; id && i-- > 0;)
		json_array_foreach(json_object_get(json_array_get(messages, i), "tool_calls"), j, call)
			if (!strcmp(str_or(call, "id", ""), id))
				return str_or(json_object_get(call, "function"), "name", "tool");
	return "tool";
}

static json_t *result_message(json_t *messages, size_t i, json_t *m)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	rc = buf_printf(&b, "EXECUTION RESULT of [%s]:\n", result_name(messages, i, m));
	rc |= put_content(&b, json_object_get(m, "content"));
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return text_message("user", &b);
}

static json_t *system_message(json_t *m, const char *desc)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	rc = put_content(&b, m ? json_object_get(m, "content") : NULL);
	if (b.len)
		rc |= put(&b, "\n\n");
	rc |= put(&b, desc);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return text_message("system", &b);
}

/* The rewritten message for m, or m itself (a new reference either way). */
static json_t *rewrite(json_t *messages, size_t i, json_t *m, const char *desc, bool *system_done)
{
	const char *role = str_or(m, "role", "");

	if (!strcmp(role, "system") && !*system_done) {
		*system_done = true;
		return system_message(m, desc);
	}
	if (!strcmp(role, "assistant") && json_array_size(json_object_get(m, "tool_calls")))
		return assistant_message(m);
	if (!strcmp(role, "tool"))
		return result_message(messages, i, m);
	return json_incref(m);
}

json_t *llm_textcall_messages(json_t *messages, json_t *tools)
{
	char *desc;
	json_t *out, *m;
	size_t i;
	bool system_done = false;

	if (!json_is_array(messages) || !(desc = llm_textcall_describe(tools)))
		return NULL;
	out = json_array();
	json_array_foreach(messages, i, m)
		if (!out || json_array_append_new(out, rewrite(messages, i, m, desc, &system_done))) {
			json_decref(out);
			out = NULL;
			break;
		}
	if (out && !system_done && json_array_insert_new(out, 0, system_message(NULL, desc))) {
		json_decref(out);
		out = NULL;
	}
	free(desc);
	return out;
}
