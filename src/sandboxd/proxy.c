/* proxy.c — sandboxd's port proxy routes; see proxy.h. The relaying is
 * src/net/proxy.c's: here a route's {port} becomes the target
 * 127.0.0.1:{port}, presented to the app as its own address (dev servers
 * refuse other Hosts, apps that compare Origin with Host refuse the
 * proxied browser otherwise), and the session key stays here. */
#include <stdio.h>
#include <string.h>

#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "net/proxy.h"
#include "sandboxd/proxy.h"

struct app_target {
	struct proxy_target t;
	char host[32];
	char origin[48];
	char name[64];
	char refused[96];
};

static void app_target(struct app_target *a, struct http_conn *c, int port,
		       int timeout_s)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->host, sizeof(a->host), "127.0.0.1:%d", port);
	snprintf(a->origin, sizeof(a->origin), "http://127.0.0.1:%d", port);
	snprintf(a->name, sizeof(a->name), "the app on 127.0.0.1:%d", port);
	snprintf(a->refused, sizeof(a->refused),
		 "nothing listens on 127.0.0.1:%d inside the sandbox", port);
	a->t.ip = "127.0.0.1";
	a->t.port = port;
	a->t.prefix = "";
	a->t.path = c->nparams > 1 ? c->params[1] : "";
	/* the key may have come as a query argument: it stays here */
	a->t.skip_query = SANDBOXD_KEY_QUERY;
	a->t.host = a->host;
	a->t.origin = a->origin;
	a->t.timeout_s = timeout_s;
	a->t.name = a->name;
	a->t.refused = a->refused;
}

/* ------------------------------------------------------------ HTTP */

static int http_open(struct http_conn *c)
{
	struct app_target a;
	char err[256];
	int port, timeout_s;

	c->close_after_reply = 1;
	if (proxy_parse_port(c->params[0], &port, err, sizeof(err)) ||
	    proxy_timeout_header(c, &timeout_s, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	app_target(&a, c, port, timeout_s);
	return proxy_http_start(c, &a.t);
}

const struct http_stream_ops proxy_http_ops = {
	.on_request = http_open,
	.on_body = proxy_http_body,
	.on_writeable = proxy_http_writeable,
	.on_close = proxy_http_close,
};

/* ------------------------------------------------------- WebSocket */

static int ws_upgrade(struct http_conn *c)
{
	struct app_target a;
	int port, timeout_s;

	/* a bad port or timeout: lws's handshake goes on, ws_open closes */
	if (proxy_parse_port(c->params[0], &port, NULL, 0) ||
	    proxy_timeout_header(c, &timeout_s, NULL, 0))
		return 0;
	app_target(&a, c, port, timeout_s);
	return proxy_tunnel_start(c, &a.t);
}

/* Reached only when the upgrade was not tunnelled: a bad port, or a key
 * that came in the first frame (the tunnel needs it with the handshake:
 * the app's own handshake answers the client). */
static int ws_open(struct http_conn *c)
{
	int port;

	if (proxy_parse_port(c->params[0], &port, NULL, 0))
		http_ws_close(c, 1008, "the port must be an integer from 1 to 65535");
	else
		http_ws_close(c, 1008, "the port proxy needs the session key in the handshake: "
			      "the X-Session-API-Key header or ?session_api_key=");
	return 0;
}

const struct http_stream_ops proxy_ws_ops = {
	.on_request = ws_open,
	.on_upgrade = ws_upgrade,
};

/* ------------------------------------------- the prefix without a slash */

static int slash_open(struct http_conn *c)
{
	char err[128];
	int port;

	if (proxy_parse_port(c->params[0], &port, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	return proxy_reply_slash(c, port);
}

const struct http_stream_ops proxy_slash_ops = {
	.on_request = slash_open,
};
