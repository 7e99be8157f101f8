/* proxy.c — the HTTP side of the port proxy; see proxy.h.
 *
 * The upstream connection is a plain socket to 127.0.0.1:port, connected
 * here (no name lookup: the binary is static and NSS-free) and adopted into
 * the lws loop as a raw socket. The request goes up as a rebuilt head plus
 * the body as it streams in; the answer comes back as the app's raw bytes
 * (status line, headers, body), written to the client unchanged. Upstream
 * is asked for "Connection: close", so its EOF ends the answer and the
 * client connection is closed after it.
 *
 * Memory per request is bounded by RELAY_LIMIT in each direction: the
 * reading side is paused (lws rx flow control) at RELAY_HIGH and resumed
 * under RELAY_LOW, so a slow reader slows the writer instead of filling
 * memory. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "sandboxd/proxy.h"

#define RELAY_HIGH (256u << 10)
#define RELAY_LOW (64u << 10)
/* one more read of lws's service buffer always fits after the pause */
#define RELAY_LIMIT (1u << 20)
#define UP_SEND_MAX (256u << 10)
#define ANSWER_TIMEOUT_S 60
#define ANSWER_TIMEOUT_MAX_S 86400
#define TIMEOUT_HEADER "x-handbox-proxy-timeout:"

struct proxy_http {
	struct http_conn *conn;  /* NULL once the client has gone */
	struct lws *up;          /* NULL until adopted and once closed */
	int port;
	int timeout_s;
	int connected;           /* upstream connect() has completed */
	int answered;            /* upstream bytes came, or an error went out */
	int up_write_dead;       /* the app stopped reading the request */
	int up_rx_paused;
	int client_rx_paused;
	struct buf to_up;        /* request head and body not yet sent */
	struct buf to_client;    /* answer bytes not yet written */
	lws_sorted_usec_list_t answer_sul;
};

/* ----------------------------------------------------- URL and headers */

int proxy_parse_port(const char *s, int *port, char *err, size_t errlen)
{
	size_t n = strspn(s, "0123456789");
	long v;

	v = (n && n <= 5 && !s[n]) ? strtol(s, NULL, 10) : 0;
	if (v < 1 || v > 65535)
		return hb_fail(err, errlen, HB_EINVAL,
			       "port \"%.32s\": expected an integer from 1 to 65535", s);
	*port = (int)v;
	return 0;
}

static int keep_char(unsigned char ch, int query)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	if (!ch)
		return 0;
	return strchr(query ? "-._~!$'()*,/:@?" : "-._~!$&'()*+,;=:@/", ch) != NULL;
}

int proxy_append_encoded(struct buf *b, const char *s, int query)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char esc[3];
	size_t run;
	int rc;

	while (*p) {
		for (run = 0; keep_char(p[run], query); run++)
			;
		if (run) {
			rc = buf_append(b, p, run);
			p += run;
		} else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			rc = buf_append(b, esc, 3);
			p++;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* lws hands out the path and the query URL-decoded ("a%20b" is "a b",
 * "+" in the query is a space), so both are encoded again here. */
int proxy_append_target(struct http_conn *c, struct buf *b,
			const char *skip_arg)
{
	static char frag[HTTP_HEADER_DATA_MAX];
	size_t skiplen = skip_arg ? strlen(skip_arg) : 0;
	const char *rest = c->nparams > 1 ? c->params[1] : "";
	int i, n, rc, first = 1;
	char *eq;

	rc = buf_append(b, "/", 1);
	if (!rc)
		rc = proxy_append_encoded(b, rest, 0);
	for (i = 0; !rc; i++) {
		n = lws_hdr_copy_fragment(c->wsi, frag, sizeof(frag),
					  WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		eq = strchr(frag, '=');
		if (!n || (skip_arg && !strncmp(frag, skip_arg, skiplen) &&
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

/* Request headers lws parses into tokens; the rest (hop-by-hop headers,
 * Host, Connection, Upgrade, WebSocket handshake headers) stay behind. ws:
 * also sent with a WebSocket handshake. */
static const struct {
	enum lws_token_indexes tok;
	const char *name;
	int ws;
} fwd_tokens[] = {
	{ WSI_TOKEN_HTTP_ACCEPT, "Accept", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_CHARSET, "Accept-Charset", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_ENCODING, "Accept-Encoding", 0 },
	{ WSI_TOKEN_HTTP_ACCEPT_LANGUAGE, "Accept-Language", 1 },
	{ WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, "Access-Control-Request-Headers", 0 },
	{ WSI_TOKEN_HTTP_AUTHORIZATION, "Authorization", 1 },
	{ WSI_TOKEN_HTTP_CACHE_CONTROL, "Cache-Control", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_ENCODING, "Content-Encoding", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_LANGUAGE, "Content-Language", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_LENGTH, "Content-Length", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_RANGE, "Content-Range", 0 },
	{ WSI_TOKEN_HTTP_CONTENT_TYPE, "Content-Type", 0 },
	{ WSI_TOKEN_HTTP_COOKIE, "Cookie", 1 },
	{ WSI_TOKEN_HTTP_DATE, "Date", 0 },
	{ WSI_TOKEN_HTTP_EXPECT, "Expect", 0 },
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
	{ WSI_TOKEN_HTTP_TRANSFER_ENCODING, "Transfer-Encoding", 0 },
	{ WSI_TOKEN_HTTP_USER_AGENT, "User-Agent", 1 },
	{ WSI_TOKEN_HTTP_X_REAL_IP, "X-Real-IP", 1 },
	{ WSI_TOKEN_X_AUTH_TOKEN, "X-Auth-Token", 1 },
};

/* lws 4.1 cannot list the headers it does not know, only look one up by
 * name: these are the ones web apps and their frameworks commonly send.
 * X-Session-API-Key is deliberately absent: sandboxd's key stays here. */
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
	int rc;

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
				custom_header(c, "X-Forwarded-Proto") > 0 ? hval : "http");
	return rc;
}

int proxy_append_headers(struct http_conn *c, struct buf *b, int ws)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < sizeof(fwd_tokens) / sizeof(fwd_tokens[0]); i++)
		if ((!ws || fwd_tokens[i].ws) &&
		    lws_hdr_copy(c->wsi, hval, sizeof(hval), fwd_tokens[i].tok) > 0)
			rc = buf_printf(b, "%s: %s\r\n", fwd_tokens[i].name, hval);
	for (i = 0; !rc && !ws && i < sizeof(fwd_custom) / sizeof(fwd_custom[0]); i++)
		if (custom_header(c, fwd_custom[i]) >= 0)
			rc = buf_printf(b, "%s: %s\r\n", fwd_custom[i], hval);
	if (!rc)
		rc = append_forwarded(c, b);
	return rc;
}

static const char *method_name(enum http_method m)
{
	switch (m) {
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

/* The request head for upstream. Host and Origin name the app's own
 * address: dev servers refuse other Hosts (DNS-rebinding guards), and apps
 * that compare Origin with Host (Jupyter, CSRF checks) would refuse the
 * proxied browser otherwise. */
static int build_head(struct http_conn *c, int port, struct buf *b)
{
	int rc;

	rc = buf_printf(b, "%s ", method_name(c->method));
	/* the session key stays here, in whichever place the client put it */
	if (!rc)
		rc = proxy_append_target(c, b, SANDBOXD_KEY_QUERY);
	if (!rc)
		rc = buf_printf(b, " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", port);
	if (!rc && lws_hdr_total_length(c->wsi, WSI_TOKEN_ORIGIN) > 0)
		rc = buf_printf(b, "Origin: http://127.0.0.1:%d\r\n", port);
	if (!rc)
		rc = proxy_append_headers(c, b, 0);
	if (!rc)
		rc = buf_printf(b, "Connection: close\r\n\r\n");
	return rc;
}

/* ------------------------------------------------------ the relay state */

static void relay_free(struct proxy_http *p)
{
	lws_sul_cancel(&p->answer_sul);
	buf_free(&p->to_up);
	buf_free(&p->to_client);
	free(p);
}

static void up_kill(struct proxy_http *p)
{
	if (p->up)
		lws_set_timeout(p->up, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void client_rx(struct proxy_http *p, int on)
{
	proxy_rx_flow(p->conn ? p->conn->wsi : NULL, &p->client_rx_paused, on);
}

static void up_rx(struct proxy_http *p, int on)
{
	proxy_rx_flow(p->up, &p->up_rx_paused, on);
}

/* The first error answer wins; later ones (a timeout racing a close) are
 * dropped. */
static void answer_error(struct proxy_http *p, int status, const char *msg)
{
	if (p->answered || !p->conn)
		return;
	p->answered = 1;
	http_reply_error(p->conn, status, "%s", msg);
}

static void on_answer_timeout(lws_sorted_usec_list_t *sul)
{
	struct proxy_http *p = lws_container_of(sul, struct proxy_http, answer_sul);
	char msg[128];

	snprintf(msg, sizeof(msg), "the app on 127.0.0.1:%d did not answer within %d s",
		 p->port, p->timeout_s);
	answer_error(p, 504, msg);
	up_kill(p);
}

/* ------------------------------------------------- upstream (raw socket) */

static int up_writeable(struct proxy_http *p)
{
	int fd = lws_get_socket_fd(p->up), soerr = 0;
	socklen_t sl = sizeof(soerr);
	ssize_t n;

	if (!p->connected) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr)
			return -1;
		p->connected = 1;
	}
	if (p->up_write_dead || !p->to_up.len)
		return 0;
	n = send(fd, p->to_up.data, p->to_up.len < UP_SEND_MAX ? p->to_up.len : UP_SEND_MAX,
		 MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		/* the app closed its reading side: its answer may still come,
		 * the rest of the body has nowhere to go */
		p->up_write_dead = 1;
		buf_free(&p->to_up);
		client_rx(p, 1);
		return 0;
	}
	if (n > 0)
		buf_consume(&p->to_up, (size_t)n);
	if (p->to_up.len)
		lws_callback_on_writable(p->up);
	if (p->to_up.len < RELAY_LOW)
		client_rx(p, 1);
	return 0;
}

static int up_received(struct proxy_http *p, const char *data, size_t len)
{
	if (!p->conn)
		return -1;
	if (!p->answered) {
		p->answered = 1;
		lws_sul_cancel(&p->answer_sul);
	}
	if (buf_append(&p->to_client, data, len))
		return -1;
	if (p->to_client.len >= RELAY_HIGH)
		up_rx(p, 0);
	http_want_write(p->conn);
	return 0;
}

static void up_closed(struct proxy_http *p)
{
	char msg[128];

	p->up = NULL;
	p->up_rx_paused = 0;
	lws_sul_cancel(&p->answer_sul);
	if (!p->conn) {
		relay_free(p);
		return;
	}
	if (!p->answered) {
		if (!p->connected)
			snprintf(msg, sizeof(msg), "nothing listens on 127.0.0.1:%d inside the sandbox",
				 p->port);
		else
			snprintf(msg, sizeof(msg), "the app on 127.0.0.1:%d closed the connection without answering",
				 p->port);
		answer_error(p, 502, msg);
		return;
	}
	http_want_write(p->conn); /* flush what is left, then end */
}

/* Raw-socket reasons come here; the rest belongs to the WebSocket
 * clients. A callback for a wsi that is not (or no longer) the relay's
 * upstream is one that lws issues while adoption is still failing. */
static int proxy_callback(struct lws *wsi, enum lws_callback_reasons reason,
			  void *user, void *in, size_t len)
{
	struct proxy_http *p;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX:
		p = lws_get_opaque_user_data(wsi);
		return p && p->up == wsi ? up_received(p, in, len) : -1;
	case LWS_CALLBACK_RAW_WRITEABLE:
		p = lws_get_opaque_user_data(wsi);
		return p && p->up == wsi ? up_writeable(p) : -1;
	case LWS_CALLBACK_RAW_CLOSE:
		p = lws_get_opaque_user_data(wsi);
		lws_set_opaque_user_data(wsi, NULL);
		if (p && p->up == wsi)
			up_closed(p);
		return 0;
	case LWS_CALLBACK_RAW_ADOPT:
		return 0;
	default:
		return proxy_ws_callback(wsi, reason, in, len);
	}
}

const struct lws_protocols proxy_protocol = {
	"handbox-proxy", proxy_callback, 0, 0, 0, NULL, 0
};

/* ------------------------------------------------------- the HTTP route */

/* A non-blocking connect to 127.0.0.1:port. Returns the socket, or -1
 * with errno set. *done is 1 when it connected at once. */
static int connect_local(int port, int *done)
{
	struct sockaddr_in sa;
	int fd, e;

	*done = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		*done = 1;
		return fd;
	}
	if (errno == EINPROGRESS)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int timeout_of(struct http_conn *c, int *timeout_s, char *err,
		      size_t errlen)
{
	char v[32], *end;
	long n;

	*timeout_s = ANSWER_TIMEOUT_S;
	if (http_header(c, TIMEOUT_HEADER, v, sizeof(v)) < 0)
		return 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > ANSWER_TIMEOUT_MAX_S)
		return hb_fail(err, errlen, HB_EINVAL,
			       "header X-Handbox-Proxy-Timeout: \"%s\": expected whole seconds from 1 to %d",
			       v, ANSWER_TIMEOUT_MAX_S);
	*timeout_s = (int)n;
	return 0;
}

static int http_open(struct http_conn *c)
{
	lws_adopt_desc_t ad;
	struct proxy_http *p;
	char err[256];
	int port, timeout_s, fd, done;

	/* the answer's end is the app's EOF, so the connection ends with it */
	c->close_after_reply = 1;
	if (proxy_parse_port(c->params[0], &port, err, sizeof(err)) ||
	    timeout_of(c, &timeout_s, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	if (!method_name(c->method))
		return http_reply_error(c, 405, "the port proxy does not forward this method") ? -1 : 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return http_reply_error(c, 500, "out of memory") ? -1 : 0;
	p->conn = c;
	p->port = port;
	p->timeout_s = timeout_s;
	buf_init(&p->to_up, RELAY_LIMIT);
	buf_init(&p->to_client, RELAY_LIMIT);
	if (build_head(c, port, &p->to_up)) {
		relay_free(p);
		return http_reply_error(c, 500, "out of memory") ? -1 : 0;
	}
	fd = connect_local(port, &done);
	if (fd < 0) {
		relay_free(p);
		if (errno == ECONNREFUSED)
			return http_reply_error(c, 502, "nothing listens on 127.0.0.1:%d inside the sandbox",
						port) ? -1 : 0;
		return http_reply_error(c, 502, "cannot connect to 127.0.0.1:%d: %s",
					port, strerror(errno)) ? -1 : 0;
	}
	p->connected = done;
	memset(&ad, 0, sizeof(ad));
	ad.vh = lws_get_vhost(c->wsi);
	ad.type = LWS_ADOPT_SOCKET;
	ad.fd.sockfd = fd;
	ad.vh_prot_name = proxy_protocol.name;
	ad.opaque = p;
	p->up = lws_adopt_descriptor_vhost_via_info(&ad); /* closes fd on failure */
	if (!p->up) {
		relay_free(p);
		return http_reply_error(c, 500, "cannot add the connection to 127.0.0.1:%d to the event loop",
					port) ? -1 : 0;
	}
	c->state = p;
	lws_sul_schedule(lws_get_context(c->wsi), 0, &p->answer_sul,
			 on_answer_timeout, (lws_usec_t)timeout_s * LWS_US_PER_SEC);
	lws_callback_on_writable(p->up);
	return 0;
}

static int http_body(struct http_conn *c, const char *data, size_t len)
{
	struct proxy_http *p = c->state;

	if (!p || !p->up || p->up_write_dead)
		return 0; /* the app is gone or stopped reading: drop the rest */
	if (buf_append(&p->to_up, data, len))
		return -1;
	if (p->to_up.len >= RELAY_HIGH)
		client_rx(p, 0);
	lws_callback_on_writable(p->up);
	return 0;
}

static int http_writeable(struct http_conn *c)
{
	struct proxy_http *p = c->state;
	size_t n;
	int final;

	if (!p)
		return 0;
	n = p->to_client.len < http_write_max() ? p->to_client.len : http_write_max();
	final = !p->up && n == p->to_client.len;
	if (!n && !final)
		return 0;
	if (http_write_body(c, p->to_client.data, n, final))
		return -1;
	buf_consume(&p->to_client, n);
	if (final)
		http_want_write(c); /* http.c closes the connection next */
	else if (p->to_client.len < RELAY_LOW)
		up_rx(p, 1);
	return 0;
}

static void http_close(struct http_conn *c)
{
	struct proxy_http *p = c->state;

	if (!p)
		return;
	c->state = NULL;
	p->conn = NULL;
	lws_sul_cancel(&p->answer_sul);
	if (p->up)
		up_kill(p); /* RAW_CLOSE frees p */
	else
		relay_free(p);
}

const struct http_stream_ops proxy_http_ops = {
	.on_request = http_open,
	.on_body = http_body,
	.on_writeable = http_writeable,
	.on_close = http_close,
};

/* ------------------------------------------- the prefix without a slash */

static int slash_open(struct http_conn *c)
{
	struct buf loc;
	char err[128];
	int port, rc;

	if (proxy_parse_port(c->params[0], &port, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err) ? -1 : 0;
	buf_init(&loc, HTTP_HEADER_DATA_MAX * 3);
	/* relative, so that it holds behind any outer prefix */
	rc = buf_printf(&loc, "Location: %d", port);
	if (!rc)
		rc = proxy_append_target(c, &loc, NULL);
	if (!rc)
		rc = buf_append(&loc, "\r\n", 2);
	if (rc) {
		buf_free(&loc);
		return http_reply_error(c, 500, "out of memory") ? -1 : 0;
	}
	rc = http_begin_stream(c, 308, "text/plain", 0, loc.data);
	buf_free(&loc);
	if (!rc)
		rc = http_write_body(c, NULL, 0, 1);
	return rc ? -1 : 0;
}

const struct http_stream_ops proxy_slash_ops = {
	.on_request = slash_open,
};
