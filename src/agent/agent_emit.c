/* agent_emit.c — how the loop's events leave it: secrets hidden, handed
 * to the callback (which commits them), kept in the history; the status
 * and the errors that are events too; the stats a state update carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_loop.h"
#include "agent/event.h"
#include "agent/redact.h"
#include "common/hb_error.h"

int agent_emit(struct agent *a, json_t *ev, char *err, size_t errlen)
{
	int rc;

	if (!ev)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory for an event");
	if ((rc = redact_json(ev, (const char *const *)a->secrets.v)) ||
	    (rc = a->cfg.on_event ? a->cfg.on_event(ev, a->cfg.arg, err, errlen) : 0)) {
		json_decref(ev);
		return rc == HB_ENOMEM && !*err ? hb_fail(err, errlen, rc, "out of memory") : rc;
	}
	json_array_append_new(a->events, ev);
	return 0;
}

int agent_set_status(struct agent *a, const char *status, char *err, size_t errlen)
{
	int rc;

	if (!strcmp(a->status, status))
		return 0;
	/* the status in memory never runs ahead of the store's */
	rc = agent_emit(a, event_state_update("execution_status", json_string(status)),
			err, errlen);
	if (rc == 0)
		a->status = status;
	return rc;
}

int agent_fail(struct agent *a, const char *code, const char *detail, char *err, size_t errlen)
{
	/* err reaches the program too (hb_conversation_run): hidden as in the
	 * event, as an LLM's error text may quote the key */
	char *copy = redact_text(detail, (const char *const *)a->secrets.v);
	int rc;

	rc = agent_emit(a, event_conversation_error(code, copy ? copy : code), err, errlen);
	if (rc == 0)
		rc = agent_set_status(a, "error", err, errlen);
	if (rc == 0)
		snprintf(err, errlen, "%s", copy ? copy : code);
	free(copy);
	return rc;
}

void agent_stats(const struct agent *a, struct agent_stats *out)
{
	memset(out, 0, sizeof(*out));
	llm_totals(a->llm, &out->llm);
	out->steps = out->llm.calls;
	snprintf(out->model, sizeof(out->model), "%s", a->model);
}

json_t *agent_stats_json(const struct agent *a)
{
	struct agent_stats s;

	agent_stats(a, &s);
	return json_pack("{s:{s:{s:s, s:o, s:I, s:{s:I, s:I, s:I, s:I}}}}",
			 "usage_to_metrics", "agent", "model_name", s.model,
			 "accumulated_cost", s.llm.cost < 0 ? json_null() : json_real(s.llm.cost),
			 "llm_calls", (json_int_t)s.llm.calls,
			 "accumulated_token_usage",
			 "prompt_tokens", (json_int_t)s.llm.usage.prompt_tokens,
			 "completion_tokens", (json_int_t)s.llm.usage.completion_tokens,
			 "cache_read_tokens", (json_int_t)s.llm.usage.cache_read_tokens,
			 "reasoning_tokens", (json_int_t)s.llm.usage.reasoning_tokens);
}

int agent_paused(struct agent *a, char *err, size_t errlen)
{
	int rc = agent_emit(a, event_pause(), err, errlen);

	return rc ? rc : agent_set_status(a, "paused", err, errlen);
}
