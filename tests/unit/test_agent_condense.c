/* test_agent_condense.c — agent/condense: which events a Condensation
 * forgets (the middle: the system prompt and the task stay, so do the
 * newest budget/2), that an action is never parted from its observation
 * (the API refuses a tool call without its answer), and what its
 * mechanical summary keeps of the forgotten steps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/condense.h"
#include "agent/history.h"
#include "agent_events.h"

/* sys, task, then pairs (command "cmd i", answer "r i") */
static json_t *conversation(int pairs)
{
	json_t *ev = json_array();
	char call[16], cmd[16];
	int i;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	for (i = 0; i < pairs; i++) {
		snprintf(call, sizeof(call), "c%d", i);
		snprintf(cmd, sizeof(cmd), "cmd %d", i);
		observe(ev, run_cmd(ev, call, call, cmd, NULL), "out", 0, 0);
	}
	return ev;
}

/* c forgets exactly events[from..to) */
static void assert_forgets(json_t *c, json_t *events, size_t from, size_t to)
{
	json_t *ids = json_object_get(c, "forgotten_event_ids");
	size_t i;

	assert_string_equal(str_at(c, "kind"), "Condensation");
	assert_int_equal(json_array_size(ids), to - from);
	for (i = from; i < to; i++)
		assert_string_equal(json_string_value(json_array_get(ids, i - from)),
				    id_of(json_array_get(events, i)));
}

static void test_under_budget(void **state)
{
	json_t *ev = conversation(4);          /* 10 events */

	assert_null(condense(ev, 10, false));
	assert_null(condense(ev, 100, false));
	json_decref(ev);
}

/* 22 events, budget 12: the tail of 6 begins at an action (event 16) */
static void test_over_budget(void **state)
{
	json_t *ev = conversation(10), *c;

	c = condense(ev, 12, false);
	assert_non_null(c);
	assert_forgets(c, ev, 2, 16);
	json_decref(c);
	json_decref(ev);
}

/* budget 10: 22 - 5 = 17 is an observation; the tail starts at the next
 * action (18), never at 16, which would part 17 from its action */
static void test_pair_not_split(void **state)
{
	json_t *ev = conversation(10), *c;

	c = condense(ev, 10, false);
	assert_non_null(c);
	assert_forgets(c, ev, 2, 18);
	json_decref(c);
	json_decref(ev);
}

/* the calls of one LLM answer (and their results) stay together */
static void test_answer_not_split(void **state)
{
	json_t *ev = json_array(), *c, *m;
	char call[16];
	int i;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	/* events 2..13: 3 answers of 2 calls each */
	for (i = 0; i < 6; i++) {
		snprintf(call, sizeof(call), "c%d", i);
		observe(ev, run_cmd(ev, call, i < 2 ? "r0" : i < 4 ? "r1" : "r2", "x", NULL),
			"out", 0, 0);
	}
	/* 14 events, budget 12: tail 14 - 6 = 8, the second call of r1 (6..9) */
	c = condense(ev, 12, false);
	assert_non_null(c);
	assert_forgets(c, ev, 2, 10);
	push(ev, c);
	/* what the LLM is shown is still well-formed: each call answered */
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 6);
	assert_string_equal(str_at(json_array_get(m, 2), "role"), "user");
	assert_int_equal(json_array_size(json_object_get(json_array_get(m, 3), "tool_calls")), 2);
	assert_string_equal(str_at(json_array_get(m, 4), "tool_call_id"), "c4");
	assert_string_equal(str_at(json_array_get(m, 5), "tool_call_id"), "c5");
	json_decref(m);
	json_decref(ev);
}

static void test_force(void **state)
{
	json_t *ev = conversation(4), *c;   /* 10 events, under any budget */

	c = condense(ev, 100, true);
	assert_non_null(c);
	/* the head stays, a third (from a turn start) stays: 10 - 3 = 7 is an
	 * observation, so from 8 */
	assert_forgets(c, ev, 2, 8);
	json_decref(c);
	json_decref(ev);
}

/* nothing between the head and the tail: nothing to forget */
static void test_nothing_to_forget(void **state)
{
	json_t *ev = json_array();

	sys_prompt(ev, "S");
	user_says(ev, "task");
	assert_null(condense(ev, 100, true));
	assert_null(condense(ev, 1, false));
	json_decref(ev);
}

static void test_summary(void **state)
{
	json_t *ev = json_array(), *a, *c;
	const char *s;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	a = run_cmd(ev, "c1", "r1", "make test", NULL);
	observe(ev, a, "FAIL", 2, 0);
	observe(ev, edit_file(ev, "c2", "r2", "str_replace", "/workspace/src/x.c"), "ok", 0, 0);
	user_says(ev, "also update the README\nplease");
	observe(ev, run_cmd(ev, "c3", "r3", "ls\nrm -rf /", NULL), "x", 0, 0);
	push(ev, event_agent_error("frobnicate", "c4", "there is no tool named frobnicate"));
	for (int i = 0; i < 6; i++)
		agent_says(ev, "keep");
	c = condense(ev, 8, false);
	assert_non_null(c);
	s = str_at(c, "summary");
	assert_non_null(s);
	assert_non_null(strstr(s, "- ran: make test\n"));
	assert_non_null(strstr(s, "(exit code 2)"));
	assert_non_null(strstr(s, "- file_editor str_replace /workspace/src/x.c\n"));
	assert_non_null(strstr(s, "- the user said: also update the README\n"));
	/* one line per step: the rest of a multi-line command is dropped */
	assert_non_null(strstr(s, "- ran: ls\n"));
	assert_null(strstr(s, "rm -rf"));
	assert_non_null(strstr(s, "- a tool call failed: there is no tool named frobnicate"));
	/* the agent's own messages and the head are not described */
	assert_null(strstr(s, "keep"));
	assert_null(strstr(s, "task"));
	json_decref(c);
	json_decref(ev);
}

/* a long line is cut at a character, not a byte: a summary that is not
 * UTF-8 cannot be made, and the context would then never be condensed */
static void test_summary_cut_in_a_character(void **state)
{
	json_t *ev = json_array(), *c;
	char msg[256];
	const char *s;

	sys_prompt(ev, "S");
	user_says(ev, "task");
	/* "- the user said: " is 17 bytes: "é" straddles the 160-byte line */
	memset(msg, 'a', 141);
	snprintf(msg + 141, sizeof(msg) - 141, "%s", "\xc3\xa9\xc3\xa9\xc3\xa9 done");
	user_says(ev, msg);
	observe(ev, run_cmd(ev, "c1", "r1", "ls", NULL), "x", 0, 0);
	for (int i = 0; i < 6; i++)
		agent_says(ev, "keep");
	c = condense(ev, 8, false);
	assert_non_null(c);
	s = str_at(c, "summary");
	assert_non_null(s);
	assert_non_null(strstr(s, "- the user said: aaaa"));
	json_decref(c);
	json_decref(ev);
}

/* a second condensation forgets the first (and its events stay
 * forgotten); its summary carries the first's */
static void test_second_condensation(void **state)
{
	json_t *ev = conversation(10), *c1, *c2, *ids, *view, *m;
	const char *s;
	size_t i;
	int i2;

	c1 = condense(ev, 12, false);
	assert_non_null(c1);
	push(ev, c1);
	assert_non_null(strstr(str_at(c1, "summary"), "- ran: cmd 0\n"));
	view = history_view(ev);
	assert_int_equal(json_array_size(view), 8);   /* 2 + 6 */
	json_decref(view);
	assert_null(condense(ev, 12, false));

	for (i2 = 10; i2 < 14; i2++) {
		char call[16], cmd[16];

		snprintf(call, sizeof(call), "c%d", i2);
		snprintf(cmd, sizeof(cmd), "cmd %d", i2);
		observe(ev, run_cmd(ev, call, call, cmd, NULL), "out", 0, 0);
	}
	/* 16 in view, budget 12: view[2..10) go, events 16..21 and 23..24
	 * (cmd 7..10; 22 is the first condensation) */
	c2 = condense(ev, 12, false);
	assert_non_null(c2);
	ids = json_object_get(c2, "forgotten_event_ids");
	assert_int_equal(json_array_size(ids), 9);
	for (i = 0; i < 8; i++)
		assert_string_equal(json_string_value(json_array_get(ids, i)),
				    id_of(json_array_get(ev, i < 6 ? 16 + i : 17 + i)));
	assert_string_equal(json_string_value(json_array_get(ids, 8)), id_of(c1));
	s = str_at(c2, "summary");
	assert_non_null(strstr(s, "- ran: cmd 0\n"));      /* from the first */
	assert_non_null(strstr(s, "- ran: cmd 10\n"));     /* its own */
	assert_null(strstr(s, "- ran: cmd 11\n"));         /* kept */
	push(ev, c2);

	/* the LLM sees the head, the second summary only, then cmd 11..13 */
	m = history_messages(ev);
	assert_int_equal(json_array_size(m), 3 + 6);
	assert_string_equal(str_at(json_array_get(m, 2), "content"), s);
	for (i = 0; i < json_array_size(m); i++)
		if (i != 2)
			assert_null(strstr(str_at(json_array_get(m, i), "content"), "cmd 0"));
	assert_string_equal(str_at(json_array_get(m, 4), "tool_call_id"), "c11");
	json_decref(m);
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_under_budget),
		cmocka_unit_test(test_over_budget),
		cmocka_unit_test(test_pair_not_split),
		cmocka_unit_test(test_answer_not_split),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_nothing_to_forget),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_cut_in_a_character),
		cmocka_unit_test(test_second_condensation),
	};
	return cmocka_run_group_tests_name("agent_condense", tests, NULL, NULL);
}
