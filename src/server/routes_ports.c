/* routes_ports.c — the port proxy of `handbox serve` (API.md § 2,
 * docs/serve.md): ANY /api/sandboxes/{id}/ports/{port}/{path}, and the
 * same by sub-domain, Host "{port}-{id}.localhost" (or "{port}-{id}." +
 * any name, behind a reverse proxy with a wildcard name), which
 * srv_host_route() turns into that path before routing, so a sub-domain
 * reaches its sandbox's port and nothing else of serve. A request goes to
 * the sandbox's sandboxd (its published port 8000, with its session key),
 * which forwards it to the port inside (docs/port-proxy.md); serve's own
 * key, cookie and query argument stay here.
 *
 * A browser on a sub-domain has no cookie at first (each *.localhost is a
 * host of its own): a link carrying ?session_api_key= sets one there
 * (host-only) and redirects without the key; GET
 * /api/sandboxes/{id}/open/{port} makes such a link for a signed-in UI. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "net/proxy.h"
#include "server/routes.h"
#include "server/server.h"

/* -------------------------------------------------------- the sub-domain */

/* 1 with *port and id when c's Host is a sub-domain of the proxy, 0 when
 * not, -1 with err when it has the shape under "localhost" but a bad port
 * or id (under another name it is then just not ours). */
static int sub_host(struct http_conn *c, int *port, char id[HB_SANDBOX_ID_LEN + 1],
		    char *err, size_t errlen)
{
	char host[256], suffix[256], got[64];
	const char *dot;
	size_t n, i;
	int rc, local;

	if (lws_hdr_copy(c->wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0 ||
	    host[0] == '[' || !(dot = strchr(host, '.')))
		return 0;
	snprintf(suffix, sizeof(suffix), "%s", dot + 1);
	suffix[strcspn(suffix, ":")] = '\0';
	if ((n = strlen(suffix)) && suffix[n - 1] == '.')
		suffix[n - 1] = '\0';
	local = !strcasecmp(suffix, "localhost");
	rc = proxy_parse_sub_host(host, suffix, port, got, sizeof(got), err, errlen);
	if (rc <= 0)
		return rc < 0 && local ? -1 : 0;
	n = strlen(got);
	for (i = 0; i < n && isxdigit((unsigned char)got[i]); i++)
		got[i] = (char)tolower((unsigned char)got[i]);
	if (i != n || n != HB_SANDBOX_ID_LEN) {
		if (local)
			hb_fail(err, errlen, HB_EINVAL, "host \"%.80s\": expected a sandbox id of %d "
				"hexadecimal digits after the port", host, HB_SANDBOX_ID_LEN);
		return local ? -1 : 0;
	}
	memcpy(id, got, HB_SANDBOX_ID_LEN + 1);
	return 1;
}

int srv_host_route(struct http_conn *c, const char *path, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	char id[HB_SANDBOX_ID_LEN + 1];
	int port, rc = sub_host(c, &port, id, err, errlen);

	if (rc <= 0)
		return rc;
	if ((size_t)snprintf(out, outlen, "/api/sandboxes/%s/ports/%d%s%s", id, port,
			     path[0] == '/' ? "" : "/", path) >= outlen)
		return hb_fail(err, errlen, HB_EINVAL, "path of %zu bytes: too long", strlen(path)),
		       -1;
	return 1;
}

/* Where c goes: sandboxd's port proxy for port inside sandbox params[0]. */
static int ports_target(struct srv_sbx_target *a, struct http_conn *c, int port, int timeout_s,
			char *err, size_t errlen)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "/api/handbox/ports/%d", port);
	return srv_sbx_target(a, c, prefix, c->nparams > 2 ? c->params[2] : "", timeout_s, err,
			      errlen);
}

/* --------------------------------------------- a conversation's sandbox */

/* A request to a conversation's sandbox is activity (server_idle.c); to
 * a paused one, it has the conversation's worker resume it, as a message
 * does. 0: go on; 1: resuming; HB_EBUSY (err) over --max-sandboxes. A
 * bare sandbox is paused only when its client asks: it stays so (409). */
static int wake_conv(const char *id, char *err, size_t errlen)
{
	struct srv_conv *cv;
	struct srv_sbx e;
	int rc;

	if (!srv_sbx_get(id, &e) || !e.conv_id[0] || !(cv = srv_conv_find(e.conv_id)))
		return 0;
	srv_conv_touch(cv);
	if (e.sb.state != HB_SANDBOX_PAUSED)
		return 0;
	if ((rc = srv_capacity_check(cv, err, errlen)) ||
	    (rc = srv_conv_post(cv, NULL, false, err, errlen)))
		return rc;
	return 1;
}

/* The answer while it resumes: 503 with Retry-After, which clients retry,
 * and a page that reloads itself for a browser (a user who clicked the
 * app's link gets the app a moment later, not an error). Holding the
 * request until the sandbox runs would need the proxy started later with
 * the body kept meanwhile; a resume takes well under a second. */
static int reply_waking(struct http_conn *c, int rc, const char *err)
{
	static const char page[] =
		"<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
		"content=\"1\"><title>Resuming the sandbox…</title>"
		"<p>The sandbox was paused; it is resuming. This page reloads by itself.</p>\n";
	static const char json[] =
		"{\"detail\":\"the sandbox was paused; it is resuming: try again in a moment\"}";
	char accept[256] = "";

	if (rc < 0)
		return http_reply_error(c, 429, "%s", err);
	lws_hdr_copy(c->wsi, accept, sizeof(accept), WSI_TOKEN_HTTP_ACCEPT);
	if (strstr(accept, "text/html"))
		return http_reply_headers(c, 503, "text/html; charset=utf-8",
					  "Retry-After: 1\r\nCache-Control: no-store\r\n", page,
					  sizeof(page) - 1);
	return http_reply_headers(c, 503, "application/json", "Retry-After: 1\r\n", json,
				  sizeof(json) - 1);
}

/* ------------------------------------------- the key handed to a cookie */

/* A GET with a valid ?session_api_key=: 303 to the same place without it,
 * setting the cookie on this host (no Domain: a sub-domain's cookie is
 * its own, and the app behind it never sees it, see srv_sbx_target). 1 when
 * answered so, 0 otherwise. *rc gets what on_request returns. */
static int hand_key(struct http_conn *c, int *rc)
{
	const char *rest = c->nparams > 2 ? c->params[2] : "", *last = strrchr(rest, '/');
	char key[512], proto[8], id[HB_SANDBOX_ID_LEN + 1];
	int port, sub = sub_host(c, &port, id, NULL, 0) == 1;
	struct buf h;

	if (!srv.api_keys[0] || (c->method != HTTP_GET && c->method != HTTP_HEAD) ||
	    http_query(c, SERVER_KEY_QUERY, key, sizeof(key)) <= 0 || !http_key_is_valid(key))
		return 0;
	last = last ? last + 1 : rest;
	buf_init(&h, HTTP_HEADER_DATA_MAX * 3 + 1024);
	/* relative, so that it holds under any prefix and on any host */
	*rc = buf_printf(&h, "Location: %s", *last ? "" : "./");
	if (!*rc)
		*rc = proxy_append_encoded(&h, last, 0);
	if (!*rc)
		*rc = proxy_append_query(c, &h, SERVER_KEY_QUERY);
	if (!*rc)
		*rc = buf_printf(&h, "\r\nSet-Cookie: %s=%s; Path=%s/; Max-Age=%d; HttpOnly; "
				 "SameSite=Lax%s\r\nCache-Control: no-store\r\n"
				 "Referrer-Policy: no-referrer\r\n", SERVER_COOKIE, key,
				 sub ? "" : srv.base_path, SERVER_COOKIE_MAX_AGE,
				 srv.tls || (http_header(c, "x-forwarded-proto:", proto,
							 sizeof(proto)) > 0 &&
					     !strcasecmp(proto, "https")) ? "; Secure" : "");
	if (*rc)
		*rc = http_reply_error(c, 500, "out of memory") ? -1 : 0;
	else if ((*rc = http_begin_stream(c, 303, "text/plain", 0, h.data)) == 0)
		*rc = http_write_body(c, NULL, 0, 1) ? -1 : 0;
	else
		*rc = -1;
	buf_free(&h);
	return 1;
}

/* ---------------------------------------------------------------- HTTP */

static int ports_open(struct http_conn *c)
{
	struct srv_sbx_target a;
	char err[512];
	int port, timeout_s, rc;

	c->close_after_reply = 1;
	if (proxy_parse_port(c->params[1], &port, err, sizeof(err)) ||
	    proxy_timeout_header(c, &timeout_s, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	if (hand_key(c, &rc))
		return rc;
	if ((rc = wake_conv(c->params[0], err, sizeof(err))))
		return reply_waking(c, rc, err) ? -1 : 0;
	if ((rc = ports_target(&a, c, port, timeout_s, err, sizeof(err))))
		return srv_reply_fail(c, rc, err) ? -1 : 0;
	return proxy_http_start(c, &a.t);
}

const struct http_stream_ops route_ports_http_ops = {
	.on_request = ports_open,
	.on_body = proxy_http_body,
	.on_writeable = proxy_http_writeable,
	.on_close = proxy_http_close,
};

static int ports_slash(struct http_conn *c)
{
	char err[128];
	int port;

	if (proxy_parse_port(c->params[1], &port, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	return proxy_reply_slash(c, port);
}

const struct http_stream_ops route_ports_slash_ops = {
	.on_request = ports_slash,
};

/* ----------------------------------------------------------- WebSocket */

static int ports_upgrade(struct http_conn *c)
{
	struct srv_sbx_target a;
	int port, timeout_s;

	/* refused here: lws's handshake goes on and ports_ws_open says why */
	if (proxy_parse_port(c->params[1], &port, NULL, 0) ||
	    proxy_timeout_header(c, &timeout_s, NULL, 0) ||
	    wake_conv(c->params[0], NULL, 0) ||
	    ports_target(&a, c, port, timeout_s, NULL, 0))
		return 0;
	return proxy_tunnel_start(c, &a.t);
}

/* Reached only when the upgrade was not tunnelled. */
static int ports_ws_open(struct http_conn *c)
{
	struct srv_sbx_target a;
	int port, rc;

	if (proxy_parse_port(c->params[1], &port, NULL, 0))
		http_ws_close(c, 1008, "the port must be an integer from 1 to 65535");
	else if ((rc = ports_target(&a, c, port, PROXY_TIMEOUT_S, NULL, 0)) == HB_ENOENT)
		http_ws_close(c, SERVER_CLOSE_UNKNOWN, "no such sandbox on this server");
	else if (rc)
		http_ws_close(c, 1013, "the sandbox is not running (a conversation's sandbox is "
			      "resuming: connect again in a moment)");
	else
		http_ws_close(c, 1008, "the port proxy needs the key in the handshake: the "
			      "X-Session-API-Key header, ?session_api_key= or the cookie");
	return 0;
}

const struct http_stream_ops route_ports_ws_ops = {
	.on_request = ports_ws_open,
	.on_upgrade = ports_upgrade,
};

/* ------------------------------------------------ a link for the browser */

/* Where on the sub-domain ?to= asks for: a path from "/" (not "//", which
 * would be another host) with its query, already percent-encoded, so it
 * goes into the Location as it is; only URL characters pass. */
static int open_target(struct http_conn *c, char *to, size_t tolen)
{
	static const char url_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789-._~:/?[]@!$&'()*+,;=%";
	int n = http_query(c, "to", to, tolen);

	if (n <= 0) {
		snprintf(to, tolen, "/");
		return 0;
	}
	if (to[0] != '/' || to[1] == '/' || strspn(to, url_chars) != (size_t)n)
		return http_reply_error(c, 422, "to \"%.200s\": expected a path on the port's "
					"sub-domain, from \"/\", percent-encoded (e.g. "
					"/vnc.html?autoconnect=1)", to) ? -1 : 1;
	return 0;
}

/* GET /api/sandboxes/{id}/open/{port}[?to=PATH]: 303 to the port's
 * sub-domain (at PATH, with its query: VS Code's token, noVNC's
 * arguments), with the key for its cookie when the server has one. */
int route_ports_open_link(struct http_conn *c, json_t *body)
{
	char scheme[8], suffix[256], err[128], to[2048];
	struct buf h;
	int port, rc;

	(void)body;
	if (proxy_parse_port(c->params[1], &port, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	if (strlen(c->params[0]) != HB_SANDBOX_ID_LEN ||
	    strspn(c->params[0], "0123456789abcdef") != HB_SANDBOX_ID_LEN)
		return http_reply_error(c, 404, "no sandbox \"%.64s\" on this server", c->params[0]);
	if ((rc = open_target(c, to, sizeof(to))))
		return rc < 0 ? -1 : 0;
	srv_sub_base(c, scheme, sizeof(scheme), suffix, sizeof(suffix));
	buf_init(&h, 8192);
	rc = buf_printf(&h, "Location: %s://%d-%s.%s%s", scheme, port, c->params[0], suffix, to);
	if (!rc && srv.api_keys[0])
		rc = buf_printf(&h, "%c%s=", strchr(to, '?') ? '&' : '?', SERVER_KEY_QUERY);
	if (!rc && srv.api_keys[0])
		rc = proxy_append_encoded(&h, srv.api_keys[0], 1);
	if (!rc)
		rc = buf_printf(&h, "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n");
	rc = rc ? http_reply_error(c, 500, "out of memory") :
	     http_reply_headers(c, 303, "text/plain", h.data, "", 0);
	buf_free(&h);
	return rc;
}
