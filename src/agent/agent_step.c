/* agent_step.c — one step of the loop: the LLM is asked with the history,
 * and what it answers is carried out: each tool call becomes an action
 * and an observation (or an error the model can correct), a plain answer
 * finishes the task, an empty one gets one nudge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_loop.h"
#include "agent/condense.h"
#include "agent/event.h"
#include "agent/history.h"
#include "agent/redact.h"
#include "common/hb_error.h"

/* how many times a "context too long" answer is met by condensing */
#define CONTEXT_RETRIES 2

static const char NUDGE[] =
	"Your last answer was empty. Go on with the task by calling a tool, or call "
	"finish with a short message if it is done.";

static int emit_error_for_call(struct agent *a, const struct llm_tool_call *call,
			       const char *name, const char *why, char *err, size_t errlen)
{
	return agent_emit(a, event_agent_error(name, call->id ?: "", why), err, errlen);
}

/* The observation for the model and the events: secrets hidden, its text
 * as the content the history gives back to the LLM. */
static int emit_observation(struct agent *a, const char *name, const char *call_id,
			    const char *action_id, struct tool_result *res, char *err, size_t errlen)
{
	char *text = redact_text(res->text ? res->text : "", (const char *const *)a->secrets.v);
	json_t *obs = res->observation ? res->observation : json_object();

	res->observation = NULL;
	if (!text) {
		json_decref(obs);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	json_object_set_new(obs, "content", event_text_content(text));
	free(text);
	return agent_emit(a, event_observation(name, call_id, action_id, obs), err, errlen);
}

/* Runs the action of an emitted ActionEvent (the last event). */
static int execute(struct agent *a, const char *name, const char *call_id, bool *done,
		   char *err, size_t errlen)
{
	json_t *ev = json_array_get(a->events, json_array_size(a->events) - 1);
	const char *action_id = json_string_value(json_object_get(ev, "id")) ?: "";
	struct tool_result res = { 0 };
	char msg[HB_ERR_MAX];
	int rc;

	rc = tools_execute(a->tools, name, json_object_get(ev, "action"), &a->cancel, &res,
			   msg, sizeof(msg));
	if (rc == HB_ECANCELED) {
		*done = true;
		rc = agent_paused(a, err, errlen);
	} else if (rc) {
		*done = true;
		rc = agent_fail(a, "SandboxError", msg, err, errlen);
	} else {
		rc = emit_observation(a, name, call_id, action_id, &res, err, errlen);
		if (rc == 0 && res.finished) {
			*done = true;
			rc = agent_set_status(a, "finished", err, errlen);
		}
	}
	tool_result_clear(&res);
	return rc;
}

static int run_call(struct agent *a, const struct llm_response *r, size_t i, bool *done,
		    char *err, size_t errlen)
{
	const struct llm_tool_call *call = &r->calls[i];
	const char *name = tools_canonical_name(call->name ?: "");
	struct event_call ec = {
		.thought = i == 0 ? r->content : NULL, .reasoning = i == 0 ? r->reasoning : NULL,
		.tool_name = name, .call_id = call->id ?: "", .call_name = call->name ?: "",
		.arguments = call->arguments, .response_id = r->id,
	};
	char msg[HB_ERR_MAX], *summary = NULL;
	json_t *action;
	int rc;

	if (!name) {
		snprintf(msg, sizeof(msg), "there is no tool named \"%s\"; the tools are terminal, "
			 "file_editor, task_tracker, think and finish", call->name ?: "");
		return emit_error_for_call(a, call, call->name ?: "", msg, err, errlen);
	}
	if (call->parse_error)
		return emit_error_for_call(a, call, name, call->parse_error, err, errlen);
	if (tools_parse_action(name, call->arguments, &action, &summary, msg, sizeof(msg)))
		return emit_error_for_call(a, call, name, msg, err, errlen);
	ec.summary = summary;
	rc = agent_emit(a, event_action(&ec, action), err, errlen);
	free(summary);
	return rc ? rc : execute(a, name, ec.call_id, done, err, errlen);
}

static int handle_answer(struct agent *a, const struct llm_response *r, bool *done,
			 char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	if (r->ncalls == 0 && r->content && *r->content) {
		a->nudged = false;
		*done = true;
		rc = agent_emit(a, event_message("agent", "assistant", r->content), err, errlen);
		return rc ? rc : agent_set_status(a, "finished", err, errlen);
	}
	if (r->ncalls == 0 && !a->nudged) {
		a->nudged = true;
		return agent_emit(a, event_message("environment", "user", NUDGE), err, errlen);
	}
	if (r->ncalls == 0) {
		*done = true;
		return agent_fail(a, "EmptyResponse", "the LLM answered twice with nothing: no text "
				  "and no tool call", err, errlen);
	}
	a->nudged = false;
	for (i = 0; i < r->ncalls && !*done && rc == 0; i++)
		rc = run_call(a, r, i, done, err, errlen);
	return rc;
}

/* Asks the LLM; a context that is too long is condensed and asked again. */
static int ask(struct agent *a, struct llm_response *r, char *msg, size_t msglen,
	       char *err, size_t errlen, int *rc_llm)
{
	json_t *messages, *c;
	int tries = 0, rc;

	for (;;) {
		if (!(messages = history_messages(a->events)))
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		*rc_llm = llm_complete(a->llm, messages, a->specs, &a->cancel, r, msg, msglen);
		json_decref(messages);
		if (*rc_llm != HB_ETOOBIG || tries++ >= CONTEXT_RETRIES ||
		    !(c = condense(a->events, a->cfg.condense_events, true)))
			break;
		llm_response_clear(r);
		if ((rc = agent_emit(a, c, err, errlen)))
			return rc;
	}
	if (llm_take_mode_switch(a->llm))
		return agent_emit(a, event_state_update("native_tool_calling", json_false()),
				  err, errlen);
	return 0;
}

int agent_step(struct agent *a, bool *done, char *err, size_t errlen)
{
	struct llm_response r = { 0 };
	char msg[HB_ERR_MAX];
	int rc, rc_llm;

	if ((rc = ask(a, &r, msg, sizeof(msg), err, errlen, &rc_llm)))
		goto out;
	if (rc_llm == HB_ECANCELED) {
		*done = true;
		rc = agent_paused(a, err, errlen);
	} else if (rc_llm) {
		*done = true;
		rc = agent_fail(a, rc_llm == HB_EPERM ? "LLMAuthenticationError" : "LLMError", msg,
				err, errlen);
	} else if (!(rc = agent_emit(a, event_state_update("stats", agent_stats_json(a)),
				     err, errlen))) {
		rc = handle_answer(a, &r, done, err, errlen);
	}
out:
	llm_response_clear(&r);
	return rc;
}
