/* test_tool_text.c — the agent tools' pure functions: head-and-tail
 * truncation on character boundaries, the terminal's bounded output and
 * model text, the file editor's cat -n view, ranges, str_replace, insert
 * and snippets, the 16,000-character cap, argument coercion and aliases,
 * and the task list's rendering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent/tools/file_editor_text.h"
#include "agent/tools/terminal_text.h"
#include "agent/tools/tool_text.h"
#include "agent/tools/tools.h"
#include "agent/tools/tools_internal.h"
#include "common/utf8.h"
#include "handbox/error.h"

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit), i;
	char *s = malloc(ul * n + 1);

	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

/* ------------------------------------------------------------ truncation */

static void test_truncate_short_is_whole(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(text_truncate_middle("hello", 5, 10, "<cut>", &b), 0);
	assert_string_equal(b.data, "hello");
	buf_free(&b);
}

static void test_truncate_keeps_head_and_tail(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	/* 20 chars, max 10, notice 4: head 3, tail 3 */
	assert_int_equal(text_truncate_middle("abcdefghijklmnopqrst", 20, 10, "<..>", &b), 0);
	assert_string_equal(b.data, "abc<..>rst");
	buf_reset(&b);
	/* odd room: head gets the extra one */
	assert_int_equal(text_truncate_middle("abcdefghijklmnopqrst", 20, 11, "<..>", &b), 0);
	assert_string_equal(b.data, "abcd<..>rst");
	buf_free(&b);
}

static void test_truncate_utf8_boundaries(void **state)
{
	char *s = repeat("\xc3\xa9", 40000);       /* 40,000 é: 80,000 bytes */
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(text_truncate_middle(s, strlen(s), TOOL_TERMINAL_MAX_CHARS,
					      TOOL_NOTICE_CLIPPED, &b), 0);
	assert_int_equal(text_chars(b.data, b.len), TOOL_TERMINAL_MAX_CHARS);
	assert_non_null(strstr(b.data, "<response clipped>"));
	/* every byte is part of a whole character */
	{
		struct buf clean;

		buf_init(&clean, 0);
		utf8_append_sanitized(&clean, b.data, b.len);
		assert_int_equal(clean.len, b.len);
		buf_free(&clean);
	}
	buf_free(&b);
	free(s);
}

static void test_terminal_output_bounded(void **state)
{
	struct term_output o;
	struct buf clipped;
	char *big = repeat("0123456789", 100000);  /* 1,000,000 bytes */

	term_output_init(&o);
	assert_int_equal(term_output_append(&o, "HEAD", 4), 0);
	assert_int_equal(term_output_append(&o, big, strlen(big)), 0);
	assert_int_equal(term_output_append(&o, "TAIL\n\n", 6), 0);
	assert_true(o.dropped);
	assert_true(o.text.len <= 4 * (size_t)TERM_OUTPUT_KEEP + 6);
	buf_init(&clipped, 0);
	assert_int_equal(term_clip_output(&o, &clipped), 0);
	assert_int_equal(text_chars(clipped.data, clipped.len), TOOL_TERMINAL_MAX_CHARS);
	assert_memory_equal(clipped.data, "HEAD0123", 8);
	assert_string_equal(clipped.data + clipped.len - 6, "89TAIL");
	buf_free(&clipped);
	term_output_free(&o);
	free(big);
}

static void test_terminal_model_text(void **state)
{
	struct term_view v = { false, "", "out", 3, "/w", "\n[The command completed with "
			       "exit code 0.]" };
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(term_model_text(&v, &b), 0);
	assert_string_equal(b.data, "out\n[Current working directory: /w]\n[The command "
			    "completed with exit code 0.]");
	buf_free(&b);
	assert_true(term_is_key("C-c"));
	assert_true(term_is_key("C-d"));
	assert_false(term_is_key("C-"));
	assert_false(term_is_key("ls"));
	assert_false(term_is_key("C-cc"));
}

/* ------------------------------------------------------------ file editor */

static void test_view_cat_n(void **state)
{
	struct buf out, msg;
	long r[2];

	buf_init(&out, 0);
	buf_init(&msg, 0);
	assert_int_equal(fe_view("a\nb\n", 4, "/f", NULL, 0, &out, &msg), 0);
	assert_string_equal(out.data, "Here's the result of running `cat -n` on /f:\n"
			    "     1\ta\n     2\tb\n     3\t\n");
	buf_reset(&out);
	r[0] = 2; r[1] = -1;
	assert_int_equal(fe_view("a\nb\nc\n", 6, "/f", r, 2, &out, &msg), 0);
	assert_string_equal(out.data, "Here's the result of running `cat -n` on /f:\n"
			    "     2\tb\n     3\tc\n");
	buf_reset(&out);
	r[0] = 1; r[1] = 9;
	assert_int_equal(fe_view("a\nb\n", 4, "/f", r, 2, &out, &msg), 0);
	assert_non_null(strstr(out.data, "NOTE: We only show up to 2 since there're only 2 "
			       "lines in this file.\n"));
	buf_free(&out);
	buf_free(&msg);
}

static void test_view_bad_ranges(void **state)
{
	struct buf out, msg;
	long r[3] = { 0, 2, 3 };

	buf_init(&out, 0);
	buf_init(&msg, 0);
	assert_int_equal(fe_view("a\nb\n", 4, "/f", r, 2, &out, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "Invalid `view_range` parameter: [0, 2]. Its first "
			    "element `0` should be within the range of lines of the file: [1, 2].");
	buf_reset(&msg);
	r[0] = 2; r[1] = 1;
	assert_int_equal(fe_view("a\nb\n", 4, "/f", r, 2, &out, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "Invalid `view_range` parameter: [2, 1]. Its second "
			    "element `1` should be greater than or equal to the first element `2`.");
	buf_reset(&msg);
	assert_int_equal(fe_view("a\nb\n", 4, "/f", r, 3, &out, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "Invalid `view_range` parameter: [2, 1, 3]. It should "
			    "be a list of two integers.");
	buf_free(&out);
	buf_free(&msg);
}

static void test_view_cap(void **state)
{
	char *big = repeat("x\n", 20000);
	struct buf out, msg;

	buf_init(&out, 0);
	buf_init(&msg, 0);
	assert_int_equal(fe_view(big, strlen(big), "/f", NULL, 0, &out, &msg), 0);
	assert_non_null(strstr(out.data, "only part of this file has been shown to you"));
	assert_null(strstr(out.data, " 20000\t"));    /* the middle is gone */
	buf_free(&out);
	buf_free(&msg);
	free(big);
}

static void test_str_replace_matches(void **state)
{
	const char *text = "one\ntwo\nthree\ntwo\n", *used;
	struct buf nt, msg;
	size_t ul;
	long line;

	buf_init(&nt, 0);
	buf_init(&msg, 0);
	assert_int_equal(fe_str_replace(text, strlen(text), "two", "2", "/f", &nt, &line, &used,
					&ul, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "No replacement was performed. Multiple occurrences of "
			    "old_str `two` in lines [2, 4]. Please ensure it is unique.");
	buf_reset(&msg);
	assert_int_equal(fe_str_replace(text, strlen(text), "four", "4", "/f", &nt, &line, &used,
					&ul, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "No replacement was performed, old_str `four` did not "
			    "appear verbatim in /f.");
	assert_int_equal(fe_str_replace(text, strlen(text), "three\n", "3\n", "/f", &nt, &line,
					&used, &ul, &msg), 0);
	assert_string_equal(nt.data, "one\ntwo\n3\ntwo\n");
	assert_int_equal(line, 3);
	/* surrounding whitespace is tried without */
	assert_int_equal(fe_str_replace(text, strlen(text), "  one  ", " 1 ", "/f", &nt, &line,
					&used, &ul, &msg), 0);
	assert_string_equal(nt.data, "1\ntwo\nthree\ntwo\n");
	buf_free(&nt);
	buf_free(&msg);
}

static void test_snippet_after_replace(void **state)
{
	const char *text = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
	struct buf out;

	/* as the reference: lines line-3 .. line+4 (its window starts after
	 * line-4), and the snippet's last line break shows as an empty line */
	buf_init(&out, 0);
	assert_int_equal(fe_replace_message(text, strlen(text), "/f", 7, "x", 1, &out), 0);
	assert_string_equal(out.data, "The file /f has been edited. Here's the result of running "
			    "`cat -n` on a snippet of /f:\n     4\t4\n     5\t5\n"
			    "     6\t6\n     7\t7\n     8\t8\n     9\t9\n    10\t10\n    11\t11\n"
			    "    12\t\nReview the changes and make sure they are as expected. Edit "
			    "the file again if necessary.");
	buf_free(&out);
}

static void test_insert(void **state)
{
	struct buf nt, msg, out;

	buf_init(&nt, 0);
	buf_init(&msg, 0);
	buf_init(&out, 0);
	assert_int_equal(fe_insert("a\nb\n", 4, 0, "top", &nt, &msg), 0);
	assert_string_equal(nt.data, "top\na\nb\n");
	assert_int_equal(fe_insert("a\nb\n", 4, 1, "mid\nmid2", &nt, &msg), 0);
	assert_string_equal(nt.data, "a\nmid\nmid2\nb\n");
	assert_int_equal(fe_insert("a\nb\n", 4, 2, "end", &nt, &msg), 0);
	assert_string_equal(nt.data, "a\nb\nend\n");
	/* a last line without a line break is not glued to the new text */
	assert_int_equal(fe_insert("a\nb", 3, 2, "end", &nt, &msg), 0);
	assert_string_equal(nt.data, "a\nb\nend\n");
	assert_int_equal(fe_insert("a\nb\n", 4, 3, "x", &nt, &msg), HB_EINVAL);
	assert_string_equal(msg.data, "Invalid `insert_line` parameter: 3. It should be within "
			    "the range of allowed values: [0, 2]");
	assert_int_equal(fe_insert("a\nb\n", 4, 1, "mid", &nt, &msg), 0);
	assert_int_equal(fe_insert_message(nt.data, nt.len, "/f", 1, 2, "mid", &out), 0);
	assert_non_null(strstr(out.data, "a snippet of the edited file:\n     1\ta\n     2\tmid\n"
			       "     3\tb\n     4\t\nReview the changes"));
	buf_free(&nt);
	buf_free(&msg);
	buf_free(&out);
}

static void test_dir_view(void **state)
{
	struct buf out;

	buf_init(&out, 0);
	assert_int_equal(fe_dir_view("/w", "/w/\n/w/a\n/w/d/\n/w/d/b", 21, 2, &out), 0);
	assert_string_equal(out.data, "Here's the files and directories up to 2 levels deep in "
			    "/w, excluding hidden items:\n/w/\n/w/a\n/w/d/\n/w/d/b\n\n2 hidden "
			    "files/directories in this directory are excluded. You can use "
			    "'ls -la /w' to see them.");
	buf_free(&out);
}

/* -------------------------------------------------- arguments and names */

static void test_aliases(void **state)
{
	assert_string_equal(tools_canonical_name("execute_bash"), "terminal");
	assert_string_equal(tools_canonical_name("bash"), "terminal");
	assert_string_equal(tools_canonical_name("str_replace_editor"), "file_editor");
	assert_string_equal(tools_canonical_name("finish"), "finish");
	assert_null(tools_canonical_name("browser"));
}

static void test_coercion(void **state)
{
	char err[HB_ERR_MAX], *summary;
	json_t *a;

	assert_int_equal(tools_parse_action("execute_bash", "{\"command\":\"ls\",\"is_input\":"
					    "\"true\",\"timeout\":\"5\",\"summary\":\"list\","
					    "\"security_risk\":\"LOW\"}", &a, &summary, err,
					    sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "TerminalAction");
	assert_true(json_is_true(json_object_get(a, "is_input")));
	/* a float, as the reference's TerminalAction.timeout */
	assert_true(json_number_value(json_object_get(a, "timeout")) == 5.0);
	assert_true(json_is_false(json_object_get(a, "reset")));
	assert_string_equal(summary, "list");
	free(summary);
	json_decref(a);

	assert_int_equal(tools_parse_action("file_editor", "{\"command\":\"view\",\"path\":\"/f\","
					    "\"view_range\":\"[1, 5]\"}", &a, NULL, err,
					    sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(a, "view_range")), 2);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(a, "view_range"), 1)), 5);
	assert_true(json_is_null(json_object_get(a, "old_str")));
	json_decref(a);

	assert_int_equal(tools_parse_action("file_editor", "{\"command\":\"view\"}", &a, NULL,
					    err, sizeof(err)), HB_EINVAL);
	assert_string_equal(err, "file_editor: missing required parameter path");
	assert_int_equal(tools_parse_action("file_editor", "{\"command\":\"delete\",\"path\":"
					    "\"/f\"}", &a, NULL, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "parameter command"));
	assert_int_equal(tools_parse_action("terminal", "{\"command\":\"x\",\"timeout\":\"soon\"}",
					    &a, NULL, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "terminal: parameter timeout: expected a number"));
	assert_int_equal(tools_parse_action("terminal", "{\"command\":\"x\",\"reset\":true,"
					    "\"is_input\":true}", &a, NULL, err, sizeof(err)),
			 HB_EINVAL);
	assert_int_equal(tools_parse_action("terminal", "not json", &a, NULL, err, sizeof(err)),
			 HB_EINVAL);
	assert_int_equal(tools_parse_action("nope", "{}", &a, NULL, err, sizeof(err)), HB_EINVAL);
}

static void test_task_list(void **state)
{
	char err[HB_ERR_MAX], *text;
	json_t *a, *tasks;

	assert_int_equal(tools_parse_action("task_tracker", "{\"command\":\"plan\",\"task_list\":"
					    "\"[{\\\"title\\\":\\\"a\\\",\\\"id\\\":\\\"t1\\\"},"
					    "{\\\"title\\\":\\\"b\\\",\\\"status\\\":\\\"done\\\","
					    "\\\"notes\\\":\\\"n\\\",\\\"id\\\":\\\"t2\\\"}]\"}",
					    &a, NULL, err, sizeof(err)), 0);
	tasks = json_object_get(a, "task_list");
	assert_int_equal(json_array_size(tasks), 2);
	text = task_tracker_render(tasks);
	assert_string_equal(text, "# Task List\n\n1. \u23f3 [t1] a\n\n2. \u2705 [t2] b\n   n");
	free(text);
	json_decref(a);
	text = task_tracker_render(NULL);
	assert_string_equal(text, "No task list found. Use the \"plan\" command to create one.");
	free(text);
	assert_int_equal(tools_parse_action("task_tracker", "{\"command\":\"plan\",\"task_list\":"
					    "[{\"title\":\"a\",\"status\":\"started\"}]}", &a, NULL,
					    err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "task_list[0].status"));
}

static void test_specs(void **state)
{
	json_t *s = tools_specs(true), *f;
	size_t i;

	assert_int_equal(json_array_size(s), 12);
	json_array_foreach(s, i, f) {
		json_t *props = json_object_get(json_object_get(json_object_get(f, "function"),
								"parameters"), "properties");

		assert_non_null(json_object_get(props, "summary"));
		assert_null(json_object_get(props, "security_risk"));
	}
	json_decref(s);
	/* no browser: no browser_* tool */
	s = tools_specs(false);
	assert_int_equal(json_array_size(s), 5);
	json_array_foreach(s, i, f)
		assert_null(strstr(json_string_value(json_object_get(json_object_get(f, "function"),
								    "name")), "browser"));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncate_short_is_whole),
		cmocka_unit_test(test_truncate_keeps_head_and_tail),
		cmocka_unit_test(test_truncate_utf8_boundaries),
		cmocka_unit_test(test_terminal_output_bounded),
		cmocka_unit_test(test_terminal_model_text),
		cmocka_unit_test(test_view_cat_n),
		cmocka_unit_test(test_view_bad_ranges),
		cmocka_unit_test(test_view_cap),
		cmocka_unit_test(test_str_replace_matches),
		cmocka_unit_test(test_snippet_after_replace),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_dir_view),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_coercion),
		cmocka_unit_test(test_task_list),
		cmocka_unit_test(test_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
