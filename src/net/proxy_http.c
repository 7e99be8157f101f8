/* proxy_http.c — one HTTP request through the proxy; see proxy.h.
 *
 * The request goes up as a rebuilt head plus the body as it streams in;
 * the answer comes back as the upstream's raw bytes (status line, headers,
 * body), written to the client unchanged. Upstream is asked for
 * "Connection: close", so its EOF ends the answer and the client's
 * connection is closed after it.
 *
 * Memory per request is bounded by PROXY_RELAY_LIMIT in each direction:
 * the reading side is paused (lws rx flow control) at RELAY_HIGH and
 * resumed under RELAY_LOW, so a slow reader slows the writer instead of
 * filling memory. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libwebsockets.h>

#include "net/http.h"
#include "net/proxy_relay.h"

struct proxy_http {
	struct proxy_end up;     /* first: the end's ops find the relay */
	struct http_conn *conn;  /* NULL once the client has gone */
	int timeout_s;
	int connected;           /* upstream connect() has completed */
	int answered;            /* upstream bytes came, or an error went out */
	int up_write_dead;       /* upstream stopped reading the request */
	int client_rx_paused;
	struct buf to_up;        /* request head and body not yet sent */
	struct buf to_client;    /* answer bytes not yet written */
	char name[96];           /* t->name */
	char refused[160];       /* t->refused */
	lws_sorted_usec_list_t answer_sul;
};

static void relay_free(struct proxy_http *p)
{
	lws_sul_cancel(&p->answer_sul);
	buf_free(&p->to_up);
	buf_free(&p->to_client);
	free(p);
}

static void client_rx(struct proxy_http *p, int on)
{
	if (!p->conn || p->client_rx_paused == !on)
		return;
	lws_rx_flow_control(p->conn->wsi, on);
	p->client_rx_paused = !on;
}

/* The first error answer wins; later ones (a timeout racing a close) are
 * dropped. */
static void answer_error(struct proxy_http *p, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void answer_error(struct proxy_http *p, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->answered || !p->conn)
		return;
	p->answered = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_error(p->conn, status, "%s", msg);
}

static void on_answer_timeout(lws_sorted_usec_list_t *sul)
{
	struct proxy_http *p = lws_container_of(sul, struct proxy_http, answer_sul);

	answer_error(p, 504, "%s did not answer within %d s", p->name, p->timeout_s);
	proxy_end_kill(&p->up);
}

/* ------------------------------------------------------------ upstream */

static int up_writeable(struct proxy_end *e)
{
	struct proxy_http *p = (struct proxy_http *)e;

	if (!p->connected) {
		if (proxy_end_connected(e))
			return -1;
		p->connected = 1;
	}
	if (p->up_write_dead)
		return 0;
	if (proxy_end_send(e, &p->to_up)) {
		/* the app closed its reading side: its answer may still come,
		 * the rest of the body has nowhere to go */
		p->up_write_dead = 1;
		buf_free(&p->to_up);
	}
	if (p->to_up.len)
		lws_callback_on_writable(e->wsi);
	if (p->to_up.len < RELAY_LOW)
		client_rx(p, 1);
	return 0;
}

/* Sends what the client's socket takes of data at once, when nothing
 * waits before it (no bytes queued here or in lws, no answer of http.c's
 * own) and lws does not encrypt it. The usual case, a client that reads as
 * fast as the app writes, then costs no copy into to_client, no copy into
 * http.c's scratch and no writeable callback per read (about a tenth of
 * serve's CPU time per byte: on a small machine where client, serve,
 * sandboxd and the app share the cores, that is throughput). Returns the
 * bytes sent; errors are left to the queued path, which meets them
 * again. */
static size_t client_send_now(struct proxy_http *p, const char *data, size_t len)
{
	struct http_conn *c = p->conn;
	ssize_t n;

	if (p->to_client.len || c->replying || c->out.len || lws_is_ssl(c->wsi) ||
	    lws_partial_buffered(c->wsi))
		return 0;
	n = send(lws_get_socket_fd(c->wsi), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n > 0 ? (size_t)n : 0;
}

static int up_rx(struct proxy_end *e, const char *data, size_t len)
{
	struct proxy_http *p = (struct proxy_http *)e;
	size_t sent;

	if (!p->conn)
		return -1;
	if (!p->answered) {
		p->answered = 1;
		lws_sul_cancel(&p->answer_sul);
	}
	sent = client_send_now(p, data, len);
	if (sent == len)
		return 0;
	if (buf_append(&p->to_client, data + sent, len - sent))
		return -1;
	if (p->to_client.len >= RELAY_HIGH)
		proxy_end_rx(e, 0);
	http_want_write(p->conn);
	return 0;
}

static void up_closed(struct proxy_end *e)
{
	struct proxy_http *p = (struct proxy_http *)e;

	lws_sul_cancel(&p->answer_sul);
	if (!p->conn) {
		relay_free(p);
		return;
	}
	if (!p->answered) {
		if (!p->connected)
			answer_error(p, 502, "%s", p->refused);
		else
			answer_error(p, 502, "%s closed the connection without answering",
				     p->name);
		return;
	}
	http_want_write(p->conn); /* flush what is left, then end */
}

static const struct proxy_end_ops up_ops = { up_rx, up_writeable, up_closed };

/* -------------------------------------------------------------- client */

int proxy_http_start(struct http_conn *c, const struct proxy_target *t)
{
	struct proxy_http *p;
	int fd, done;

	/* the answer's end is the upstream's EOF, so the connection ends
	 * with it */
	c->close_after_reply = 1;
	if (!proxy_method_name(c->method))
		return http_reply_error(c, 405, "the port proxy does not forward this method") ? -1 : 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return http_reply_error(c, 500, "out of memory") ? -1 : 0;
	p->up.ops = &up_ops;
	p->conn = c;
	p->timeout_s = t->timeout_s > 0 ? t->timeout_s : PROXY_TIMEOUT_S;
	snprintf(p->name, sizeof(p->name), "%s", t->name);
	snprintf(p->refused, sizeof(p->refused), "%s", t->refused);
	buf_init(&p->to_up, PROXY_RELAY_LIMIT);
	buf_init(&p->to_client, PROXY_RELAY_LIMIT);
	if (proxy_build_head(c, t, 0, &p->to_up)) {
		relay_free(p);
		return http_reply_error(c, 500, "the request's path and headers are over %u bytes",
					PROXY_RELAY_LIMIT) ? -1 : 0;
	}
	fd = proxy_connect(t->ip, t->port, &done);
	if (fd < 0) {
		relay_free(p);
		if (errno == ECONNREFUSED)
			return http_reply_error(c, 502, "%s", t->refused) ? -1 : 0;
		return http_reply_error(c, 502, "cannot connect to %s:%d: %s",
					t->ip, t->port, strerror(errno)) ? -1 : 0;
	}
	p->connected = done;
	if (proxy_adopt(lws_get_vhost(c->wsi), fd, &p->up)) {
		relay_free(p);
		return http_reply_error(c, 500, "cannot add the connection to %s:%d to the event loop",
					t->ip, t->port) ? -1 : 0;
	}
	c->state = p;
	lws_sul_schedule(lws_get_context(c->wsi), 0, &p->answer_sul,
			 on_answer_timeout, (lws_usec_t)p->timeout_s * LWS_US_PER_SEC);
	lws_callback_on_writable(p->up.wsi);
	return 0;
}

int proxy_http_body(struct http_conn *c, const char *data, size_t len)
{
	struct proxy_http *p = c->state;

	if (!p || !p->up.wsi || p->up_write_dead)
		return 0; /* the app is gone or stopped reading: drop the rest */
	if (buf_append(&p->to_up, data, len))
		return -1;
	if (p->to_up.len >= RELAY_HIGH)
		client_rx(p, 0);
	lws_callback_on_writable(p->up.wsi);
	return 0;
}

int proxy_http_writeable(struct http_conn *c)
{
	struct proxy_http *p = c->state;
	size_t n;
	int final;

	if (!p)
		return 0;
	n = p->to_client.len < http_write_max() ? p->to_client.len : http_write_max();
	final = !p->up.wsi && n == p->to_client.len;
	if (!n && !final)
		return 0;
	if (http_write_body(c, p->to_client.data, n, final))
		return -1;
	buf_consume(&p->to_client, n);
	if (final)
		http_want_write(c); /* http.c closes the connection next */
	else if (p->to_client.len < RELAY_LOW)
		proxy_end_rx(&p->up, 1);
	return 0;
}

void proxy_http_close(struct http_conn *c)
{
	struct proxy_http *p = c->state;

	if (!p)
		return;
	c->state = NULL;
	p->conn = NULL;
	lws_sul_cancel(&p->answer_sul);
	if (p->up.wsi)
		proxy_end_kill(&p->up); /* up_closed frees p */
	else
		relay_free(p);
}

int proxy_reply_slash(struct http_conn *c, int port)
{
	struct buf loc;
	int rc;

	buf_init(&loc, HTTP_HEADER_DATA_MAX * 3);
	/* relative, so that it holds behind any outer prefix */
	rc = buf_printf(&loc, "Location: %d/", port);
	if (!rc)
		rc = proxy_append_query(c, &loc, NULL);
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
