/* api_conversation_resume.c — hb_conversation_resume(): a stored
 * conversation taken up again, by this process or after another one died
 * running it. Its sandbox is attached again by id (labels find it), or
 * made anew with the stored image and mounts when it is gone (the mounted
 * workspace is where the work is; what the container held is lost). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "lib/api.h"
#include "lib/conversation.h"

#define VOLUMES_MAX 64

static int append_event(json_t *ev, int64_t seq, void *arg)
{
	(void)seq;
	return json_array_append(arg, ev) ? HB_ENOMEM : 0;
}

/* A new sandbox like the one the conversation had. */
static int remake_sandbox(struct hb_conversation *c, json_t *sandbox, char *err, size_t errlen)
{
	const char *volumes[VOLUMES_MAX + 1] = { NULL };
	struct hb_workspace_options o = { .volumes = volumes };
	json_t *v;
	size_t i;

	o.image = json_string_value(json_object_get(sandbox, "image"));
	json_array_foreach(json_object_get(sandbox, "volumes"), i, v)
		if (i < VOLUMES_MAX)
			volumes[i] = json_string_value(v);
	return hb_workspace_open(&c->ws, &o, err, errlen);
}

static int attach_sandbox(struct hb_conversation *c, char *err, size_t errlen)
{
	json_t *sandbox = json_object_get(c->row.config, "sandbox");
	int rc = HB_ENOENT;

	if (c->row.sandbox_id && *c->row.sandbox_id)
		rc = hb_workspace_attach(&c->ws, c->row.sandbox_id, err, errlen);
	if (rc == HB_ENOENT) {
		rc = remake_sandbox(c, sandbox, err, errlen);
		c->made_sandbox = rc == 0;
	}
	if (rc)
		return rc;
	c->owns_ws = true;
	free(c->row.sandbox_id);
	c->row.sandbox_id = strdup(hb_workspace_id(c->ws));
	return c->row.sandbox_id ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}

static int load(struct hb_conversation *c, const char *id, json_t **history, char *err,
		size_t errlen)
{
	int rc;

	if ((rc = conversation_store_open(&c->store, err, errlen)) ||
	    (rc = store_recover_orphans(c->store, NULL, err, errlen)))
		return rc;
	rc = store_conversation_get(c->store, id, &c->row, err, errlen);
	if (rc == HB_ENOENT)
		return hb_fail(err, errlen, rc, "conversation \"%s\" not found in %s", id,
			       store_path(c->store));
	if (rc)
		return rc;
	snprintf(c->id, sizeof(c->id), "%s", c->row.id);
	/* ours from now on: a second --resume of it fails here */
	conversation_owner_set(&c->row);
	if (!c->row.owner_start)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = store_conversation_claim(c->store, c->id, c->row.owner_pid, c->row.owner_start,
					   err, errlen)))
		return rc;
	if (!(*history = json_array()))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return store_event_walk(c->store, c->id, 0, 0, append_event, *history, err, errlen);
}

int hb_conversation_resume(struct hb_conversation **out, const char *id,
			   const struct hb_conversation_options *opt, char *err, size_t errlen)
{
	struct hb_conversation *c = conversation_alloc();
	json_t *history = NULL, *config;
	struct llm_config llm;
	int rc, max;

	*out = NULL;
	if (!c)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	c->on_event = opt ? opt->on_event : NULL;
	c->arg = opt ? opt->arg : NULL;
	if ((rc = load(c, id, &history, err, errlen)))
		goto fail;
	config = c->row.config;
	max = opt && opt->max_iterations > 0 ? opt->max_iterations :
	      (int)json_integer_value(json_object_get(config, "max_iterations"));
	if ((rc = conversation_llm_settings(&llm, opt ? &opt->llm : NULL, json_object_get(config, "llm"),
			       err, errlen)) ||
	    (rc = attach_sandbox(c, err, errlen)) ||
	    (rc = conversation_start_agent(c, &llm, max, false, history, err, errlen)))
		goto fail;
	free(c->row.status);
	c->row.status = strdup(agent_status(c->agent));
	if (!c->row.status) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = store_conversation_put(c->store, &c->row, err, errlen)))
		goto fail;
	json_decref(history);
	*out = c;
	return 0;
fail:
	json_decref(history);
	/* one that was there stays; one made for this resume goes */
	if (c->ws && c->owns_ws)
		hb_workspace_keep_alive(c->ws, !c->made_sandbox);
	hb_conversation_close(c);
	return rc;
}
