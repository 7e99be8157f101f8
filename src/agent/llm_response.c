/* llm_response.c — a chat completion body into a struct llm_response
 * (llm_wire.h): content, reasoning, tool calls (native, or written as
 * text in the content), finish reason and usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/llm_textcall.h"
#include "agent/llm_wire.h"
#include "common/buf.h"
#include "common/hb_error.h"

void llm_response_clear(struct llm_response *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->ncalls; i++)
		llm_tool_call_clear(&r->calls[i]);
	free(r->calls);
	free(r->id);
	free(r->content);
	free(r->reasoning);
	free(r->finish_reason);
	memset(r, 0, sizeof(*r));
}

static int64_t int_at(json_t *o, const char *key, const char *sub)
{
	json_t *v = json_object_get(o, key);

	if (sub)
		v = json_object_get(v, sub);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void read_usage(json_t *u, struct llm_response *out)
{
	if (!json_is_object(u))
		return;
	out->usage_known = true;
	out->usage.prompt_tokens = int_at(u, "prompt_tokens", NULL);
	out->usage.completion_tokens = int_at(u, "completion_tokens", NULL);
	out->usage.cache_read_tokens = int_at(u, "prompt_tokens_details", "cached_tokens");
	if (!out->usage.cache_read_tokens)
		out->usage.cache_read_tokens = int_at(u, "cache_read_input_tokens", NULL);
	out->usage.reasoning_tokens = int_at(u, "completion_tokens_details", "reasoning_tokens");
}

/* A content string, or the text parts of a content array joined. */
static char *content_text(json_t *content)
{
	struct buf b;
	size_t i;
	json_t *part;

	if (json_is_string(content) || !json_is_array(content))
		return strdup(json_is_string(content) ? json_string_value(content) : "");
	buf_init(&b, 0);
	json_array_foreach(content, i, part)
		if (json_is_string(json_object_get(part, "text")) &&
		    buf_printf(&b, "%s", json_string_value(json_object_get(part, "text")))) {
			buf_free(&b);
			return NULL;
		}
	return b.data ? buf_steal(&b, NULL) : strdup("");
}

static char *arguments_text(json_t *args)
{
	if (json_is_string(args))
		return strdup(json_string_value(args));
	/* no arguments at all: an empty object (a literal, not a json_object()
	 * that would be leaked) */
	if (!args)
		return strdup("{}");
	/* some servers send the arguments as an object */
	return json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* true when an earlier call of out already has id: some servers repeat
 * one id (or "call_0") for every call of an answer, and each call needs an
 * answer of its own */
static bool id_taken(const struct llm_response *out, size_t upto, const char *id)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (!strcmp(out->calls[i].id, id))
			return true;
	return false;
}

static int read_native_calls(json_t *calls, unsigned long *next_id, struct llm_response *out)
{
	size_t i, n = json_array_size(calls);
	json_t *call;
	char id[32];

	if (!n)
		return 0;
	if (!(out->calls = calloc(n, sizeof(*out->calls))))
		return HB_ENOMEM;
	json_array_foreach(calls, i, call) {
		struct llm_tool_call *c = &out->calls[out->ncalls++];
		json_t *fn = json_object_get(call, "function");
		const char *sid = json_string_value(json_object_get(call, "id"));
		const char *name = json_string_value(json_object_get(fn, "name"));

		snprintf(id, sizeof(id), "call_%lu", (*next_id)++);
		c->id = strdup(sid && *sid && !id_taken(out, out->ncalls - 1, sid) ? sid : id);
		c->name = strdup(name ? name : "");
		c->arguments = arguments_text(json_object_get(fn, "arguments"));
		if (!c->id || !c->name || !c->arguments)
			return HB_ENOMEM;
	}
	return 0;
}

/* <think> parts out of the content always; calls out of it only when the
 * answer has no native ones. */
static int read_text(const char *text, unsigned long *next_id, struct llm_response *out)
{
	struct llm_textcall_reply t;
	char *joined;
	int rc = llm_textcall_parse(text, next_id, &t);

	if (rc)
		return rc;
	if (t.reasoning && out->reasoning) {
		if (asprintf(&joined, "%s\n%s", out->reasoning, t.reasoning) < 0) {
			rc = HB_ENOMEM;
			goto out;
		}
		free(out->reasoning);
		out->reasoning = joined;
	} else if (t.reasoning) {
		out->reasoning = t.reasoning;
		t.reasoning = NULL;
	}
	free(out->content);
	out->content = t.content;
	t.content = NULL;
	if (!out->ncalls) {
		out->calls = t.calls;
		out->ncalls = t.ncalls;
		t.calls = NULL;
		t.ncalls = 0;
	}
out:
	llm_textcall_reply_clear(&t);
	return rc;
}

static char *dup_or_empty(json_t *s)
{
	return strdup(json_is_string(s) ? json_string_value(s) : "");
}

int llm_response_read(json_t *body, unsigned long *next_id, struct llm_response *out,
		      char *err, size_t errlen)
{
	json_t *choice = json_array_get(json_object_get(body, "choices"), 0);
	json_t *message = json_object_get(choice, "message");
	json_t *reasoning;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(message))
		return hb_fail(err, errlen, HB_EIO, "the answer is not a chat completion: "
			       "it has no choices[0].message");
	read_usage(json_object_get(body, "usage"), out);
	out->id = dup_or_empty(json_object_get(body, "id"));
	out->finish_reason = dup_or_empty(json_object_get(choice, "finish_reason"));
	out->content = content_text(json_object_get(message, "content"));
	reasoning = json_object_get(message, "reasoning_content");
	if (!json_is_string(reasoning) || !json_string_length(reasoning))
		reasoning = json_object_get(message, "reasoning");
	if (json_is_string(reasoning) && json_string_length(reasoning))
		out->reasoning = strdup(json_string_value(reasoning));
	rc = out->id && out->finish_reason && out->content ? 0 : HB_ENOMEM;
	if (!rc)
		rc = read_native_calls(json_object_get(message, "tool_calls"), next_id, out);
	if (!rc)
		rc = read_text(out->content, next_id, out);
	if (rc) {
		llm_response_clear(out);
		return hb_fail(err, errlen, rc, "out of memory reading the answer");
	}
	return 0;
}
