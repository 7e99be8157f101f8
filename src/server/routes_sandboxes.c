/* routes_sandboxes.c — /api/sandboxes (API.md § 2): this server's
 * sandboxes (its conversations' and the bare ones made here), one by id,
 * pause, resume, delete, and a bare sandbox made on request. Every answer
 * needs the engine, so each runs as a job off the loop (server_jobs.c);
 * the loop only reads the request and, for a new one, counts it against
 * --max-sandboxes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "server/routes.h"
#include "server/server.h"

/* {"id"?, "scheme", "suffix", …}: what a job needs of its request (the
 * URLs of the sub-domains depend on the Host it came with). */
static json_t *job_arg(struct http_conn *c)
{
	char scheme[8], suffix[256];

	srv_sub_base(c, scheme, sizeof(scheme), suffix, sizeof(suffix));
	return json_pack("{s:s?, s:s, s:s}", "id", c->nparams ? c->params[0] : NULL,
			 "scheme", scheme, "suffix", suffix);
}

static int start(struct http_conn *c, srv_job_fn fn)
{
	json_t *arg = job_arg(c);

	return arg ? srv_job_start(c, fn, arg, 200) : http_reply_error(c, 500, "out of memory");
}

/* e's JSON with the ports listening inside when it runs (a sandboxd that
 * cannot say leaves the list empty: the rest is still worth showing). */
static json_t *view(const struct srv_sbx *e, json_t *arg)
{
	char err[HB_ERR_MAX];
	json_t *listening = NULL, *v;

	if (e->sb.state == HB_SANDBOX_RUNNING &&
	    !(listening = srv_sbx_listening(&e->sb, err, sizeof(err))))
		fprintf(stderr, "handbox serve: %s\n", err);
	v = srv_sbx_view(e, listening, json_string_value(json_object_get(arg, "scheme")),
			 json_string_value(json_object_get(arg, "suffix")));
	json_decref(listening);
	return v;
}

/* The sandbox of arg's id when it is this server's, fresh from the engine
 * (its copy updated). HB_ENOENT otherwise. */
static int fresh(json_t *arg, struct hb_runtime *rt, struct srv_sbx *e, char *err,
		 size_t errlen)
{
	const char *id = json_string_value(json_object_get(arg, "id"));
	int rc;

	/* a conversation's sandbox just made may not be listed yet */
	if (!srv_sbx_get(id, e) && ((rc = srv_sbx_refresh(err, errlen)) || !srv_sbx_get(id, e)))
		return rc ? rc : hb_fail(err, errlen, HB_ENOENT, "no sandbox \"%.64s\" on this "
					 "server (GET /api/sandboxes lists them)", id);
	if ((rc = hb_sandbox_find(rt, e->sb.id, &e->sb, err, errlen)))
		return rc;
	srv_sbx_put(e);
	return 0;
}

/* ------------------------------------------------------------- the jobs */

static int job_list(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	struct srv_sbx *all = NULL;
	json_t *items = json_array();
	size_t n, i;
	int rc = srv_sbx_refresh(err, errlen);

	n = rc ? 0 : srv_sbx_snapshot(&all);
	for (i = 0; items && i < n; i++)
		json_array_append_new(items, view(&all[i], arg));
	free(all);
	if (rc || !items) {
		json_decref(items);
		return rc ? rc : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	*reply = json_pack("{s:o}", "items", items);
	return 0;
}

enum action { GET, PAUSE, RESUME, DELETE };

static int act(json_t *arg, enum action what, json_t **reply, char *err, size_t errlen)
{
	struct hb_settings *set = NULL;
	struct hb_runtime *rt = NULL;
	struct srv_sbx e;
	int rc;

	if ((rc = srv_runtime_open(&set, &rt, err, errlen)) || (rc = fresh(arg, rt, &e, err, errlen)))
		goto out;
	if (what == DELETE && *e.conv_id) {
		rc = hb_fail(err, errlen, HB_EBUSY, "sandbox %s belongs to conversation %s: delete "
			     "the conversation (DELETE /api/conversations/%s), which removes it",
			     e.sb.id, e.conv_id, e.conv_id);
		goto out;
	}
	if (what == PAUSE)
		rc = hb_sandbox_pause(rt, e.sb.id, err, errlen);
	else if (what == RESUME)
		rc = hb_sandbox_resume(rt, e.sb.id, err, errlen);
	else if (what == DELETE && !(rc = hb_sandbox_remove(rt, e.sb.id, err, errlen))) {
		srv_sbx_drop(e.sb.id);
		rc = srv_sbx_bare_set(e.sb.id, false, err, errlen);
		*reply = rc ? NULL : json_pack("{s:b}", "success", 1);
		goto out;
	}
	if (!rc && what != GET && !(rc = hb_sandbox_find(rt, e.sb.id, &e.sb, err, errlen)))
		srv_sbx_put(&e);
	if (!rc && !(*reply = view(&e, arg)))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
out:
	srv_runtime_close(set, rt);
	return rc;
}

static int job_get(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	return act(arg, GET, reply, err, errlen);
}

static int job_pause(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	return act(arg, PAUSE, reply, err, errlen);
}

static int job_resume(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	return act(arg, RESUME, reply, err, errlen);
}

static int job_delete(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	return act(arg, DELETE, reply, err, errlen);
}

/* The settings of a bare sandbox: the environment's, with the body's over
 * them. Fields were checked on the loop (check_body). */
static int bare_settings(json_t *body, struct hb_settings *s, char *err, size_t errlen)
{
	static const struct { const char *field; enum hb_setting what; } one[] = {
		{ "image", HB_SET_IMAGE }, { "memory", HB_SET_MEMORY }, { "cpus", HB_SET_CPUS },
	};
	char name[32];
	json_t *v;
	size_t i;
	int rc = hb_settings_set(s, HB_SET_KEEP_ALIVE, "true", "keep_alive", err, errlen);

	for (i = 0; !rc && i < sizeof(one) / sizeof(one[0]); i++) {
		snprintf(name, sizeof(name), "sandbox.%s", one[i].field);
		if ((v = json_object_get(body, one[i].field)) && json_string_value(v))
			rc = hb_settings_set(s, one[i].what, json_string_value(v), name, err, errlen);
	}
	json_array_foreach(json_object_get(body, "volumes"), i, v)
		if (!rc)
			rc = hb_settings_set(s, HB_SET_VOLUME, json_string_value(v), "volumes", err,
					     errlen);
	json_array_foreach(json_object_get(body, "env"), i, v)
		if (!rc)
			rc = hb_settings_set(s, HB_SET_ENV, json_string_value(v), "env", err, errlen);
	return rc;
}

static int job_create(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	struct hb_settings *set = NULL;
	struct hb_runtime *rt = NULL;
	struct srv_sbx e = { 0 };
	int rc;

	if (!(rc = srv_runtime_open(&set, &rt, err, errlen)) &&
	    !(rc = bare_settings(json_object_get(arg, "body"), set, err, errlen)) &&
	    !(rc = hb_sandbox_create(rt, set, NULL, &e.sb, err, errlen))) {
		srv_sbx_put(&e);
		if ((rc = srv_sbx_bare_set(e.sb.id, true, err, errlen)) == 0 &&
		    !(*reply = view(&e, arg)))
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	srv_sbx_creating(-1);
	srv_runtime_close(set, rt);
	return rc;
}

/* ----------------------------------------------------------- the routes */

int route_sbx_list(struct http_conn *c, json_t *body)
{
	(void)body;
	return start(c, job_list);
}

int route_sbx_get(struct http_conn *c, json_t *body)
{
	(void)body;
	return start(c, job_get);
}

int route_sbx_pause(struct http_conn *c, json_t *body)
{
	(void)body;
	return start(c, job_pause);
}

int route_sbx_resume(struct http_conn *c, json_t *body)
{
	struct srv_conv *cv;
	struct srv_sbx e;

	(void)body;
	if (!srv_sbx_get(c->params[0], &e))
		return start(c, job_resume);
	/* running again, it counts against --max-sandboxes again */
	if (e.sb.state == HB_SANDBOX_PAUSED && srv_check_capacity(c, NULL))
		return 0;
	/* asked by a user: its idle time starts again */
	if (e.conv_id[0] && (cv = srv_conv_find(e.conv_id)))
		srv_conv_touch(cv);
	return start(c, job_resume);
}

int route_sbx_delete(struct http_conn *c, json_t *body)
{
	(void)body;
	return start(c, job_delete);
}

/* {image?, memory?, cpus?: strings; volumes?, env?: arrays of strings}:
 * 0, or 422 answered naming the field. */
static int check_body(struct http_conn *c, json_t *body)
{
	static const char *const strings[] = { "image", "memory", "cpus" };
	static const char *const lists[] = { "volumes", "env" };
	json_t *v, *item;
	size_t i, j;

	if (body && !json_is_object(body))
		return http_reply_error(c, 422, "body: expected a JSON object {image, volumes, "
					"env, memory, cpus}"), 1;
	for (i = 0; i < 3; i++)
		if ((v = json_object_get(body, strings[i])) && !json_is_null(v) && !json_is_string(v))
			return http_reply_error(c, 422, "%s: expected a string", strings[i]), 1;
	for (i = 0; i < 2; i++) {
		v = json_object_get(body, lists[i]);
		if (v && !json_is_null(v) && !json_is_array(v))
			return http_reply_error(c, 422, "%s: expected a list of strings", lists[i]), 1;
		json_array_foreach(v, j, item)
			if (!json_is_string(item))
				return http_reply_error(c, 422, "%s[%zu]: expected a string",
							lists[i], j), 1;
	}
	return 0;
}

int route_sbx_create(struct http_conn *c, json_t *body)
{
	json_t *arg;

	if (check_body(c, body) || srv_check_capacity(c, NULL))
		return 0;
	if (!(arg = job_arg(c)) ||
	    json_object_set_new(arg, "body", body ? json_incref(body) : json_object()) < 0) {
		json_decref(arg);
		return http_reply_error(c, 500, "out of memory");
	}
	srv_sbx_creating(1);
	return srv_job_start(c, job_create, arg, 201);
}
