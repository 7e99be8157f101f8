/* api_workspace.c — <handbox/workspace.h>: one sandbox made for this
 * program, a command's output captured, files in and out. Settings come
 * from the environment as for the CLI, then from the options; the sandbox
 * carries this process's lease, so gc removes it once the process is gone
 * (unless keep_alive). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/sandbox_client.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/parse.h"
#include "common/sandboxd_wire.h"
#include "common/strv.h"
#include "handbox/handbox.h"
#include "lib/api.h"

/* What a command may print before the rest is dropped (per stream): the
 * result lives in memory. */
#define CAPTURE_MAX (64u << 20)
#define DEFAULT_TIMEOUT_S 300
#define TIMEOUT_MAX_S 604800UL

static int apply(struct hb_settings *s, enum hb_setting what, const char *value,
		 const char *name, char *err, size_t errlen)
{
	return value ? hb_settings_set(s, what, value, name, err, errlen) : 0;
}

/* The options over the environment's settings; names in messages are the
 * option fields'. */
static int apply_options(struct hb_settings *s, const struct hb_workspace_options *o,
			 char *err, size_t errlen)
{
	char pid[24], port[16];
	size_t i;
	int rc = 0;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(port, sizeof(port), "%d", o->host_port);
	/* keep_alive false leaves SANDBOX_KEEP_RUNTIME_ALIVE as it is */
	if ((rc = apply(s, HB_SET_IMAGE, o->image, "image", err, errlen)) ||
	    (rc = apply(s, HB_SET_PLATFORM, o->platform, "platform", err, errlen)) ||
	    (rc = apply(s, HB_SET_KEEP_ALIVE, o->keep_alive ? "true" : NULL, "keep_alive",
			err, errlen)) ||
	    (rc = apply(s, HB_SET_EXTRA_PORTS, o->extra_ports ? "true" : "false",
			"extra_ports", err, errlen)) ||
	    (rc = apply(s, HB_SET_HOST_PORT, port, "host_port", err, errlen)) ||
	    (rc = apply(s, HB_SET_OWNER_PID, pid, "owner", err, errlen)))
		return rc;
	for (i = 0; o->volumes && o->volumes[i] && rc == 0; i++)
		rc = apply(s, HB_SET_VOLUME, o->volumes[i], "volumes", err, errlen);
	return rc;
}

/* The URL and working directory of ws->sb. */
static void workspace_ready(struct hb_workspace *ws)
{
	hb_sandbox_port_url(&ws->sb, 0, ws->url, sizeof(ws->url));
	/* a process sandbox's workdir is a host folder: that is where its
	 * commands run */
	snprintf(ws->working_dir, sizeof(ws->working_dir), "%s",
		 ws->sb.workdir[0] ? ws->sb.workdir : "/workspace");
}

/* The volume specs it was made with (the options', else SANDBOX_VOLUMES'),
 * so a conversation can make it again with the same mounts. */
static int remember_volumes(struct hb_workspace *ws, const char *const *volumes)
{
	const char *env = getenv("SANDBOX_VOLUMES");
	char *copy, *spec, *save = NULL;
	int rc = 0;

	if (volumes)
		return strv_copy(&ws->volumes, (char *const *)volumes);
	if (!env || !*env)
		return strv_copy(&ws->volumes, NULL);
	if (!(copy = strdup(env)))
		return HB_ENOMEM;
	for (spec = strtok_r(copy, ",", &save); spec && rc == 0; spec = strtok_r(NULL, ",", &save))
		rc = strv_add(&ws->volumes, spec);
	free(copy);
	return rc;
}

int hb_workspace_open_with(struct hb_workspace **out, const struct hb_workspace_options *opt,
			   struct hb_settings *settings, struct hb_cancel *cancel,
			   char *err, size_t errlen)
{
	static const struct hb_workspace_options defaults;
	struct hb_workspace *ws = calloc(1, sizeof(*ws));
	int rc;

	*out = NULL;
	if (!ws) {
		hb_settings_free(settings);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	if (!opt)
		opt = &defaults;
	ws->settings = settings;
	if ((!ws->settings && (rc = hb_settings_from_env(&ws->settings, err, errlen))) ||
	    (rc = apply_options(ws->settings, opt, err, errlen)) ||
	    (rc = hb_runtime_open(&ws->rt, ws->settings, err, errlen)) ||
	    (rc = hb_sandbox_create(ws->rt, ws->settings, cancel, &ws->sb, err, errlen))) {
		hb_runtime_close(ws->rt);
		hb_settings_free(ws->settings);
		free(ws);
		return rc;
	}
	/* kept alive (by the option or SANDBOX_KEEP_RUNTIME_ALIVE): no lease */
	ws->keep_alive = !ws->sb.lease[0];
	if (remember_volumes(ws, opt->volumes)) {
		hb_workspace_close(ws);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	workspace_ready(ws);
	*out = ws;
	return 0;
}

int hb_workspace_open(struct hb_workspace **out, const struct hb_workspace_options *opt,
		      char *err, size_t errlen)
{
	return hb_workspace_open_with(out, opt, NULL, NULL, err, errlen);
}

int hb_workspace_attach(struct hb_workspace **out, const char *sandbox_id, char *err,
			size_t errlen)
{
	struct hb_workspace *ws = calloc(1, sizeof(*ws));
	int rc;

	*out = NULL;
	if (!ws)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = hb_settings_from_env(&ws->settings, err, errlen)) ||
	    (rc = hb_runtime_open(&ws->rt, ws->settings, err, errlen)) ||
	    (rc = hb_sandbox_find(ws->rt, sandbox_id, &ws->sb, err, errlen)))
		goto fail;
	if (ws->sb.state == HB_SANDBOX_PAUSED)
		rc = hb_sandbox_resume(ws->rt, ws->sb.id, err, errlen);
	else if (ws->sb.state != HB_SANDBOX_RUNNING)
		rc = hb_sandbox_start(ws->rt, ws->sb.id, NULL, err, errlen);
	/* started again, its host ports may have changed */
	if (rc || (rc = hb_sandbox_find(ws->rt, ws->sb.id, &ws->sb, err, errlen)))
		goto fail;
	if (strv_copy(&ws->volumes, NULL)) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	workspace_ready(ws);
	*out = ws;
	return 0;
fail:
	ws->keep_alive = true;
	hb_workspace_close(ws);
	return rc;
}

void hb_workspace_keep_alive(struct hb_workspace *ws, bool keep)
{
	ws->keep_alive = keep;
}

const char *hb_workspace_url(const struct hb_workspace *ws)
{
	return ws->url;
}

const char *hb_workspace_working_dir(const struct hb_workspace *ws)
{
	return ws->working_dir;
}

const char *hb_workspace_session_key(const struct hb_workspace *ws)
{
	return ws->sb.session_api_key;
}

const char *hb_workspace_id(const struct hb_workspace *ws)
{
	return ws->sb.id;
}

/* Asks sandboxd where the service on container port answers at the
 * host port that port is published on. */
static int service_url(struct hb_workspace *ws, int port, const char *route,
		       const char *workspace_dir, char **url, char *err, size_t errlen)
{
	char base[API_URL_MAX] = "", api_url[API_URL_MAX];
	struct sandbox_conn conn;
	int i, rc;

	*url = NULL;
	if ((rc = api_connect(&ws->sb, &conn, api_url, sizeof(api_url), err, errlen)))
		return rc;
	/* not published (a process sandbox): base stays "", sandboxd's own
	 * default */
	for (i = 0; i < HB_SANDBOX_PORTS; i++)
		if (hb_sandbox_ports[i] == port)
			hb_sandbox_port_url(&ws->sb, i, base, sizeof(base));
	return sandbox_service_url(&conn, route, base, workspace_dir, url, err, errlen);
}

int hb_workspace_vscode_url(struct hb_workspace *ws, char **url, char *err, size_t errlen)
{
	return service_url(ws, 8001, SANDBOXD_ROUTE_VSCODE_URL, ws->working_dir, url, err, errlen);
}

int hb_workspace_desktop_url(struct hb_workspace *ws, char **url, char *err, size_t errlen)
{
	return service_url(ws, 8002, SANDBOXD_ROUTE_DESKTOP_URL, NULL, url, err, errlen);
}

struct capture {
	struct buf out[2];       /* stdout, stderr */
	bool full[2];            /* CAPTURE_MAX reached: the rest is dropped */
	bool no_memory;
};

/* A stream keeps its first CAPTURE_MAX bytes, whole: what does not fit is
 * dropped from there on (never a piece in the middle), and the command
 * goes on. Out of memory ends the command. */
static int capture_output(void *arg, int fd, const void *data, size_t len)
{
	struct capture *cap = arg;
	int i = fd == 2;
	size_t room = CAPTURE_MAX - cap->out[i].len;

	if (cap->full[i])
		return 0;
	if (len > room) {
		cap->full[i] = true;
		len = room;
	}
	if (buf_append(&cap->out[i], data, len) == HB_ENOMEM) {
		cap->no_memory = true;
		return -1;
	}
	return 0;
}

/* SANDBOX_TIMEOUT (the reference's), else 300 s. */
static int default_timeout(char *err, size_t errlen, int *out)
{
	const char *v = getenv("SANDBOX_TIMEOUT");
	unsigned long s = DEFAULT_TIMEOUT_S;
	int rc;

	if (v && *v && (rc = parse_uint("SANDBOX_TIMEOUT", v, TIMEOUT_MAX_S, &s, err, errlen)))
		return rc;
	*out = (int)s;
	return 0;
}

/* The captured bytes as a string (the command's output need not be
 * UTF-8; it is returned as it came, NUL-terminated). */
static char *take_text(struct buf *b)
{
	char *s = buf_steal(b, NULL);

	return s ? s : strdup("");
}

int hb_workspace_exec(struct hb_workspace *ws, const char *command, const char *cwd,
		      int timeout_s, struct hb_exec_result **out, char *err, size_t errlen)
{
	struct capture cap = { .no_memory = false };
	struct hb_exec_result *r;
	struct hb_exec_options o = {
		.command = command, .cwd = cwd,
		.output = capture_output, .output_arg = &cap,
	};
	struct hb_exec_status res;
	struct sandbox_conn conn;
	char url[API_URL_MAX];
	int rc;

	*out = NULL;
	if (!command)
		return hb_fail(err, errlen, HB_EINVAL, "hb_workspace_exec: no command");
	if (timeout_s < 0)
		return hb_fail(err, errlen, HB_EINVAL,
			       "hb_workspace_exec: timeout %d s: expected 0 (the default) or more",
			       timeout_s);
	if (timeout_s == 0 && (rc = default_timeout(err, errlen, &timeout_s)))
		return rc;
	o.timeout_s = timeout_s;
	buf_init(&cap.out[0], CAPTURE_MAX);
	buf_init(&cap.out[1], CAPTURE_MAX);
	if ((rc = api_connect(&ws->sb, &conn, url, sizeof(url), err, errlen)) ||
	    (rc = sandbox_exec(&conn, &o, &res, err, errlen)))
		goto out;
	if (cap.no_memory) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory for the command's output");
		goto out;
	}
	/* the note goes past the cap: stderr may be the stream that is full */
	cap.out[1].limit = 0;
	if ((cap.full[0] || cap.full[1]) &&
	    buf_printf(&cap.out[1], "\n[handbox: %s past %u MiB was dropped]\n",
		       cap.full[0] && cap.full[1] ? "stdout and stderr"
		       : cap.full[0] ? "stdout" : "stderr", CAPTURE_MAX >> 20) < 0) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	if (!(r = calloc(1, sizeof(*r))) || !(r->command = strdup(command))) {
		free(r);
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	r->exit_code = res.exit_code;
	r->timed_out = res.timed_out;
	r->stdout_text = take_text(&cap.out[0]);
	r->stderr_text = take_text(&cap.out[1]);
	if (!r->stdout_text || !r->stderr_text) {
		hb_exec_result_free(r);
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	*out = r;
out:
	buf_free(&cap.out[0]);
	buf_free(&cap.out[1]);
	return rc;
}

void hb_exec_result_free(struct hb_exec_result *r)
{
	if (!r)
		return;
	free(r->command);
	free(r->stdout_text);
	free(r->stderr_text);
	free(r);
}

int hb_workspace_upload(struct hb_workspace *ws, const char *local, const char *remote,
			char *err, size_t errlen)
{
	return hb_sandbox_copy_in(&ws->sb, local, remote, NULL, NULL, err, errlen);
}

int hb_workspace_download(struct hb_workspace *ws, const char *remote, const char *local,
			  char *err, size_t errlen)
{
	return hb_sandbox_copy_out(&ws->sb, remote, local, NULL, NULL, err, errlen);
}

void hb_workspace_close(struct hb_workspace *ws)
{
	char err[HB_ERR_MAX];

	if (!ws)
		return;
	/* a sandbox that cannot be removed now is an orphan once we have
	 * gone (its lease ends with us): gc removes it */
	if (!ws->keep_alive && ws->sb.id[0] && hb_sandbox_remove(ws->rt, ws->sb.id, err, sizeof(err)))
		fprintf(stderr, "handbox: %s (`handbox sandbox gc` removes it)\n", err);
	hb_runtime_close(ws->rt);
	hb_settings_free(ws->settings);
	strv_free(&ws->volumes);
	free(ws);
}
