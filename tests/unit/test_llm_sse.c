/* test_llm_sse.c — agent/llm_sse: a streamed chat completion split at
 * every byte boundary gives the same answer; tool-call deltas merge by
 * index; usage of the last chunk; [DONE]; garbage and comment lines
 * skipped; CRLF; a streamed error; the caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent/llm_sse.h"
#include "agent/llm_wire.h"
#include "common/hb_error.h"

static const char STREAM[] =
	": keep-alive comment\n"
	"event: message\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think \"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"}}]}\r\n\r\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo 世界\"}}]}\n\n"
	"data: not json at all\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
	"\"type\":\"function\",\"function\":{\"name\":\"terminal\",\"arguments\":\"\"}}]}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\","
	"\"function\":{\"name\":\"think\",\"arguments\":\"{\\\"thought\\\":\"}}]}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
	"\"function\":{\"arguments\":\"{\\\"comm\"}}]}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
	"\"function\":{\"arguments\":\"and\\\":\\\"ls\\\"}\"}}]}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
	"\"function\":{\"arguments\":\"\\\"x\\\"}\"}}]}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,"
	"\"completion_tokens_details\":{\"reasoning_tokens\":2}}}\n\n"
	"data: [DONE]\n\n";

static void check_answer(struct llm_sse *p)
{
	json_t *body = llm_sse_body(p);
	struct llm_response r;
	unsigned long id = 1;
	char err[256];

	assert_non_null(body);
	assert_true(p->done);
	assert_int_equal(p->skipped, 3);    /* the comment, "event:", the garbage */
	assert_int_equal(llm_response_read(body, &id, &r, err, sizeof(err)), 0);
	assert_string_equal(r.id, "c1");
	assert_string_equal(r.content, "Héllo 世界");
	assert_string_equal(r.reasoning, "think ");
	assert_string_equal(r.finish_reason, "tool_calls");
	assert_int_equal(r.ncalls, 2);
	assert_string_equal(r.calls[0].id, "call_a");
	assert_string_equal(r.calls[0].name, "terminal");
	assert_string_equal(r.calls[0].arguments, "{\"command\":\"ls\"}");
	assert_string_equal(r.calls[1].id, "call_b");
	assert_string_equal(r.calls[1].name, "think");
	assert_string_equal(r.calls[1].arguments, "{\"thought\":\"x\"}");
	assert_true(r.usage_known);
	assert_int_equal(r.usage.prompt_tokens, 12);
	assert_int_equal(r.usage.completion_tokens, 7);
	assert_int_equal(r.usage.reasoning_tokens, 2);
	llm_response_clear(&r);
	json_decref(body);
}

static void test_whole(void **state)
{
	struct llm_sse p;

	llm_sse_init(&p, 1 << 20);
	assert_int_equal(llm_sse_feed(&p, STREAM, strlen(STREAM), NULL, 0), 0);
	check_answer(&p);
	llm_sse_free(&p);
}

static void test_split_at_every_boundary(void **state)
{
	size_t n = strlen(STREAM), cut;

	for (cut = 0; cut <= n; cut++) {
		struct llm_sse p;

		llm_sse_init(&p, 1 << 20);
		assert_int_equal(llm_sse_feed(&p, STREAM, cut, NULL, 0), 0);
		assert_int_equal(llm_sse_feed(&p, STREAM + cut, n - cut, NULL, 0), 0);
		check_answer(&p);
		llm_sse_free(&p);
	}
}

static void test_byte_by_byte(void **state)
{
	struct llm_sse p;
	size_t i;

	llm_sse_init(&p, 1 << 20);
	for (i = 0; STREAM[i]; i++)
		assert_int_equal(llm_sse_feed(&p, STREAM + i, 1, NULL, 0), 0);
	check_answer(&p);
	llm_sse_free(&p);
}

static void test_last_line_without_newline_and_no_done(void **state)
{
	static const char s[] = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
				"\"finish_reason\":\"stop\"}]}";
	struct llm_sse p;
	json_t *body, *msg;

	llm_sse_init(&p, 1 << 20);
	assert_int_equal(llm_sse_feed(&p, s, strlen(s), NULL, 0), 0);
	assert_int_equal(p.chunks, 0);
	body = llm_sse_body(&p);
	assert_int_equal(p.chunks, 1);
	assert_false(p.done);
	msg = json_object_get(json_array_get(json_object_get(body, "choices"), 0), "message");
	assert_string_equal(json_string_value(json_object_get(msg, "content")), "hi");
	assert_null(json_object_get(msg, "tool_calls"));
	assert_true(json_is_null(json_object_get(body, "usage")));
	json_decref(body);
	llm_sse_free(&p);
}

static void test_deltas_without_index(void **state)
{
	static const char s[] =
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"terminal\",\"arguments\":\"{\"}}]}}]}\n"
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"terminal\",\"arguments\":\"}\"}}]}}]}\n"
		"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"finish\",\"arguments\":\"{}\"}}]}}]}\n";
	struct llm_sse p;
	json_t *body, *calls;

	llm_sse_init(&p, 1 << 20);
	assert_int_equal(llm_sse_feed(&p, s, strlen(s), NULL, 0), 0);
	body = llm_sse_body(&p);
	calls = json_object_get(json_object_get(json_array_get(json_object_get(body, "choices"), 0),
						"message"), "tool_calls");
	assert_int_equal(json_array_size(calls), 2);
	/* a repeated name is kept once */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(calls, 0),
		"function"), "name")), "terminal");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(calls, 0),
		"function"), "arguments")), "{}");
	json_decref(body);
	llm_sse_free(&p);
}

static void test_streamed_error(void **state)
{
	static const char s[] = "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
	struct llm_sse p;

	llm_sse_init(&p, 1 << 20);
	assert_int_equal(llm_sse_feed(&p, s, strlen(s), NULL, 0), 0);
	assert_string_equal(p.error, "overloaded");
	assert_int_equal(p.chunks, 0);
	llm_sse_free(&p);
}

static void test_caps(void **state)
{
	struct llm_sse p;
	char line[300], err[256];
	int i;

	/* one line longer than the cap, with no newline in sight */
	llm_sse_init(&p, 100);
	memset(line, 'x', sizeof(line));
	assert_int_equal(llm_sse_feed(&p, line, sizeof(line), err, sizeof(err)), HB_ETOOBIG);
	assert_non_null(strstr(err, "100 bytes"));
	llm_sse_free(&p);

	/* short lines whose content adds up past the cap */
	llm_sse_init(&p, 100);
	for (i = 0; i < 20; i++) {
		static const char c[] = "data: {\"choices\":[{\"delta\":{\"content\":\"0123456789\"}}]}\n";
		int rc = llm_sse_feed(&p, c, strlen(c), err, sizeof(err));

		if (rc) {
			assert_int_equal(rc, HB_ETOOBIG);
			assert_true(i >= 10);
			break;
		}
	}
	assert_true(i < 20);
	llm_sse_free(&p);

	/* a tool-call index past the table */
	llm_sse_init(&p, 1000);
	snprintf(line, sizeof(line), "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":%d,"
		 "\"function\":{\"name\":\"x\"}}]}}]}\n", LLM_SSE_MAX_CALLS);
	assert_int_equal(llm_sse_feed(&p, line, strlen(line), err, sizeof(err)), HB_ETOOBIG);
	llm_sse_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_split_at_every_boundary),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_last_line_without_newline_and_no_done),
		cmocka_unit_test(test_deltas_without_index),
		cmocka_unit_test(test_streamed_error),
		cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
