/* api_conversation.c — <handbox/conversation.h>: an agent (src/agent) on a
 * workspace's sandbox, its events committed to the store (src/store)
 * before the program's callback sees them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/parse.h"
#include "lib/api.h"
#include "lib/conversation.h"
#include "lib/remote.h"

#define TITLE_MAX 80

int conversation_store_open(struct store **out, char *err, size_t errlen)
{
	char dir[4096];
	int rc;

	if ((rc = store_default_dir(dir, sizeof(dir), err, errlen)))
		return rc;
	return store_open(out, dir, err, errlen);
}

json_t *conversation_config(const struct llm_config *llm, int max_iterations,
			    const struct hb_workspace *ws)
{
	json_t *volumes = json_array();
	size_t i;

	for (i = 0; i < ws->volumes.n; i++)
		json_array_append_new(volumes, json_string(ws->volumes.v[i]));
	return json_pack("{s:{s:s, s:s, s:s}, s:i, s:{s:s, s:o}}",
			 "llm", "model", llm->model ?: "", "base_url", llm->base_url ?: "",
			 "native_tool_calling", llm->tool_mode == LLM_TOOLS_TEXT ? "false" :
			 llm->tool_mode == LLM_TOOLS_NATIVE ? "true" : "auto",
			 "max_iterations", max_iterations,
			 "sandbox", "image", ws->sb.image, "volumes", volumes);
}

/* The first line of the task, cut at a character boundary. */
static void set_title(struct hb_conversation *c, json_t *ev)
{
	const char *text = json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(ev, "llm_message"), "content"), 0), "text"));
	size_t n;

	if (!text || (c->row.title && *c->row.title))
		return;
	n = strcspn(text, "\n");
	if (n > TITLE_MAX) {
		n = TITLE_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	free(c->row.title);
	c->row.title = strndup(text, n);
}

/* The row follows the events that change it: the task (title), the
 * status, the stats. */
static int track(struct hb_conversation *c, json_t *ev, char *err, size_t errlen)
{
	const char *kind = json_string_value(json_object_get(ev, "kind")) ?: "";
	const char *key = json_string_value(json_object_get(ev, "key")) ?: "";
	json_t *value = json_object_get(ev, "value");

	if (!strcmp(kind, "MessageEvent") &&
	    !strcmp(json_string_value(json_object_get(ev, "source")) ?: "", "user") &&
	    (!c->row.title || !*c->row.title)) {
		set_title(c, ev);
	} else if (!strcmp(kind, "ConversationStateUpdateEvent") &&
		   !strcmp(key, "execution_status") && json_is_string(value)) {
		free(c->row.status);
		c->row.status = strdup(json_string_value(value));
	} else if (!strcmp(kind, "ConversationStateUpdateEvent") && !strcmp(key, "stats")) {
		json_decref(c->row.stats);
		c->row.stats = json_incref(value);
	} else {
		return 0;
	}
	if (!c->row.title || !c->row.status)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return store_conversation_put(c->store, &c->row, err, errlen);
}

/* The agent's callback: committed first, then shown. */
static int on_agent_event(json_t *ev, void *arg, char *err, size_t errlen)
{
	struct hb_conversation *c = arg;
	char *text;
	int rc;

	pthread_mutex_lock(&c->lock);
	if (!(rc = store_event_append(c->store, c->id, ev, NULL, err, errlen)))
		rc = track(c, ev, err, errlen);
	pthread_mutex_unlock(&c->lock);
	if (rc)
		return rc;
	if (!c->on_event && !c->log_events)
		return 0;
	if (!(text = json_dumps(ev, JSON_COMPACT)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (c->log_events)
		fprintf(stderr, "handbox: event %s\n", text);
	if (c->on_event)
		c->on_event(text, c->arg);
	free(text);
	return 0;
}

/* The LLM settings: opt's, else stored ones (a resumed conversation),
 * else the environment's. Strings point into opt, stored or environ. */
int conversation_llm_settings(struct llm_config *cfg, const struct hb_llm *given, json_t *stored,
			char *err, size_t errlen)
{
	const char *model = json_string_value(json_object_get(stored, "model"));
	const char *url = json_string_value(json_object_get(stored, "base_url"));
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->model = given && given->model ? given->model : model && *model ? model : NULL;
	cfg->base_url = given && given->base_url ? given->base_url : url && *url ? url : NULL;
	cfg->api_key = given ? given->api_key : NULL;
	if ((rc = llm_config_from_env(cfg, err, errlen)))
		return rc;
	if (!cfg->model || !*cfg->model)
		return hb_fail(err, errlen, HB_EINVAL,
			       "no LLM model: set LLM_MODEL (or pass one), e.g. LLM_MODEL=qwen2.5-coder:7b "
			       "LLM_BASE_URL=http://localhost:11434/v1 for Ollama");
	if (!cfg->base_url || !*cfg->base_url)
		return hb_fail(err, errlen, HB_EINVAL,
			       "no LLM base URL: set LLM_BASE_URL (or pass one), e.g. "
			       "http://localhost:1234/v1 for LM Studio, https://api.openai.com/v1 for OpenAI");
	return 0;
}

void conversation_owner_set(struct store_conversation *row)
{
	char start[32] = "";

	store_owner_start((long)getpid(), start, sizeof(start), NULL, 0);
	row->owner_pid = (long)getpid();
	free(row->owner_start);
	row->owner_start = strdup(start);
}

/* The agent for c, on c->ws, with history (may be NULL). */
int conversation_start_agent(struct hb_conversation *c, const struct llm_config *llm,
		       int max_iterations, bool no_stuck, json_t *history, char *err, size_t errlen)
{
	const char *secrets[3] = { NULL };
	struct agent_config cfg = {
		.llm = *llm,
		.tools = {
			.conn = { .url = c->ws->url, .session_api_key = c->ws->sb.session_api_key },
			.working_dir = c->ws->working_dir,
		},
		.max_iterations = max_iterations,
		.no_stuck_detection = no_stuck,
		.secrets = secrets,
		.on_event = on_agent_event, .arg = c,
	};
	const char *soft = getenv("HANDBOX_TERMINAL_SOFT_TIMEOUT");
	unsigned long soft_s = 0;
	size_t n = 0;
	int rc;

	/* how long a silent command is waited for before the model is told it
	 * still runs: slow builds may want more than 30 s, tests less */
	if (soft && *soft && (rc = parse_uint("HANDBOX_TERMINAL_SOFT_TIMEOUT", soft, 3600,
					      &soft_s, err, errlen)))
		return rc;
	cfg.tools.soft_timeout_s = (double)soft_s;
	if (llm->api_key && *llm->api_key)
		secrets[n++] = llm->api_key;
	secrets[n] = c->ws->sb.session_api_key;
	c->log_events = getenv("LOG_ALL_EVENTS") && *getenv("LOG_ALL_EVENTS") &&
			strcmp(getenv("LOG_ALL_EVENTS"), "0") && strcmp(getenv("LOG_ALL_EVENTS"), "false");
	return agent_open(&c->agent, &cfg, history, err, errlen);
}

/* set's LLM fields over cfg's (which came from the options and LLM_*). */
static int apply_settings(struct llm_config *cfg, const struct hb_conversation_settings *set,
			  char *err, size_t errlen)
{
	const char *m = set ? set->native_tool_calling : NULL;

	if (!set)
		return 0;
	if (m && !strcmp(m, "auto"))
		cfg->tool_mode = LLM_TOOLS_AUTO;
	else if (m && !strcmp(m, "true"))
		cfg->tool_mode = LLM_TOOLS_NATIVE;
	else if (m && !strcmp(m, "false"))
		cfg->tool_mode = LLM_TOOLS_TEXT;
	else if (m)
		return hb_fail(err, errlen, HB_EINVAL, "native_tool_calling: \"%s\": expected auto, "
			       "true or false", m);
	if (set->llm_timeout_s < 0)
		return hb_fail(err, errlen, HB_EINVAL, "LLM timeout %g: expected seconds > 0",
			       set->llm_timeout_s);
	if (set->llm_timeout_s > 0)
		cfg->timeout_s = set->llm_timeout_s;
	if (set->input_cost_per_token || set->output_cost_per_token) {
		cfg->input_cost_per_token = set->input_cost_per_token;
		cfg->output_cost_per_token = set->output_cost_per_token;
	}
	return 0;
}

/* Whether conversation id has had an agent: a SystemPromptEvent is the
 * first thing an agent stores. */
static int had_agent(struct store *s, const char *id, bool *yes, char *err, size_t errlen)
{
	struct store_event_query q = { .kind = "SystemPromptEvent" };
	int64_t n = 0;
	int rc = store_event_count(s, id, &q, &n, err, errlen);

	*yes = n > 0;
	return rc;
}

/* The row: a new one, or (set->id) the caller's reserved one, whose title
 * and creation time are kept. A reserved row may hold events of the
 * caller's own (an app server's note that a first sandbox did not start:
 * errors and state changes, which the agent's history leaves out), but
 * none of an agent: that conversation is continued by
 * hb_conversation_resume(), not started again. *took: it was there (and
 * is never deleted here, also when refused). */
static int row_init(struct hb_conversation *c, const struct hb_conversation_settings *set,
		    bool *took, char *err, size_t errlen)
{
	struct store_conversation old = { 0 };
	bool agent = false;
	int rc;

	*took = false;
	if (set && set->id && !uuid_is_valid(set->id))
		return hb_fail(err, errlen, HB_EINVAL, "conversation id \"%s\": expected a UUID "
			       "(8-4-4-4-12 hex digits)", set->id);
	if (set && set->id)
		snprintf(c->id, sizeof(c->id), "%s", set->id);
	else
		uuid4_str(c->id);
	if ((rc = conversation_store_open(&c->store, err, errlen)))
		return rc;
	rc = set && set->id ? store_conversation_get(c->store, c->id, &old, err, errlen) : HB_ENOENT;
	*took = rc == 0;
	if (rc == 0 && old.event_count > 0 &&
	    (rc = had_agent(c->store, c->id, &agent, err, errlen)) == 0 && agent)
		rc = hb_fail(err, errlen, HB_EINVAL, "conversation %s already has events: "
			     "hb_conversation_resume() continues it", c->id);
	if (rc && rc != HB_ENOENT) {
		store_conversation_clear(&old);
		return rc;
	}
	c->row.id = strdup(c->id);
	c->row.title = strdup(old.title ? old.title : "");
	c->row.created_us = old.created_us;
	store_conversation_clear(&old);
	return 0;
}

int hb_conversation_open_with(struct hb_conversation **out, struct hb_workspace *ws,
			      const struct hb_conversation_options *opt,
			      const struct hb_conversation_settings *set, char *err, size_t errlen)
{
	struct hb_conversation *c = conversation_alloc();
	struct llm_config llm;
	bool took = false;
	int rc, max = opt && opt->max_iterations > 0 ? opt->max_iterations : 500;

	*out = NULL;
	if (!c)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	c->ws = ws;
	c->on_event = opt ? opt->on_event : NULL;
	c->arg = opt ? opt->arg : NULL;
	if ((rc = row_init(c, set, &took, err, errlen)))
		goto fail;
	c->row.status = strdup("idle");
	c->row.sandbox_id = strdup(ws->sb.id);
	c->row.stats = json_object();
	conversation_owner_set(&c->row);
	if (!c->row.id || !c->row.title || !c->row.status || !c->row.sandbox_id ||
	    !c->row.owner_start) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = conversation_llm_settings(&llm, opt ? &opt->llm : NULL, NULL, err, errlen)) ||
	    (rc = apply_settings(&llm, set, err, errlen)))
		goto fail;
	c->row.config = conversation_config(&llm, max, ws);
	if ((rc = store_conversation_put(c->store, &c->row, err, errlen)) ||
	    (rc = conversation_start_agent(c, &llm, max, set && set->no_stuck_detection, NULL,
					   err, errlen)))
		goto fail;
	*out = c;
	return 0;
fail:
	/* a conversation that never got its agent is not kept, unless the
	 * caller made its row */
	if (c->store && !c->agent && !took)
		store_conversation_delete(c->store, c->id, NULL, 0);
	hb_conversation_close(c);
	return rc;
}

int hb_conversation_open(struct hb_conversation **out, struct hb_workspace *ws,
			 const struct hb_conversation_options *opt, char *err, size_t errlen)
{
	return hb_conversation_open_with(out, ws, opt, NULL, err, errlen);
}

int hb_conversation_send(struct hb_conversation *c, const char *text, char *err, size_t errlen)
{
	if (c->remote)
		return remote_send(c->remote, text, err, errlen);
	return agent_send(c->agent, text, err, errlen);
}

int hb_conversation_run(struct hb_conversation *c, char *err, size_t errlen)
{
	int rc;

	if (c->remote)
		return remote_run(c->remote, err, errlen);
	/* this process runs it now: a crash leaves it "running" with a dead
	 * owner, which the store turns into "paused" */
	pthread_mutex_lock(&c->lock);
	conversation_owner_set(&c->row);
	rc = c->row.owner_start ? store_conversation_put(c->store, &c->row, err, errlen) :
	     hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	pthread_mutex_unlock(&c->lock);
	return rc ? rc : agent_run(c->agent, err, errlen);
}

const char *hb_conversation_id(const struct hb_conversation *c)
{
	return c->id;
}

const char *hb_conversation_status(const struct hb_conversation *c)
{
	if (c->remote)
		return remote_status(c->remote);
	return agent_status(c->agent);
}

void hb_conversation_stats(const struct hb_conversation *c, struct hb_conversation_stats *out)
{
	struct agent_stats s;

	if (c->remote) {
		remote_stats(c->remote, out);
		return;
	}
	agent_stats(c->agent, &s);
	*out = (struct hb_conversation_stats){
		.steps = s.steps, .llm_calls = s.llm.calls,
		.prompt_tokens = s.llm.usage.prompt_tokens,
		.completion_tokens = s.llm.usage.completion_tokens,
		.cost = s.llm.cost,
	};
}

double hb_conversation_cost(const struct hb_conversation *c)
{
	struct hb_conversation_stats s;

	hb_conversation_stats(c, &s);
	return s.cost;
}

void hb_conversation_pause(struct hb_conversation *c)
{
	if (c->remote)
		remote_wake(c->remote, 'p');
	else
		agent_pause(c->agent);
}

void hb_conversation_interrupt(struct hb_conversation *c)
{
	if (c->remote)
		remote_wake(c->remote, 'i');
	else
		agent_interrupt(c->agent);
}

int hb_conversation_add_secret(struct hb_conversation *c, const char *name, const char *value,
			       char *err, size_t errlen)
{
	if (!name || !*name || !value || !*value)
		return hb_fail(err, errlen, HB_EINVAL, "secret %s: expected a name and a value",
			       name && *name ? name : "(no name)");
	if (c->remote)
		return hb_fail(err, errlen, HB_EINVAL, "secret %s: a conversation on handbox serve "
			       "hides the secrets the server knows (its LLM key, the sandbox's); "
			       "others cannot be added from here yet", name);
	return agent_add_secret(c->agent, value, err, errlen);
}

struct hb_workspace *hb_conversation_workspace(const struct hb_conversation *c)
{
	return c->ws;
}

void hb_conversation_keep_sandbox(struct hb_conversation *c, bool keep)
{
	/* a remote conversation's sandbox is the server's */
	if (c->ws)
		hb_workspace_keep_alive(c->ws, keep);
}

void hb_conversation_close(struct hb_conversation *c)
{
	char err[HB_ERR_MAX];

	if (!c)
		return;
	if (c->agent && c->store) {
		/* nobody runs it any more */
		c->row.owner_pid = 0;
		free(c->row.owner_start);
		c->row.owner_start = strdup("");
		if (c->row.owner_start && store_conversation_put(c->store, &c->row, err, sizeof(err)))
			fprintf(stderr, "handbox: %s\n", err);
	}
	remote_close(c->remote);
	agent_close(c->agent);
	store_close(c->store);
	store_conversation_clear(&c->row);
	if (c->owns_ws)
		hb_workspace_close(c->ws);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct hb_conversation *conversation_alloc(void)
{
	struct hb_conversation *c = calloc(1, sizeof(*c));

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}
