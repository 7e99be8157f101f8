/* test_remote_state.c — lib/remote_state.c: what an event of handbox serve
 * changes in a remote conversation's status, stats and last error, and
 * the StartConversationRequest it is made with; client/ws_target.c: the
 * events socket's address from a server URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client/ws_target.h"
#include "common/hb_error.h"
#include "lib/remote.h"

static json_t *event(const char *text)
{
	json_t *ev = json_loads(text, 0, NULL);

	assert_non_null(ev);
	return ev;
}

static void test_status_names_are_static_and_unknown_ones_named(void **state)
{
	char name[16];

	strcpy(name, "finished");
	assert_string_equal(remote_status_name(name), "finished");
	assert_ptr_not_equal(remote_status_name(name), name);
	assert_ptr_equal(remote_status_name(name), remote_status_name("finished"));
	assert_string_equal(remote_status_name("waiting_for_confirmation"),
			    "waiting_for_confirmation");
	assert_string_equal(remote_status_name("exploded"), "unknown");
	assert_string_equal(remote_status_name(NULL), "unknown");
	assert_false(remote_status_ends_run("running"));
	assert_false(remote_status_ends_run("idle"));
	assert_false(remote_status_ends_run(NULL));
	assert_true(remote_status_ends_run("paused"));
	assert_true(remote_status_ends_run("stuck"));
}

static void test_stats_are_read_with_an_unknown_cost_below_zero(void **state)
{
	json_t *s = event("{\"usage_to_metrics\":{\"agent\":{\"model_name\":\"m\","
			  "\"accumulated_cost\":0.25,\"llm_calls\":3,\"accumulated_token_usage\":"
			  "{\"prompt_tokens\":100,\"completion_tokens\":7}}}}");
	struct hb_conversation_stats out;

	remote_stats_read(s, &out);
	assert_int_equal(out.llm_calls, 3);
	assert_int_equal(out.steps, 3);
	assert_int_equal(out.prompt_tokens, 100);
	assert_int_equal(out.completion_tokens, 7);
	assert_true(out.cost == 0.25);
	json_object_set_new(json_object_get(json_object_get(s, "usage_to_metrics"), "agent"),
			    "accumulated_cost", json_null());
	remote_stats_read(s, &out);
	assert_true(out.cost < 0);
	remote_stats_read(NULL, &out);
	assert_int_equal(out.llm_calls, 0);
	assert_true(out.cost < 0);
	json_decref(s);
}

static void test_events_change_status_stats_and_error(void **state)
{
	struct remote_state st = { .status = "idle", .stats = { .cost = -1 } };
	json_t *ev;

	ev = event("{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"execution_status\","
		   "\"value\":\"running\"}");
	assert_string_equal(remote_state_track(&st, ev), "running");
	assert_string_equal(st.status, "running");
	json_decref(ev);
	ev = event("{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"stats\",\"value\":"
		   "{\"usage_to_metrics\":{\"agent\":{\"accumulated_cost\":1.5,\"llm_calls\":2}}}}");
	assert_null(remote_state_track(&st, ev));
	assert_true(st.stats.cost == 1.5);
	assert_int_equal(st.stats.llm_calls, 2);
	json_decref(ev);
	ev = event("{\"kind\":\"ConversationErrorEvent\",\"code\":\"LLMError\","
		   "\"detail\":\"the LLM refused the key\"}");
	assert_null(remote_state_track(&st, ev));
	assert_string_equal(st.error, "the LLM refused the key");
	json_decref(ev);
	ev = event("{\"kind\":\"ConversationErrorEvent\",\"code\":\"AgentStuck\"}");
	remote_state_track(&st, ev);
	assert_string_equal(st.error, "AgentStuck");
	json_decref(ev);
	/* other events and other keys change nothing */
	ev = event("{\"kind\":\"MessageEvent\",\"key\":\"execution_status\",\"value\":\"error\"}");
	assert_null(remote_state_track(&st, ev));
	assert_string_equal(st.status, "running");
	json_decref(ev);
	/* a connection's snapshot sets both */
	ev = event("{\"kind\":\"ConversationStateUpdateEvent\",\"key\":\"full_state\",\"value\":"
		   "{\"execution_status\":\"paused\",\"stats\":{\"usage_to_metrics\":{\"agent\":"
		   "{\"accumulated_cost\":2.0,\"llm_calls\":4}}}}}");
	assert_null(remote_state_track(&st, ev));
	assert_string_equal(st.status, "paused");
	assert_int_equal(st.stats.llm_calls, 4);
	json_decref(ev);
}

static void test_create_body_takes_the_options_then_the_environment(void **state)
{
	struct hb_llm llm = { .model = "m1", .base_url = NULL, .api_key = "k1" };
	char err[HB_ERR_MAX] = "";
	json_t *body, *l;

	setenv("LLM_MODEL", "env-model", 1);
	setenv("LLM_BASE_URL", "http://env/v1", 1);
	unsetenv("LLM_API_KEY");
	body = remote_create_body(&llm, 7, err, sizeof(err));
	assert_non_null(body);
	l = json_object_get(json_object_get(body, "agent"), "llm");
	assert_string_equal(json_string_value(json_object_get(json_object_get(body, "agent"),
							       "kind")), "Agent");
	assert_string_equal(json_string_value(json_object_get(l, "model")), "m1");
	assert_string_equal(json_string_value(json_object_get(l, "base_url")), "http://env/v1");
	assert_string_equal(json_string_value(json_object_get(l, "api_key")), "k1");
	assert_int_equal(json_integer_value(json_object_get(body, "max_iterations")), 7);
	json_decref(body);
	/* nothing given nor set: left to the server's settings */
	unsetenv("LLM_MODEL");
	setenv("LLM_BASE_URL", "", 1);
	body = remote_create_body(NULL, 0, err, sizeof(err));
	assert_non_null(body);
	assert_int_equal(json_object_size(json_object_get(json_object_get(body, "agent"), "llm")),
			 0);
	assert_null(json_object_get(body, "max_iterations"));
	json_decref(body);
	unsetenv("LLM_BASE_URL");
}

static void test_a_key_that_is_not_text_is_refused_without_showing_it(void **state)
{
	struct hb_llm llm = { .model = "m", .api_key = "secret\xff" };
	char err[HB_ERR_MAX] = "";

	assert_null(remote_create_body(&llm, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not UTF-8"));
	assert_null(strstr(err, "secret"));
}

static void test_the_events_socket_keeps_a_base_path(void **state)
{
	char err[HB_ERR_MAX] = "";
	struct ws_target t;

	assert_int_equal(ws_target_parse("https://example.com/handbox/", "/sockets/events/x",
					 "server URL", &t, err, sizeof(err)), 0);
	assert_true(t.tls);
	assert_int_equal(t.port, 443);
	assert_string_equal(t.host, "example.com");
	assert_string_equal(t.path, "/handbox/sockets/events/x");
	assert_string_equal(t.host_header, "example.com:443");
	ws_target_free(&t);
	assert_int_equal(ws_target_parse("http://[::1]:3000", "/r", "server URL", &t, err,
					 sizeof(err)), 0);
	assert_false(t.tls);
	assert_string_equal(t.host, "::1");
	assert_string_equal(t.path, "/r");
	assert_string_equal(t.host_header, "[::1]:3000");
	ws_target_free(&t);
	assert_int_equal(ws_target_parse("ftp://h:21", "/r", "server URL", &t, err, sizeof(err)),
			 HB_EINVAL);
	assert_string_equal(err, "server URL \"ftp://h:21\": expected an http:// or https:// URL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names_are_static_and_unknown_ones_named),
		cmocka_unit_test(test_stats_are_read_with_an_unknown_cost_below_zero),
		cmocka_unit_test(test_events_change_status_stats_and_error),
		cmocka_unit_test(test_create_body_takes_the_options_then_the_environment),
		cmocka_unit_test(test_a_key_that_is_not_text_is_refused_without_showing_it),
		cmocka_unit_test(test_the_events_socket_keeps_a_base_path),
	};

	return cmocka_run_group_tests_name("remote_state", tests, NULL, NULL);
}
