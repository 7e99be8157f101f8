/* routes_sandboxd.c — the sandboxd passthrough of `handbox serve`
 * (docs/serve.md): ANY /api/sandboxes/{id}/sandboxd/{path}, HTTP and
 * WebSocket, relayed to sandbox {id}'s sandboxd at /{path} with the
 * sandbox's key (server_sbx_target.c). The web UI's file browser,
 * terminal, VS Code and Desktop tabs use it, so a browser never learns a
 * sandbox's key nor its published port, and needs only serve's own key
 * or cookie.
 *
 * Only the routes the UI needs pass (PASSED below); the others answer 403.
 * The exec socket already lets a signed-in user run anything in the
 * sandbox, so this is not a wall around the sandbox: it keeps what serve
 * promises small (sandboxd's bash, git and port routes have their own
 * clients: the agent and the port proxy) and keeps a path such as
 * "api/file/../handbox/x" from reaching a route nobody meant to expose. */
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "server/routes.h"
#include "server/server.h"

struct passed {
	enum http_method method;   /* HTTP_GET for a WebSocket */
	int ws;
	const char *path;          /* "{}" stands for one segment */
};

static const struct passed PASSED[] = {
	{ HTTP_GET, 0, SANDBOXD_ROUTE_FILES_LIST },
	{ HTTP_GET, 0, SANDBOXD_ROUTE_FILES_STAT },
	{ HTTP_GET, 0, SANDBOXD_ROUTE_FILE_DOWNLOAD },
	{ HTTP_POST, 0, SANDBOXD_ROUTE_FILE_UPLOAD },
	{ HTTP_GET, 0, SANDBOXD_ROUTE_SESSIONS },
	{ HTTP_GET, 0, SANDBOXD_ROUTE_VSCODE_URL },
	{ HTTP_GET, 0, SANDBOXD_ROUTE_DESKTOP_URL },
	{ HTTP_GET, 1, SANDBOXD_ROUTE_EXEC },
	{ HTTP_GET, 1, SANDBOXD_ROUTE_SESSIONS "/{}" SANDBOXD_SESSION_WATCH },
	{ 0, 0, NULL },
};

/* Whether path (without its leading "/") is a route that passes. */
static int passes(enum http_method method, int ws, const char *path)
{
	const struct passed *p;
	char store[256], *params[HTTP_MAX_PARAMS];
	char full[1100];
	int n;

	if (strstr(path, "..") || (size_t)snprintf(full, sizeof(full), "/%s", path) >= sizeof(full))
		return 0;
	for (p = PASSED; p->path; p++)
		if (p->method == method && p->ws == ws &&
		    http_route_match(p->path, full, store, sizeof(store), params, &n))
			return 1;
	return 0;
}

#define REFUSED "serve passes to sandboxd only the web UI's routes: GET " \
	SANDBOXD_ROUTE_FILES_LIST ", " SANDBOXD_ROUTE_FILES_STAT ", " \
	SANDBOXD_ROUTE_FILE_DOWNLOAD ", " SANDBOXD_ROUTE_SESSIONS ", " \
	SANDBOXD_ROUTE_VSCODE_URL ", " SANDBOXD_ROUTE_DESKTOP_URL ", POST " \
	SANDBOXD_ROUTE_FILE_UPLOAD ", and the WebSockets " SANDBOXD_ROUTE_EXEC " and " \
	SANDBOXD_ROUTE_SESSIONS "/{id}" SANDBOXD_SESSION_WATCH

/* ---------------------------------------------------------------- HTTP */

static int sandboxd_open(struct http_conn *c)
{
	struct srv_sbx_target a;
	char err[512];
	int rc;

	c->close_after_reply = 1;
	if (!passes(c->method, 0, c->params[1]))
		return http_reply_error(c, 403, "%s /%.200s: %s", c->method == HTTP_POST ?
					"POST" : c->method == HTTP_GET ? "GET" : "this method",
					c->params[1], REFUSED) ? -1 : 0;
	if ((rc = srv_sbx_target(&a, c, "", c->params[1], PROXY_TIMEOUT_S, err, sizeof(err))))
		return srv_reply_fail(c, rc, err) ? -1 : 0;
	return proxy_http_start(c, &a.t);
}

const struct http_stream_ops route_sandboxd_http_ops = {
	.on_request = sandboxd_open,
	.on_body = proxy_http_body,
	.on_writeable = proxy_http_writeable,
	.on_close = proxy_http_close,
};

/* ----------------------------------------------------------- WebSocket */

static int sandboxd_upgrade(struct http_conn *c)
{
	struct srv_sbx_target a;

	/* refused here: lws's handshake goes on and sandboxd_ws_open says why */
	if (!passes(HTTP_GET, 1, c->params[1]) ||
	    srv_sbx_target(&a, c, "", c->params[1], PROXY_TIMEOUT_S, NULL, 0))
		return 0;
	return proxy_tunnel_start(c, &a.t);
}

/* Reached only when the upgrade was not tunnelled. */
static int sandboxd_ws_open(struct http_conn *c)
{
	struct srv_sbx_target a;
	int rc;

	if (!passes(HTTP_GET, 1, c->params[1]))
		http_ws_close(c, 1008, "serve passes only sandboxd's exec and session watch "
			      "WebSockets");
	else if ((rc = srv_sbx_target(&a, c, "", "", PROXY_TIMEOUT_S, NULL, 0)) == HB_ENOENT)
		http_ws_close(c, SERVER_CLOSE_UNKNOWN, "no such sandbox on this server");
	else if (rc)
		http_ws_close(c, 1008, "the sandbox is not running");
	else
		http_ws_close(c, 1008, "the passthrough needs the key in the handshake: the "
			      "X-Session-API-Key header, ?session_api_key= or the cookie "
			      "(and plain HTTP to serve: behind TLS, terminate it in a proxy)");
	return 0;
}

const struct http_stream_ops route_sandboxd_ws_ops = {
	.on_request = sandboxd_ws_open,
	.on_upgrade = sandboxd_upgrade,
};
