/* tool_probe.c — runs agent tool calls against a real sandboxd, for
 * tests/integration/test_agent_tools.py.
 *
 *   tool_probe --url URL [--key KEY] [--workdir DIR] [--soft-timeout S] [--specs]
 *
 * (or SANDBOXD_URL, SESSION_API_KEY, TOOL_WORKDIR, TOOL_SOFT_TIMEOUT). Reads
 * one call a line on stdin, {"name": …, "arguments": {…} or "…"}, runs them
 * all in one struct tools, and writes one JSON line per call: {"name",
 * "tool", "action", "summary", "observation", "text", "is_error",
 * "finished"}, or {"name", "error"} when the arguments are refused, or
 * {"name", "fatal", "code"} when the tool could not run. --specs prints the
 * function specs instead. Exit status 0, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/tools.h"
#include "handbox/error.h"

static void emit(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	printf("%s\n", s ? s : "{\"fatal\":\"out of memory\"}");
	fflush(stdout);
	free(s);
	json_decref(j);
}

static void one_call(struct tools *t, const char *line)
{
	json_t *call = json_loads(line, 0, NULL), *args, *action = NULL;
	const char *name = json_string_value(json_object_get(call, "name"));
	char err[HB_ERR_MAX], *argtext, *summary = NULL;
	struct tool_result r = { 0 };
	int rc;

	args = json_object_get(call, "arguments");
	argtext = json_is_string(args) ? strdup(json_string_value(args)) :
		args ? json_dumps(args, JSON_COMPACT) : NULL;
	rc = tools_parse_action(name ? name : "", argtext, &action, &summary, err, sizeof(err));
	if (rc)
		emit(json_pack("{s:s?, s:s}", "name", name, "error", err));
	else if ((rc = tools_execute(t, name, action, NULL, &r, err, sizeof(err))))
		emit(json_pack("{s:s?, s:s, s:i}", "name", name, "fatal", err, "code", rc));
	else
		emit(json_pack("{s:s?, s:s, s:O, s:s?, s:O, s:s, s:b, s:b}", "name", name, "tool",
			       tools_canonical_name(name), "action", action, "summary", summary,
			       "observation", r.observation, "text", r.text, "is_error", r.is_error,
			       "finished", r.finished));
	tool_result_clear(&r);
	json_decref(action);
	json_decref(call);
	free(argtext);
	free(summary);
}

int main(int argc, char **argv)
{
	struct tool_env env = { { getenv("SANDBOXD_URL"), getenv("SESSION_API_KEY") },
				getenv("TOOL_WORKDIR"), 0 };
	const char *soft = getenv("TOOL_SOFT_TIMEOUT");
	char err[HB_ERR_MAX], *line = NULL;
	struct tools *t;
	size_t cap = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--specs")) {
			emit(tools_specs(false));
			return 0;
		} else if (i + 1 < argc && !strcmp(argv[i], "--url"))
			env.conn.url = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--key"))
			env.conn.session_api_key = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--workdir"))
			env.working_dir = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--soft-timeout"))
			soft = argv[++i];
		else {
			fprintf(stderr, "usage: tool_probe --url URL [--key KEY] [--workdir DIR] "
				"[--soft-timeout S] [--specs] < calls\n");
			return 2;
		}
	}
	env.soft_timeout_s = soft ? atof(soft) : 0;
	if (tools_open(&t, &env, err, sizeof(err))) {
		fprintf(stderr, "tool_probe: %s\n", err);
		return 2;
	}
	while (getline(&line, &cap, stdin) > 0)
		if (line[strspn(line, " \t\r\n")])
			one_call(t, line);
	free(line);
	tools_close(t);
	return 0;
}
