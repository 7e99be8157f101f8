/* http.c — libwebsockets callbacks turned into routed handlers; see http.h.
 *
 * Replies are assembled in full (status line, headers, body) in c->out and
 * sent from the WRITEABLE callback, so the common small JSON answer leaves in
 * one write: that single write is most of sandboxd's exec round-trip time. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "common/utf8.h"
#include "net/http.h"

#define WRITE_CHUNK (128u << 10)
#define WS_AUTH_WINDOW_US (10 * 1000000LL)
/* Until a WebSocket has shown its key it may send one small auth frame:
 * a client without the key must not make us hold megabytes. */
#define WS_AUTH_FRAME_LIMIT 4096

static struct http_config server_cfg;
/* cfg->key_header as libwebsockets looks custom headers up: "name:" */
static char key_header_lws[64];

int http_server_init(const struct http_config *cfg)
{
	size_t i, n;

	if (!cfg->routes || !cfg->key_header || !cfg->key_query ||
	    !cfg->waiting_max || cfg->header_pool < cfg->waiting_max ||
	    cfg->header_secs <= 0 || cfg->keepalive_secs <= 0)
		return HB_EINVAL;
	n = strlen(cfg->key_header);
	if (!n || n + 2 > sizeof(key_header_lws))
		return HB_EINVAL;
	for (i = 0; i < n; i++)
		key_header_lws[i] = (char)tolower((unsigned char)cfg->key_header[i]);
	key_header_lws[n] = ':';
	key_header_lws[n + 1] = '\0';
	server_cfg = *cfg;
	return 0;
}

void http_server_lws_info(struct lws_context_creation_info *info)
{
	info->max_http_header_data = HTTP_HEADER_DATA_MAX;
	info->max_http_header_pool = server_cfg.header_pool;
	/* lws holds a header table from the connection's start (or a
	 * keep-alive request's first byte) until the headers are in; this is
	 * how long it lets a connection hold one */
	info->timeout_secs_ah_idle = (unsigned short)server_cfg.header_secs;
	info->keepalive_timeout = server_cfg.keepalive_secs;
}

size_t http_write_max(void)
{
	return WRITE_CHUNK;
}

/* ---------------------------------------------------------------- routing */

int http_route_match(const char *pattern, const char *path, char *store,
		size_t storelen, char **params, int *nparams)
{
	const char *p = pattern, *s = path;
	size_t used = 0, seglen;
	int n = 0;

	while (*p) {
		if (!strcmp(p, "{**}")) {
			seglen = strlen(s);
		} else if (!strncmp(p, "{}", 2)) {
			seglen = strcspn(s, "/");
			if (!seglen)
				return 0;
		} else {
			if (*p != *s)
				return 0;
			p++;
			s++;
			continue;
		}
		if (n == HTTP_MAX_PARAMS || used + seglen + 1 > storelen)
			return 0;
		memcpy(store + used, s, seglen);
		store[used + seglen] = '\0';
		params[n++] = store + used;
		used += seglen + 1;
		s += seglen;
		p += strncmp(p, "{**}", 4) ? 2 : 4;
	}
	if (*s)
		return 0;
	*nparams = n;
	return 1;
}

/* Finds the route for path; *path_known is set when some route has the path
 * but another method (405 rather than 404). */
static const struct route *route_find(struct http_conn *c, int want_ws,
				      int *path_known)
{
	const struct route *r;

	*path_known = 0;
	for (r = server_cfg.routes; r && r->pattern; r++) {
		if (!http_route_match(r->pattern, c->path, c->param_store,
				 sizeof(c->param_store), c->params, &c->nparams))
			continue;
		if (!!(r->flags & ROUTE_WS) != want_ws) {
			*path_known = 1;
			continue;
		}
		/* a HEAD is answered as its GET, without the body
		 * (http_reply_headers); not for streamed answers, whose
		 * handlers would produce the body for nothing */
		if (r->method != HTTP_ANY && r->method != c->method &&
		    !(r->method == HTTP_GET && c->method == HTTP_HEAD && r->json)) {
			*path_known = 1;
			continue;
		}
		return r;
	}
	return NULL;
}

static enum http_method method_of(struct lws *wsi)
{
	char *uri;
	int len;

	switch (lws_http_get_uri_and_method(wsi, &uri, &len)) {
	case LWSHUMETH_GET: return HTTP_GET;
	case LWSHUMETH_POST: return HTTP_POST;
	case LWSHUMETH_PUT: return HTTP_PUT;
	case LWSHUMETH_DELETE: return HTTP_DELETE;
	case LWSHUMETH_PATCH: return HTTP_PATCH;
	case LWSHUMETH_HEAD: return HTTP_HEAD;
	case LWSHUMETH_OPTIONS: return HTTP_OPTIONS;
	default: return HTTP_ANY;
	}
}

/* ------------------------------------------------- waiting connections
 *
 * A connection that is not being served costs a descriptor, memory and,
 * while request bytes arrive, one of lws's header tables (16 KiB each). A
 * client with no key could otherwise open thousands and send nothing, or
 * a header byte a second: lws hands free tables to connections oldest
 * first, so a real client's request would queue behind all of them for
 * as long as their timeouts run (0 of 10 /health answered under 2,000
 * idle connections before this).
 *
 * So every such connection is kept in one list in the order it started
 * waiting, at most waiting_max of them; one more closes the one that has
 * waited longest, at once (not the polite shutdown that lingers). A real
 * client sends its request right after connecting and leaves the list as
 * soon as it shows a valid key (or needs none). Clients that reconnect as
 * soon as they are closed could still push it out before its first bytes
 * are read, so none is closed in its first waiting_grace_ms: while the
 * oldest is that young, the newcomer is closed instead. A connection
 * serving a request for a valid key is not in the list: long commands and
 * uploads are never cut for a flood. Those without a key (open routes,
 * WebSockets before their first frame) stay until their request is whole.
 *
 * The node is the wsi's opaque user data: it exists from accept, before
 * lws gives the connection its per-protocol struct http_conn. */
struct waiter {
	struct lws *wsi;
	struct waiter *prev, *next; /* self when not waiting */
	int64_t since_us;           /* when it started waiting */
};

static struct waiter waiting = { NULL, &waiting, &waiting, 0 };
static unsigned waiting_count;

static void waiter_unlink(struct waiter *w)
{
	if (w->next == w)
		return;
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->prev = w->next = w;
	waiting_count--;
}

/* The connection stops waiting: a request for a valid key has started. */
static void waiting_leave(struct lws *wsi)
{
	struct waiter *w = lws_get_opaque_user_data(wsi);

	if (w)
		waiter_unlink(w);
}

/* The connection (re)starts waiting, at the list's end; the longest
 * waiting one is closed when the list is full. Returns -1, and the caller
 * drops this connection, when the list is full of connections still in
 * their grace time, or when no node can be allocated. */
static int waiting_enter(struct lws *wsi)
{
	struct waiter *w = lws_get_opaque_user_data(wsi), *old;

	if (!w) {
		w = malloc(sizeof(*w));
		if (!w)
			return -1;
		w->wsi = wsi;
		w->prev = w->next = w;
		lws_set_opaque_user_data(wsi, w);
	}
	waiter_unlink(w);
	w->since_us = clock_mono_us();
	while (waiting_count >= server_cfg.waiting_max) {
		old = waiting.next;
		if (w->since_us - old->since_us < (int64_t)server_cfg.waiting_grace_ms * 1000)
			return -1;
		waiter_unlink(old);
		lws_set_timeout(old->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	w->prev = waiting.prev;
	w->next = &waiting;
	waiting.prev->next = w;
	waiting.prev = w;
	waiting_count++;
	return 0;
}

static void waiter_free(struct lws *wsi)
{
	struct waiter *w = lws_get_opaque_user_data(wsi);

	if (!w)
		return;
	waiter_unlink(w);
	lws_set_opaque_user_data(wsi, NULL);
	free(w);
}

/* ------------------------------------------------------------ request data */

/* Finds name=value among NUL-separated fragments. */
static int query_in(const char *frags, size_t len, const char *name, char *out,
		    size_t outlen)
{
	size_t klen = strlen(name), flen, vlen;
	const char *f;

	for (f = frags; f < frags + len; f += flen + 1) {
		flen = strlen(f);
		if (flen <= klen || f[klen] != '=' || strncmp(f, name, klen))
			continue;
		vlen = flen - klen - 1;
		if (vlen + 1 > outlen)
			return -1;
		memcpy(out, f + klen + 1, vlen + 1);
		return (int)vlen;
	}
	return -1;
}

int http_query(struct http_conn *c, const char *name, char *out, size_t outlen)
{
	static char frag[HTTP_HEADER_DATA_MAX];
	int i, n;

	if (c->is_ws)
		return c->ws_query.data ?
			query_in(c->ws_query.data, c->ws_query.len, name, out, outlen) : -1;
	/* walk the decoded "name=value" fragments ourselves so that a value
	 * too long for out reads as an error, not as a silently cut value */
	for (i = 0; lws_hdr_fragment_length(c->wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		n = lws_hdr_copy_fragment(c->wsi, frag, sizeof(frag),
					  WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n >= 0 && (n = query_in(frag, (size_t)n, name, out, outlen)) >= 0)
			return n;
	}
	return -1;
}

int http_header(struct http_conn *c, const char *name, char *out, size_t outlen)
{
	int n = lws_hdr_custom_copy(c->wsi, out, (int)outlen, name,
				    (int)strlen(name));

	return n < 0 ? -1 : n;
}

int http_query_int(struct http_conn *c, const char *name, long long min,
		   long long max, long long *value, char *err, size_t errlen)
{
	char v[32], *end;
	long long n;

	if (http_query(c, name, v, sizeof(v)) < 0)
		return 1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		return hb_fail(err, errlen, HB_EINVAL,
			       "query parameter %s: \"%s\": expected an integer from %lld to %lld",
			       name, v, min, max);
	*value = n;
	return 0;
}

/* Constant-time comparison against each configured key. */
int http_key_is_valid(const char *given)
{
	size_t i, glen = strlen(given), klen;
	char **k;
	int ok = 0;
	unsigned diff;

	for (k = server_cfg.api_keys; k && *k; k++) {
		klen = strlen(*k);
		diff = (unsigned)(glen ^ klen);
		for (i = 0; i < klen; i++)
			diff |= (unsigned char)(*k)[i] ^ (unsigned char)(i < glen ? given[i] : 0);
		ok |= !diff;
	}
	return ok;
}

static int auth_required(void)
{
	return server_cfg.api_keys && server_cfg.api_keys[0];
}

int http_cookie(struct http_conn *c, const char *name, char *out, size_t outlen)
{
	static char all[HTTP_HEADER_DATA_MAX];
	size_t nlen = strlen(name), vlen;
	const char *p, *v;

	if (lws_hdr_copy(c->wsi, all, sizeof(all), WSI_TOKEN_HTTP_COOKIE) <= 0)
		return -1;
	/* "a=1; b=2": lws joins repeated Cookie headers with "; " too */
	for (p = all; *p; p += strcspn(p, ";"), p += *p == ';') {
		p += strspn(p, " \t");
		if (strncmp(p, name, nlen) || p[nlen] != '=')
			continue;
		v = p + nlen + 1;
		vlen = strcspn(v, ";");
		if (vlen + 1 > outlen)
			return -1;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return (int)vlen;
	}
	return -1;
}

/* 1 = a valid key came with the request, 0 = none came, -1 = a wrong one.
 * The header is asked first, then Bearer, the cookie, the query. */
static int request_key_state(struct http_conn *c, int allow_query)
{
	char key[512];
	int wrong = 0;

	if (http_header(c, key_header_lws, key, sizeof(key)) >= 0)
		return http_key_is_valid(key) ? 1 : -1;
	if (server_cfg.key_bearer &&
	    lws_hdr_copy(c->wsi, key, sizeof(key), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
	    !strncasecmp(key, "Bearer ", 7)) {
		if (http_key_is_valid(key + 7))
			return 1;
		wrong = 1;
	}
	if (server_cfg.key_cookie &&
	    http_cookie(c, server_cfg.key_cookie, key, sizeof(key)) >= 0) {
		/* a stale cookie is no answer: a WebSocket may still show its
		 * key in the query or its first frame */
		if (http_key_is_valid(key))
			return 1;
	}
	if (allow_query && http_query(c, server_cfg.key_query, key, sizeof(key)) >= 0)
		return http_key_is_valid(key) ? 1 : -1;
	return wrong ? -1 : 0;
}

int http_request_authed(struct http_conn *c)
{
	return !auth_required() || request_key_state(c, 0) == 1;
}

/* ----------------------------------------------------------------- replies */

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

static int queue_head(struct http_conn *c, int status, const char *ctype,
		      int64_t len, const char *extra)
{
	int rc;

	buf_reset(&c->out);
	c->out_off = 0;
	rc = buf_printf(&c->out, "HTTP/1.1 %d %s\r\n", status, status_text(status));
	if (!rc && ctype)
		rc = buf_printf(&c->out, "Content-Type: %s\r\n", ctype);
	/* a 304's Content-Length would describe the 200's body: none */
	if (!rc && len >= 0 && status != 304)
		rc = buf_printf(&c->out, "Content-Length: %lld\r\n", (long long)len);
	if (!rc && (len < 0 || c->close_after_reply))
		rc = buf_printf(&c->out, "Connection: close\r\n");
	if (!rc && extra)
		rc = buf_printf(&c->out, "%s", extra);
	if (!rc)
		rc = buf_append(&c->out, "\r\n", 2);
	if (len < 0)
		c->close_after_reply = 1;
	return rc;
}

int http_reply(struct http_conn *c, int status, const char *content_type,
	       const char *body, size_t len)
{
	return http_reply_headers(c, status, content_type, NULL, body, len);
}

int http_reply_headers(struct http_conn *c, int status, const char *content_type,
		       const char *extra_headers, const char *body, size_t len)
{
	int rc;

	if (!c->wsi || c->replying)
		return HB_EINVAL;
	rc = queue_head(c, status, content_type, (int64_t)len, extra_headers);
	/* a HEAD gets the headers of the GET, Content-Length included */
	if (!rc && c->method != HTTP_HEAD && status != 304)
		rc = buf_append(&c->out, body, len);
	c->replying = 1;
	lws_callback_on_writable(c->wsi);
	return rc;
}

int http_reply_json(struct http_conn *c, int status, json_t *j)
{
	char *s;
	int rc;

	if (!j)
		return http_reply_error(c, 500, "out of memory");
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	if (!s)
		return http_reply_error(c, 500, "out of memory");
	rc = http_reply(c, status, "application/json", s, strlen(s));
	free(s);
	return rc;
}

int http_reply_error(struct http_conn *c, int status, const char *fmt, ...)
{
	char msg[1024];
	struct buf clean;
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* messages quote the client's input, which need not be UTF-8 and may
	 * have been cut inside a character */
	buf_init(&clean, 0);
	if (utf8_append_sanitized(&clean, msg, strlen(msg)))
		j = NULL;
	else
		j = json_pack("{s:s%}", "detail", clean.data ? clean.data : "", clean.len);
	buf_free(&clean);
	if (!j)
		return http_reply(c, status, "application/json", "{}", 2);
	return http_reply_json(c, status, j);
}

void http_defer(struct http_conn *c, void *state,
		void (*on_gone)(struct http_conn *c))
{
	c->state = state;
	c->on_finish = on_gone;
}

void *http_take(struct http_conn *c)
{
	void *state = c->state;

	c->state = NULL;
	c->on_finish = NULL;
	return state;
}

int http_begin_stream(struct http_conn *c, int status,
		      const char *content_type, int64_t content_length,
		      const char *extra_headers)
{
	int rc = queue_head(c, status, content_type, content_length,
			    extra_headers);

	lws_callback_on_writable(c->wsi);
	return rc;
}

void http_want_write(struct http_conn *c)
{
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

/* Writes from c->out; returns 1 when it is empty, 0 when more remains. */
static int flush_out(struct http_conn *c, int *err)
{
	static unsigned char scratch[LWS_PRE + WRITE_CHUNK];
	size_t n = c->out.len - c->out_off;

	*err = 0;
	if (!n)
		return 1;
	if (n > WRITE_CHUNK)
		n = WRITE_CHUNK;
	memcpy(scratch + LWS_PRE, c->out.data + c->out_off, n);
	if (lws_write(c->wsi, scratch + LWS_PRE, n, LWS_WRITE_HTTP) < (int)n) {
		*err = 1;
		return 0;
	}
	c->out_off += n;
	if (c->out_off < c->out.len)
		return 0;
	buf_reset(&c->out);
	c->out_off = 0;
	return 1;
}

int http_write_body(struct http_conn *c, const char *data, size_t len,
		    int final)
{
	static unsigned char scratch[LWS_PRE + WRITE_CHUNK];

	if (len > WRITE_CHUNK)
		return -1;
	if (len) {
		memcpy(scratch + LWS_PRE, data, len);
		if (lws_write(c->wsi, scratch + LWS_PRE, len, LWS_WRITE_HTTP) < (int)len)
			return -1;
	}
	if (final)
		c->replying = 1;
	else
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* ------------------------------------------------------------ WebSockets */

static int ws_enqueue(struct http_conn *c, const char *data, size_t len,
		      int binary)
{
	int rc;

	if (c->ws_close_code || !c->wsi)
		return HB_EINVAL;
	rc = ws_queue_push(&c->ws_out, data, len, binary);
	if (!rc)
		lws_callback_on_writable(c->wsi);
	return rc;
}

int http_ws_send_text(struct http_conn *c, const char *data, size_t len)
{
	return ws_enqueue(c, data, len, 0);
}

int http_ws_send_binary(struct http_conn *c, const char *data, size_t len)
{
	return ws_enqueue(c, data, len, 1);
}

int http_ws_send_json(struct http_conn *c, json_t *j)
{
	char *s;
	int rc;

	if (!j)
		return HB_ENOMEM;
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	if (!s)
		return HB_ENOMEM;
	rc = ws_enqueue(c, s, strlen(s), 0);
	free(s);
	return rc;
}

size_t http_ws_room(const struct http_conn *c)
{
	size_t queued = ws_queue_bytes(&c->ws_out);

	return queued >= WS_QUEUE_LIMIT ? 0 : WS_QUEUE_LIMIT - queued;
}

void http_ws_close(struct http_conn *c, int code, const char *reason)
{
	if (c->ws_close_code)
		return;
	c->ws_close_code = code;
	c->ws_close_reason = reason;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

/* Sends one fragment of the queue; once it has drained, the close frame if
 * one is due, else the handler may queue more. */
static int ws_writeable(struct http_conn *c)
{
	if (!ws_queue_empty(&c->ws_out)) {
		if (ws_queue_write_one(&c->ws_out, c->wsi))
			return -1;
		if (!ws_queue_empty(&c->ws_out) || c->ws_close_code) {
			lws_callback_on_writable(c->wsi);
			return 0;
		}
	}
	if (c->ws_close_code) {
		lws_close_reason(c->wsi, (enum lws_close_status)c->ws_close_code,
				 (unsigned char *)(c->ws_close_reason ? c->ws_close_reason : ""),
				 c->ws_close_reason ? strlen(c->ws_close_reason) : 0);
		return -1;
	}
	if (c->route && c->route->stream && c->route->stream->on_writeable && c->ws_authed)
		return c->route->stream->on_writeable(c);
	return 0;
}

/* -------------------------------------------------------- connection life */

/* Ends the current request: the handler frees its state. The struct may be
 * reused by the next keep-alive request. */
static void conn_finish(struct http_conn *c)
{
	if (c->route && c->route->stream && c->route->stream->on_close)
		c->route->stream->on_close(c);
	if (c->on_finish)
		c->on_finish(c);
	buf_free(&c->body);
	buf_free(&c->out);
	buf_free(&c->ws_query);
	ws_queue_free(&c->ws_out);
	memset(c, 0, sizeof(*c));
}

static int dispatch_json(struct http_conn *c)
{
	json_t *body = NULL;
	json_error_t jerr;
	int rc;

	if (c->body.len) {
		body = json_loadb(c->body.data, c->body.len, 0, &jerr);
		if (!body)
			return http_reply_error(c, 422, "request body is not valid JSON: %s (line %d, column %d)",
						jerr.text, jerr.line, jerr.column) ? -1 : 0;
	}
	rc = c->route->json(c, body);
	json_decref(body);
	return rc;
}

static int request_has_body(struct lws *wsi)
{
	char v[32];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		return 1;
	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		return strtoull(v, NULL, 10) > 0;
	return 0;
}

static long long request_content_length(struct lws *wsi)
{
	char v[32];

	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		return strtoll(v, NULL, 10);
	return -1;
}

/* A client that sent "Expect: 100-continue" (curl does, past 1 MiB) waits
 * for this before sending the body; lws does not send it by itself. */
static int send_continue(struct http_conn *c)
{
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	unsigned char msg[LWS_PRE + sizeof(interim)];
	char v[32];

	if (lws_hdr_copy(c->wsi, v, sizeof(v), WSI_TOKEN_HTTP_EXPECT) <= 0 ||
	    strcasecmp(v, "100-continue"))
		return 0;
	memcpy(msg + LWS_PRE, interim, sizeof(interim) - 1);
	return lws_write(c->wsi, msg + LWS_PRE, sizeof(interim) - 1,
			 LWS_WRITE_HTTP) < (int)sizeof(interim) - 1 ? -1 : 0;
}

/* While a body is due, a client that stops sending is dropped after this
 * long without a byte; once it is in, a deferred answer (a long command)
 * may take as long as it needs. */
#define BODY_STALL_SECS 60

static void watch_body(struct lws *wsi, int body_due)
{
	if (body_due)
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_STALL_SECS);
	else
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
}

/* Copies the path a request is routed as into c->path: what host_route
 * makes of its Host, else path without the base path. Returns 0, -1 when
 * too long, -2 when host_route refused the Host (the sentence in err). */
static int set_path(struct http_conn *c, const char *path, char *err, size_t errlen)
{
	const char *base = server_cfg.base_path;
	size_t blen = base ? strlen(base) : 0;
	int rc = server_cfg.host_route ?
		 server_cfg.host_route(c, path, c->path, sizeof(c->path), err, errlen) : 0;

	if (rc)
		return rc < 0 ? -2 : 0;
	if (blen && !strncmp(path, base, blen) && (path[blen] == '/' || !path[blen]))
		path = path[blen] ? path + blen : "/";
	if (strlen(path) >= sizeof(c->path))
		return -1;
	strcpy(c->path, path);
	return 0;
}

static int on_http(struct http_conn *c, struct lws *wsi, const char *path)
{
	char err[256];
	int known, rc;

	conn_finish(c);
	c->wsi = wsi;
	c->method = method_of(wsi);
	if ((rc = set_path(c, path, err, sizeof(err)))) {
		c->close_after_reply = 1;
		if (rc == -2)
			return http_reply_error(c, 422, "%s", err) ? -1 : 0;
		return http_reply_error(c, 414, "path longer than %zu bytes", sizeof(c->path) - 1) ? -1 : 0;
	}
	buf_init(&c->body, HTTP_JSON_BODY_LIMIT);
	buf_init(&c->out, 0);
	/* a client with the key is served however long it takes; one without
	 * waits (and may be pushed out) until its body is in, if it sends one
	 * (else it is answered at once) */
	if (!auth_required() || request_key_state(c, 0) == 1 || !request_has_body(wsi))
		waiting_leave(wsi);
	c->route = route_find(c, 0, &known);
	if (!c->route) {
		/* the body is not read: it must not be taken for the next request */
		if (request_has_body(wsi))
			c->close_after_reply = 1;
		if (known)
			return http_reply_error(c, 405, "Method Not Allowed") ? -1 : 0;
		return http_reply_error(c, 404, "Not Found") ? -1 : 0;
	}
	if (!(c->route->flags & ROUTE_OPEN) && auth_required() &&
	    request_key_state(c, !!(c->route->flags & ROUTE_KEY_QUERY)) != 1) {
		c->route = NULL;
		if (request_has_body(wsi))
			c->close_after_reply = 1;
		return http_reply_error(c, 401, "Unauthorized") ? -1 : 0;
	}
	watch_body(wsi, request_has_body(wsi));
	c->body_ended = !request_has_body(wsi);
	if (c->route->stream) {
		if (c->route->stream->on_request && c->route->stream->on_request(c))
			return -1;
		if (c->body_ended)
			return c->route->stream->on_body_end ?
				c->route->stream->on_body_end(c) : 0;
		return c->replying ? 0 : send_continue(c);
	}
	if (request_content_length(wsi) > (long long)HTTP_JSON_BODY_LIMIT) {
		c->close_after_reply = 1;
		c->route = NULL;
		return http_reply_error(c, 413, "request body of %lld bytes is over the %u-byte limit",
					request_content_length(wsi), HTTP_JSON_BODY_LIMIT) ? -1 : 0;
	}
	if (!request_has_body(wsi))
		return dispatch_json(c);
	return send_continue(c);
}

static int on_http_body(struct http_conn *c, const char *data, size_t len)
{
	watch_body(c->wsi, 1);
	if (c->replying || !c->route)
		return 0; /* an error answer is on its way: discard the rest */
	if (c->route->stream)
		return c->route->stream->on_body ?
			c->route->stream->on_body(c, data, len) : 0;
	if (buf_append(&c->body, data, len)) {
		c->close_after_reply = 1;
		buf_free(&c->body);
		return http_reply_error(c, 413, "request body is over the %u-byte limit",
					HTTP_JSON_BODY_LIMIT) ? -1 : 0;
	}
	return 0;
}

static int on_http_body_end(struct http_conn *c)
{
	waiting_leave(c->wsi);
	watch_body(c->wsi, 0);
	if (c->replying || !c->route || c->body_ended)
		return 0;
	c->body_ended = 1;
	if (c->route->stream)
		return c->route->stream->on_body_end ?
			c->route->stream->on_body_end(c) : 0;
	return dispatch_json(c);
}

static int on_http_writeable(struct http_conn *c)
{
	struct lws *wsi = c->wsi;
	int err;

	if (c->out.len) {
		if (!flush_out(c, &err)) {
			if (err)
				return -1;
			lws_callback_on_writable(c->wsi);
			return 0;
		}
	}
	if (!c->replying) {
		if (c->route && c->route->stream && c->route->stream->on_writeable)
			return c->route->stream->on_writeable(c);
		return 0;
	}
	/* the whole answer has left */
	if (c->close_after_reply)
		return -1;
	/* this ends the request: c is cleared (conn_finish) */
	if (lws_http_transaction_completed(wsi))
		return -1;
	return waiting_enter(wsi);
}

/* -------------------------------------------------------------- WebSocket */

/* lws drops the handshake's headers once the socket is established, but
 * handlers that start after first-frame auth still read the query: keep its
 * decoded "name=value" fragments, NUL-separated, in c->ws_query. */
static int ws_keep_query(struct http_conn *c)
{
	static char frag[HTTP_HEADER_DATA_MAX];
	int i, n;

	buf_init(&c->ws_query, HTTP_HEADER_DATA_MAX);
	for (i = 0; lws_hdr_fragment_length(c->wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		n = lws_hdr_copy_fragment(c->wsi, frag, sizeof(frag),
					  WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n >= 0 && buf_append(&c->ws_query, frag, (size_t)n + 1))
			return -1;
	}
	return 0;
}

static int ws_authenticated(struct http_conn *c)
{
	waiting_leave(c->wsi);
	c->ws_authed = 1;
	buf_free(&c->body);
	buf_init(&c->body, HTTP_JSON_BODY_LIMIT);
	if (c->route->stream->on_request)
		return c->route->stream->on_request(c);
	return 0;
}

static int on_ws_established(struct http_conn *c, struct lws *wsi)
{
	char uri[2048], err[256];
	int known, n, keystate, rc;

	conn_finish(c);
	c->wsi = wsi;
	c->is_ws = 1;
	ws_queue_init(&c->ws_out, WS_QUEUE_LIMIT);
	c->method = HTTP_GET;
	n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	if (n <= 0 || (rc = set_path(c, uri, err, sizeof(err))) == -1)
		return -1;
	if (ws_keep_query(c))
		return -1;
	if (rc) {
		http_ws_close(c, 1008, "a sub-domain of the port proxy is {port}-{sandbox id}: "
			      "this Host is not one");
		return 0;
	}
	c->route = route_find(c, 1, &known);
	if (!c->route) {
		http_ws_close(c, server_cfg.ws_close_no_route, "no such WebSocket endpoint");
		return 0;
	}
	/* an open WebSocket route checks what it needs itself */
	keystate = auth_required() && !(c->route->flags & ROUTE_OPEN) ?
		   request_key_state(c, 1) : 1;
	if (keystate < 0) {
		http_ws_close(c, server_cfg.ws_close_auth, "Authentication failed");
		return 0;
	}
	if (keystate == 0) {
		/* first-frame auth: {"type":"auth", key_query: KEY} */
		buf_init(&c->body, WS_AUTH_FRAME_LIMIT);
		lws_set_timer_usecs(wsi, WS_AUTH_WINDOW_US);
		return 0;
	}
	return ws_authenticated(c);
}

static int ws_check_auth_frame(struct http_conn *c)
{
	json_t *j = json_loadb(c->body.data, c->body.len, 0, NULL);
	const char *type = NULL, *key = NULL;
	int ok;

	json_unpack(j, "{s?s, s?s}", "type", &type, server_cfg.key_query, &key);
	ok = j && type && key && !strcmp(type, "auth") && http_key_is_valid(key);
	json_decref(j);
	if (!ok) {
		http_ws_close(c, server_cfg.ws_close_auth, "Authentication failed");
		return 0;
	}
	lws_set_timer_usecs(c->wsi, LWS_SET_TIMER_USEC_CANCEL);
	return ws_authenticated(c);
}

/* Keeps the peer's close code and reason for the handler's on_close. */
static void ws_note_peer_close(struct http_conn *c, const unsigned char *in,
			       size_t len)
{
	size_t n = len > 2 ? len - 2 : 0;

	c->ws_peer_close_code = len >= 2 ? (in[0] << 8) | in[1] :
		LWS_CLOSE_STATUS_NO_STATUS;
	if (n >= sizeof(c->ws_peer_close_reason))
		n = sizeof(c->ws_peer_close_reason) - 1;
	if (n)
		memcpy(c->ws_peer_close_reason, in + 2, n);
	c->ws_peer_close_reason[n] = '\0';
}

static int on_ws_receive(struct http_conn *c, struct lws *wsi, const char *in,
			 size_t len)
{
	int rc;

	if (c->ws_close_code || !c->route)
		return 0;
	if (buf_append(&c->body, in, len)) {
		http_ws_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
		return 0;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (!c->ws_authed) {
		rc = ws_check_auth_frame(c);
		buf_reset(&c->body);
		return rc;
	}
	rc = c->route->stream->on_ws_message ?
		c->route->stream->on_ws_message(c, c->body.data, c->body.len,
						lws_frame_is_binary(wsi)) : 0;
	buf_reset(&c->body);
	return rc;
}

/* ----------------------------------------------------- upgrade takeover */

int http_take_socket(struct http_conn *c)
{
	int fd = lws_get_socket_fd(c->wsi), keep, sp[2], e;

	if (lws_is_ssl(c->wsi)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	keep = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (keep < 0)
		return -1;
	/* lws shuts down and closes its descriptor when it drops the
	 * connection: put a dead socket under that number, so that neither
	 * reaches the client's */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
		e = errno;
		close(keep);
		errno = e;
		return -1;
	}
	if (dup3(sp[0], fd, O_CLOEXEC) < 0) {
		e = errno;
		close(sp[0]);
		close(sp[1]);
		close(keep);
		errno = e;
		return -1;
	}
	close(sp[0]);
	close(sp[1]);
	fcntl(keep, F_SETFL, fcntl(keep, F_GETFL) | O_NONBLOCK);
	return keep;
}

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: a WebSocket route whose handler takes
 * upgrades gets the request before lws answers it. lws may not have
 * allocated the connection's struct yet, so a scratch one serves (the
 * loop is single-threaded). Returns 0 (lws goes on) or -1 (lws drops its
 * connection: taken, or refused). */
static int on_upgrade(struct lws *wsi, const char *what)
{
	static struct http_conn scratch;
	struct http_conn *c = &scratch;
	char uri[sizeof(c->path)], err[256];
	int known, rc = 0;

	if (!what || strcasecmp(what, "websocket"))
		return 0;
	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	c->method = HTTP_GET;
	/* routed as on_ws_established will (the base path, the Host) */
	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
	    set_path(c, uri, err, sizeof(err)))
		return 0;
	c->route = route_find(c, 1, &known);
	if (c->route && c->route->stream && c->route->stream->on_upgrade &&
	    (!auth_required() || (c->route->flags & ROUTE_OPEN) ||
	     request_key_state(c, 1) == 1)) {
		waiting_leave(wsi);
		rc = c->route->stream->on_upgrade(c);
	}
	memset(c, 0, sizeof(*c));
	return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- the lws
 * callback: one protocol serves every HTTP route and every WebSocket. */

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct http_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		return waiting_enter(wsi);
	case LWS_CALLBACK_WSI_DESTROY:
		/* lws tells protocols[0] of every wsi's end, the raw descriptors
		 * and client sockets of other protocols included */
		if (lws_get_protocol(wsi) && lws_get_protocol(wsi)->callback == http_callback)
			waiter_free(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return on_upgrade(wsi, in);
	case LWS_CALLBACK_HTTP:
		return on_http(c, wsi, in);
	case LWS_CALLBACK_HTTP_BODY:
		return on_http_body(c, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return on_http_body_end(c);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? on_http_writeable(c) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c && !c->is_ws)
			conn_finish(c);
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		return on_ws_established(c, wsi);
	case LWS_CALLBACK_RECEIVE:
		return on_ws_receive(c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return ws_writeable(c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		ws_note_peer_close(c, in, len);
		return 0;
	case LWS_CALLBACK_TIMER:
		if (c && c->is_ws && !c->ws_authed)
			http_ws_close(c, server_cfg.ws_close_auth, "Authentication failed");
		return 0;
	case LWS_CALLBACK_CLOSED:
		conn_finish(c);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols http_protocol =
	{ "http", http_callback, sizeof(struct http_conn), 64 * 1024, 0, NULL, 0 };
