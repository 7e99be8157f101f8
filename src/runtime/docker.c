/* docker.c — the Docker backend: one container per sandbox, made and
 * driven through the Engine API (docker_api.h). The container carries
 * everything needed to re-attach to it (labels, the session key in its
 * environment, its published ports), so no state is kept on the host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "runtime/docker.h"
#include "runtime/owner.h"
#include "runtime/ready.h"

#define CREATE_ATTEMPTS 3       /* a fresh id per name clash */
#define STOP_GRACE_S 10
#define FAILURE_LOG_LINES 20

struct docker_backend {
	struct docker_api *api;
};

static struct docker_api *api_of(struct runtime *rt)
{
	return ((struct docker_backend *)rt->impl)->api;
}

static int docker_open(struct runtime *rt, char *err, size_t errlen)
{
	struct docker_backend *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = docker_api_open(&d->api, rt->opt.docker_host, err, errlen);
	if (rc) {
		free(d);
		return rc;
	}
	rt->impl = d;
	return 0;
}

static void docker_close(struct runtime *rt)
{
	struct docker_backend *d = rt->impl;

	if (d)
		docker_api_close(d->api);
	free(d);
	rt->impl = NULL;
}

/* A call whose reply body does not matter: 2xx (or `ok_status`) is
 * success, anything else an error prefixed by what. */
static int simple_call(struct runtime *rt, const char *method, const char *path,
		       long ok_status, char *err, size_t errlen, const char *what,
		       const char *id)
{
	struct docker_reply r;
	int rc = docker_api_call(api_of(rt), method, path, NULL, &r, err, errlen);

	if (rc == 0 && (r.status < 200 || r.status >= 300) && r.status != ok_status)
		rc = docker_fail(&r, err, errlen, "cannot %s sandbox %s", what, id);
	docker_reply_free(&r);
	return rc;
}

static int docker_inspect(struct runtime *rt, const char *id, struct hb_sandbox *out,
			  char *err, size_t errlen)
{
	struct docker_reply r;
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "/containers/%s%s/json", rt->opt.name_prefix, id);
	rc = docker_api_call(api_of(rt), "GET", path, NULL, &r, err, errlen);
	if (rc == 0 && r.status == 404)
		rc = hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
	else if (rc == 0 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "cannot inspect sandbox %s", id);
	else if (rc == 0)
		rc = docker_sandbox_from_inspect(r.json, out, err, errlen);
	docker_reply_free(&r);
	return rc;
}

static int ensure_isolated_network(struct runtime *rt, char *err, size_t errlen)
{
	struct docker_reply r;
	json_t *body;
	int rc = docker_api_call(api_of(rt), "GET", "/networks/" ISOLATED_NETWORK, NULL,
				 &r, err, errlen);

	if (rc || r.status == 200) {
		docker_reply_free(&r);
		return rc;
	}
	docker_reply_free(&r);
	/* Internal: the engine gives it no route out and no NAT. */
	body = json_pack("{s:s, s:b, s:b, s:{s:s}}", "Name", ISOLATED_NETWORK,
			 "Internal", 1, "CheckDuplicate", 1, "Labels", "handbox.network",
			 "isolated");
	rc = docker_api_call(api_of(rt), "POST", "/networks/create", body, &r, err, errlen);
	json_decref(body);
	if (rc == 0 && r.status != 201 && r.status != 409)
		rc = docker_fail(&r, err, errlen, "cannot create network %s", ISOLATED_NETWORK);
	docker_reply_free(&r);
	return rc;
}

static int create_container(struct runtime *rt, const struct sandbox_spec *spec,
			    char id[SANDBOX_ID_LEN + 1], const char *key,
			    char *err, size_t errlen)
{
	const char *network = spec->isolated ? ISOLATED_NETWORK : spec->network;
	struct docker_reply r;
	char path[512];
	json_t *body;
	int rc, attempt;

	for (attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
		sandbox_new_id(id);
		body = docker_create_body(spec, id, key, network, &rt->opt);
		if (!body)
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		snprintf(path, sizeof(path), "/containers/create?name=%s%s",
			 rt->opt.name_prefix, id);
		rc = docker_api_call(api_of(rt), "POST", path, body, &r, err, errlen);
		json_decref(body);
		if (rc)
			return rc;
		if (r.status == 201) {
			docker_reply_free(&r);
			return 0;
		}
		if (r.status != 409)
			break;
		docker_reply_free(&r);
	}
	if (r.status == 404 && strstr(docker_reply_message(&r), "image"))
		rc = hb_fail(err, errlen, HB_ENOENT,
			     "image %s not found: build it with `handbox image build`, "
			     "or docker pull/load it", spec->image);
	else if (r.status == 404 && network)
		rc = docker_fail(&r, err, errlen, "network %s", network);
	else
		rc = docker_fail(&r, err, errlen, "cannot create a sandbox from %s", spec->image);
	docker_reply_free(&r);
	return rc;
}

struct liveness {
	struct runtime *rt;
	const char *id;
};

static int container_gone(void *arg)
{
	struct liveness *l = arg;
	struct hb_sandbox sb;

	return docker_inspect(l->rt, l->id, &sb, NULL, 0) != 0 ||
	       sb.state != SANDBOX_RUNNING;
}

/* The reason a sandbox is not ready, with its last output lines, so the
 * user sees sandboxd's own complaint (or the image's). */
static int not_ready(struct runtime *rt, const char *id, int why, int timeout_ms,
		     char *err, size_t errlen)
{
	struct hb_sandbox sb;
	char *logs = NULL, lerr[256];
	int n = 0;

	if (why == HB_EBUSY)
		n = snprintf(err, errlen, "sandbox %s did not answer within %g s "
			     "(--ready-timeout sets the limit)", id, timeout_ms / 1000.0);
	else if (docker_inspect(rt, id, &sb, NULL, 0) == 0 && sb.oom_killed)
		n = snprintf(err, errlen, "sandbox %s was killed for lack of memory "
			     "while starting (raise --memory)", id);
	else if (docker_inspect(rt, id, &sb, NULL, 0) == 0)
		n = snprintf(err, errlen, "sandbox %s stopped (exit code %d) before it was ready",
			     id, sb.exit_code);
	else
		n = snprintf(err, errlen, "sandbox %s vanished before it was ready", id);
	if (n > 0 && (size_t)n < errlen &&
	    rt->backend->logs(rt, id, FAILURE_LOG_LINES, &logs, lerr, sizeof(lerr)) == 0 &&
	    *logs)
		snprintf(err + n, errlen - (size_t)n, "; its last output:\n%s", logs);
	free(logs);
	return why == HB_EBUSY ? HB_EBUSY : HB_EIO;
}

static int wait_ready(struct runtime *rt, const char *id, int timeout_ms,
		      struct hb_sandbox *out, char *err, size_t errlen)
{
	struct liveness l = { rt, id };
	char url[128];
	int rc;

	if ((rc = docker_inspect(rt, id, out, err, errlen)))
		return rc;
	sandbox_url(out, url, sizeof(url));
	rc = ready_wait(url, out->session_api_key, timeout_ms, container_gone, &l);
	if (rc)
		return not_ready(rt, id, rc, timeout_ms, err, errlen);
	return docker_inspect(rt, id, out, err, errlen);
}

static int docker_create(struct runtime *rt, const struct sandbox_spec *spec,
			 struct hb_sandbox *out, char *err, size_t errlen)
{
	char id[SANDBOX_ID_LEN + 1], key[SANDBOX_KEY_LEN + 1], path[256];
	int rc;

	if ((rc = runtime_check_sandboxd(rt, err, errlen)))
		return rc;
	if ((rc = volumes_check_hosts(&spec->volumes, err, errlen)))
		return rc;
	if (spec->isolated && (rc = ensure_isolated_network(rt, err, errlen)))
		return rc;
	sandbox_new_key(key);
	if ((rc = create_container(rt, spec, id, key, err, errlen)))
		return rc;
	snprintf(path, sizeof(path), "/containers/%s%s/start", rt->opt.name_prefix, id);
	rc = simple_call(rt, "POST", path, 0, err, errlen, "start", id);
	if (rc == 0)
		rc = wait_ready(rt, id, spec->ready_timeout_ms, out, err, errlen);
	if (rc) {
		/* nothing half-made is left behind */
		snprintf(path, sizeof(path), "/containers/%s%s?force=1&v=1",
			 rt->opt.name_prefix, id);
		simple_call(rt, "DELETE", path, 0, NULL, 0, "remove", id);
	}
	return rc;
}

static int docker_list(struct runtime *rt,
		       int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
		       char *err, size_t errlen)
{
	struct docker_reply r;
	struct hb_sandbox sb;
	json_t *c;
	size_t i;
	int rc;

	/* filters={"label":["handbox.sandbox"]}, URL-encoded */
	rc = docker_api_call(api_of(rt), "GET",
			     "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22"
			     LABEL_SANDBOX "%22%5D%7D", NULL, &r, err, errlen);
	if (rc == 0 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "cannot list sandboxes");
	if (rc == 0)
		json_array_foreach(r.json, i, c)
			if (docker_sandbox_from_summary(c, &sb) == 0 && fn(&sb, arg))
				break;
	docker_reply_free(&r);
	return rc;
}

static int container_op(struct runtime *rt, const char *id, const char *method,
			const char *op, const char *query, long ok_status,
			const char *what, char *err, size_t errlen)
{
	char path[256];

	snprintf(path, sizeof(path), "/containers/%s%s%s%s", rt->opt.name_prefix, id, op,
		 query);
	return simple_call(rt, method, path, ok_status, err, errlen, what, id);
}

/* Host ports may change across a restart: callers inspect afterwards. */
static int docker_start(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	struct hb_sandbox sb;
	/* 304: already running */
	int rc = container_op(rt, id, "POST", "/start", "", 304, "start", err, errlen);

	return rc ? rc : wait_ready(rt, id, rt->opt.ready_timeout_ms, &sb, err, errlen);
}

static int docker_stop(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	char query[32];

	snprintf(query, sizeof(query), "?t=%d", STOP_GRACE_S);
	return container_op(rt, id, "POST", "/stop", query, 304, "stop", err, errlen);
}

static int docker_pause(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return container_op(rt, id, "POST", "/pause", "", 0, "pause", err, errlen);
}

static int docker_resume(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return container_op(rt, id, "POST", "/unpause", "", 0, "resume", err, errlen);
}

/* Anonymous volumes go with the container; named ones (the user's) stay. */
static int docker_remove(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return container_op(rt, id, "DELETE", "", "?force=1&v=1", 0, "remove", err, errlen);
}

static int docker_logs(struct runtime *rt, const char *id, int tail, char **out,
		       char *err, size_t errlen)
{
	char name[SANDBOX_NAME_MAX];

	snprintf(name, sizeof(name), "%s%s", rt->opt.name_prefix, id);
	return docker_container_logs(api_of(rt), name, tail, out, err, errlen);
}

const struct runtime_backend runtime_docker = {
	.name = "docker",
	.open = docker_open,
	.close = docker_close,
	.create = docker_create,
	.inspect = docker_inspect,
	.list = docker_list,
	.start = docker_start,
	.stop = docker_stop,
	.pause = docker_pause,
	.resume = docker_resume,
	.remove = docker_remove,
	.logs = docker_logs,
};
