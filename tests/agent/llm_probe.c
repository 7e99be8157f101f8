/* llm_probe.c — the LLM client (src/agent/llm.h) driven from the command
 * line, for tests/integration/test_llm_client.py: it reads a messages
 * JSON and a tools JSON, calls llm_complete() with the configuration of
 * the environment (LLM_MODEL, LLM_BASE_URL, …), and prints one JSON object
 * per call: the calls, content, usage, cost, totals, and on failure the
 * error code and message.
 *
 *   llm_probe [--repeat N] [--cancel-after-ms MS] MESSAGES.json [TOOLS.json]
 *
 * --repeat makes N calls with the same messages on one client (a mode
 * switch is kept between them); --cancel-after-ms cancels the calls from
 * another thread after MS milliseconds; SIGINT cancels too. Exit status 0
 * when every call succeeded, 1 when one failed, 2 on bad usage. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/llm.h"
#include "common/clock.h"
#include "common/hb_error.h"

static struct hb_cancel cancel;

static void on_sigint(int sig)
{
	hb_cancel_request(&cancel, sig);
}

static void *cancel_later(void *arg)
{
	clock_sleep_us((int64_t)(long)arg * 1000);
	hb_cancel_request(&cancel, -1);
	return NULL;
}

static const char *code_name(int rc)
{
	switch (rc) {
	case 0: return "OK";
	case HB_ENOMEM: return "ENOMEM";
	case HB_EINVAL: return "EINVAL";
	case HB_ETOOBIG: return "ETOOBIG";
	case HB_ENOENT: return "ENOENT";
	case HB_EIO: return "EIO";
	case HB_EPERM: return "EPERM";
	case HB_ECANCELED: return "ECANCELED";
	case HB_EBUSY: return "EBUSY";
	default: return "?";
	}
}

static json_t *usage_json(const struct llm_usage *u)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "prompt_tokens", (json_int_t)u->prompt_tokens,
			 "completion_tokens", (json_int_t)u->completion_tokens,
			 "cache_read_tokens", (json_int_t)u->cache_read_tokens,
			 "reasoning_tokens", (json_int_t)u->reasoning_tokens);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *response_json(const struct llm_response *r)
{
	json_t *calls = json_array();
	size_t i;

	for (i = 0; i < r->ncalls; i++)
		json_array_append_new(calls, json_pack("{s:o, s:o, s:o, s:o}",
			"id", str_or_null(r->calls[i].id), "name", str_or_null(r->calls[i].name),
			"arguments", str_or_null(r->calls[i].arguments),
			"parse_error", str_or_null(r->calls[i].parse_error)));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:f, s:f}",
			 "id", str_or_null(r->id), "content", str_or_null(r->content),
			 "reasoning", str_or_null(r->reasoning), "finish_reason", str_or_null(r->finish_reason),
			 "calls", calls, "usage", usage_json(&r->usage), "usage_known", r->usage_known,
			 "cost", r->cost, "latency_s", r->latency_s);
}

static void print_call(struct llm *l, int rc, const char *err, const struct llm_response *r,
		       double elapsed)
{
	struct llm_totals t;
	json_t *o = rc ? json_object() : response_json(r);
	bool switched = llm_take_mode_switch(l);
	char *text;

	llm_totals(l, &t);
	json_object_set_new(o, "rc", json_integer(rc));
	json_object_set_new(o, "code", json_string(code_name(rc)));
	json_object_set_new(o, "error", rc ? json_string(err) : json_null());
	json_object_set_new(o, "text_calls", json_boolean(llm_uses_text_calls(l)));
	json_object_set_new(o, "mode_switch", json_boolean(switched));
	json_object_set_new(o, "elapsed_s", json_real(elapsed));
	json_object_set_new(o, "totals", json_pack("{s:o, s:f, s:I}", "usage", usage_json(&t.usage),
						   "cost", t.cost, "calls", (json_int_t)t.calls));
	text = json_dumps(o, JSON_COMPACT);
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	json_decref(o);
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j || !json_is_array(j)) {
		fprintf(stderr, "llm_probe: %s: expected a JSON array (%s)\n", path, j ? "not an array" : e.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

int main(int argc, char **argv)
{
	struct llm_config c = { 0 };
	struct llm *l = NULL;
	json_t *messages, *tools = NULL;
	char err[HB_ERR_MAX];
	int repeat = 1, i, a = 1, status = 0, rc;
	long cancel_ms = -1;
	pthread_t th;

	for (; a + 1 < argc && !strncmp(argv[a], "--", 2); a += 2) {
		if (!strcmp(argv[a], "--repeat"))
			repeat = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--cancel-after-ms"))
			cancel_ms = atol(argv[a + 1]);
		else
			break;
	}
	if (a >= argc || argc - a > 2 || repeat < 1) {
		fprintf(stderr, "usage: llm_probe [--repeat N] [--cancel-after-ms MS] MESSAGES.json [TOOLS.json]\n");
		return 2;
	}
	if (!(messages = load(argv[a])) || (a + 1 < argc && !(tools = load(argv[a + 1]))))
		return 2;
	signal(SIGINT, on_sigint);
	if ((rc = llm_config_from_env(&c, err, sizeof(err))) || (rc = llm_open(&l, &c, err, sizeof(err)))) {
		printf("{\"rc\":%d,\"code\":\"%s\",\"phase\":\"open\"}\n", rc, code_name(rc));
		fprintf(stderr, "llm_probe: %s\n", err);
		return 1;
	}
	if (cancel_ms >= 0)
		pthread_create(&th, NULL, cancel_later, (void *)cancel_ms);
	for (i = 0; i < repeat; i++) {
		struct llm_response r;
		double t0 = clock_mono_s();

		err[0] = '\0';
		rc = llm_complete(l, messages, tools, &cancel, &r, err, sizeof(err));
		print_call(l, rc, err, &r, clock_mono_s() - t0);
		llm_response_clear(&r);
		status |= rc != 0;
	}
	if (cancel_ms >= 0)
		pthread_join(th, NULL);
	llm_close(l);
	json_decref(messages);
	json_decref(tools);
	return status;
}
