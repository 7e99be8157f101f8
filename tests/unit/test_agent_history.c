/* test_agent_history.c — agent/history: a conversation's events as the
 * chat messages the LLM reads. Every tool call of an assistant message
 * must be answered by a tool message right after it (the OpenAI API
 * refuses the request otherwise), calls of one LLM answer come back as one
 * message, and what a Condensation forgot is replaced by its summary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/history.h"
#include "agent_events.h"

static json_t *msg(json_t *messages, size_t i)
{
	json_t *m = json_array_get(messages, i);

	assert_non_null(m);
	return m;
}

static void assert_message(json_t *messages, size_t i, const char *role, const char *content)
{
	json_t *m = msg(messages, i);

	assert_string_equal(str_at(m, "role"), role);
	assert_string_equal(str_at(m, "content"), content);
}

static void assert_tool_message(json_t *messages, size_t i, const char *call_id,
				const char *content)
{
	assert_message(messages, i, "tool", content);
	assert_string_equal(str_at(msg(messages, i), "tool_call_id"), call_id);
}

/* the i-th call of an assistant message */
static void assert_call(json_t *m, size_t i, const char *id, const char *name,
			const char *arguments)
{
	json_t *call = json_array_get(json_object_get(m, "tool_calls"), i);

	assert_non_null(call);
	assert_string_equal(str_at(call, "id"), id);
	assert_string_equal(str_at(call, "type"), "function");
	assert_string_equal(str_at(json_object_get(call, "function"), "name"), name);
	assert_string_equal(str_at(json_object_get(call, "function"), "arguments"), arguments);
}

static void test_prompt_and_messages(void **state)
{
	json_t *ev = json_array(), *m;

	sys_prompt(ev, "You are an agent.");
	user_says(ev, "fix the bug");
	agent_says(ev, "done");
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 3);
	assert_message(m, 0, "system", "You are an agent.");
	assert_message(m, 1, "user", "fix the bug");
	assert_message(m, 2, "assistant", "done");
	assert_null(json_object_get(msg(m, 2), "tool_calls"));
	json_decref(m);
	json_decref(ev);
}

static void test_action_and_observation(void **state)
{
	json_t *ev = json_array(), *m, *a;

	sys_prompt(ev, "S");
	user_says(ev, "list");
	a = run_cmd(ev, "call_1", "resp_1", "ls", "Let me look.");
	observe(ev, a, "a.txt\n[The command completed with exit code 0.]", 0, 0);
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 4);
	assert_message(m, 2, "assistant", "Let me look.");
	assert_int_equal(json_array_size(json_object_get(msg(m, 2), "tool_calls")), 1);
	assert_call(msg(m, 2), 0, "call_1", "terminal", "{\"command\":\"ls\"}");
	assert_tool_message(m, 3, "call_1", "a.txt\n[The command completed with exit code 0.]");
	json_decref(m);
	json_decref(ev);
}

/* A1 O1 A2 O2 of one LLM answer: one assistant message with both calls,
 * then both answers, in order */
static void test_one_answer_two_calls(void **state)
{
	json_t *ev = json_array(), *m, *a1, *a2;

	sys_prompt(ev, "S");
	user_says(ev, "go");
	a1 = run_cmd(ev, "c1", "r1", "pwd", "two things");
	observe(ev, a1, "/workspace", 0, 0);
	a2 = run_cmd(ev, "c2", "r1", "whoami", NULL);
	observe(ev, a2, "root", 0, 0);
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 5);
	assert_message(m, 2, "assistant", "two things");
	assert_int_equal(json_array_size(json_object_get(msg(m, 2), "tool_calls")), 2);
	assert_call(msg(m, 2), 0, "c1", "terminal", "{\"command\":\"pwd\"}");
	assert_call(msg(m, 2), 1, "c2", "terminal", "{\"command\":\"whoami\"}");
	assert_tool_message(m, 3, "c1", "/workspace");
	assert_tool_message(m, 4, "c2", "root");
	json_decref(m);
	json_decref(ev);
}

/* two answers in a row: two assistant messages, each followed by its answer */
static void test_two_answers(void **state)
{
	json_t *ev = json_array(), *m, *a1, *a2;

	user_says(ev, "go");
	a1 = run_cmd(ev, "c1", "r1", "pwd", NULL);
	observe(ev, a1, "/workspace", 0, 0);
	a2 = run_cmd(ev, "c2", "r2", "whoami", NULL);
	observe(ev, a2, "root", 0, 0);
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 5);
	assert_int_equal(json_array_size(json_object_get(msg(m, 1), "tool_calls")), 1);
	assert_call(msg(m, 1), 0, "c1", "terminal", "{\"command\":\"pwd\"}");
	assert_tool_message(m, 2, "c1", "/workspace");
	assert_int_equal(json_array_size(json_object_get(msg(m, 3), "tool_calls")), 1);
	assert_call(msg(m, 3), 0, "c2", "terminal", "{\"command\":\"whoami\"}");
	assert_tool_message(m, 4, "c2", "root");
	json_decref(m);
	json_decref(ev);
}

/* an action the conversation never answered (interrupted) still gets a
 * tool message, before the next message */
static void test_interrupted_action(void **state)
{
	json_t *ev = json_array(), *m, *tool;

	user_says(ev, "go");
	run_cmd(ev, "c1", "r1", "sleep 100", NULL);
	push(ev, event_pause());
	user_says(ev, "stop that");
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 4);
	assert_call(msg(m, 1), 0, "c1", "terminal", "{\"command\":\"sleep 100\"}");
	tool = msg(m, 2);
	assert_string_equal(str_at(tool, "role"), "tool");
	assert_string_equal(str_at(tool, "tool_call_id"), "c1");
	assert_non_null(strstr(str_at(tool, "content"), "not carried out"));
	assert_message(m, 3, "user", "stop that");
	json_decref(m);
	json_decref(ev);
}

/* the same at the very end of the list */
static void test_interrupted_action_last(void **state)
{
	json_t *ev = json_array(), *m;

	user_says(ev, "go");
	run_cmd(ev, "c1", "r1", "make", NULL);
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 3);
	assert_string_equal(str_at(msg(m, 2), "role"), "tool");
	assert_string_equal(str_at(msg(m, 2), "tool_call_id"), "c1");
	json_decref(m);
	json_decref(ev);
}

static void test_agent_error_for_pending_call(void **state)
{
	json_t *ev = json_array(), *m;

	user_says(ev, "go");
	run_cmd(ev, "c1", "r1", "ls", NULL);
	push(ev, event_agent_error("terminal", "c1", "the sandbox is gone"));
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 3);
	assert_tool_message(m, 2, "c1", "the sandbox is gone");
	json_decref(m);
	json_decref(ev);
}

/* an error about a call with no ActionEvent (an unknown tool): a user
 * message, which also closes the assistant message before it */
static void test_agent_error_for_unknown_call(void **state)
{
	json_t *ev = json_array(), *m, *a;

	user_says(ev, "go");
	a = run_cmd(ev, "c1", "r1", "ls", NULL);
	observe(ev, a, "x", 0, 0);
	push(ev, event_agent_error("frobnicate", "c2", "there is no tool named \"frobnicate\""));
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 4);
	assert_tool_message(m, 2, "c1", "x");
	assert_message(m, 3, "user", "there is no tool named \"frobnicate\"");
	assert_null(json_object_get(msg(m, 3), "tool_call_id"));
	json_decref(m);
	json_decref(ev);
}

static void test_environment_message_is_user(void **state)
{
	json_t *ev = json_array(), *m;

	user_says(ev, "go");
	push(ev, event_message("environment", "user", "Your last answer was empty."));
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 2);
	assert_message(m, 1, "user", "Your last answer was empty.");
	json_decref(m);
	json_decref(ev);
}

static void test_bookkeeping_events_ignored(void **state)
{
	json_t *ev = json_array(), *m, *a;

	sys_prompt(ev, "S");
	user_says(ev, "go");
	push(ev, event_state_update("execution_status", json_string("running")));
	a = run_cmd(ev, "c1", "r1", "ls", NULL);
	/* between a call and its result: must not break the pair */
	push(ev, event_state_update("stats", json_object()));
	observe(ev, a, "x", 0, 0);
	push(ev, event_pause());
	push(ev, event_conversation_error("LLMError", "the server said 500"));
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 4);
	assert_message(m, 0, "system", "S");
	assert_message(m, 1, "user", "go");
	assert_call(msg(m, 2), 0, "c1", "terminal", "{\"command\":\"ls\"}");
	assert_tool_message(m, 3, "c1", "x");
	json_decref(m);
	json_decref(ev);
}

/* the forgotten events are gone; the summary stands where the first of
 * them stood */
static void test_condensation(void **state)
{
	json_t *ev = json_array(), *m, *a1, *o1, *a2, *o2, *a3;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	a1 = run_cmd(ev, "c1", "r1", "one", NULL);
	o1 = observe(ev, a1, "1", 0, 0);
	a2 = run_cmd(ev, "c2", "r2", "two", NULL);
	o2 = observe(ev, a2, "2", 0, 0);
	a3 = run_cmd(ev, "c3", "r3", "three", NULL);
	observe(ev, a3, "3", 0, 0);
	condensation_of(ev, "SUMMARY-1", (json_t *[]){ a1, o1, a2, o2, NULL });
	user_says(ev, "more");
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 6);
	assert_message(m, 0, "system", "S");
	assert_message(m, 1, "user", "task");
	assert_message(m, 2, "user", "SUMMARY-1");
	assert_call(msg(m, 3), 0, "c3", "terminal", "{\"command\":\"three\"}");
	assert_tool_message(m, 4, "c3", "3");
	assert_message(m, 5, "user", "more");
	json_decref(m);
	json_decref(ev);
}

/* a second condensation that forgets the first: only its summary is shown
 * (it includes the first's), and what the first forgot stays forgotten */
static void test_condensation_of_condensation(void **state)
{
	json_t *ev = json_array(), *m, *a1, *o1, *a2, *o2, *a3, *c1;
	size_t i;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	a1 = run_cmd(ev, "c1", "r1", "one", NULL);
	o1 = observe(ev, a1, "1", 0, 0);
	c1 = condensation_of(ev, "SUMMARY-1", (json_t *[]){ a1, o1, NULL });
	a2 = run_cmd(ev, "c2", "r2", "two", NULL);
	o2 = observe(ev, a2, "2", 0, 0);
	a3 = run_cmd(ev, "c3", "r3", "three", NULL);
	observe(ev, a3, "3", 0, 0);
	condensation_of(ev, "SUMMARY-2", (json_t *[]){ a2, o2, c1, NULL });
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 5);
	assert_message(m, 0, "system", "S");
	assert_message(m, 1, "user", "task");
	assert_message(m, 2, "user", "SUMMARY-2");
	assert_call(msg(m, 3), 0, "c3", "terminal", "{\"command\":\"three\"}");
	assert_tool_message(m, 4, "c3", "3");
	for (i = 0; i < json_array_size(m); i++)
		assert_null(strstr(str_at(msg(m, i), "content"), "SUMMARY-1"));
	json_decref(m);
	json_decref(ev);
}

static void test_view(void **state)
{
	json_t *ev = json_array(), *v, *s, *u, *a1, *o1, *a2, *o2;

	s = sys_prompt(ev, "S");
	u = user_says(ev, "task");
	a1 = run_cmd(ev, "c1", "r1", "one", NULL);
	o1 = observe(ev, a1, "1", 0, 0);
	condensation_of(ev, "SUMMARY-1", (json_t *[]){ a1, o1, NULL });
	a2 = run_cmd(ev, "c2", "r2", "two", NULL);
	o2 = observe(ev, a2, "2", 0, 0);
	v = history_view(ev);
	assert_int_equal(json_array_size(v), 4);
	assert_ptr_equal(json_array_get(v, 0), s);
	assert_ptr_equal(json_array_get(v, 1), u);
	assert_ptr_equal(json_array_get(v, 2), a2);
	assert_ptr_equal(json_array_get(v, 3), o2);
	json_decref(v);
	/* the view holds its own references */
	v = history_view(ev);
	json_decref(ev);
	assert_string_equal(str_at(json_array_get(v, 3), "tool_call_id"), "c2");
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_and_messages),
		cmocka_unit_test(test_action_and_observation),
		cmocka_unit_test(test_one_answer_two_calls),
		cmocka_unit_test(test_two_answers),
		cmocka_unit_test(test_interrupted_action),
		cmocka_unit_test(test_interrupted_action_last),
		cmocka_unit_test(test_agent_error_for_pending_call),
		cmocka_unit_test(test_agent_error_for_unknown_call),
		cmocka_unit_test(test_environment_message_is_user),
		cmocka_unit_test(test_bookkeeping_events_ignored),
		cmocka_unit_test(test_condensation),
		cmocka_unit_test(test_condensation_of_condensation),
		cmocka_unit_test(test_view),
	};
	return cmocka_run_group_tests_name("agent_history", tests, NULL, NULL);
}
