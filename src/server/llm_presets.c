/* llm_presets.c — finding local LLM servers and testing LLM settings
 * (llm_presets.h), with the agent's own client, so what the UI shows is
 * what a conversation will get. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/llm_presets.h"

/* How long one candidate may take to list its models: a server that is
 * there answers in milliseconds; a closed port is refused at once. */
#define PROBE_TIMEOUT_S 1.5
#define TEST_TIMEOUT_S 60
#define EXTRA_MAX 8

struct candidate {
	const char *name;
	const char *base_url;
};

static const struct candidate usual[] = {
	{ "LM Studio", "http://127.0.0.1:1234/v1" },
	{ "Ollama", "http://127.0.0.1:11434/v1" },
	{ "llama.cpp", "http://127.0.0.1:8080/v1" },
	{ "vLLM", "http://127.0.0.1:8000/v1" },
};

/* The models of the server at base_url, or NULL when it does not answer
 * as an OpenAI-compatible one. */
static json_t *models_of(const char *base_url)
{
	struct llm_config c = { .model = "(listing models)", .base_url = base_url, .max_retries = -1,
				.input_cost_per_token = -1, .output_cost_per_token = -1 };
	char err[HB_ERR_MAX];
	struct llm *l;
	json_t *ids = NULL;

	if (llm_open(&l, &c, err, sizeof(err)))
		return NULL;
	if (llm_list_models(l, PROBE_TIMEOUT_S, NULL, &ids, err, sizeof(err)))
		ids = NULL;
	llm_close(l);
	return ids;
}

static void probe(json_t *found, const char *name, const char *base_url)
{
	json_t *models = models_of(base_url);

	if (models)
		json_array_append_new(found, json_pack("{s:s, s:s, s:o}", "name", name,
						       "base_url", base_url, "models", models));
}

/* HANDBOX_LLM_PRESETS "Name=URL,…" into names/urls (pointing into copy). */
static int extra_candidates(char *copy, struct candidate *out, size_t *n, char *err,
			    size_t errlen)
{
	char *item, *save = NULL, *eq;

	*n = 0;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		eq = strchr(item, '=');
		if (!eq || eq == item || (strncmp(eq + 1, "http://", 7) && strncmp(eq + 1, "https://", 8)))
			return hb_fail(err, errlen, HB_EINVAL, "HANDBOX_LLM_PRESETS: \"%s\": expected "
				       "NAME=http://HOST:PORT/v1", item);
		if (*n == EXTRA_MAX)
			return hb_fail(err, errlen, HB_EINVAL, "HANDBOX_LLM_PRESETS: more than %d "
				       "entries", EXTRA_MAX);
		*eq = '\0';
		out[(*n)++] = (struct candidate){ item, eq + 1 };
	}
	return 0;
}

int llm_presets_find(json_t **out, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_LLM_PRESETS");
	struct candidate extra[EXTRA_MAX];
	char *copy = strdup(env ? env : "");
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if (!copy)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = extra_candidates(copy, extra, &n, err, errlen)) == 0 && !(*out = json_array()))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++)
		probe(*out, extra[i].name, extra[i].base_url);
	for (i = 0; rc == 0 && i < sizeof(usual) / sizeof(usual[0]); i++)
		probe(*out, usual[i].name, usual[i].base_url);
	free(copy);
	return rc;
}

int llm_presets_test(const struct llm_config *c, char **reply, char *err, size_t errlen)
{
	struct llm_config t = *c;
	struct llm_response r = { 0 };
	json_t *messages = json_pack("[{s:s, s:s}]", "role", "user", "content",
				     "Reply with one short sentence: are you ready to work?");
	struct llm *l = NULL;
	int rc;

	*reply = NULL;
	t.max_retries = -1;
	t.stream = false;
	if (!t.timeout_s || t.timeout_s > TEST_TIMEOUT_S)
		t.timeout_s = TEST_TIMEOUT_S;
	if (!messages)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = llm_open(&l, &t, err, errlen)) == 0 &&
	    (rc = llm_complete(l, messages, NULL, NULL, &r, err, errlen)) == 0 &&
	    !(*reply = strdup(r.content ? r.content : "")))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	llm_response_clear(&r);
	llm_close(l);
	json_decref(messages);
	return rc;
}
