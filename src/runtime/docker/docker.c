/* docker.c — the Docker backend: one container per sandbox, made and
 * driven through the Engine API (docker_api.h). The container carries
 * everything needed to re-attach to it (labels, the session key in its
 * environment, its published ports), so no state is kept on the host. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/ready.h"
#include "common/hb_error.h"
#include "engine/docker_logs.h"
#include "runtime/docker/docker.h"
#include "runtime/owner.h"

#define CREATE_ATTEMPTS 3       /* a fresh id per name clash */
#define STOP_GRACE_S 10
#define FAILURE_LOG_LINES 20

struct docker_backend {
	struct docker_api *api;
};

static void warn(struct runtime *rt, const char *message)
{
	if (rt->opt.warn)
		rt->opt.warn(rt->opt.warn_arg, message);
}

static struct docker_api *api_of(struct runtime *rt)
{
	return ((struct docker_backend *)rt->impl)->api;
}

static int docker_open(struct runtime *rt, char *err, size_t errlen)
{
	struct docker_backend *d;
	int rc;

	if (!rt->opt.name_prefix)
		rt->opt.name_prefix = "";
	/* the prefix goes into URL paths as it is: settings checked it, and
	 * a caller that did not is stopped here */
	if (!sandbox_name_prefix_ok(rt->opt.name_prefix))
		return hb_fail(err, errlen, HB_EINVAL,
			       "container name prefix \"%s\": expected [a-zA-Z0-9][a-zA-Z0-9_.-]*",
			       rt->opt.name_prefix);
	if (!(d = calloc(1, sizeof(*d))))
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

/* "/containers/NAME" + suffix for sandbox id. Only a well-formed id gets
 * into a path: anything else is no sandbox of ours (and could otherwise
 * name another API route). */
static int container_path(struct runtime *rt, const char *id, const char *suffix,
			  char *out, size_t outlen, char *err, size_t errlen)
{
	if (!sandbox_id_ok(id))
		return hb_fail(err, errlen, HB_ENOENT,
			       "no sandbox \"%s\" (expected a %d-digit hex id)", id, HB_SANDBOX_ID_LEN);
	if ((size_t)snprintf(out, outlen, "/containers/%s%s%s", rt->opt.name_prefix, id,
			     suffix) >= outlen)
		return hb_fail(err, errlen, HB_ETOOBIG, "container name prefix too long");
	return 0;
}

/* The engine's 404 for a container we asked about by name; other 404s
 * (a network or mount gone, at start) keep the engine's sentence. */
static bool no_such_container(const struct docker_reply *r)
{
	return r->status == 404 && strstr(docker_reply_message(r), "No such container");
}

/* A call on sandbox id's container whose reply body does not matter: 2xx
 * (or ok_status) is success; a missing container is "no sandbox"; else
 * an error saying what failed. *status (when not NULL) gets the HTTP
 * status, 0 when the engine did not answer. */
static int container_op(struct runtime *rt, const char *id, const char *method,
			const char *suffix, long ok_status, const char *what,
			long *status, char *err, size_t errlen)
{
	struct docker_reply r;
	char path[256];
	int rc;

	if (status)
		*status = 0;
	if ((rc = container_path(rt, id, suffix, path, sizeof(path), err, errlen)))
		return rc;
	rc = docker_api_call(api_of(rt), method, path, NULL, &r, err, errlen);
	if (status)
		*status = r.status;
	if (rc == 0 && no_such_container(&r))
		rc = hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
	else if (rc == 0 && (r.status < 200 || r.status >= 300) && r.status != ok_status)
		rc = docker_fail(&r, err, errlen, "cannot %s sandbox %s", what, id);
	docker_reply_free(&r);
	return rc;
}

/* The host firewall in place, and sandbox id's rules in it as it runs
 * now: its allowed ports at its current address (a start may have given
 * it another). Checked at every create and start (one listing when all is
 * in place), so a flushed chain is made again. A failure is told, not
 * fatal: the sandbox works, the host is less shut. */
static void firewall_apply(struct runtime *rt, const char *id)
{
	struct docker_backend *d = rt->impl;
	struct docker_reply r;
	char exe[PATH_MAX], path[256], ip[64], msg[512];
	int ports[64], n;

	if (container_path(rt, id, "/json", path, sizeof(path), NULL, 0) ||
	    docker_api_call(d->api, "GET", path, NULL, &r, NULL, 0))
		return;
	/* no address on a handbox network: a network of the user's */
	docker_sandbox_address(r.json, ip, sizeof(ip));
	n = docker_sandbox_allowed_ports(r.json, ports, 64);
	docker_reply_free(&r);
	if (!ip[0])
		return;
	if (docker_hostfw_find(exe, sizeof(exe), msg, sizeof(msg)) ||
	    docker_hostfw_install(exe, msg, sizeof(msg)) ||
	    docker_hostfw_allow(exe, id, ip, ports, n, msg, sizeof(msg)))
		warn(rt, msg);
}

/* Sandbox id's rules out of the firewall, when there is one we may touch:
 * at stop and removal, so that a later sandbox given its address inherits
 * none of its grants. */
static void firewall_forget(const char *id)
{
	char exe[PATH_MAX];

	if (docker_hostfw_find(exe, sizeof(exe), NULL, 0) == 0)
		docker_hostfw_forget(exe, id);
}

static int docker_inspect(struct runtime *rt, const char *id, struct hb_sandbox *out,
			  char *err, size_t errlen)
{
	struct docker_reply r;
	char path[256];
	int rc;

	if ((rc = container_path(rt, id, "/json", path, sizeof(path), err, errlen)))
		return rc;
	rc = docker_api_call(api_of(rt), "GET", path, NULL, &r, err, errlen);
	if (rc == 0 && r.status == 404)
		rc = hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
	else if (rc == 0 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "cannot inspect sandbox %s", id);
	else if (rc == 0)
		rc = docker_sandbox_from_inspect(r.json, rt->opt.name_prefix, out, err, errlen);
	docker_reply_free(&r);
	return rc;
}

/* A bind of the engine's socket, of a folder above it (even read-only) or
 * of containerd's hands whoever runs in the sandbox the engine, that is
 * root on this host: refused (volumes_refuse_sockets compares inodes). */
static int refuse_engine_socket(struct runtime *rt, const struct sandbox_spec *spec,
				char *err, size_t errlen)
{
	/* the engine's own, then the usual places of the engines beside it
	 * (a rootful engine next to a rootless one, dockerd's containerd) */
	const struct volume_socket sockets[] = {
		{ docker_api_socket(api_of(rt)), "the Docker engine's socket" },
		{ "/var/run/docker.sock", "the Docker engine's socket" },
		{ "/run/containerd/containerd.sock", "containerd's socket" },
		{ "/var/run/docker/containerd/containerd.sock", "containerd's socket" },
	};

	struct docker_reply r;
	const char *data = NULL;
	int rc = volumes_refuse_sockets(&spec->volumes, sockets,
					(int)(sizeof(sockets) / sizeof(sockets[0])), err, errlen);

	if (rc || spec->volumes.n == 0)
		return rc;
	/* the engine's data root, from the engine (it is configurable) */
	if (docker_api_call(api_of(rt), "GET", "/info", NULL, &r, NULL, 0) == 0) {
		data = json_string_value(json_object_get(r.json, "DockerRootDir"));
		rc = volumes_refuse_engine_data(&spec->volumes, data ? data : "/var/lib/docker",
						err, errlen);
		docker_reply_free(&r);
	}
	return rc;
}

static int create_container(struct runtime *rt, const struct sandbox_spec *spec,
			    char id[HB_SANDBOX_ID_LEN + 1], const char *key,
			    char *err, size_t errlen)
{
	const char *network = spec->isolated ? ISOLATED_NETWORK
			      : spec->network ? spec->network : SANDBOX_NETWORK;
	struct docker_reply r;
	char path[512];
	json_t *body;
	int rc, attempt;

	for (attempt = 1;; attempt++) {
		sandbox_new_id(id);
		if ((size_t)snprintf(path, sizeof(path), "/containers/create?name=%s%s%s%s",
				     rt->opt.name_prefix, id,
				     spec->platform ? "&platform=" : "",
				     spec->platform ? spec->platform : "") >= sizeof(path))
			return hb_fail(err, errlen, HB_ETOOBIG, "container name prefix too long");
		body = docker_create_body(spec, id, key, network, &rt->opt);
		if (!body)
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		rc = docker_api_call(api_of(rt), "POST", path, body, &r, err, errlen);
		json_decref(body);
		if (rc || r.status == 201) {
			docker_reply_free(&r);
			return rc;
		}
		/* 409: the name is taken (ids are random: a clash is a fluke) */
		if (r.status != 409 || attempt == CREATE_ATTEMPTS)
			break;
		docker_reply_free(&r);
	}
	if (r.status == 404 && strstr(docker_reply_message(&r), "No such image"))
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

static int docker_logs(struct runtime *rt, const char *id, int tail, char **out,
		       char *err, size_t errlen);

static int container_gone(void *arg)
{
	struct liveness *l = arg;
	struct hb_sandbox sb;

	return docker_inspect(l->rt, l->id, &sb, NULL, 0) != 0 ||
	       sb.state != HB_SANDBOX_RUNNING;
}

/* The reason a sandbox is not ready, with its last output lines, so the
 * user sees sandboxd's own complaint (or the image's). */
static int not_ready(struct runtime *rt, const char *id, int why, int timeout_ms,
		     struct hb_cancel *cancel, char *err, size_t errlen)
{
	struct hb_sandbox sb;
	char *logs = NULL, lerr[256];
	int n;

	if (hb_cancel_reason(cancel))
		return runtime_cancelled(cancel, id, err, errlen);
	if (why == HB_EBUSY)
		n = snprintf(err, errlen, "sandbox %s did not answer within %g s "
			     "(--ready-timeout sets the limit)", id, timeout_ms / 1000.0);
	else if (docker_inspect(rt, id, &sb, NULL, 0) != 0)
		n = snprintf(err, errlen, "sandbox %s vanished before it was ready", id);
	else if (sb.oom_killed)
		n = snprintf(err, errlen, "sandbox %s was killed for lack of memory "
			     "while starting (raise --memory)", id);
	else
		n = snprintf(err, errlen, "sandbox %s stopped (exit code %d) before it was ready",
			     id, sb.exit_code);
	if (n > 0 && (size_t)n < errlen &&
	    docker_logs(rt, id, FAILURE_LOG_LINES, &logs, lerr, sizeof(lerr)) == 0 &&
	    *logs)
		snprintf(err + n, errlen - (size_t)n, "; its last output:\n%s", logs);
	free(logs);
	return why == HB_EBUSY ? HB_EBUSY : HB_EIO;
}

static int wait_ready(struct runtime *rt, const char *id, int timeout_ms,
		      struct hb_cancel *cancel, struct hb_sandbox *out, char *err, size_t errlen)
{
	struct liveness l = { rt, id };
	char url[128];
	int rc;

	if ((rc = docker_inspect(rt, id, out, err, errlen)))
		return rc;
	sandbox_url(out, url, sizeof(url));
	rc = ready_wait(url, out->session_api_key, timeout_ms, container_gone, &l, cancel);
	if (rc)
		return not_ready(rt, id, rc, timeout_ms, cancel, err, errlen);
	return docker_inspect(rt, id, out, err, errlen);
}

static int docker_create(struct runtime *rt, const struct sandbox_spec *spec,
			 struct hb_cancel *cancel, struct hb_sandbox *out, char *err,
			 size_t errlen)
{
	char id[HB_SANDBOX_ID_LEN + 1], key[HB_SANDBOX_KEY_LEN + 1];
	int rc;

	if ((rc = runtime_check_sandboxd(rt, err, errlen)) ||
	    (rc = volumes_check_hosts(&spec->volumes, err, errlen)) ||
	    (rc = refuse_engine_socket(rt, spec, err, errlen)))
		return rc;
	/* the grants are rules for an address on handbox's network: an
	 * isolated sandbox has no way to the host, and on a network of the
	 * user's the host is theirs to open */
	if (spec->n_allow_host_ports && (spec->isolated || spec->network))
		return hb_fail(err, errlen, HB_EINVAL,
			       "--allow-host-port %d: only for a sandbox on handbox's own network "
			       "(not with --network %s)", spec->allow_host_ports[0],
			       spec->isolated ? "isolated" : spec->network);
	/* a network the user names is theirs to isolate */
	if ((spec->isolated || !spec->network) &&
	    (rc = docker_network_ensure(api_of(rt), spec->isolated, err, errlen)))
		return rc;
	sandbox_new_key(key);
	if ((rc = create_container(rt, spec, id, key, err, errlen)))
		return rc;
	rc = container_op(rt, id, "POST", "/start", 0, "start", NULL, err, errlen);
	if (rc == 0)
		rc = wait_ready(rt, id, spec->ready_timeout_ms, cancel, out, err, errlen);
	if (rc)     /* nothing half-made is left behind */
		container_op(rt, id, "DELETE", "?force=1&v=1", 0, "remove", NULL, NULL, 0);
	else
		firewall_apply(rt, id);
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
			if (docker_sandbox_from_summary(c, rt->opt.name_prefix, &sb) == 0 &&
			    fn(&sb, arg))
				break;
	docker_reply_free(&r);
	return rc;
}

/* Host ports may change across a restart: callers inspect afterwards. */
static int docker_start(struct runtime *rt, const char *id, struct hb_cancel *cancel,
			char *err, size_t errlen)
{
	struct hb_sandbox sb;
	/* 304: already running */
	int rc = container_op(rt, id, "POST", "/start", 304, "start", NULL, err, errlen);

	if (rc == 0)
		rc = wait_ready(rt, id, rt->opt.ready_timeout_ms, cancel, &sb, err, errlen);
	if (rc == 0)
		firewall_apply(rt, id);
	return rc;
}

static int docker_stop(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	char query[32];

	snprintf(query, sizeof(query), "/stop?t=%d", STOP_GRACE_S);
	/* its address is given back: its grants go (a start makes them again) */
	firewall_forget(id);
	/* 304: already stopped */
	return container_op(rt, id, "POST", query, 304, "stop", NULL, err, errlen);
}

/* pause and resume ask for a state, as stop and start do: a sandbox
 * already in it is fine (the engine answers 409 or 500 where it answers
 * stop and start with 304), and one that cannot get there is named with
 * its state rather than the engine's sentence about a 64-digit id. */
static int freeze(struct runtime *rt, const char *id, bool pause, char *err, size_t errlen)
{
	const char *what = pause ? "pause" : "resume";
	enum hb_sandbox_state want = pause ? HB_SANDBOX_PAUSED : HB_SANDBOX_RUNNING;
	struct hb_sandbox sb;
	long status;
	int rc = container_op(rt, id, "POST", pause ? "/pause" : "/unpause", 0, what, &status,
			      err, errlen);

	if (rc == 0 || (status != 409 && status != 500) || docker_inspect(rt, id, &sb, NULL, 0))
		return rc;
	if (sb.state == want)
		return 0;
	if (sb.state == HB_SANDBOX_EXITED || sb.state == HB_SANDBOX_CREATED)
		return hb_fail(err, errlen, HB_EBUSY, "cannot %s sandbox %s: it is %s "
			       "(handbox sandbox start %s)", what, id, sandbox_state_name(sb.state),
			       id);
	return hb_fail(err, errlen, HB_EBUSY, "cannot %s sandbox %s: it is %s", what, id,
		       sandbox_state_name(sb.state));
}

static int docker_pause(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return freeze(rt, id, true, err, errlen);
}

static int docker_resume(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return freeze(rt, id, false, err, errlen);
}

/* Anonymous volumes go with the container; named ones (the user's) stay.
 * With force, the engine's only 409 is "removal already in progress"
 * (another rm or gc got there first): that is done, not failed. */
static int docker_remove(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	/* its firewall rules go with it (its address may be another's next) */
	if (sandbox_id_ok(id))
		firewall_forget(id);
	return container_op(rt, id, "DELETE", "?force=1&v=1", 409, "remove", NULL, err, errlen);
}

static int docker_logs(struct runtime *rt, const char *id, int tail, char **out,
		       char *err, size_t errlen)
{
	char path[256];
	int rc;

	*out = NULL;
	/* "/containers/NAME": the name is what follows */
	if ((rc = container_path(rt, id, "", path, sizeof(path), err, errlen)))
		return rc;
	rc = docker_container_logs(api_of(rt), path + strlen("/containers/"), tail, out,
				   err, errlen);
	if (rc == HB_ENOENT)
		rc = hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
	return rc;
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
