/* test_agent_stuck.c — agent/stuck: each pattern of an agent going round
 * in circles is noticed, and the near-misses (one repeat too few, a user
 * message in between, results that change) are not: a false "stuck" ends
 * a conversation that was making progress. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/stuck.h"
#include "agent_events.h"

/* one step: the command and what it printed; each call its own answer */
static void step(json_t *ev, const char *command, const char *output, int is_error)
{
	static int n;
	char call[32], resp[32];

	snprintf(call, sizeof(call), "call_%d", ++n);
	snprintf(resp, sizeof(resp), "resp_%d", n);
	observe(ev, run_cmd(ev, call, resp, command, NULL), output, is_error ? 1 : 0, is_error);
}

static json_t *started(void)
{
	json_t *ev = json_array();

	sys_prompt(ev, "S");
	user_says(ev, "task");
	return ev;
}

static void assert_stuck(json_t *ev, const char *words)
{
	const char *why = stuck_check(ev);

	assert_non_null(why);
	assert_non_null(strstr(why, words));
}

static void test_fresh_conversation(void **state)
{
	json_t *ev = started();

	assert_null(stuck_check(ev));
	step(ev, "ls", "a", 0);
	assert_null(stuck_check(ev));
	json_decref(ev);
}

static void test_same_action_same_result_4_times(void **state)
{
	json_t *ev = started();
	int i;

	step(ev, "make", "other", 0);
	for (i = 0; i < 3; i++)
		step(ev, "cat x", "same", 0);
	assert_null(stuck_check(ev));          /* 3: not yet */
	step(ev, "cat x", "same", 0);
	assert_stuck(ev, "same result 4 times");
	json_decref(ev);
}

/* the summary a model adds to a call varies; the action is the same */
static void test_summary_does_not_count(void **state)
{
	json_t *ev = started();
	char s[16];
	int i;

	for (i = 0; i < 4; i++) {
		json_t *a;

		snprintf(s, sizeof(s), "look %d", i);
		a = json_pack("{s:s, s:s, s:s}", "kind", "TerminalAction", "command", "ls",
			      "summary", s);
		snprintf(s, sizeof(s), "c%d", i);
		observe(ev, push(ev, event_action(&(struct event_call){
			.tool_name = "terminal", .call_id = s, .call_name = "terminal",
			.response_id = s, .summary = s }, a)), "out", 0, 0);
	}
	assert_stuck(ev, "same result 4 times");
	json_decref(ev);
}

static void test_same_action_failing_4_times(void **state)
{
	json_t *ev = started();
	char out[32];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(out, sizeof(out), "error at %d", i);
		step(ev, "gcc x.c", out, 1);
	}
	assert_null(stuck_check(ev));
	step(ev, "gcc x.c", "error at 3", 1);
	assert_stuck(ev, "failing action 4 times");
	json_decref(ev);
}

/* the same tool call refused 4 times (bad arguments), each time with a
 * different complaint */
static void test_same_call_refused_4_times(void **state)
{
	json_t *ev = started();
	int i;

	for (i = 0; i < 4; i++)
		push(ev, event_agent_error("file_editor", "c", "missing required parameter path"));
	assert_stuck(ev, "failing action 4 times");
	json_decref(ev);
}

/* a refusal carries no arguments: a different complaint each time is a
 * model correcting its calls, not a loop */
static void test_refusals_that_change_are_progress(void **state)
{
	json_t *ev = started();
	char out[32];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(out, sizeof(out), "bad arguments %d", i);
		push(ev, event_agent_error("file_editor", "c", out));
	}
	assert_null(stuck_check(ev));
	json_decref(ev);
}

/* the same action with changing output is progress (a build, a wait) */
static void test_same_action_different_results(void **state)
{
	json_t *ev = started();
	char out[32];
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(out, sizeof(out), "%d%% done", i * 10);
		step(ev, "tail build.log", out, 0);
	}
	assert_null(stuck_check(ev));
	json_decref(ev);
}

/* failing then succeeding: not 4 failures */
static void test_failures_broken_by_success(void **state)
{
	json_t *ev = started();

	step(ev, "gcc x.c", "e1", 1);
	step(ev, "gcc x.c", "e2", 1);
	step(ev, "gcc x.c", "ok", 0);
	step(ev, "gcc x.c", "e3", 1);
	assert_null(stuck_check(ev));
	json_decref(ev);
}

static void test_user_message_resets(void **state)
{
	json_t *ev = started();

	step(ev, "cat x", "same", 0);
	step(ev, "cat x", "same", 0);
	user_says(ev, "try again");
	step(ev, "cat x", "same", 0);
	step(ev, "cat x", "same", 0);
	assert_null(stuck_check(ev));
	step(ev, "cat x", "same", 0);
	step(ev, "cat x", "same", 0);
	assert_stuck(ev, "same result 4 times");
	json_decref(ev);
}

static void test_alternating(void **state)
{
	json_t *ev = started();
	int i;

	for (i = 0; i < 2; i++) {
		step(ev, "cd a", "A", 0);
		step(ev, "cd b", "B", 0);
	}
	assert_null(stuck_check(ev));          /* A B A B: 4 steps, not yet */
	step(ev, "cd a", "A", 0);
	assert_null(stuck_check(ev));
	step(ev, "cd b", "B", 0);
	assert_stuck(ev, "alternated");
	json_decref(ev);
}

static void test_alternating_different_results(void **state)
{
	json_t *ev = started();
	char out[16];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(out, sizeof(out), "A%d", i);
		step(ev, "cd a", out, 0);
		step(ev, "cd b", "B", 0);
	}
	assert_null(stuck_check(ev));
	json_decref(ev);

	/* only the middle A differs: every pair is compared, not just some */
	ev = started();
	step(ev, "cd a", "A", 0);
	step(ev, "cd b", "B", 0);
	step(ev, "cd a", "A but changed", 0);
	step(ev, "cd b", "B", 0);
	step(ev, "cd a", "A", 0);
	step(ev, "cd b", "B", 0);
	assert_null(stuck_check(ev));
	json_decref(ev);
}

static void test_three_agent_messages(void **state)
{
	json_t *ev = started();

	step(ev, "ls", "a", 0);
	agent_says(ev, "one");
	agent_says(ev, "two");
	assert_null(stuck_check(ev));
	/* bookkeeping between messages is not an action */
	push(ev, event_state_update("stats", json_object()));
	agent_says(ev, "three");
	assert_stuck(ev, "3 messages");
	json_decref(ev);
}

static void test_messages_broken_by_action_or_user(void **state)
{
	json_t *ev = started();

	agent_says(ev, "one");
	agent_says(ev, "two");
	step(ev, "ls", "a", 0);
	agent_says(ev, "three");
	assert_null(stuck_check(ev));
	agent_says(ev, "four");
	user_says(ev, "hm?");
	agent_says(ev, "five");
	assert_null(stuck_check(ev));
	json_decref(ev);
}

/* more steps than the detector keeps (6): the old ones drop out cleanly */
static void test_long_run(void **state)
{
	json_t *ev = started();
	char cmd[16];
	int i;

	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "echo %d", i);
		step(ev, cmd, "x", 0);
	}
	assert_null(stuck_check(ev));
	for (i = 0; i < 4; i++)
		step(ev, "echo same", "x", 0);
	assert_stuck(ev, "same result 4 times");
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_conversation),
		cmocka_unit_test(test_same_action_same_result_4_times),
		cmocka_unit_test(test_summary_does_not_count),
		cmocka_unit_test(test_same_action_failing_4_times),
		cmocka_unit_test(test_same_call_refused_4_times),
		cmocka_unit_test(test_refusals_that_change_are_progress),
		cmocka_unit_test(test_same_action_different_results),
		cmocka_unit_test(test_failures_broken_by_success),
		cmocka_unit_test(test_user_message_resets),
		cmocka_unit_test(test_alternating),
		cmocka_unit_test(test_alternating_different_results),
		cmocka_unit_test(test_three_agent_messages),
		cmocka_unit_test(test_messages_broken_by_action_or_user),
		cmocka_unit_test(test_long_run),
	};
	return cmocka_run_group_tests_name("agent_stuck", tests, NULL, NULL);
}
