/* test_run_args.c — cli/run_args: the flags of `handbox run`, what is a
 * usage error (exit 2) and the message that says which LLM setting is
 * missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cli/run_args.h"

#define ARGV(...) (char *[]){ "run", __VA_ARGS__, NULL }
#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static char err[1024];

static int parse(struct run_args *a, int argc, char **argv)
{
	err[0] = '\0';
	return run_args_parse(a, argc, argv, err, sizeof(err));
}

static void test_task_and_flags(void **state)
{
	char *v[] = { "run", "--model", "m", "fix it", "--volume", "/a:/workspace", "--json",
		      "--volume", "/b:/data:ro", "--max-iterations", "30", "--keep",
		      "--base-url", "http://h/v1", "--image", "img", NULL };
	struct run_args a;

	assert_int_equal(parse(&a, ARGC(v), v), 0);
	assert_string_equal(a.task, "fix it");
	assert_string_equal(a.model, "m");
	assert_string_equal(a.base_url, "http://h/v1");
	assert_string_equal(a.image, "img");
	assert_string_equal(a.volumes[0], "/a:/workspace");
	assert_string_equal(a.volumes[1], "/b:/data:ro");
	assert_null(a.volumes[2]);
	assert_int_equal(a.max_iterations, 30);
	assert_true(a.json);
	assert_true(a.keep);
	assert_null(a.resume);
	run_args_free(&a);
}

static void test_defaults(void **state)
{
	struct run_args a;

	assert_int_equal(parse(&a, 2, ARGV("task")), 0);
	assert_string_equal(a.task, "task");
	assert_null(a.volumes);
	assert_int_equal(a.max_iterations, 0);
	assert_false(a.json || a.keep || a.help);
	run_args_free(&a);
}

static void test_resume(void **state)
{
	struct run_args a;

	assert_int_equal(parse(&a, 3, ARGV("--resume", "abc")), 0);
	assert_string_equal(a.resume, "abc");
	assert_null(a.task);
	run_args_free(&a);
	/* a TASK with --resume is a new message */
	assert_int_equal(parse(&a, 4, ARGV("--resume", "abc", "now the docs")), 0);
	assert_string_equal(a.task, "now the docs");
	run_args_free(&a);
	/* the sandbox of a resumed conversation is its own */
	assert_int_equal(parse(&a, 5, ARGV("--resume", "abc", "--image", "x")), 2);
	assert_non_null(strstr(err, "--image applies to a new sandbox"));
	run_args_free(&a);
}

static void test_usage_errors(void **state)
{
	struct run_args a;

	assert_int_equal(parse(&a, 1, ARGV(NULL)), 2);
	assert_non_null(strstr(err, "expected a TASK, or --resume ID"));
	run_args_free(&a);
	assert_int_equal(parse(&a, 3, ARGV("fix", "it")), 2);
	assert_non_null(strstr(err, "unexpected argument \"it\""));
	run_args_free(&a);
	assert_int_equal(parse(&a, 2, ARGV("")), 2);
	assert_non_null(strstr(err, "TASK is empty"));
	run_args_free(&a);
	assert_int_equal(parse(&a, 4, ARGV("t", "--max-iterations", "0")), 2);
	assert_string_equal(err, "--max-iterations: \"0\": expected 1 to 100000");
	run_args_free(&a);
	assert_int_equal(parse(&a, 4, ARGV("t", "--max-iterations", "ten")), 2);
	assert_non_null(strstr(err, "--max-iterations"));
	assert_non_null(strstr(err, "ten"));
	run_args_free(&a);
	assert_int_equal(parse(&a, 4, ARGV("t", "--model", "")), 2);
	assert_string_equal(err, "--model: \"\": expected a value");
	run_args_free(&a);
	assert_int_equal(parse(&a, 3, ARGV("t", "--no-such-flag")), 2);
	run_args_free(&a);
	assert_int_equal(parse(&a, 2, ARGV("--model")), 2);
	run_args_free(&a);
}

static void test_help(void **state)
{
	struct run_args a;

	assert_int_equal(parse(&a, 2, ARGV("--help")), 0);
	assert_true(a.help);
	run_args_free(&a);
	/* --help wins over what else is wrong */
	assert_int_equal(parse(&a, 2, ARGV("-h")), 0);
	assert_true(a.help);
	run_args_free(&a);
}

static void test_llm_check(void **state)
{
	struct run_args a = { .task = "t" };

	assert_int_equal(run_args_check_llm(&a, "m", "http://x/v1", err, sizeof(err)), 0);
	assert_int_equal(run_args_check_llm(&a, NULL, NULL, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "LLM_MODEL (or --model) and LLM_BASE_URL (or --base-url)"));
	assert_non_null(strstr(err, "LM Studio: export LLM_BASE_URL=http://localhost:1234/v1"));
	assert_non_null(strstr(err, "Ollama:    export LLM_BASE_URL=http://localhost:11434/v1"));
	/* an empty variable is no setting */
	assert_int_equal(run_args_check_llm(&a, "", "http://x/v1", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "no LLM model: set LLM_MODEL (or --model), e.g."));
	a.model = "flag-model";
	assert_int_equal(run_args_check_llm(&a, NULL, NULL, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "no LLM server: set LLM_BASE_URL (or --base-url)"));
	a.base_url = "http://flag/v1";
	assert_int_equal(run_args_check_llm(&a, NULL, NULL, err, sizeof(err)), 0);
	/* a resumed conversation has its stored settings */
	a = (struct run_args){ .resume = "id" };
	assert_int_equal(run_args_check_llm(&a, NULL, NULL, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_and_flags),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_llm_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
