/* remote_state.c — the pure part of a conversation on `handbox serve`:
 * what an event (API.md § 2) changes in what the program is told (status,
 * stats, the last error), and the request that makes the conversation.
 * Unit-tested in tests/unit/test_remote_state.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "lib/remote.h"

static const char *const statuses[] = {
	"idle", "running", "paused", "waiting_for_confirmation", "finished", "error", "stuck",
};

const char *remote_status_name(const char *status)
{
	size_t i;

	for (i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (!strcmp(status, statuses[i]))
			return statuses[i];
	return "unknown";
}

bool remote_status_ends_run(const char *status)
{
	return status && strcmp(status, "running") && strcmp(status, "idle");
}

void remote_stats_read(json_t *stats, struct hb_conversation_stats *out)
{
	json_t *agent = json_object_get(json_object_get(stats, "usage_to_metrics"), "agent");
	json_t *usage = json_object_get(agent, "accumulated_token_usage");
	json_t *cost = json_object_get(agent, "accumulated_cost");

	memset(out, 0, sizeof(*out));
	out->llm_calls = json_integer_value(json_object_get(agent, "llm_calls"));
	/* as the local conversation counts them: one step per LLM answer */
	out->steps = out->llm_calls;
	out->prompt_tokens = json_integer_value(json_object_get(usage, "prompt_tokens"));
	out->completion_tokens = json_integer_value(json_object_get(usage, "completion_tokens"));
	out->cost = json_is_number(cost) ? json_number_value(cost) : -1;
}

const char *remote_state_track(struct remote_state *st, json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "kind")) ?: "";
	const char *key = json_string_value(json_object_get(ev, "key")) ?: "";
	const char *detail;
	json_t *value = json_object_get(ev, "value");

	if (!strcmp(kind, "ConversationErrorEvent")) {
		detail = json_string_value(json_object_get(ev, "detail"));
		snprintf(st->error, sizeof(st->error), "%s", detail ? detail :
			 json_string_value(json_object_get(ev, "code")) ?: "(no detail)");
		return NULL;
	}
	if (strcmp(kind, "ConversationStateUpdateEvent"))
		return NULL;
	if (!strcmp(key, "execution_status") && json_is_string(value)) {
		__atomic_store_n(&st->status, remote_status_name(json_string_value(value)),
				 __ATOMIC_RELEASE);
		return st->status;
	}
	if (!strcmp(key, "stats"))
		remote_stats_read(value, &st->stats);
	else if (!strcmp(key, "full_state")) {
		__atomic_store_n(&st->status, remote_status_name(json_string_value(
			json_object_get(value, "execution_status"))), __ATOMIC_RELEASE);
		remote_stats_read(json_object_get(value, "stats"), &st->stats);
	}
	return NULL;
}

/* given, else the environment's value; NULL when neither. */
static const char *pick(const char *given, const char *env)
{
	const char *v = given ? given : getenv(env);

	return v && *v ? v : NULL;
}

json_t *remote_create_body(const struct hb_llm *llm, int max_iterations, char *err,
			   size_t errlen)
{
	const char *model = pick(llm ? llm->model : NULL, "LLM_MODEL");
	const char *url = pick(llm ? llm->base_url : NULL, "LLM_BASE_URL");
	const char *key = pick(llm ? llm->api_key : NULL, "LLM_API_KEY");
	json_t *l = json_object(), *body;

	body = json_pack("{s:{s:s, s:o}}", "agent", "kind", "Agent", "llm", l);
	if (!body) {
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return NULL;
	}
	if ((model && json_object_set_new(l, "model", json_string(model))) ||
	    (url && json_object_set_new(l, "base_url", json_string(url))) ||
	    (key && json_object_set_new(l, "api_key", json_string(key)))) {
		/* the key is not named: it is never shown */
		hb_fail(err, errlen, HB_EINVAL, "the LLM model, base URL or key is not UTF-8 text");
		json_decref(body);
		return NULL;
	}
	if (max_iterations > 0 &&
	    json_object_set_new(body, "max_iterations", json_integer(max_iterations))) {
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		json_decref(body);
		return NULL;
	}
	return body;
}
