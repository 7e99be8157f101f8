/* test_bash_request.c — sandboxd/bash_request: the command body checks
 * behind start_bash_command, execute_bash_command and the bash-events
 * socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/hb_error.h"
#include "sandboxd/bash_request.h"

static int parse(const char *text, struct bash_request *req, char *err,
		 size_t errlen)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_DECODE_ANY, &jerr);
	int rc;

	if (!body)
		fail_msg("test JSON does not parse: %s", jerr.text);
	rc = bash_request_parse(body, req, err, errlen);
	json_decref(body); /* req's strings die with it: only rc is used */
	return rc;
}

static void test_defaults(void **state)
{
	struct bash_request req;
	json_t *body = json_pack("{s:s}", "command", "echo hi");
	char err[256] = "";

	assert_int_equal(bash_request_parse(body, &req, err, sizeof(err)), 0);
	assert_string_equal(req.command, "echo hi");
	assert_null(req.cwd);
	assert_true(req.timeout == 300);
	assert_string_equal(err, "");
	json_decref(body);
}

static void test_all_fields(void **state)
{
	struct bash_request req;
	json_t *body = json_pack("{s:s, s:s, s:f}", "command", "ls", "cwd", "/tmp",
				 "timeout", 1.5);

	assert_int_equal(bash_request_parse(body, &req, NULL, 0), 0);
	assert_string_equal(req.cwd, "/tmp");
	assert_true(req.timeout == 1.5);
	json_decref(body);

	body = json_pack("{s:s, s:n, s:n}", "command", "", "cwd", "timeout");
	assert_int_equal(bash_request_parse(body, &req, NULL, 0), 0);
	assert_string_equal(req.command, "");
	assert_null(req.cwd);
	assert_true(req.timeout == 300);
	json_decref(body);

	body = json_pack("{s:s, s:i}", "command", "x", "timeout", 604800);
	assert_int_equal(bash_request_parse(body, &req, NULL, 0), 0);
	assert_true(req.timeout == 604800);
	json_decref(body);
}

static void rejects(const char *text, const char *needle)
{
	struct bash_request req;
	char err[256] = "";

	assert_int_equal(parse(text, &req, err, sizeof(err)), HB_EINVAL);
	if (!strstr(err, needle))
		fail_msg("%s: message \"%s\" does not mention \"%s\"", text, err, needle);
}

static void test_rejects(void **state)
{
	rejects("[]", "body");
	rejects("\"echo\"", "body");
	rejects("null", "body");
	rejects("{}", "command");
	rejects("{\"command\": 1}", "command");
	rejects("{\"command\": null}", "command");
	rejects("{\"command\": [\"ls\"]}", "command");
	rejects("{\"command\": \"ls\", \"cwd\": 5}", "cwd");
	rejects("{\"command\": \"ls\", \"timeout\": 0}", "timeout");
	rejects("{\"command\": \"ls\", \"timeout\": -1}", "timeout");
	rejects("{\"command\": \"ls\", \"timeout\": \"10\"}", "timeout");
	rejects("{\"command\": \"ls\", \"timeout\": 604801}", "timeout");
	rejects("{\"command\": \"ls\", \"timeout\": 1e300}", "timeout");
	rejects("{\"command\": \"ls\", \"timeout\": true}", "timeout");
}

static void test_error_names_the_field(void **state)
{
	struct bash_request req;
	char err[256];

	assert_int_equal(parse("{\"command\": \"ls\", \"timeout\": \"soon\"}", &req,
			       err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "timeout"));
	/* a tiny error buffer is cut, not overrun */
	assert_int_equal(parse("{\"command\": \"ls\", \"timeout\": \"soon\"}", &req,
			       err, 4), HB_EINVAL);
	assert_int_equal(strlen(err), 3);
}

/* a relative cwd is the route's business (400), not a malformed body */
static void test_cwd_is_taken_as_given(void **state)
{
	struct bash_request req;
	json_t *body = json_pack("{s:s, s:s}", "command", "pwd", "cwd", "rel/dir");

	assert_int_equal(bash_request_parse(body, &req, NULL, 0), 0);
	assert_string_equal(req.cwd, "rel/dir");
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_fields),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_error_names_the_field),
		cmocka_unit_test(test_cwd_is_taken_as_given),
	};

	return cmocka_run_group_tests_name("sandboxd/bash_request", tests, NULL, NULL);
}
