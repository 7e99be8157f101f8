/* llm_sse.c — streamed chat completions into one answer; see llm_sse.h. */
#include <stdlib.h>
#include <string.h>

#include "agent/llm_sse.h"
#include "common/hb_error.h"

void llm_sse_init(struct llm_sse *p, size_t cap)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->cap = cap;
	buf_init(&p->line, cap);
	buf_init(&p->content, cap);
	buf_init(&p->reasoning, cap);
	for (i = 0; i < LLM_SSE_MAX_CALLS; i++) {
		buf_init(&p->calls[i].id, 4096);
		buf_init(&p->calls[i].name, 4096);
		buf_init(&p->calls[i].args, cap);
	}
}

void llm_sse_free(struct llm_sse *p)
{
	size_t i;

	buf_free(&p->line);
	buf_free(&p->content);
	buf_free(&p->reasoning);
	for (i = 0; i < LLM_SSE_MAX_CALLS; i++) {
		buf_free(&p->calls[i].id);
		buf_free(&p->calls[i].name);
		buf_free(&p->calls[i].args);
	}
	free(p->id);
	free(p->finish_reason);
	free(p->error);
	json_decref(p->usage);
	p->id = p->finish_reason = p->error = NULL;
	p->usage = NULL;
}

static int append_str(struct buf *b, json_t *s)
{
	return json_is_string(s) ? buf_append(b, json_string_value(s), json_string_length(s)) : 0;
}

static int set_str(char **dst, json_t *s)
{
	char *v;

	if (!json_is_string(s))
		return 0;
	if (!(v = strdup(json_string_value(s))))
		return HB_ENOMEM;
	free(*dst);
	*dst = v;
	return 0;
}

/* The slot of a tool-call delta: its "index"; without one (some servers),
 * a new id opens the next slot and no id continues the last. */
static struct llm_sse_call *call_slot(struct llm_sse *p, json_t *delta)
{
	json_t *index = json_object_get(delta, "index");
	const char *id = json_string_value(json_object_get(delta, "id"));
	size_t i;

	if (json_is_integer(index))
		i = json_integer_value(index) < 0 ? LLM_SSE_MAX_CALLS : (size_t)json_integer_value(index);
	else if (id && *id && (!p->ncalls || strcmp(p->calls[p->ncalls - 1].id.data ? p->calls[p->ncalls - 1].id.data : "", id)))
		i = p->ncalls;
	else
		i = p->ncalls ? p->ncalls - 1 : 0;
	if (i >= LLM_SSE_MAX_CALLS)
		return NULL;
	if (i >= p->ncalls)
		p->ncalls = i + 1;
	return &p->calls[i];
}

/* id and name come whole, once (some servers repeat them in every delta:
 * kept once); arguments come in pieces. */
static int add_call_delta(struct llm_sse *p, json_t *delta)
{
	struct llm_sse_call *c = call_slot(p, delta);
	json_t *fn = json_object_get(delta, "function");
	json_t *id = json_object_get(delta, "id"), *name = json_object_get(fn, "name");
	int rc = 0;

	if (!c)
		return HB_ETOOBIG;
	if (json_is_string(id) && json_string_length(id) && !c->id.len)
		rc |= append_str(&c->id, id);
	if (json_is_string(name) && (!c->name.len || strcmp(c->name.data, json_string_value(name))))
		rc |= append_str(&c->name, name);
	rc |= append_str(&c->args, json_object_get(fn, "arguments"));
	return rc ? HB_ETOOBIG : 0;
}

static int add_choice(struct llm_sse *p, json_t *choice)
{
	json_t *delta = json_object_get(choice, "delta"), *call;
	size_t i;
	int rc = 0;

	if (!delta)
		delta = json_object_get(choice, "message");
	rc |= append_str(&p->content, json_object_get(delta, "content"));
	rc |= append_str(&p->reasoning, json_object_get(delta, "reasoning_content"));
	rc |= append_str(&p->reasoning, json_object_get(delta, "reasoning"));
	json_array_foreach(json_object_get(delta, "tool_calls"), i, call)
		if (!rc)
			rc = add_call_delta(p, call);
	if (!rc && set_str(&p->finish_reason, json_object_get(choice, "finish_reason")))
		return HB_ENOMEM;
	return rc;
}

static const char *error_message(json_t *e)
{
	const char *m = json_string_value(json_object_get(e, "message"));

	return m ? m : json_is_string(e) ? json_string_value(e) : "an error without a message";
}

static int add_chunk(struct llm_sse *p, json_t *chunk)
{
	json_t *choices = json_object_get(chunk, "choices"), *choice, *usage;
	size_t i;
	int rc = 0;

	if (json_object_get(chunk, "error")) {
		free(p->error);
		p->error = strdup(error_message(json_object_get(chunk, "error")));
		return p->error ? 0 : HB_ENOMEM;
	}
	p->chunks++;
	if (!p->id && set_str(&p->id, json_object_get(chunk, "id")))
		return HB_ENOMEM;
	usage = json_object_get(chunk, "usage");
	if (json_is_object(usage)) {
		json_decref(p->usage);
		p->usage = json_incref(usage);
	}
	/* n is always 1 here: only choice 0 is the answer */
	json_array_foreach(choices, i, choice)
		if (!rc && json_integer_value(json_object_get(choice, "index")) == 0)
			rc = add_choice(p, choice);
	return rc;
}

static int read_line(struct llm_sse *p, char *err, size_t errlen)
{
	char *s = p->line.data ? p->line.data : "";
	size_t n = p->line.len;
	json_t *chunk;
	int rc;

	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (strncmp(s, "data:", 5)) {
		p->skipped += n > 0;      /* blank lines end events: not garbage */
		return 0;
	}
	s += 5 + (s[5] == ' ');
	if (!strcmp(s, "[DONE]")) {
		p->done = true;
		return 0;
	}
	if (!(chunk = json_loads(s, 0, NULL)) || !json_is_object(chunk)) {
		json_decref(chunk);
		p->skipped++;
		return 0;
	}
	rc = add_chunk(p, chunk);
	json_decref(chunk);
	if (rc == HB_ETOOBIG)
		return hb_fail(err, errlen, rc, "the streamed answer passes its cap of %zu bytes "
			       "(or %d tool calls)", p->cap, LLM_SSE_MAX_CALLS);
	return rc ? hb_fail(err, errlen, rc, "out of memory reading the streamed answer") : 0;
}

int llm_sse_feed(struct llm_sse *p, const char *data, size_t len, char *err, size_t errlen)
{
	const char *nl;
	size_t n;
	int rc;

	while (len) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (buf_append(&p->line, data, n))
			return hb_fail(err, errlen, HB_ETOOBIG, "a line of the streamed answer passes "
				       "its cap of %zu bytes", p->cap);
		if (!nl)
			return 0;
		rc = read_line(p, err, errlen);
		buf_reset(&p->line);
		if (rc)
			return rc;
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

static json_t *text_or_null(const struct buf *b)
{
	return b->len ? json_stringn(b->data, b->len) : json_null();
}

static json_t *calls_json(const struct llm_sse *p)
{
	json_t *calls = json_array();
	size_t i;

	for (i = 0; calls && i < p->ncalls; i++) {
		const struct llm_sse_call *c = &p->calls[i];

		if (!c->name.len && !c->args.len)
			continue;        /* an index the server skipped */
		if (json_array_append_new(calls, json_pack("{s:o, s:s, s:{s:o, s:o}}",
				"id", text_or_null(&c->id), "type", "function", "function",
				"name", c->name.len ? json_stringn(c->name.data, c->name.len) : json_string(""),
				"arguments", c->args.len ? json_stringn(c->args.data, c->args.len) : json_string("")))) {
			json_decref(calls);
			return NULL;
		}
	}
	return calls;
}

json_t *llm_sse_body(struct llm_sse *p)
{
	json_t *message, *calls;

	if (p->line.len) {
		read_line(p, NULL, 0);
		buf_reset(&p->line);
	}
	calls = calls_json(p);
	message = json_pack("{s:s, s:o, s:o}", "role", "assistant",
			    "content", text_or_null(&p->content),
			    "reasoning_content", text_or_null(&p->reasoning));
	if (message && calls && json_array_size(calls))
		json_object_set(message, "tool_calls", calls);
	json_decref(calls);
	if (!message)
		return NULL;
	return json_pack("{s:s, s:[{s:i, s:o, s:o}], s:O?}",
			 "id", p->id ? p->id : "",
			 "choices", "index", 0, "message", message,
			 "finish_reason", p->finish_reason ? json_string(p->finish_reason) : json_null(),
			 "usage", p->usage);
}
