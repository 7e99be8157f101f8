/* server_start.c — reading a StartConversationRequest (API.md § 2) into
 * the recipe a worker makes the conversation from: the agent's LLM, the
 * sandbox (handbox's "sandbox" field), the initial message. Fields the
 * request leaves out come from the server's settings. Every bad field is
 * named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/server.h"
#include "server/server_start.h"

#define LIST_MAX 64   /* volumes, env entries */

/* A string field: absent or null → dflt (may be NULL), else a string. */
static int opt_string(json_t *obj, const char *where, const char *name, const char *dflt,
		      char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);
	const char *s = json_is_null(v) || !v ? dflt : json_string_value(v);

	*out = NULL;
	if (v && !json_is_null(v) && !json_is_string(v))
		return hb_fail(err, errlen, HB_EINVAL, "%s.%s: expected a string", where, name);
	if (s && *s && !(*out = strdup(s)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return 0;
}

static int opt_number(json_t *obj, const char *where, const char *name, double min,
		      double *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || json_number_value(v) < min)
		return hb_fail(err, errlen, HB_EINVAL, "%s.%s: expected a number >= %g", where,
			       name, min);
	*out = json_number_value(v);
	return 0;
}

static int parse_llm(json_t *llm, json_t *dflt, struct srv_start *st, char *err, size_t errlen)
{
	json_t *ntc = json_object_get(llm, "native_tool_calling");
	const char *d_ntc = json_string_value(json_object_get(dflt, "native_tool_calling"));
	int rc;

	if (llm && !json_is_object(llm))
		return hb_fail(err, errlen, HB_EINVAL, "agent.llm: expected an object");
	if ((rc = opt_string(llm, "agent.llm", "model",
			     json_string_value(json_object_get(dflt, "model")), &st->model,
			     err, errlen)) ||
	    (rc = opt_string(llm, "agent.llm", "base_url",
			     json_string_value(json_object_get(dflt, "base_url")), &st->base_url,
			     err, errlen)) ||
	    (rc = opt_string(llm, "agent.llm", "api_key",
			     json_string_value(json_object_get(dflt, "api_key")), &st->api_key,
			     err, errlen)) ||
	    (rc = opt_number(llm, "agent.llm", "timeout", 1, &st->timeout_s, err, errlen)) ||
	    (rc = opt_number(llm, "agent.llm", "input_cost_per_token", 0, &st->input_cost,
			     err, errlen)) ||
	    (rc = opt_number(llm, "agent.llm", "output_cost_per_token", 0, &st->output_cost,
			     err, errlen)))
		return rc;
	if (json_is_boolean(ntc))
		st->native_tool_calling = strdup(json_is_true(ntc) ? "true" : "false");
	else if (json_is_string(ntc))
		st->native_tool_calling = strdup(json_string_value(ntc));
	else if (ntc && !json_is_null(ntc))
		return hb_fail(err, errlen, HB_EINVAL, "agent.llm.native_tool_calling: expected "
			       "true, false or \"auto\"");
	else
		st->native_tool_calling = strdup(d_ntc ? d_ntc : "auto");
	if (!st->native_tool_calling)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (strcmp(st->native_tool_calling, "auto") && strcmp(st->native_tool_calling, "true") &&
	    strcmp(st->native_tool_calling, "false"))
		return hb_fail(err, errlen, HB_EINVAL, "agent.llm.native_tool_calling: \"%s\": "
			       "expected true, false or \"auto\"", st->native_tool_calling);
	if (!st->model && !getenv("LLM_MODEL"))
		return hb_fail(err, errlen, HB_EINVAL, "agent.llm.model: missing, and the server "
			       "has no default (POST /api/settings {\"llm\":{\"model\":...}} or "
			       "LLM_MODEL)");
	if (!st->base_url && !getenv("LLM_BASE_URL"))
		return hb_fail(err, errlen, HB_EINVAL, "agent.llm.base_url: missing, and the server "
			       "has no default (POST /api/settings {\"llm\":{\"base_url\":...}} or "
			       "LLM_BASE_URL)");
	return 0;
}

/* A list of strings (volumes), or env as {"K":"V"} or ["K=V"]. */
static int parse_list(json_t *v, const char *where, bool env, struct strv *out, char *err,
		      size_t errlen)
{
	const char *k;
	json_t *x;
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (env && json_is_object(v) && json_object_size(v) <= LIST_MAX) {
		json_object_foreach(v, k, x)
			if (!json_is_string(x))
				return hb_fail(err, errlen, HB_EINVAL, "%s.%s: expected a string",
					       where, k);
			else if (strv_addf(out, "%s=%s", k, json_string_value(x)))
				return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > LIST_MAX)
		return hb_fail(err, errlen, HB_EINVAL, "%s: expected a list of at most %d strings%s",
			       where, LIST_MAX, env ? " (NAME=VALUE) or an object" : "");
	json_array_foreach(v, i, x)
		if (!json_is_string(x))
			return hb_fail(err, errlen, HB_EINVAL, "%s[%zu]: expected a string", where, i);
		else if (strv_add(out, json_string_value(x)))
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return 0;
}

static int parse_sandbox(json_t *sb, json_t *dflt, struct srv_start *st, char *err,
			 size_t errlen)
{
	json_t *cpus = json_object_get(sb, "cpus");
	json_t *vols = json_object_get(sb, "volumes");
	char n[32];
	int rc;

	if (sb && !json_is_object(sb))
		return hb_fail(err, errlen, HB_EINVAL, "sandbox: expected an object");
	if ((rc = opt_string(sb, "sandbox", "image",
			     json_string_value(json_object_get(dflt, "image")), &st->image,
			     err, errlen)) ||
	    (rc = opt_string(sb, "sandbox", "memory",
			     json_string_value(json_object_get(dflt, "memory")), &st->memory,
			     err, errlen)) ||
	    (rc = parse_list(vols ? vols : json_object_get(dflt, "volumes"), "sandbox.volumes",
			     false, &st->volumes, err, errlen)) ||
	    (rc = parse_list(json_object_get(sb, "env"), "sandbox.env", true, &st->env,
			     err, errlen)))
		return rc;
	if (json_is_number(cpus)) {
		snprintf(n, sizeof(n), "%g", json_number_value(cpus));
		st->cpus = strdup(n);
	} else if (json_is_string(cpus)) {
		st->cpus = strdup(json_string_value(cpus));
	} else if (cpus && !json_is_null(cpus)) {
		return hb_fail(err, errlen, HB_EINVAL, "sandbox.cpus: expected a number");
	}
	return 0;
}

static int parse_message(json_t *msg, struct srv_request *rq, char *err, size_t errlen)
{
	json_t *run = json_object_get(msg, "run");

	if (!msg || json_is_null(msg))
		return 0;
	if (run && !json_is_boolean(run))
		return hb_fail(err, errlen, HB_EINVAL, "initial_message.run: expected true or false");
	rq->run = json_is_true(run);
	if (!(rq->text = srv_message_text(msg, err, errlen)))
		return HB_EINVAL;
	return 0;
}

static int parse_top(json_t *body, struct srv_request *rq, char *err, size_t errlen)
{
	json_t *id = json_object_get(body, "conversation_id");
	json_t *max = json_object_get(body, "max_iterations");
	json_t *stuck = json_object_get(body, "stuck_detection");

	if (id && !json_is_null(id) && (!json_is_string(id) || !uuid_is_valid(json_string_value(id))))
		return hb_fail(err, errlen, HB_EINVAL, "conversation_id: expected a UUID "
			       "(8-4-4-4-12 hex digits)");
	if (json_is_string(id))
		snprintf(rq->id, sizeof(rq->id), "%s", json_string_value(id));
	rq->start->max_iterations = 500;
	if (max && !json_is_null(max) &&
	    (!json_is_integer(max) || json_integer_value(max) < 1 ||
	     json_integer_value(max) > 100000))
		return hb_fail(err, errlen, HB_EINVAL, "max_iterations: expected an integer from 1 "
			       "to 100000");
	if (json_is_integer(max))
		rq->start->max_iterations = (int)json_integer_value(max);
	if (stuck && !json_is_null(stuck) && !json_is_boolean(stuck))
		return hb_fail(err, errlen, HB_EINVAL, "stuck_detection: expected true or false");
	rq->start->no_stuck = json_is_false(stuck);
	return 0;
}

int srv_request_parse(json_t *body, json_t *settings, struct srv_request *rq, char *err,
		      size_t errlen)
{
	json_t *agent = json_object_get(body, "agent");
	int rc;

	memset(rq, 0, sizeof(*rq));
	if (!json_is_object(body))
		return hb_fail(err, errlen, HB_EINVAL, "expected a StartConversationRequest: "
			       "{\"agent\":{\"llm\":{...}},\"initial_message\":{...}}");
	if (agent && !json_is_object(agent))
		return hb_fail(err, errlen, HB_EINVAL, "agent: expected an object");
	if (!(rq->start = calloc(1, sizeof(*rq->start))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = parse_top(body, rq, err, errlen)) ||
	    (rc = parse_llm(json_object_get(agent, "llm"), json_object_get(settings, "llm"),
			    rq->start, err, errlen)) ||
	    (rc = parse_sandbox(json_object_get(body, "sandbox"),
				json_object_get(settings, "sandbox"), rq->start, err, errlen)) ||
	    (rc = parse_message(json_object_get(body, "initial_message"), rq, err, errlen))) {
		srv_request_clear(rq);
		return rc;
	}
	return 0;
}

void srv_request_clear(struct srv_request *rq)
{
	srv_start_free(rq->start);
	free(rq->text);
	memset(rq, 0, sizeof(*rq));
}
