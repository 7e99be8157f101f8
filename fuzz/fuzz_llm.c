/* fuzz_llm.c — libFuzzer target for the agent's host-side readers of what
 * an LLM server sends, all of it untrusted: text tool calls in a reply, the
 * SSE stream of a streamed answer, a chat completion body (and the error
 * message of a refused one), the arguments of a tool call, and the event
 * lists built from them (history, stuck detection, condensation).
 *
 * The first byte of an input picks the target (byte % 5); the rest is its
 * data. Each target checks properties, not just "does not crash": every
 * call read out of a reply has an id, a name and either arguments that are
 * a JSON object or a parse error; an SSE stream cut anywhere gives the same
 * answer as the stream whole; every tool call of the history is answered;
 * and so on. A failed check aborts, which libFuzzer reports like any
 * crash. See docs/testing.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "agent/condense.h"
#include "agent/history.h"
#include "agent/llm.h"
#include "agent/llm_sse.h"
#include "agent/llm_textcall.h"
#include "agent/llm_wire.h"
#include "agent/stuck.h"
#include "agent/tools/tools.h"

enum target { T_TEXTCALL, T_SSE, T_RESPONSE, T_TOOL_ARGS, T_EVENTS, T_COUNT };

/* One call as the agent gets it: an id and a name, then either arguments
 * (a JSON object) or why the call could not be read. */
static void check_call(const struct llm_tool_call *c, int text)
{
	json_t *args;

	CHECK(c->id && *c->id);
	CHECK(c->name);
	if (text) {
		CHECK(!c->arguments != !c->parse_error);
		if (c->parse_error)
			return;
		args = json_loads(c->arguments, 0, NULL);
		CHECK(json_is_object(args));
		json_decref(args);
	} else {
		CHECK(c->arguments && !c->parse_error);
	}
}

/* ------------------------------------------------------------- textcall */

static void fuzz_textcall(const uint8_t *data, size_t n)
{
	char *text = fuzz_cstr(data, n);
	struct llm_textcall_reply r;
	unsigned long id = 7;
	size_t i;

	CHECK(llm_textcall_parse(text, &id, &r) == 0);
	CHECK(r.content);
	CHECK(!strstr(r.content, "<function="));
	CHECK(id == 7 + r.ncalls);
	for (i = 0; i < r.ncalls; i++)
		check_call(&r.calls[i], 1);
	llm_textcall_reply_clear(&r);
	free(text);
}

/* ------------------------------------------------------------------ sse */

/* The stream fed in pieces whose sizes come from the input (byte 0:
 * seed, byte 1: largest piece); rc of the last feed, *body the answer when
 * every feed succeeded. */
static int sse_run(const uint8_t *data, size_t n, size_t cap, uint32_t seed, size_t maxpiece,
		   json_t **body)
{
	struct llm_sse p;
	char err[256];
	size_t off = 0, k;
	int rc = 0;

	llm_sse_init(&p, cap);
	while (off < n && !rc) {
		if (!maxpiece) {
			k = n - off;
		} else {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % maxpiece;
			if (k > n - off)
				k = n - off;
		}
		err[0] = '\0';
		rc = llm_sse_feed(&p, (const char *)data + off, k, err, sizeof(err));
		if (rc)
			CHECK(err[0]);
		off += k;
	}
	*body = rc ? NULL : llm_sse_body(&p);
	if (!rc)
		CHECK(*body);
	llm_sse_free(&p);
	return rc;
}

static void fuzz_sse(const uint8_t *data, size_t n)
{
	static const size_t caps[] = { 1u << 20, 64, 300, 4096 };
	json_t *whole, *cut;
	struct llm_response r;
	unsigned long id = 1;
	char err[256];
	size_t cap, i;
	int rc1, rc2;

	if (n < 2)
		return;
	cap = caps[(data[1] >> 6) % 4];
	rc1 = sse_run(data + 2, n - 2, cap, data[0], 0, &whole);
	rc2 = sse_run(data + 2, n - 2, cap, data[0], 1 + (data[1] & 0x3f), &cut);
	/* where the stream is cut changes nothing */
	CHECK(rc1 == rc2);
	CHECK(!whole == !cut);
	if (!whole)
		return;
	CHECK(json_equal(whole, cut));
	/* the assembled body is a chat completion the reader takes */
	CHECK(llm_response_read(whole, &id, &r, err, sizeof(err)) == 0);
	CHECK(r.id && r.content && r.finish_reason);
	for (i = 0; i < r.ncalls; i++)
		CHECK(r.calls[i].id && r.calls[i].name);
	llm_response_clear(&r);
	json_decref(whole);
	json_decref(cut);
}

/* ------------------------------------------------------------- response */

static void fuzz_response(const uint8_t *data, size_t n)
{
	json_t *body = json_loadb((const char *)data, n, 0, NULL);
	struct llm_response r;
	unsigned long id = 1;
	char err[256], msg[200];
	size_t i;
	int rc;

	/* a refused request's body: the server's words, bounded */
	memset(msg, 'x', sizeof(msg));
	llm_error_message((const char *)data, n, msg, 100);
	CHECK(memchr(msg, '\0', 100));
	CHECK(msg[100] == 'x');
	(void)llm_error_is_context(400, (const char *)data, n);
	(void)llm_error_is_context(413, (const char *)data, n);
	if (!body)
		return;
	err[0] = '\0';
	rc = llm_response_read(body, &id, &r, err, sizeof(err));
	if (rc) {
		CHECK(err[0]);
	} else {
		CHECK(r.id && r.content && r.finish_reason);
		CHECK(!r.ncalls == !r.calls);
		for (i = 0; i < r.ncalls; i++)
			check_call(&r.calls[i], !json_array_size(json_object_get(json_object_get(
				json_array_get(json_object_get(body, "choices"), 0), "message"),
				"tool_calls")));
		llm_response_clear(&r);
	}
	json_decref(body);
}

/* ------------------------------------------------------------ tool args */

static void fuzz_tool_args(const uint8_t *data, size_t n)
{
	static const char *const names[] = {
		"terminal", "file_editor", "task_tracker", "think", "finish",
		"execute_bash", "bash", "str_replace_editor",
	};
	char *text, *args, *name, *summary, err[512], *dump;
	json_t *action;
	int rc;

	if (n < 1)
		return;
	text = fuzz_cstr(data + 1, n - 1);
	if (data[0] % 9 < 8) {
		name = (char *)names[data[0] % 9];
		args = text;
	} else {
		/* the name is the first line */
		name = text;
		args = strchr(text, '\n');
		if (args)
			*args++ = '\0';
	}
	err[0] = '\0';
	rc = tools_parse_action(name, args, &action, &summary, err, sizeof(err));
	if (rc) {
		CHECK(!action && !summary);
		CHECK(err[0]);
	} else {
		CHECK(tools_canonical_name(name));
		CHECK(json_is_string(json_object_get(action, "kind")));
		dump = json_dumps(action, JSON_COMPACT);
		CHECK(dump);
		free(dump);
		json_decref(action);
		free(summary);
	}
	free(text);
}

/* --------------------------------------------------------------- events */

/* Every assistant message's tool calls are answered right after it, as
 * the API requires. Not checked after an assistant message whose calls
 * share an id (a server that numbers its calls badly): history.c pairs
 * calls and answers by id, and such a message can be left with fewer or
 * more answers than calls (a known limit, docs/testing.md). */
static void check_messages(json_t *msgs)
{
	json_t *m, *calls, *want = json_object(), *c, *left;
	const char *role, *id;
	bool dup = false;
	size_t i, j;

	CHECK(json_is_array(msgs));
	json_array_foreach(msgs, i, m) {
		role = json_string_value(json_object_get(m, "role"));
		CHECK(role);
		if (!strcmp(role, "tool") && dup)
			continue;
		if (!strcmp(role, "tool")) {
			/* an answer to a call of the last assistant message */
			id = json_string_value(json_object_get(m, "tool_call_id"));
			CHECK(id && (left = json_object_get(want, id)));
			if (json_integer_value(left) > 1)
				json_integer_set(left, json_integer_value(left) - 1);
			else
				json_object_del(want, id);
			continue;
		}
		CHECK(dup || json_object_size(want) == 0);
		json_object_clear(want);
		dup = false;
		calls = json_object_get(m, "tool_calls");
		json_array_foreach(calls, j, c) {
			id = json_string_value(json_object_get(c, "id"));
			CHECK(id);
			if ((left = json_object_get(want, id)))
				dup = true;
			json_object_set_new(want, id, json_integer(json_integer_value(left) + 1));
		}
	}
	CHECK(dup || json_object_size(want) == 0);
	json_decref(want);
}

static void fuzz_events(uint8_t mode, const uint8_t *data, size_t n)
{
	json_t *events = json_loadb((const char *)data, n, 0, NULL);
	json_t *msgs, *view, *gone, *c, *id, *ids;
	const char *why;
	size_t i;

	if (!json_is_array(events))
		goto out;
	msgs = history_messages(events);
	check_messages(msgs);
	json_decref(msgs);
	view = history_view(events);
	gone = history_forgotten(events);
	CHECK(json_is_array(view) && json_is_object(gone));
	CHECK(json_array_size(view) <= json_array_size(events));
	json_decref(view);
	json_decref(gone);
	why = stuck_check(events);
	CHECK(!why || *why);
	/* budget and force from the mode byte */
	c = condense(events, mode / 10, mode & 1 << 7);
	if (c) {
		CHECK(!strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "Condensation"));
		/* stored events always have string ids; these may not */
		ids = json_object_get(c, "forgotten_event_ids");
		CHECK(json_is_array(ids));
		json_array_foreach(ids, i, id)
			CHECK(id);
		CHECK(json_is_string(json_object_get(c, "summary")));
		/* the agent appends it and shows the LLM the rest */
		json_array_append_new(events, c);
		msgs = history_messages(events);
		check_messages(msgs);
		json_decref(msgs);
	}
out:
	json_decref(events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % T_COUNT) {
	case T_TEXTCALL:
		fuzz_textcall(data + 1, size - 1);
		break;
	case T_SSE:
		fuzz_sse(data + 1, size - 1);
		break;
	case T_RESPONSE:
		fuzz_response(data + 1, size - 1);
		break;
	case T_TOOL_ARGS:
		fuzz_tool_args(data + 1, size - 1);
		break;
	case T_EVENTS:
		fuzz_events(data[0], data + 1, size - 1);
		break;
	}
	return 0;
}
