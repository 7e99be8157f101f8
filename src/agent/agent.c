/* agent.c — a conversation's agent: its events, status, queued messages
 * and the run loop around agent_step(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_loop.h"
#include "agent/condense.h"
#include "agent/event.h"
#include "agent/prompt.h"
#include "agent/stuck.h"
#include "common/hb_error.h"
#include "common/strv.h"

#define DEFAULT_MAX_ITERATIONS 500
#define DEFAULT_CONDENSE_EVENTS 120

static const char *kind_of(json_t *ev)
{
	return json_string_value(json_object_get(ev, "kind")) ?: "";
}

static bool has_kind(json_t *events, const char *kind)
{
	json_t *ev;
	size_t i;

	json_array_foreach(events, i, ev)
		if (!strcmp(kind_of(ev), kind))
			return true;
	return false;
}

/* The SystemPromptEvent of a new conversation, once, before anything
 * else it says. */
static int emit_system_prompt(struct agent *a, char *err, size_t errlen)
{
	char *prompt;
	int rc;

	if (has_kind(a->events, "SystemPromptEvent"))
		return 0;
	if (!(prompt = prompt_system(a->working_dir, tools_browser(a->tools))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = agent_emit(a, event_system_prompt(prompt, a->specs), err, errlen);
	free(prompt);
	return rc;
}

/* The status a stored conversation resumes with: one that was running or
 * paused (or failed: the LLM may be back) is paused, ready to go on. */
static const char *resumed_status(json_t *history)
{
	const char *status = "idle", *v;
	json_t *ev;
	size_t i;

	json_array_foreach(history, i, ev)
		if (!strcmp(kind_of(ev), "ConversationStateUpdateEvent") &&
		    !strcmp(json_string_value(json_object_get(ev, "key")) ?: "", "execution_status") &&
		    (v = json_string_value(json_object_get(ev, "value"))))
			status = v;
	if (!strcmp(status, "finished"))
		return "finished";
	if (!strcmp(status, "stuck"))
		return "stuck";
	return !strcmp(status, "idle") ? "idle" : "paused";
}

/* Steps, tool state and LLM totals of a stored conversation. */
static void replay(struct agent *a, json_t *history)
{
	struct llm_totals t = { .cost = -1 };
	json_t *ev, *m;
	size_t i;

	json_array_foreach(history, i, ev) {
		json_array_append(a->events, ev);
		if (!strcmp(kind_of(ev), "ActionEvent")) {
			tools_replay(a->tools, json_string_value(json_object_get(ev, "tool_name")) ?: "",
				     json_object_get(ev, "action"));
		}
		if (strcmp(kind_of(ev), "ConversationStateUpdateEvent") ||
		    strcmp(json_string_value(json_object_get(ev, "key")) ?: "", "stats"))
			continue;
		m = json_object_get(json_object_get(json_object_get(json_object_get(ev, "value"),
			"usage_to_metrics"), "agent"), "accumulated_token_usage");
		t.usage.prompt_tokens = json_integer_value(json_object_get(m, "prompt_tokens"));
		t.usage.completion_tokens = json_integer_value(json_object_get(m, "completion_tokens"));
		m = json_object_get(json_object_get(json_object_get(ev, "value"), "usage_to_metrics"),
				    "agent");
		t.cost = json_is_number(json_object_get(m, "accumulated_cost")) ?
			 json_number_value(json_object_get(m, "accumulated_cost")) : -1;
		t.calls = json_integer_value(json_object_get(m, "llm_calls"));
	}
	llm_totals_restore(a->llm, &t);
	a->status = resumed_status(history);
}

int agent_open(struct agent **out, const struct agent_config *cfg, json_t *history,
	       char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	if (!a)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	a->cfg = *cfg;
	if (a->cfg.max_iterations <= 0)
		a->cfg.max_iterations = DEFAULT_MAX_ITERATIONS;
	if (!a->cfg.condense_events)
		a->cfg.condense_events = DEFAULT_CONDENSE_EVENTS;
	a->status = "idle";
	pthread_mutex_init(&a->lock, NULL);
	a->events = json_array();
	a->inbox = json_array();
	a->model = strdup(cfg->llm.model ?: "");
	a->working_dir = strdup(cfg->tools.working_dir ?: "/workspace");
	if (strv_copy(&a->secrets, (char *const *)cfg->secrets) || !a->events || !a->inbox ||
	    !a->model || !a->working_dir) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = llm_open(&a->llm, &cfg->llm, err, errlen)) ||
	    (rc = tools_open(&a->tools, &cfg->tools, err, errlen)))
		goto fail;
	/* the browser tools only where sandboxd can drive a browser */
	if (!(a->specs = tools_specs(tools_browser(a->tools)))) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	if (history)
		replay(a, history);
	/* what the copies above stand for: cfg's strings need not outlive
	 * agent_open() (a caller's stack, a resumed row), so none is kept */
	a->cfg.llm = (struct llm_config){ 0 };
	a->cfg.tools = (struct tool_env){ 0 };
	a->cfg.secrets = NULL;
	*out = a;
	return 0;
fail:
	agent_close(a);
	return rc;
}

void agent_close(struct agent *a)
{
	if (!a)
		return;
	tools_close(a->tools);
	llm_close(a->llm);
	json_decref(a->specs);
	json_decref(a->events);
	json_decref(a->inbox);
	strv_free(&a->secrets);
	free(a->model);
	free(a->working_dir);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* A message while no run goes on becomes an event at once, as the
 * reference's send_message() makes it: the system prompt first (a new
 * conversation), and a finished or stuck conversation turns idle before
 * it (a run then takes it up). Called with a->lock held: no run starts
 * meanwhile. */
static int accept_message(struct agent *a, const char *text, char *err, size_t errlen)
{
	int rc;

	if ((rc = emit_system_prompt(a, err, errlen)))
		return rc;
	if ((!strcmp(a->status, "finished") || !strcmp(a->status, "stuck")) &&
	    (rc = agent_set_status(a, "idle", err, errlen)))
		return rc;
	return agent_emit(a, event_message("user", "user", text), err, errlen);
}

int agent_send(struct agent *a, const char *text, char *err, size_t errlen)
{
	json_t *msg;
	int rc = 0;

	if (!text || !*text)
		return hb_fail(err, errlen, HB_EINVAL, "message: empty text; expected what to do");
	if (!(msg = json_string(text)))
		return hb_fail(err, errlen, HB_EINVAL, "message: not UTF-8 text");
	pthread_mutex_lock(&a->lock);
	if (!a->running)
		rc = accept_message(a, text, err, errlen);
	else if (json_array_append(a->inbox, msg))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	pthread_mutex_unlock(&a->lock);
	json_decref(msg);
	return rc;
}

int agent_add_secret(struct agent *a, const char *value, char *err, size_t errlen)
{
	return strv_add(&a->secrets, value) ? hb_fail(err, errlen, HB_ENOMEM, "out of memory") : 0;
}

void agent_pause(struct agent *a)
{
	a->pause_asked = 1;
}

void agent_interrupt(struct agent *a)
{
	a->pause_asked = 1;
	hb_cancel_request(&a->cancel, 1);
}

const char *agent_status(const struct agent *a)
{
	return a->status;
}

/* ------------------------------------------------------------ the run */

/* The queued user messages become events. *took: there was one. */
static int take_inbox(struct agent *a, bool *took, char *err, size_t errlen)
{
	json_t *inbox, *msg;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	inbox = a->inbox;
	a->inbox = json_array();
	pthread_mutex_unlock(&a->lock);
	*took = json_array_size(inbox) > 0;
	json_array_foreach(inbox, i, msg)
		if (rc == 0)
			rc = agent_emit(a, event_message("user", "user", json_string_value(msg)),
					err, errlen);
	json_decref(inbox);
	return rc;
}

static int start_run(struct agent *a, bool *work, char *err, size_t errlen)
{
	bool took;
	int rc;

	*work = false;
	if ((rc = emit_system_prompt(a, err, errlen)) ||
	    (rc = take_inbox(a, &took, err, errlen)))
		return rc;
	/* a finished conversation goes on only with something new to do */
	if (!took && (!strcmp(a->status, "finished") || !strcmp(a->status, "stuck")))
		return 0;
	if (!has_kind(a->events, "MessageEvent"))
		return 0;
	*work = true;
	return agent_set_status(a, "running", err, errlen);
}

/* One turn of the loop before the step: messages, pause, limit, context. */
static int before_step(struct agent *a, int iteration, bool *done, char *err, size_t errlen)
{
	char detail[160];
	json_t *c;
	bool took;
	int rc;

	if ((rc = take_inbox(a, &took, err, errlen)))
		return rc;
	if (a->pause_asked) {
		*done = true;
		return agent_paused(a, err, errlen);
	}
	if (iteration >= a->cfg.max_iterations) {
		*done = true;
		snprintf(detail, sizeof(detail),
			 "the agent took %d steps without finishing (max_iterations); "
			 "send a message or run again to go on", a->cfg.max_iterations);
		return agent_fail(a, "MaxIterationsReached", detail, err, errlen);
	}
	if ((c = condense(a->events, a->cfg.condense_events, false)))
		return agent_emit(a, c, err, errlen);
	return 0;
}

static int run_steps(struct agent *a, char *err, size_t errlen)
{
	bool work, done = false;
	const char *why;
	int rc, iteration;

	if ((rc = start_run(a, &work, err, errlen)) || !work)
		return rc;
	for (iteration = 0; !done; iteration++) {
		if ((rc = before_step(a, iteration, &done, err, errlen)) || done ||
		    (rc = agent_step(a, &done, err, errlen)))
			break;
		if (!done && !a->cfg.no_stuck_detection && (why = stuck_check(a->events))) {
			done = true;
			if ((rc = agent_emit(a, event_conversation_error("AgentStuck", why), err, errlen)) ||
			    (rc = agent_set_status(a, "stuck", err, errlen)))
				break;
			snprintf(err, errlen, "%s", why);
		}
	}
	return rc;
}

int agent_run(struct agent *a, char *err, size_t errlen)
{
	char late_err[HB_ERR_MAX];
	json_t *late, *msg;
	size_t i;
	int rc, late_rc = 0;

	err[0] = '\0';
	/* a pause or interrupt asked before this run belongs to the last one */
	__atomic_store_n(&a->cancel.reason, 0, __ATOMIC_SEQ_CST);
	a->pause_asked = 0;
	pthread_mutex_lock(&a->lock);
	a->running = true;
	pthread_mutex_unlock(&a->lock);
	rc = run_steps(a, err, errlen);
	/* messages that came after the last step are shown now, not at the
	 * next run */
	pthread_mutex_lock(&a->lock);
	a->running = false;
	late = a->inbox;
	a->inbox = json_array();
	json_array_foreach(late, i, msg)
		if (!late_rc)
			late_rc = accept_message(a, json_string_value(msg), late_err,
						 sizeof(late_err));
	pthread_mutex_unlock(&a->lock);
	json_decref(late);
	if (!rc && late_rc)
		snprintf(err, errlen, "%s", late_err);
	return rc ? rc : late_rc;
}
