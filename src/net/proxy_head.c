/* proxy_head.c — the request head a proxied request carries upstream; see
 * proxy_relay.h. lws hands out the path and the query decoded and cannot
 * list the headers it does not know by name, so the head is rebuilt:
 * target re-encoded, known headers by token, a fixed list of common
 * custom ones by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "net/http.h"
#include "net/proxy_relay.h"
#include "net/tls_front.h"

int proxy_append_query(struct http_conn *c, struct buf *b, const char *skip_query)
{
	static char frag[HTTP_HEADER_DATA_MAX];
	size_t skiplen = skip_query ? strlen(skip_query) : 0;
	int i, n, rc = 0, first = 1;
	char *eq;

	for (i = 0; !rc; i++) {
		n = lws_hdr_copy_fragment(c->wsi, frag, sizeof(frag),
					  WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		eq = strchr(frag, '=');
		if (!n || (skip_query && !strncmp(frag, skip_query, skiplen) &&
			   (frag[skiplen] == '=' || !frag[skiplen])))
			continue;
		if (eq)
			*eq = '\0';
		rc = buf_append(b, first ? "?" : "&", 1);
		if (!rc)
			rc = proxy_append_encoded(b, frag, 1);
		if (!rc && eq)
			rc = buf_append(b, "=", 1);
		if (!rc && eq)
			rc = proxy_append_encoded(b, eq + 1, 1);
		first = 0;
	}
	return rc;
}

int proxy_append_target(struct http_conn *c, struct buf *b, const char *path,
			const char *skip_query)
{
	int rc = buf_append(b, "/", 1);

	if (!rc)
		rc = proxy_append_encoded(b, path, 0);
	return rc ? rc : proxy_append_query(c, b, skip_query);
}

/* Request headers lws parses into tokens; the rest (hop-by-hop headers,
 * Host, Connection, Upgrade, the WebSocket handshake's) stay behind.
 * body: about a request body, which an upgrade request has none of. */
static const struct {
	enum lws_token_indexes tok;
	const char *name;
	int body;
} fwd_tokens[] = {
	{ WSI_TOKEN_HTTP_ACCEPT, "Accept", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_CHARSET, "Accept-Charset", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_ENCODING, "Accept-Encoding", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_LANGUAGE, "Accept-Language", 0 },
	{ WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, "Access-Control-Request-Headers", 0 },
	{ WSI_TOKEN_HTTP_AUTHORIZATION, "Authorization", 0 },
	{ WSI_TOKEN_HTTP_CACHE_CONTROL, "Cache-Control", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_ENCODING, "Content-Encoding", 1 },
	{ WSI_TOKEN_HTTP_CONTENT_LANGUAGE, "Content-Language", 1 },
	{ WSI_TOKEN_HTTP_CONTENT_LENGTH, "Content-Length", 1 },
	{ WSI_TOKEN_HTTP_CONTENT_RANGE, "Content-Range", 1 },
	{ WSI_TOKEN_HTTP_CONTENT_TYPE, "Content-Type", 1 },
	{ WSI_TOKEN_HTTP_COOKIE, "Cookie", 0 },
	{ WSI_TOKEN_HTTP_DATE, "Date", 0 },
	{ WSI_TOKEN_HTTP_EXPECT, "Expect", 1 },
	{ WSI_TOKEN_HTTP_FROM, "From", 0 },
	{ WSI_TOKEN_HTTP_IF_MATCH, "If-Match", 0 },
	{ WSI_TOKEN_HTTP_IF_MODIFIED_SINCE, "If-Modified-Since", 0 },
	{ WSI_TOKEN_HTTP_IF_NONE_MATCH, "If-None-Match", 0 },
	{ WSI_TOKEN_HTTP_IF_RANGE, "If-Range", 0 },
	{ WSI_TOKEN_HTTP_IF_UNMODIFIED_SINCE, "If-Unmodified-Since", 0 },
	{ WSI_TOKEN_HTTP_PRAGMA, "Pragma", 0 },
	{ WSI_TOKEN_HTTP_RANGE, "Range", 0 },
	{ WSI_TOKEN_HTTP_REFERER, "Referer", 0 },
	/* lws 4.1 does not decode a chunked request body: it arrives (and
	 * leaves) still chunked, so the header goes along with it */
	{ WSI_TOKEN_HTTP_TRANSFER_ENCODING, "Transfer-Encoding", 1 },
	{ WSI_TOKEN_HTTP_USER_AGENT, "User-Agent", 0 },
	{ WSI_TOKEN_HTTP_X_REAL_IP, "X-Real-IP", 0 },
	{ WSI_TOKEN_X_AUTH_TOKEN, "X-Auth-Token", 0 },
};

/* The WebSocket handshake's own headers, passed untouched so that the
 * app answers the client's key, subprotocols and extensions itself. */
static const struct {
	enum lws_token_indexes tok;
	const char *name;
} ws_tokens[] = {
	{ WSI_TOKEN_KEY, "Sec-WebSocket-Key" },
	{ WSI_TOKEN_VERSION, "Sec-WebSocket-Version" },
	{ WSI_TOKEN_PROTOCOL, "Sec-WebSocket-Protocol" },
	{ WSI_TOKEN_EXTENSIONS, "Sec-WebSocket-Extensions" },
};

/* lws 4.1 cannot list the headers it does not know, only look one up by
 * name: these are the ones web apps and their frameworks commonly send.
 * No key header is here: a proxy's own key stays with it. */
static const char *const fwd_custom[] = {
	"Access-Control-Request-Method", "DNT", "Priority",
	"Upgrade-Insecure-Requests", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
	"Sec-Fetch-Site", "Sec-Fetch-User", "Sec-CH-UA", "Sec-CH-UA-Mobile",
	"Sec-CH-UA-Platform", "Sec-Purpose", "Purpose", "Traceparent",
	"Tracestate", "Baggage", "X-Requested-With", "X-CSRF-Token",
	"X-CSRFToken", "X-XSRF-Token", "X-XSRFToken", "X-API-Key",
	"X-Request-ID", "X-Correlation-ID", "X-HTTP-Method-Override",
	"X-Forwarded-Port", "X-Forwarded-Prefix", "RSC",
	"Next-Router-State-Tree", "Next-Router-Prefetch",
	"Next-Router-Segment-Prefetch", "Next-Url", "Next-Action",
	"HX-Request", "HX-Trigger", "HX-Trigger-Name", "HX-Target",
	"HX-Current-URL", "HX-Boosted", "HX-Prompt",
	"HX-History-Restore-Request", "X-Inertia", "X-Inertia-Version",
	"X-Inertia-Partial-Data", "X-Inertia-Partial-Component",
};

static char hval[HTTP_HEADER_DATA_MAX + 1];

/* A custom header by its display name ("X-Foo"), looked up as lws stores
 * it ("x-foo:"). Returns its length or -1. */
static int custom_header(struct http_conn *c, const char *name)
{
	char key[64];
	size_t i, n = strlen(name);

	if (n + 2 > sizeof(key))
		return -1;
	for (i = 0; i < n; i++)
		key[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ?
				name[i] + ('a' - 'A') : name[i]);
	key[n] = ':';
	key[n + 1] = '\0';
	return http_header(c, key, hval, sizeof(hval));
}

static int append_forwarded(struct http_conn *c, struct buf *b)
{
	char peer[64] = "";
	/* behind the TLS front the socket is a socketpair's: the front knows
	 * the client, and that it came over https */
	int tls = !tls_front_peer(lws_get_socket_fd(c->wsi), peer, sizeof(peer));
	int rc;

	if (!tls)
		lws_get_peer_simple(c->wsi, peer, sizeof(peer));
	if (lws_hdr_copy(c->wsi, hval, sizeof(hval), WSI_TOKEN_X_FORWARDED_FOR) > 0)
		rc = buf_printf(b, "X-Forwarded-For: %s, %s\r\n", hval, peer);
	else
		rc = buf_printf(b, "X-Forwarded-For: %s\r\n", peer);
	if (!rc && (custom_header(c, "X-Forwarded-Host") > 0 ||
		    lws_hdr_copy(c->wsi, hval, sizeof(hval), WSI_TOKEN_HOST) > 0))
		rc = buf_printf(b, "X-Forwarded-Host: %s\r\n", hval);
	if (!rc)
		rc = buf_printf(b, "X-Forwarded-Proto: %s\r\n",
				custom_header(c, "X-Forwarded-Proto") > 0 ? hval : tls ? "https" : "http");
	return rc;
}

/* One header lws knows by token, unless t keeps it here: the proxy's own
 * session cookie and key stay with the proxy. */
static int append_token(struct buf *b, const struct proxy_target *t,
			enum lws_token_indexes tok, const char *name)
{
	size_t before;
	int rc;

	if (tok == WSI_TOKEN_HTTP_AUTHORIZATION && t->skip_authorization)
		return 0;
	if (tok != WSI_TOKEN_HTTP_COOKIE || !t->skip_cookie)
		return buf_printf(b, "%s: %s\r\n", name, hval);
	before = b->len;
	rc = buf_printf(b, "%s: ", name);
	if (!rc)
		rc = proxy_append_cookies(b, hval, t->skip_cookie);
	if (!rc && b->len == before + strlen(name) + 2)
		b->len = before; /* no other cookie: no header */
	else if (!rc)
		rc = buf_append(b, "\r\n", 2);
	return rc;
}

static int append_client_headers(struct http_conn *c, const struct proxy_target *t,
				 struct buf *b, int upgrade)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < sizeof(fwd_tokens) / sizeof(fwd_tokens[0]); i++)
		if ((!upgrade || !fwd_tokens[i].body) &&
		    lws_hdr_copy(c->wsi, hval, sizeof(hval), fwd_tokens[i].tok) > 0)
			rc = append_token(b, t, fwd_tokens[i].tok, fwd_tokens[i].name);
	for (i = 0; !rc && i < sizeof(fwd_custom) / sizeof(fwd_custom[0]); i++)
		if (custom_header(c, fwd_custom[i]) >= 0)
			rc = buf_printf(b, "%s: %s\r\n", fwd_custom[i], hval);
	for (i = 0; !rc && upgrade && i < sizeof(ws_tokens) / sizeof(ws_tokens[0]); i++)
		if (lws_hdr_copy(c->wsi, hval, sizeof(hval), ws_tokens[i].tok) > 0)
			rc = buf_printf(b, "%s: %s\r\n", ws_tokens[i].name, hval);
	if (!rc)
		rc = append_forwarded(c, b);
	return rc;
}

const char *proxy_method_name(int method)
{
	switch (method) {
	case HTTP_GET: return "GET";
	case HTTP_POST: return "POST";
	case HTTP_PUT: return "PUT";
	case HTTP_DELETE: return "DELETE";
	case HTTP_PATCH: return "PATCH";
	case HTTP_HEAD: return "HEAD";
	case HTTP_OPTIONS: return "OPTIONS";
	default: return NULL;
	}
}

int proxy_build_head(struct http_conn *c, const struct proxy_target *t,
		     int upgrade, struct buf *b)
{
	const char *method = upgrade ? "GET" : proxy_method_name(c->method);
	int rc;

	rc = buf_printf(b, "%s %s", method ? method : "GET", t->prefix ? t->prefix : "");
	if (!rc)
		rc = proxy_append_target(c, b, t->path ? t->path : "", t->skip_query);
	if (!rc)
		rc = buf_printf(b, " HTTP/1.1\r\nHost: %s\r\n", t->host);
	if (!rc && lws_hdr_total_length(c->wsi, WSI_TOKEN_ORIGIN) > 0) {
		if (t->origin)
			rc = buf_printf(b, "Origin: %s\r\n", t->origin);
		else if (lws_hdr_copy(c->wsi, hval, sizeof(hval), WSI_TOKEN_ORIGIN) > 0)
			rc = buf_printf(b, "Origin: %s\r\n", hval);
	}
	if (!rc)
		rc = append_client_headers(c, t, b, upgrade);
	if (!rc && t->extra_headers)
		rc = buf_printf(b, "%s", t->extra_headers);
	if (!rc)
		rc = buf_printf(b, upgrade ? "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n" :
				"Connection: close\r\n\r\n");
	return rc;
}

int proxy_timeout_header(struct http_conn *c, int *timeout_s, char *err,
			 size_t errlen)
{
	char v[32], *end;
	long n;

	*timeout_s = PROXY_TIMEOUT_S;
	if (http_header(c, "x-handbox-proxy-timeout:", v, sizeof(v)) < 0)
		return 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > PROXY_TIMEOUT_MAX_S)
		return hb_fail(err, errlen, HB_EINVAL,
			       "header X-Handbox-Proxy-Timeout: \"%s\": expected whole seconds from 1 to %d",
			       v, PROXY_TIMEOUT_MAX_S);
	*timeout_s = (int)n;
	return 0;
}
