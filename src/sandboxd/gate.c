/* gate.c — the token gate in front of VS Code and the desktop; see gate.h.
 * The relaying is src/net/proxy.c's, as for the port proxy: the service
 * sees its own loopback address as Host and Origin (code-server refuses a
 * WebSocket whose Origin is not its Host), and the token, query or
 * cookie, stays here. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "net/http.h"
#include "net/proxy.h"
#include "sandboxd/gate.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/services.h"

struct gate {
	unsigned group;
	int port;                 /* the one sandboxd listens on */
	int upstream;             /* the service's, on loopback */
	const char *title;        /* in sentences */
	const char *api;          /* "vscode": GET /api/vscode/url */
	struct lws_vhost *vhost;
};

static struct gate gates[] = {
	{ SERVICES_VSCODE, GATE_VSCODE_PORT, SERVICES_VSCODE_PORT, "VS Code", "vscode", NULL },
	{ SERVICES_DESKTOP, GATE_DESKTOP_PORT, SERVICES_NOVNC_PORT, "The desktop", "desktop", NULL },
};

#define NGATES (sizeof(gates) / sizeof(gates[0]))

static char token[GATE_TOKEN_BYTES * 2 + 1];
/* One cookie name per sandbox: cookies do not tell ports apart, so two
 * sandboxes opened on 127.0.0.1 would overwrite each other's under one
 * name. */
static char cookie_name[32];

static void hex(char *out, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

int gate_init(void)
{
	unsigned char r[GATE_TOKEN_BYTES + 4];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n <= 0)
			return HB_EIO;
		got += (size_t)n;
	}
	hex(token, r, GATE_TOKEN_BYTES);
	strcpy(cookie_name, "handbox_tkn_");
	hex(cookie_name + strlen(cookie_name), r + GATE_TOKEN_BYTES, 4);
	return 0;
}

void gate_attach(unsigned group, struct lws_vhost *vhost)
{
	unsigned i;

	for (i = 0; i < NGATES; i++)
		if (gates[i].group == group)
			gates[i].vhost = vhost;
}

static struct gate *gate_of(struct http_conn *c)
{
	struct lws_vhost *v = lws_get_vhost(c->wsi);
	unsigned i;

	for (i = 0; i < NGATES; i++)
		if (gates[i].vhost && gates[i].vhost == v)
			return &gates[i];
	return NULL;
}

int gate_host_route(struct http_conn *c, const char *path, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	if (!gate_of(c))
		return 0;
	if ((size_t)snprintf(out, outlen, "%s%s", GATE_ROUTE_PREFIX, path) >= outlen) {
		hb_fail(err, errlen, HB_EINVAL, "path longer than %zu bytes", outlen - 1);
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------------ the token */

static int is_token(const char *given)
{
	size_t i, n = strlen(token), glen = strlen(given);
	unsigned diff = (unsigned)(glen ^ n) | !n;

	/* constant time: as long whatever the given one matches */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < glen ? given[i] : 0);
	return !diff;
}

enum { DENIED, BY_COOKIE, BY_QUERY };

/* A token in the query decides (a stale link is refused even with a good
 * cookie: it says which token is wrong); else the cookie. */
static int token_state(struct http_conn *c)
{
	char v[128];

	if (http_query(c, GATE_QUERY, v, sizeof(v)) >= 0)
		return is_token(v) ? BY_QUERY : DENIED;
	if (http_cookie(c, cookie_name, v, sizeof(v)) >= 0 && is_token(v))
		return BY_COOKIE;
	return DENIED;
}

static int reply_denied(struct http_conn *c, const struct gate *g)
{
	return http_reply_error(c, 403, "%s of this sandbox needs its token: open the URL "
				"that GET /api/%s/url gives (it carries ?%s=…); this request had "
				"none, a wrong one, or a cookie from before the sandbox restarted",
				g->title, g->api, GATE_QUERY);
}

/* The token came in the link: keep it as a cookie, and show the browser
 * the same address without it (out of the address bar, the history and
 * the service's sight). The Location is relative ("?rest"), so it holds
 * behind any proxy prefix; the cookie has no Path, so it is scoped to the
 * directory it was set from (the prefix, behind serve's port proxy). */
static int reply_cookie(struct http_conn *c)
{
	struct buf loc, head;
	int rc;

	buf_init(&loc, HTTP_HEADER_DATA_MAX);
	buf_init(&head, 2 * HTTP_HEADER_DATA_MAX);
	rc = proxy_append_query(c, &loc, GATE_QUERY);
	if (!rc)
		rc = buf_printf(&head, "Location: %s\r\nSet-Cookie: %s=%s; HttpOnly; SameSite=Lax\r\n"
				"Cache-Control: no-store\r\n",
				loc.len ? loc.data : "?", cookie_name, token);
	rc = rc ? http_reply_error(c, 414, "the query is too long") :
		  http_reply_headers(c, 303, "text/plain", head.data, "", 0);
	buf_free(&loc);
	buf_free(&head);
	return rc;
}

/* Not answering yet: asked for now, and the page asks again in a second.
 * A service given up on says so instead (no refresh: it would restart it
 * in a loop). */
static int reply_not_ready(struct http_conn *c, const struct gate *g)
{
	char page[512];
	int n;

	services_want(g->group, 0);
	if (services_failed(g->group))
		return http_reply_error(c, 503, "%s failed to start: GET /api/handbox/services says "
					"why, /api/handbox/services/{name}/log has its output, and "
					"GET /api/%s/url starts it again", g->title, g->api);
	n = snprintf(page, sizeof(page),
		     "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=1>"
		     "<title>Starting</title><p>%s is starting; this page reloads by itself.</p>\n",
		     g->title);
	return http_reply_headers(c, 503, "text/html; charset=utf-8",
				  "Retry-After: 1\r\nCache-Control: no-store\r\n", page, (size_t)n);
}

/* ------------------------------------------------------------ relaying */

struct upstream {
	struct proxy_target t;
	char host[32];
	char origin[48];
	char name[64];
	char refused[160];
};

static void upstream(struct upstream *u, struct http_conn *c, const struct gate *g)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->host, sizeof(u->host), "127.0.0.1:%d", g->upstream);
	snprintf(u->origin, sizeof(u->origin), "http://127.0.0.1:%d", g->upstream);
	snprintf(u->name, sizeof(u->name), "%s on 127.0.0.1:%d", g->title, g->upstream);
	snprintf(u->refused, sizeof(u->refused), "%s does not answer on 127.0.0.1:%d "
		 "(GET /api/handbox/services says why)", g->title, g->upstream);
	u->t.ip = "127.0.0.1";
	u->t.port = g->upstream;
	u->t.prefix = "";
	u->t.path = c->nparams ? c->params[0] : "";
	u->t.skip_query = GATE_QUERY;
	u->t.skip_cookie = cookie_name;
	u->t.host = u->host;
	u->t.origin = u->origin;
	u->t.name = u->name;
	u->t.refused = u->refused;
}

static int http_open(struct http_conn *c)
{
	struct gate *g = gate_of(c);
	struct upstream u;
	int how;

	c->close_after_reply = 1;
	if (!g)
		return http_reply_error(c, 404, "Not Found") ? -1 : 0;
	how = token_state(c);
	if (how == DENIED)
		return reply_denied(c, g) ? -1 : 0;
	if (how == BY_QUERY && (c->method == HTTP_GET || c->method == HTTP_HEAD))
		return reply_cookie(c) ? -1 : 0;
	if (!services_ready(g->group))
		return reply_not_ready(c, g) ? -1 : 0;
	upstream(&u, c, g);
	return proxy_http_start(c, &u.t);
}

const struct http_stream_ops gate_http_ops = {
	.on_request = http_open,
	.on_body = proxy_http_body,
	.on_writeable = proxy_http_writeable,
	.on_close = proxy_http_close,
};

/* A WebSocket from a browser page must come from the address the browser
 * used for this port: the Origin's host is the Host, or the
 * X-Forwarded-Host a proxy in front set (a browser's WebSocket cannot
 * set that header). Else a page of another port of the same host (an app
 * the agent published on 127.0.0.1, same site for the cookie) could ride
 * the user's cookie. No Origin: not a browser. */
static int origin_ok(struct http_conn *c)
{
	char origin[256], host[256];
	const char *o;

	if (lws_hdr_copy(c->wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 1;
	o = strstr(origin, "://");
	o = o ? o + 3 : origin;
	if (lws_hdr_copy(c->wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0 &&
	    !strcasecmp(o, host))
		return 1;
	return http_header(c, "x-forwarded-host:", host, sizeof(host)) > 0 &&
	       !strcasecmp(o, host);
}

static int ws_upgrade(struct http_conn *c)
{
	struct gate *g = gate_of(c);
	struct upstream u;

	/* refused or not ready: lws's handshake goes on and ws_open says why */
	if (!g || token_state(c) == DENIED || !origin_ok(c) || !services_ready(g->group))
		return 0;
	upstream(&u, c, g);
	return proxy_tunnel_start(c, &u.t);
}

static int ws_open(struct http_conn *c)
{
	struct gate *g = gate_of(c);

	if (!g || token_state(c) == DENIED) {
		http_ws_close(c, 1008, "this needs the sandbox's token (?tkn= or its cookie)");
		return 0;
	}
	if (!origin_ok(c)) {
		http_ws_close(c, 1008, "a page of another address may not open this WebSocket");
		return 0;
	}
	services_want(g->group, 0);
	http_ws_close(c, 1013, services_failed(g->group) ? "the service failed to start" :
		      "the service is starting: try again in a second");
	return 0;
}

const struct http_stream_ops gate_ws_ops = {
	.on_request = ws_open,
	.on_upgrade = ws_upgrade,
};

/* ------------------------------------------------------------ the URLs */

/* Whether a URL can be handed out: the image has the group, and its
 * listener and token are up (the port may have been taken, or the token
 * not made). */
static int gate_listens(unsigned group)
{
	unsigned i;

	for (i = 0; i < NGATES; i++)
		if (gates[i].group == group)
			return gates[i].vhost && *token && (services_present() & group);
	return 0;
}

/* base_url without its final "/", or dflt. */
static void base_url(struct http_conn *c, const char *dflt, char *out, size_t outlen)
{
	size_t n;

	if (http_query(c, "base_url", out, outlen) < 0 || !*out)
		snprintf(out, outlen, "%s", dflt);
	n = strlen(out);
	while (n && out[n - 1] == '/')
		out[--n] = '\0';
}

static int reply_url(struct http_conn *c, struct buf *url, int rc)
{
	json_t *j = rc ? NULL : json_pack("{s:s%}", "url", url->data, url->len);

	buf_free(url);
	if (rc)
		return http_reply_error(c, 500, "out of memory");
	return http_reply_json(c, 200, j);
}

int gate_vscode_url_route(struct http_conn *c, json_t *body)
{
	char base[4096], dir[4096];
	struct buf url;
	int rc;

	if (!gate_listens(SERVICES_VSCODE))
		return http_reply_json(c, 200, json_pack("{s:n}", "url"));
	services_want(SERVICES_VSCODE, 1);
	base_url(c, "http://localhost:8001", base, sizeof(base));
	if (http_query(c, "workspace_dir", dir, sizeof(dir)) < 0 || !*dir)
		snprintf(dir, sizeof(dir), "%s", sandboxd_cfg.workdir);
	buf_init(&url, 0);
	rc = buf_printf(&url, "%s/?%s=%s&folder=", base, GATE_QUERY, token);
	if (!rc)
		rc = proxy_append_encoded(&url, dir, 1);
	return reply_url(c, &url, rc);
}

/* noVNC opens its WebSocket at "/" + its path setting ("websockify"),
 * from the root of the host: behind a proxy prefix it must be told the
 * prefix, or it would knock at the proxy's root. */
int gate_desktop_url_route(struct http_conn *c, json_t *body)
{
	char base[4096];
	const char *p;
	struct buf url;
	int rc;

	if (!gate_listens(SERVICES_DESKTOP))
		return http_reply_json(c, 200, json_pack("{s:n}", "url"));
	services_want(SERVICES_DESKTOP, 1);
	base_url(c, "http://localhost:8002", base, sizeof(base));
	buf_init(&url, 0);
	rc = buf_printf(&url, "%s/vnc.html?autoconnect=1&resize=remote", base);
	p = strstr(base, "://");
	p = strchr(p ? p + 3 : base, '/');
	if (!rc && p && p[1]) {
		rc = buf_printf(&url, "&path=");
		if (!rc)
			rc = proxy_append_encoded(&url, p + 1, 1);
		if (!rc)
			rc = buf_printf(&url, "/websockify");
	}
	if (!rc)
		rc = buf_printf(&url, "&%s=%s", GATE_QUERY, token);
	return reply_url(c, &url, rc);
}
