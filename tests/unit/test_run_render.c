/* test_run_render.c — cli/run_render and cli/line_diff: events in, the
 * text a person reads out (colour off and on), the line diff of file
 * edits, and events that are unknown or not JSON at all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/line_diff.h"
#include "cli/run_format.h"
#include "cli/run_render.h"
#include "cli/run_ticker.h"

struct capture {
	FILE *f;
	char *text;
	size_t len;
};

static void cap_open(struct capture *c)
{
	c->text = NULL;
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
}

/* The text written so far (owned by c until cap_close). */
static const char *cap_text(struct capture *c)
{
	fflush(c->f);
	return c->text;
}

static void cap_close(struct capture *c)
{
	fclose(c->f);
	free(c->text);
}

/* Renders events (one per argument, NULL-terminated) without colour and
 * compares all that was printed with want. */
static enum run_tick render_expect(const char *want, ...)
{
	struct capture c;
	struct run_render r;
	enum run_tick tick = RUN_TICK_KEEP;
	const char *ev;
	va_list ap;

	cap_open(&c);
	run_render_init(&r, c.f, false);
	va_start(ap, want);
	while ((ev = va_arg(ap, const char *)))
		tick = run_render_event(&r, ev);
	va_end(ap);
	assert_string_equal(cap_text(&c), want);
	cap_close(&c);
	return tick;
}

static void test_messages(void **state)
{
	assert_int_equal(render_expect("user › fix the test\n",
		"{\"kind\":\"MessageEvent\",\"source\":\"user\",\"llm_message\":{\"role\":\"user\","
		"\"content\":[{\"type\":\"text\",\"text\":\"fix the test\"}]}}", NULL), RUN_TICK_KEEP);
	assert_int_equal(render_expect("agent › done:\nall green\n",
		"{\"kind\":\"MessageEvent\",\"source\":\"agent\",\"llm_message\":{\"role\":"
		"\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"done:\\nall green\"}]}}",
		NULL), RUN_TICK_STOP);
}

static void test_terminal_action_and_output(void **state)
{
	assert_int_equal(render_expect("Let me look.\n$ ls /workspace\n",
		"{\"kind\":\"ActionEvent\",\"thought\":[{\"type\":\"text\",\"text\":\"Let me look.\"}],"
		"\"tool_name\":\"terminal\",\"action\":{\"kind\":\"TerminalAction\",\"command\":"
		"\"ls /workspace\",\"is_input\":false}}", NULL), RUN_TICK_STOP);
	render_expect("[input] C-c\n",
		"{\"kind\":\"ActionEvent\",\"thought\":[],\"action\":{\"kind\":\"TerminalAction\","
		"\"command\":\"C-c\",\"is_input\":true}}", NULL);
	/* the model's exit-code note is replaced by a line of ours */
	assert_int_equal(render_expect("  a.txt\n  b.txt\n  exit code 2\n",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"TerminalObservation\","
		"\"content\":[{\"type\":\"text\",\"text\":\"a.txt\\nb.txt\\n[The command completed "
		"with exit code 2.]\"}],\"is_error\":false,\"exit_code\":2,\"timeout\":false}}",
		NULL), RUN_TICK_START);
	/* success says nothing of its exit code; -1 (still running) neither */
	render_expect("  ok\n",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"TerminalObservation\","
		"\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"metadata\":{\"exit_code\":0}}}", NULL);
	render_expect("  ...\n",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"TerminalObservation\","
		"\"content\":[{\"type\":\"text\",\"text\":\"...\"}],\"exit_code\":-1}}", NULL);
}

static void test_output_escapes_are_made_visible(void **state)
{
	/* a command cannot clear the screen or retitle the terminal */
	render_expect("  ^[[2J^[]0;x^G\n",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"TerminalObservation\","
		"\"content\":[{\"type\":\"text\",\"text\":\"\\u001b[2J\\u001b]0;x\\u0007\"}]}}", NULL);
}

static void test_long_output_keeps_head_and_tail(void **state)
{
	struct capture c;
	struct run_render r;
	char ev[8192], *p;
	int i;

	p = ev + sprintf(ev, "{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":"
		"\"TerminalObservation\",\"content\":[{\"type\":\"text\",\"text\":\"");
	for (i = 1; i <= 100; i++)
		p += sprintf(p, "line %d\\n", i);
	sprintf(p, "\"}]}}");
	cap_open(&c);
	run_render_init(&r, c.f, false);
	run_render_event(&r, ev);
	assert_non_null(strstr(cap_text(&c), "  line 25\n  … 60 lines …\n  line 86\n"));
	assert_null(strstr(cap_text(&c), "line 26\n"));
	assert_non_null(strstr(cap_text(&c), "  line 100\n"));
	cap_close(&c);
}

static void test_file_edit_diff(void **state)
{
	render_expect("edit str_replace /workspace/a.py\n"
		      "  @@ -1,3 +1,3 @@\n"
		      "   def f():\n"
		      "  -    return 1\n"
		      "  +    return 2\n"
		      "   \n",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"FileEditorAction\",\"command\":"
		"\"str_replace\",\"path\":\"/workspace/a.py\",\"old_str\":\"1\",\"new_str\":\"2\"}}",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"FileEditorObservation\","
		"\"command\":\"str_replace\",\"path\":\"/workspace/a.py\",\"prev_exist\":true,"
		"\"old_content\":\"def f():\\n    return 1\\n\\n\",\"new_content\":"
		"\"def f():\\n    return 2\\n\\n\"}}", NULL);
	/* create: every line is new */
	render_expect("edit create /w/n.txt\n  @@ -0,0 +1,2 @@\n  +one\n  +two\n",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"FileEditorAction\",\"command\":"
		"\"create\",\"path\":\"/w/n.txt\"}}",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"FileEditorObservation\","
		"\"command\":\"create\",\"path\":\"/w/n.txt\",\"old_content\":null,"
		"\"new_content\":\"one\\ntwo\\n\"}}", NULL);
	render_expect("edit insert /w/n.txt (after line 4)\nview /w/n.txt [1, -1]\n",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"FileEditorAction\",\"command\":"
		"\"insert\",\"path\":\"/w/n.txt\",\"insert_line\":4}}",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"FileEditorAction\",\"command\":"
		"\"view\",\"path\":\"/w/n.txt\",\"view_range\":[1,-1]}}", NULL);
	/* an error is its message, in place of a diff */
	render_expect("  no match for old_str\n",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"FileEditorObservation\","
		"\"command\":\"str_replace\",\"is_error\":true,\"content\":[{\"type\":\"text\","
		"\"text\":\"no match for old_str\"}],\"old_content\":\"a\",\"new_content\":\"a\"}}",
		NULL);
}

static void test_plan_think_finish(void **state)
{
	render_expect("plan:\n  [x] read the tests\n  [~] fix it\n      the off-by-one\n"
		      "  [ ] run them\n",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"TaskTrackerAction\",\"command\":"
		"\"plan\",\"task_list\":[{\"title\":\"read the tests\",\"status\":\"done\"},"
		"{\"title\":\"fix it\",\"notes\":\"the off-by-one\",\"status\":\"in_progress\"},"
		"{\"title\":\"run them\",\"status\":\"todo\"}]}}", NULL);
	render_expect("think: maybe a race\nfinish: fixed\n",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"ThinkAction\",\"thought\":"
		"\"maybe a race\"}}",
		"{\"kind\":\"ObservationEvent\",\"observation\":{\"kind\":\"ThinkObservation\","
		"\"content\":[{\"type\":\"text\",\"text\":\"Your thought has been logged.\"}]}}",
		"{\"kind\":\"ActionEvent\",\"action\":{\"kind\":\"FinishAction\",\"message\":"
		"\"fixed\"}}", NULL);
	render_expect("browser_navigate {\"new_tab\":false,\"url\":\"http://x\"}\n",
		"{\"kind\":\"ActionEvent\",\"tool_name\":\"browser_navigate\",\"action\":{\"kind\":"
		"\"BrowserNavigateAction\",\"url\":\"http://x\",\"new_tab\":false}}", NULL);
}

static void test_errors_and_state(void **state)
{
	assert_int_equal(render_expect("error in file_editor: missing required parameter path\n",
		"{\"kind\":\"AgentErrorEvent\",\"tool_name\":\"file_editor\",\"error\":"
		"\"missing required parameter path\"}", NULL), RUN_TICK_START);
	render_expect("conversation error: MaxIterationsReached: 500 steps\n",
		"{\"kind\":\"ConversationErrorEvent\",\"code\":\"MaxIterationsReached\","
		"\"detail\":\"500 steps\"}", NULL);
	/* running is not news; paused is, once */
	render_expect("status: paused\n",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		"\"value\":\"running\"}",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"stats\",\"value\":{}}",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		"\"value\":\"paused\"}",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		"\"value\":\"paused\"}", NULL);
	/* a pause event says it: the status update after it is no news */
	render_expect("paused\n", "{\"kind\":\"PauseEvent\"}",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		"\"value\":\"paused\"}", NULL);
	/* a full state sets what counts as a change */
	render_expect("",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"full_state\","
		"\"value\":{\"execution_status\":\"stuck\"}}",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		"\"value\":\"stuck\"}", NULL);
	render_expect("context condensed: 12 events summarised\n",
		"{\"kind\":\"Condensation\",\"forgotten_event_ids\":[1,2,3,4,5,6,7,8,9,10,11,12],"
		"\"summary\":\"s\"}", NULL);
	assert_non_null(strstr(render_expect(
		"note: the LLM server refused native tool calls; the tools are now called as text "
		"(LLM_NATIVE_TOOL_CALLING=false skips the first try)\n",
		"{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"native_tool_calling\","
		"\"value\":false}", NULL) == RUN_TICK_KEEP ? "ok" : "", "ok"));
}

static void test_unknown_and_malformed(void **state)
{
	render_expect("[BrowserObservationEvent]\n",
		"{\"kind\":\"BrowserObservationEvent\",\"x\":1}", NULL);
	render_expect("[event without a kind]\n", "{\"id\":\"x\"}", NULL);
	render_expect("[unreadable event: {\"kind\":\"Message]\n", "{\"kind\":\"Message", NULL);
	render_expect("[unreadable event: ]\n", "", NULL);
	render_expect("[unreadable event: [1,2]]\n", "[1,2]", NULL);
	/* the right kind with the wrong shapes: nothing to read, no crash */
	render_expect("agent › \n",
		"{\"kind\":\"MessageEvent\",\"llm_message\":7}", NULL);
	render_expect("action 7\n", "{\"kind\":\"ActionEvent\",\"action\":7,\"thought\":3}", NULL);
	render_expect("", "{\"kind\":\"ObservationEvent\",\"observation\":[]}", NULL);
}

static void test_colour(void **state)
{
	struct capture c;
	struct run_render r;

	cap_open(&c);
	run_render_init(&r, c.f, true);
	run_render_event(&r, "{\"kind\":\"AgentErrorEvent\",\"error\":\"bad\"}");
	assert_string_equal(cap_text(&c), "\033[31merror: bad\033[0m\n");
	cap_close(&c);
}

static void test_summary(void **state)
{
	struct hb_conversation_stats st = { .steps = 7, .prompt_tokens = 12345,
					    .completion_tokens = 678, .cost = 0.0123 };
	struct capture c;

	cap_open(&c);
	run_render_summary(c.f, false, "finished", &st, 41.2);
	st.steps = 1;
	st.cost = -1;
	run_render_summary(c.f, false, "stuck", &st, 125);
	assert_string_equal(cap_text(&c),
		"finished · 7 steps · 12,345 ↑ 678 ↓ tokens · $0.0123 · 41.2s\n"
		"stuck · 1 step · 12,345 ↑ 678 ↓ tokens · n/a · 2m05s\n");
	cap_close(&c);
}

static void test_formats(void **state)
{
	char s[64];

	fmt_thousands(s, sizeof(s), 0);
	assert_string_equal(s, "0");
	fmt_thousands(s, sizeof(s), 999);
	assert_string_equal(s, "999");
	fmt_thousands(s, sizeof(s), 1000);
	assert_string_equal(s, "1,000");
	fmt_thousands(s, sizeof(s), -1234567);
	assert_string_equal(s, "-1,234,567");
	fmt_thousands(s, sizeof(s), INT64_MIN);
	assert_string_equal(s, "-9,223,372,036,854,775,808");
	fmt_cost(s, sizeof(s), 12.345);
	assert_string_equal(s, "$12.35");
	fmt_cost(s, sizeof(s), 0);
	assert_string_equal(s, "$0.0000");
	fmt_duration(s, sizeof(s), 7384);
	assert_string_equal(s, "2h03m");
	fmt_ago(s, sizeof(s), 1000000000000, 1000000000000 - 90 * 1000000LL);
	assert_string_equal(s, "1 min ago");
	fmt_ago(s, sizeof(s), 1000000000000, 1000000000000 - 86400 * 1000000LL);
	assert_string_equal(s, "1 day ago");
	fmt_ago(s, sizeof(s), 1000000000000, 0);
	assert_string_equal(s, "-");
	fmt_iso_utc(s, sizeof(s), 1781588358809928LL);
	assert_string_equal(s, "2026-06-16T05:39:18.809928");
}

static void test_fit(void **state)
{
	char s[64];

	fmt_fit(s, sizeof(s), "abc", 5);
	assert_string_equal(s, "abc  ");
	fmt_fit(s, sizeof(s), "abcde", 5);
	assert_string_equal(s, "abcde");
	fmt_fit(s, sizeof(s), "abcdef", 5);
	assert_string_equal(s, "abcd…");
	/* characters, not bytes: é is one column */
	fmt_fit(s, sizeof(s), "caf\xc3\xa9s", 4);
	assert_string_equal(s, "caf…");
	fmt_fit(s, sizeof(s), "caf\xc3\xa9", 4);
	assert_string_equal(s, "caf\xc3\xa9");
	/* a title cannot move the cursor; broken bytes are blanks */
	fmt_fit(s, sizeof(s), "a\nb\x1b[2Jc\xff", 9);
	assert_string_equal(s, "a b [2Jc ");
	fmt_fit(s, sizeof(s), "", 3);
	assert_string_equal(s, "   ");
	/* a short buffer is cut, still terminated */
	fmt_fit(s, 4, "abcdef", 6);
	assert_string_equal(s, "abc");
}

static void test_ticker(void **state)
{
	struct run_ticker t;
	struct capture c;
	char s[64];

	run_ticker_format(s, sizeof(s), 0, 12.34);
	assert_string_equal(s, "⠋ thinking… 12.3s");
	run_ticker_format(s, sizeof(s), 11, 0);
	assert_string_equal(s, "⠙ thinking… 0.0s");
	/* not a terminal: no thread, nothing drawn, and holding works */
	cap_open(&c);
	assert_int_equal(run_ticker_init(&t, c.f, false), 0);
	run_ticker_set(&t, RUN_TICK_START);
	run_ticker_hold(&t);
	run_ticker_release(&t, RUN_TICK_STOP);
	run_ticker_destroy(&t);
	assert_string_equal(cap_text(&c) ? cap_text(&c) : "", "");
	cap_close(&c);
}

/* ------------------------------------------------------------ line diff */

static long diff_expect(const char *old_text, const char *new_text,
			const struct line_diff_opts *o, const char *want)
{
	static const struct line_diff_opts plain = { .context = 1 };
	struct capture c;
	long n;

	cap_open(&c);
	n = line_diff_write(c.f, old_text, new_text, o ? o : &plain);
	assert_string_equal(cap_text(&c) ? cap_text(&c) : "", want);
	cap_close(&c);
	return n;
}

static void test_diff_equal_and_empty(void **state)
{
	assert_int_equal(diff_expect("a\nb\n", "a\nb\n", NULL, ""), 0);
	assert_int_equal(diff_expect(NULL, NULL, NULL, ""), 0);
	assert_int_equal(diff_expect("a\nb\n", "", NULL, "@@ -1,2 +0,0 @@\n-a\n-b\n"), 2);
	/* a last line without '\n' is a line */
	assert_int_equal(diff_expect("a", "b", NULL, "@@ -1,1 +1,1 @@\n-a\n+b\n"), 2);
}

static void test_diff_hunks(void **state)
{
	/* two changes far apart: two hunks with one line of context */
	assert_int_equal(diff_expect("1\n2\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\nY\n8\n", NULL,
		"@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n"
		"@@ -6,3 +6,3 @@\n 6\n-7\n+Y\n 8\n"), 4);
	/* close together: one hunk */
	assert_int_equal(diff_expect("1\n2\n3\n4\n5\n", "1\nX\n3\nY\n5\n", NULL,
		"@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n-4\n+Y\n 5\n"), 4);
	/* an insertion in the middle keeps what is common (LCS, not a
	 * replace of everything after it) */
	assert_int_equal(diff_expect("a\nb\nc\nd\n", "a\nb\nnew\nc\nd\n", NULL,
		"@@ -2,2 +2,3 @@\n b\n+new\n c\n"), 1);
}

static void test_diff_reorder(void **state)
{
	/* LCS of a b c / b c a is "b c": a moves to the end */
	assert_int_equal(diff_expect("a\nb\nc\n", "b\nc\na\n", NULL,
		"@@ -1,3 +1,3 @@\n-a\n b\n c\n+a\n"), 2);
}

static void test_diff_caps(void **state)
{
	struct line_diff_opts small = { .context = 0, .max_cells = 4 };
	struct line_diff_opts few = { .context = 0, .max_lines = 3, .indent = "> " };

	/* 3 × 3 changed lines is over a table of 4 cells */
	assert_int_equal(diff_expect("a\nb\nc\n", "x\ny\nz\n", &small, "3 lines changed\n"), 6);
	/* the common head and tail do not count against it */
	assert_int_equal(diff_expect("h\na\nt\n", "h\nx\nt\n", &small,
				     "@@ -2,1 +2,1 @@\n-a\n+x\n"), 2);
	assert_int_equal(diff_expect("a\nb\nc\n", "x\ny\nz\n", &few,
		"> @@ -1,3 +1,3 @@\n> -a\n> -b\n> -c\n> … 3 more lines\n"), 6);
}

static void test_diff_colour(void **state)
{
	struct line_diff_opts col = { .color = true, .context = 0 };

	diff_expect("a\n", "b\n", &col, "\033[36m@@ -1,1 +1,1 @@\033[0m\n"
		    "\033[31m-a\033[0m\n\033[32m+b\033[0m\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_terminal_action_and_output),
		cmocka_unit_test(test_output_escapes_are_made_visible),
		cmocka_unit_test(test_long_output_keeps_head_and_tail),
		cmocka_unit_test(test_file_edit_diff),
		cmocka_unit_test(test_plan_think_finish),
		cmocka_unit_test(test_errors_and_state),
		cmocka_unit_test(test_unknown_and_malformed),
		cmocka_unit_test(test_colour),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_ticker),
		cmocka_unit_test(test_diff_equal_and_empty),
		cmocka_unit_test(test_diff_hunks),
		cmocka_unit_test(test_diff_reorder),
		cmocka_unit_test(test_diff_caps),
		cmocka_unit_test(test_diff_colour),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
