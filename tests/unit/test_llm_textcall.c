/* test_llm_textcall.c — agent/llm_textcall: the tools described for the
 * system message, native history rewritten, and replies read tolerantly
 * (missing closing tags, wrappers, <think>, several and multi-line
 * parameters, JSON bodies, malformed calls, unicode, huge values). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent/llm_textcall.h"
#include "agent/llm_wire.h"

static const char TOOLS[] =
	"[{\"type\":\"function\",\"function\":{\"name\":\"terminal\",\"description\":\"Run a command\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"command\":{\"type\":\"string\",\"description\":\"the command\"},"
	"\"is_input\":{\"type\":\"boolean\",\"description\":\"send keys\",\"enum\":[true,false]}},"
	"\"required\":[\"command\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"finish\",\"description\":\"Stop\"}}]";

static json_t *load(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

/* text parsed; the reply is checked by the caller and cleared here after */
static struct llm_textcall_reply parse(const char *text)
{
	struct llm_textcall_reply r;
	unsigned long id = 1;

	assert_int_equal(llm_textcall_parse(text, &id, &r), 0);
	return r;
}

static void assert_args(const struct llm_tool_call *c, const char *name, const char *args)
{
	json_t *got, *want;

	assert_string_equal(c->name, name);
	assert_null(c->parse_error);
	assert_non_null(c->arguments);
	got = load(c->arguments);
	want = load(args);
	if (!json_equal(got, want))
		fail_msg("arguments %s, expected %s", c->arguments, args);
	json_decref(got);
	json_decref(want);
}

static void test_describe_lists_tools_and_format(void **state)
{
	json_t *tools = load(TOOLS);
	char *d = llm_textcall_describe(tools);

	assert_non_null(d);
	assert_non_null(strstr(d, "## terminal\nRun a command\n"));
	assert_non_null(strstr(d, "- command (string, required): the command"));
	assert_non_null(strstr(d, "- is_input (boolean, optional): send keys (one of `true`, `false`)"));
	assert_non_null(strstr(d, "## finish\nStop\nNo parameters."));
	assert_non_null(strstr(d, "<function=FUNCTION_NAME>\n<parameter=PARAMETER_NAME>value</parameter>"));
	assert_non_null(strstr(d, "EXECUTION RESULT of [FUNCTION_NAME]:"));
	free(d);
	json_decref(tools);
}

static void test_history_rewritten(void **state)
{
	json_t *tools = load(TOOLS);
	json_t *msgs = load("[{\"role\":\"system\",\"content\":\"Be brief.\"},"
		"{\"role\":\"user\",\"content\":\"list\"},"
		"{\"role\":\"assistant\",\"content\":\"Listing.\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
		"\"function\":{\"name\":\"terminal\",\"arguments\":\"{\\\"command\\\":\\\"ls -la\\\",\\\"timeout\\\":5}\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":[{\"type\":\"text\",\"text\":\"a.txt\"}]}]");
	json_t *out = llm_textcall_messages(msgs, tools);
	const char *sys, *asst, *res;

	assert_non_null(out);
	assert_int_equal(json_array_size(out), 4);
	sys = json_string_value(json_object_get(json_array_get(out, 0), "content"));
	assert_true(!strncmp(sys, "Be brief.\n\n# Functions", 22));
	asst = json_string_value(json_object_get(json_array_get(out, 2), "content"));
	assert_string_equal(asst, "Listing.\n<function=terminal>\n<parameter=command>ls -la</parameter>\n"
			    "<parameter=timeout>5</parameter>\n</function>");
	assert_null(json_object_get(json_array_get(out, 2), "tool_calls"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 3), "role")), "user");
	res = json_string_value(json_object_get(json_array_get(out, 3), "content"));
	assert_string_equal(res, "EXECUTION RESULT of [terminal]:\na.txt");
	/* the caller's messages are untouched */
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3), "role")), "tool");
	json_decref(out);
	json_decref(msgs);
	json_decref(tools);
}

static void test_system_message_added_when_none(void **state)
{
	json_t *tools = load(TOOLS), *msgs = load("[{\"role\":\"user\",\"content\":\"hi\"}]");
	json_t *out = llm_textcall_messages(msgs, tools);

	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "role")), "system");
	assert_true(!strncmp(json_string_value(json_object_get(json_array_get(out, 0), "content")),
			     "# Functions", 11));
	json_decref(out);
	json_decref(msgs);
	json_decref(tools);
}

static void test_request_body_text_and_native(void **state)
{
	json_t *tools = load(TOOLS), *msgs = load("[{\"role\":\"user\",\"content\":\"hi\"}]");
	json_t *b = llm_request_body("litellm_proxy/qwen", msgs, tools, true, false);

	assert_string_equal(json_string_value(json_object_get(b, "model")), "qwen");
	assert_null(json_object_get(b, "tools"));
	assert_null(json_object_get(b, "tool_choice"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(b, "stop"), 0)), "</function");
	assert_null(json_object_get(b, "stream"));
	json_decref(b);
	b = llm_request_body("anthropic/claude-sonnet-4", msgs, tools, false, true);
	assert_string_equal(json_string_value(json_object_get(b, "model")), "anthropic/claude-sonnet-4");
	assert_true(json_equal(json_object_get(b, "tools"), tools));
	assert_string_equal(json_string_value(json_object_get(b, "tool_choice")), "auto");
	assert_null(json_object_get(b, "stop"));
	assert_true(json_is_true(json_object_get(json_object_get(b, "stream_options"), "include_usage")));
	json_decref(b);
	json_decref(msgs);
	json_decref(tools);
}

static void test_plain_call(void **state)
{
	struct llm_textcall_reply r = parse("I will list.\n<function=terminal>\n"
					    "<parameter=command>ls -la /workspace</parameter>\n</function>");

	assert_string_equal(r.content, "I will list.");
	assert_null(r.reasoning);
	assert_int_equal(r.ncalls, 1);
	assert_string_equal(r.calls[0].id, "call_1");
	assert_args(&r.calls[0], "terminal", "{\"command\":\"ls -la /workspace\"}");
	llm_textcall_reply_clear(&r);
}

static void test_no_call(void **state)
{
	struct llm_textcall_reply r = parse("  All done.  ");

	assert_string_equal(r.content, "All done.");
	assert_int_equal(r.ncalls, 0);
	llm_textcall_reply_clear(&r);
}

static void test_missing_closing_tags(void **state)
{
	/* the stop sequence "</function" ends the reply before the tag */
	struct llm_textcall_reply r = parse("<function=terminal>\n<parameter=command>ls</parameter>\n");

	assert_int_equal(r.ncalls, 1);
	assert_args(&r.calls[0], "terminal", "{\"command\":\"ls\"}");
	llm_textcall_reply_clear(&r);
	r = parse("<function=file_editor>\n<parameter=command>view\n<parameter=path>/a b\n");
	assert_int_equal(r.ncalls, 1);
	assert_args(&r.calls[0], "file_editor", "{\"command\":\"view\",\"path\":\"/a b\"}");
	llm_textcall_reply_clear(&r);
}

static void test_tool_call_wrapper_and_think(void **state)
{
	struct llm_textcall_reply r = parse("<think>the user wants files</think>\nSure.\n<tool_call>\n"
					    "<function=terminal>\n<parameter=command>ls</parameter>\n"
					    "</function>\n</tool_call>");

	assert_string_equal(r.reasoning, "the user wants files");
	assert_string_equal(r.content, "Sure.");
	assert_int_equal(r.ncalls, 1);
	assert_args(&r.calls[0], "terminal", "{\"command\":\"ls\"}");
	llm_textcall_reply_clear(&r);
}

static void test_lone_closing_think(void **state)
{
	struct llm_textcall_reply r = parse("planning first\n</think>\n\nok");

	assert_string_equal(r.reasoning, "planning first");
	assert_string_equal(r.content, "ok");
	assert_int_equal(r.ncalls, 0);
	llm_textcall_reply_clear(&r);
}

static void test_multiline_and_several_parameters(void **state)
{
	struct llm_textcall_reply r = parse(
		"<function=file_editor>\n<parameter=command>create</parameter>\n"
		"<parameter=path>/w/a.py</parameter>\n<parameter=file_text>\ndef f():\n"
		"    return \"<b>\"  # a tag inside\n\n</parameter>\n"
		"<parameter=view_range>[1, -1]</parameter>\n<parameter=insert_line>5</parameter>\n"
		"</function>\ntext after the call is dropped");

	assert_int_equal(r.ncalls, 1);
	/* values stay text: the tools coerce "[1, -1]" and "5" */
	assert_args(&r.calls[0], "file_editor",
		    "{\"command\":\"create\",\"path\":\"/w/a.py\",\"file_text\":\"def f():\\n    return "
		    "\\\"<b>\\\"  # a tag inside\\n\",\"view_range\":\"[1, -1]\",\"insert_line\":\"5\"}");
	llm_textcall_reply_clear(&r);
}

static void test_two_calls_and_aliases_kept(void **state)
{
	struct llm_textcall_reply r = parse("<function=execute_bash>\n<parameter=command>pwd</parameter>\n"
					    "<function=str_replace_editor>\n<parameter=command>view</parameter>\n"
					    "</function>");

	assert_int_equal(r.ncalls, 2);
	assert_args(&r.calls[0], "execute_bash", "{\"command\":\"pwd\"}");
	assert_args(&r.calls[1], "str_replace_editor", "{\"command\":\"view\"}");
	assert_string_equal(r.calls[1].id, "call_2");
	llm_textcall_reply_clear(&r);
}

static void test_json_body_and_no_parameters(void **state)
{
	struct llm_textcall_reply r = parse("<function=terminal>\n{\"command\": \"ls\", \"timeout\": 3}\n</function>");

	assert_int_equal(r.ncalls, 1);
	assert_args(&r.calls[0], "terminal", "{\"command\":\"ls\",\"timeout\":3}");
	llm_textcall_reply_clear(&r);
	r = parse("<function=finish>\n</function>");
	assert_args(&r.calls[0], "finish", "{}");
	llm_textcall_reply_clear(&r);
}

static void test_malformed_calls(void **state)
{
	struct llm_textcall_reply r = parse("<function=>\n<parameter=command>ls</parameter>\n</function>");

	assert_int_equal(r.ncalls, 1);
	assert_null(r.calls[0].arguments);
	assert_non_null(r.calls[0].parse_error);
	assert_non_null(strstr(r.calls[0].parse_error, "<function=NAME>"));
	llm_textcall_reply_clear(&r);

	r = parse("<function=terminal\n<parameter=command>ls</parameter>");
	assert_int_equal(r.ncalls, 1);
	assert_null(r.calls[0].arguments);
	assert_non_null(r.calls[0].parse_error);
	llm_textcall_reply_clear(&r);

	r = parse("<function=terminal>\n<parameter=comm and>ls</parameter>\n</function>");
	assert_int_equal(r.ncalls, 1);
	assert_string_equal(r.calls[0].name, "terminal");
	assert_null(r.calls[0].arguments);
	assert_non_null(strstr(r.calls[0].parse_error, "\"terminal\""));
	llm_textcall_reply_clear(&r);
}

static void test_unicode_and_huge_value(void **state)
{
	size_t n = 1 << 20, pre = strlen("<function=terminal>\n<parameter=command>");
	char *text = malloc(n + 100);
	struct llm_textcall_reply r;
	json_t *args;

	r = parse("Voilà 🙂\n<function=terminal>\n<parameter=command>echo 'héllo — 世界'</parameter>\n</function>");
	assert_string_equal(r.content, "Voilà 🙂");
	assert_args(&r.calls[0], "terminal", "{\"command\":\"echo 'héllo — 世界'\"}");
	llm_textcall_reply_clear(&r);

	memcpy(text, "<function=terminal>\n<parameter=command>", pre);
	memset(text + pre, 'x', n);
	strcpy(text + pre + n, "</parameter>\n</function>");
	r = parse(text);
	assert_int_equal(r.ncalls, 1);
	args = load(r.calls[0].arguments);
	assert_int_equal(json_string_length(json_object_get(args, "command")), n);
	json_decref(args);
	llm_textcall_reply_clear(&r);
	free(text);
}

static void test_response_read_parses_text_in_native_answer(void **state)
{
	json_t *body = load("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":"
		"{\"role\":\"assistant\",\"content\":\"<think>hmm</think>ok\\n<function=terminal>\\n"
		"<parameter=command>ls</parameter>\\n</function>\"}}],"
		"\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,"
		"\"prompt_tokens_details\":{\"cached_tokens\":3}}}");
	struct llm_response r;
	unsigned long id = 7;
	char err[256];

	assert_int_equal(llm_response_read(body, &id, &r, err, sizeof(err)), 0);
	assert_string_equal(r.content, "ok");
	assert_string_equal(r.reasoning, "hmm");
	assert_int_equal(r.ncalls, 1);
	assert_string_equal(r.calls[0].id, "call_7");
	assert_args(&r.calls[0], "terminal", "{\"command\":\"ls\"}");
	assert_true(r.usage_known);
	assert_int_equal(r.usage.prompt_tokens, 10);
	assert_int_equal(r.usage.cache_read_tokens, 3);
	llm_response_clear(&r);
	json_decref(body);
}

/* A native call without "arguments" (or without "function") reads as {}
 * and leaks nothing (fuzz_llm: a json_object() made for it was never
 * freed; ASan's leak check fails this test without the fix). */
static void test_response_read_call_without_arguments(void **state)
{
	json_t *body = load("{\"id\":\"r2\",\"choices\":[{\"finish_reason\":\"tool_calls\","
		"\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
		"{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"think\"}},"
		"{\"type\":\"function\"}]}}]}");
	struct llm_response r;
	unsigned long id = 1;
	char err[256];

	assert_int_equal(llm_response_read(body, &id, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ncalls, 2);
	assert_string_equal(r.calls[0].id, "a");
	assert_args(&r.calls[0], "think", "{}");
	assert_string_equal(r.calls[1].id, "call_2");
	assert_args(&r.calls[1], "", "{}");
	llm_response_clear(&r);
	json_decref(body);
}

/* a server that gives every call of an answer one id: each gets its own */
static void test_response_read_repeated_call_ids(void **state)
{
	json_t *body = load("{\"id\":\"r3\",\"choices\":[{\"finish_reason\":\"tool_calls\","
		"\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
		"{\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"think\"}},"
		"{\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"think\"}}]}}]}");
	struct llm_response r;
	unsigned long id = 7;
	char err[256];

	assert_int_equal(llm_response_read(body, &id, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ncalls, 2);
	assert_string_equal(r.calls[0].id, "call_0");
	assert_string_not_equal(r.calls[1].id, "call_0");
	llm_response_clear(&r);
	json_decref(body);
}

static void test_price_table(void **state)
{
	double in, out;

	assert_true(llm_price_lookup("gpt-4o", &in, &out));
	assert_true(in > 2.4e-6 && in < 2.6e-6);
	assert_true(llm_price_lookup("gpt-4o-mini-2024-07-18", &in, &out));
	assert_true(in < 0.2e-6);
	assert_true(llm_price_lookup("openai/gpt-4o-2024-08-06", &in, &out));
	assert_true(in > 2.4e-6);
	assert_true(llm_price_lookup("anthropic/claude-sonnet-4-20250514", &in, &out));
	assert_false(llm_price_lookup("qwen2.5-coder:7b", &in, &out));
	assert_false(llm_price_lookup("gpt-4oops", &in, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_lists_tools_and_format),
		cmocka_unit_test(test_history_rewritten),
		cmocka_unit_test(test_system_message_added_when_none),
		cmocka_unit_test(test_request_body_text_and_native),
		cmocka_unit_test(test_plain_call),
		cmocka_unit_test(test_no_call),
		cmocka_unit_test(test_missing_closing_tags),
		cmocka_unit_test(test_tool_call_wrapper_and_think),
		cmocka_unit_test(test_lone_closing_think),
		cmocka_unit_test(test_multiline_and_several_parameters),
		cmocka_unit_test(test_two_calls_and_aliases_kept),
		cmocka_unit_test(test_json_body_and_no_parameters),
		cmocka_unit_test(test_malformed_calls),
		cmocka_unit_test(test_unicode_and_huge_value),
		cmocka_unit_test(test_response_read_parses_text_in_native_answer),
		cmocka_unit_test(test_response_read_call_without_arguments),
		cmocka_unit_test(test_response_read_repeated_call_ids),
		cmocka_unit_test(test_price_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
