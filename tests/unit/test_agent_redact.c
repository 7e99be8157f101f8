/* test_agent_redact.c — agent/redact: secrets hidden in text and in every
 * string of a JSON value (keys too), and the shapes of agent/event's
 * constructors (API.md § 2: a UUID id, a timestamp without a zone suffix
 * with microseconds, source, kind and each kind's fields), which the
 * redaction runs on before anyone sees an event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agent/redact.h"
#include "agent_events.h"
#include "common/ids.h"

#define H REDACTED

static void assert_redacts(const char *in, const char *const *secrets, const char *want)
{
	char *out = redact_text(in, secrets);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_text(void **state)
{
	const char *const one[] = { "sk-12345", NULL };
	const char *const two[] = { "sk-12345", "hunter22", NULL };

	assert_redacts("no secret here", one, "no secret here");
	assert_redacts("sk-12345", one, H);
	assert_redacts("key=sk-12345;", one, "key=" H ";");
	assert_redacts("sk-12345sk-12345 and sk-12345", one, H H " and " H);
	assert_redacts("a sk-12345 b hunter22 c sk-12345", two,
		       "a " H " b " H " c " H);
	assert_redacts("", one, "");
}

/* at one place, the longer secret wins: no tail of it is left in clear */
static void test_overlapping(void **state)
{
	const char *const short_first[] = { "abcd", "abcdefgh", NULL };
	const char *const long_first[] = { "abcdefgh", "abcd", NULL };

	assert_redacts("x abcdefgh y", short_first, "x " H " y");
	assert_redacts("x abcdefgh y", long_first, "x " H " y");
	assert_redacts("x abcd y abcdefgh", short_first, "x " H " y " H);
	/* a shorter one starting first and overlapping a longer: both hidden
	 * whole, nothing of "abcdefgh" left */
	assert_redacts("x zzabcdefgh y", (const char *const[]){ "zzabcd", "abcdefgh", NULL },
		       "x " H " y");
	assert_redacts("x zzabcdefgh y", (const char *const[]){ "abcdefgh", "zzabcd", NULL },
		       "x " H " y");
	/* a chain of three */
	assert_redacts("1111222233334444", (const char *const[]){ "11112222", "22223333",
				"33334444", NULL }, H);
}

static void test_short_and_empty_lists(void **state)
{
	const char *const tiny[] = { "a", "ab", "abc", "", NULL };
	const char *const none[] = { NULL };
	const char *const four[] = { "abcd", NULL };

	assert_redacts("a abc abcabc", tiny, "a abc abcabc");
	assert_redacts("a abc", none, "a abc");
	assert_redacts("a abc", NULL, "a abc");
	/* 4 characters is the least that is hidden */
	assert_redacts("abc abcd", four, "abc " H);
}

static void assert_json(const char *in, const char *const *secrets, const char *want)
{
	json_t *j = json_loads(in, JSON_DECODE_ANY, NULL);
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);

	assert_non_null(j);
	assert_non_null(w);
	assert_int_equal(redact_json(j, secrets), 0);
	if (!json_equal(j, w)) {
		char *got = json_dumps(j, JSON_SORT_KEYS);

		fail_msg("redact_json(%s) = %s, expected %s", in, got, want);
	}
	json_decref(j);
	json_decref(w);
}

static void test_json(void **state)
{
	const char *const s[] = { "tok-9876", "pw-secret", NULL };

	assert_json("\"tok-9876\"", s, "\"" H "\"");
	assert_json("[1, true, null, 2.5, \"x tok-9876\"]", s,
		    "[1, true, null, 2.5, \"x " H "\"]");
	assert_json("{\"a\": {\"b\": [\"tok-9876\", {\"c\": \"pw-secret tok-9876\"}]}, \"d\": 7}", s,
		    "{\"a\": {\"b\": [\"" H "\", {\"c\": \"" H " " H "\"}]}, \"d\": 7}");
	/* keys: the member moves under the hidden key, its value hidden too */
	assert_json("{\"tok-9876\": \"pw-secret\", \"k\": \"v\"}", s,
		    "{\"" H "\": \"" H "\", \"k\": \"v\"}");
	assert_json("{\"env\": {\"X_tok-9876\": 1, \"Y\": 2}}", s,
		    "{\"env\": {\"X_" H "\": 1, \"Y\": 2}}");
	/* NULL or empty lists, short secrets: untouched */
	assert_json("{\"tok-9876\": \"tok-9876\"}", NULL, "{\"tok-9876\": \"tok-9876\"}");
	assert_json("{\"abc\": \"abc\"}", (const char *const[]){ "abc", NULL },
		    "{\"abc\": \"abc\"}");
}

/* a secret that REDACTED itself contains ("secret", "hidden": real
 * passwords in test setups) must not make a key redact forever */
static void test_secret_inside_marker(void **state)
{
	const char *const s[] = { "secret", NULL };

	assert_redacts("my secret", s, "my " H);
	assert_json("{\"secret\": \"x\", \"a\": \"the secret\"}", s,
		    "{\"" H "\": \"x\", \"a\": \"the " H "\"}");
}

/* an event after redaction: nothing of the secret is left anywhere */
static void test_event(void **state)
{
	const char *const s[] = { "sk-live-ABCDEF", NULL };
	json_t *ev = event_state_update("agent", json_pack("{s:{s:s, s:s}}", "llm", "api_key",
							  "sk-live-ABCDEF", "model", "m"));
	char *text;

	assert_non_null(ev);
	assert_int_equal(redact_json(ev, s), 0);
	text = json_dumps(ev, 0);
	assert_null(strstr(text, "sk-live"));
	assert_non_null(strstr(text, H));
	assert_non_null(strstr(text, "\"model\": \"m\""));
	free(text);
	json_decref(ev);
}

/* ------------------------------------------------------------ event.c */

/* 2026-06-16T05:39:18.809928: no zone, 6 fractional digits */
static void assert_timestamp(const char *ts)
{
	const char *form = "dddd-dd-ddTdd:dd:dd.dddddd";
	size_t i;

	assert_non_null(ts);
	assert_int_equal(strlen(ts), strlen(form));
	for (i = 0; form[i]; i++) {
		if (form[i] == 'd')
			assert_true(isdigit((unsigned char)ts[i]));
		else
			assert_int_equal(ts[i], form[i]);
	}
}

static void assert_event(json_t *ev, const char *kind, const char *source)
{
	assert_non_null(ev);
	assert_true(uuid_is_valid(str_at(ev, "id")));
	assert_timestamp(str_at(ev, "timestamp"));
	assert_string_equal(str_at(ev, "kind"), kind);
	assert_string_equal(str_at(ev, "source"), source);
}

static void test_event_new(void **state)
{
	json_t *a = event_new("PauseEvent", "user"), *b = event_pause();

	assert_event(a, "PauseEvent", "user");
	assert_event(b, "PauseEvent", "user");
	assert_int_equal(json_object_size(a), 4);
	/* fresh ids */
	assert_string_not_equal(str_at(a, "id"), str_at(b, "id"));
	json_decref(a);
	json_decref(b);
}

static void test_text_content(void **state)
{
	json_t *c = event_text_content("hi"), *e = event_text_content(""),
	       *n = event_text_content(NULL), *two;
	char *t;

	assert_int_equal(json_array_size(c), 1);
	assert_string_equal(str_at(json_array_get(c, 0), "type"), "text");
	assert_string_equal(str_at(json_array_get(c, 0), "text"), "hi");
	assert_int_equal(json_array_size(e), 0);
	assert_int_equal(json_array_size(n), 0);
	two = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "type", "text", "text", "ab",
			"type", "text", "text", "cd", "type", "image_url");
	assert_string_equal(t = event_content_text(two), "abcd");
	free(t);
	assert_string_equal(t = event_content_text(e), "");
	free(t);
	assert_string_equal(t = event_content_text(NULL), "");
	free(t);
	json_decref(c);
	json_decref(e);
	json_decref(n);
	json_decref(two);
}

static void test_system_prompt_and_message(void **state)
{
	json_t *tools = json_pack("[{s:s}]", "type", "function");
	json_t *sp = event_system_prompt("be good", tools), *m;

	assert_event(sp, "SystemPromptEvent", "agent");
	assert_string_equal(str_at(json_object_get(sp, "system_prompt"), "type"), "text");
	assert_string_equal(str_at(json_object_get(sp, "system_prompt"), "text"), "be good");
	assert_true(json_equal(json_object_get(sp, "tools"), tools));
	json_decref(tools);                    /* copied, not stolen */
	json_decref(sp);

	m = event_message("environment", "user", "nudge");
	assert_event(m, "MessageEvent", "environment");
	assert_string_equal(str_at(json_object_get(m, "llm_message"), "role"), "user");
	assert_string_equal(str_at(json_array_get(json_object_get(json_object_get(m, "llm_message"),
								 "content"), 0), "text"), "nudge");
	json_decref(m);
}

static void test_state_errors_pause(void **state)
{
	json_t *v = json_string("running"), *ev;

	ev = event_state_update("execution_status", v);     /* v stolen */
	assert_event(ev, "ConversationStateUpdateEvent", "environment");
	assert_string_equal(str_at(ev, "key"), "execution_status");
	assert_ptr_equal(json_object_get(ev, "value"), v);
	json_decref(ev);

	ev = event_conversation_error("MaxIterationsReached", "500 steps");
	assert_event(ev, "ConversationErrorEvent", "environment");
	assert_string_equal(str_at(ev, "code"), "MaxIterationsReached");
	assert_string_equal(str_at(ev, "detail"), "500 steps");
	json_decref(ev);

	ev = event_agent_error("terminal", "call_1", "bad arguments");
	assert_event(ev, "AgentErrorEvent", "agent");
	assert_string_equal(str_at(ev, "tool_name"), "terminal");
	assert_string_equal(str_at(ev, "tool_call_id"), "call_1");
	assert_string_equal(str_at(ev, "error"), "bad arguments");
	json_decref(ev);
}

static void test_action_observation_condensation(void **state)
{
	struct event_call c = {
		.thought = "I will look", .reasoning = "hmm", .tool_name = "terminal",
		.call_id = "call_7", .call_name = "execute_bash",
		.arguments = "{\"command\":\"ls\"}", .response_id = "chatcmpl-1",
		.summary = "list files",
	};
	json_t *action = json_pack("{s:s, s:s}", "kind", "TerminalAction", "command", "ls");
	json_t *a = event_action(&c, action), *o, *ids, *cd, *tc;

	assert_event(a, "ActionEvent", "agent");
	assert_ptr_equal(json_object_get(a, "action"), action);
	assert_string_equal(str_at(json_array_get(json_object_get(a, "thought"), 0), "text"),
			    "I will look");
	assert_string_equal(str_at(a, "tool_name"), "terminal");
	assert_string_equal(str_at(a, "tool_call_id"), "call_7");
	tc = json_object_get(a, "tool_call");
	assert_string_equal(str_at(tc, "id"), "call_7");
	assert_string_equal(str_at(tc, "name"), "execute_bash");   /* as the model wrote it */
	assert_string_equal(str_at(tc, "arguments"), "{\"command\":\"ls\"}");
	assert_string_equal(str_at(a, "llm_response_id"), "chatcmpl-1");
	assert_string_equal(str_at(a, "summary"), "list files");
	assert_string_equal(str_at(a, "reasoning_content"), "hmm");

	o = event_observation("terminal", "call_7", str_at(a, "id"),
			      json_pack("{s:s}", "kind", "TerminalObservation"));
	assert_event(o, "ObservationEvent", "environment");
	assert_string_equal(str_at(o, "tool_name"), "terminal");
	assert_string_equal(str_at(o, "tool_call_id"), "call_7");
	assert_string_equal(str_at(o, "action_id"), str_at(a, "id"));
	assert_string_equal(str_at(json_object_get(o, "observation"), "kind"),
			    "TerminalObservation");

	ids = json_pack("[s, s]", str_at(a, "id"), str_at(o, "id"));
	cd = event_condensation(ids, "gone");
	assert_event(cd, "Condensation", "environment");
	assert_ptr_equal(json_object_get(cd, "forgotten_event_ids"), ids);
	assert_string_equal(str_at(cd, "summary"), "gone");
	json_decref(cd);
	json_decref(o);
	json_decref(a);

	/* the optional parts absent: no summary, no reasoning, an empty
	 * thought, "{}" arguments */
	c = (struct event_call){ .tool_name = "think", .call_id = "c", .call_name = "think" };
	a = event_action(&c, json_object());
	assert_non_null(a);
	assert_null(json_object_get(a, "summary"));
	assert_null(json_object_get(a, "reasoning_content"));
	assert_int_equal(json_array_size(json_object_get(a, "thought")), 0);
	assert_string_equal(str_at(json_object_get(a, "tool_call"), "arguments"), "{}");
	assert_string_equal(str_at(a, "llm_response_id"), "");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_short_and_empty_lists),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_secret_inside_marker),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_event_new),
		cmocka_unit_test(test_text_content),
		cmocka_unit_test(test_system_prompt_and_message),
		cmocka_unit_test(test_state_errors_pause),
		cmocka_unit_test(test_action_observation_condensation),
	};
	return cmocka_run_group_tests_name("agent_redact", tests, NULL, NULL);
}
