/* proxy_ws.c — the WebSocket side of the port proxy; see proxy.h.
 *
 * http.c completes the client's handshake and hands over whole messages.
 * Here an lws WebSocket client connection to ws://127.0.0.1:port/path
 * (a numeric address: lws's getaddrinfo() needs no name service for it)
 * carries them to the app, and the app's messages come back the same way,
 * text and binary kept apart. A close on either side is passed to the
 * other with its code and reason.
 *
 * Both directions are bounded: the app's messages wait in the client's
 * send queue (WS_QUEUE_LIMIT); reading from the app pauses once that queue
 * is half full, or when a whole message does not fit (it is kept until the
 * queue has drained). The client's messages wait in the relay's own queue,
 * and reading from the client pauses past UP_QUEUE_PAUSE. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "sandboxd/proxy.h"
#include "net/ws_queue.h"

#define MSG_LIMIT WS_QUEUE_LIMIT        /* one message from the app */
#define MSG_KEEP (64u << 10)            /* join buffer kept between messages */
#define UP_QUEUE_PAUSE (4u << 20)
#define UP_QUEUE_LIMIT (16u << 20)
#define HANDSHAKE_HEADERS_LIMIT 8192
#define REASON_MAX 123                  /* a close frame's payload is 125 bytes */

struct proxy_ws {
	struct http_conn *conn;  /* NULL once the client has gone */
	struct lws *up;          /* NULL once the app's connection ended */
	int port;
	int established;
	int client_gone;         /* close the app's side once up_queue is sent */
	int up_rx_paused;
	int client_rx_paused;
	struct ws_queue to_app;  /* the client's messages (UP_QUEUE_LIMIT) */
	struct buf msg;          /* a message from the app, being joined */
	int msg_binary;
	int msg_waiting;         /* msg is whole, waiting for queue room */
	struct buf path;
	struct buf headers;      /* extra handshake headers for the app */
	char host[32];
	int app_code;            /* the app's close frame: code and reason */
	char app_reason[REASON_MAX + 1];
	int to_app_code;         /* what the app is told when the client goes */
	char to_app_reason[REASON_MAX + 1];
	char to_client_reason[REASON_MAX + 1];
	int client_closing;
};

static void relay_free(struct proxy_ws *p)
{
	ws_queue_free(&p->to_app);
	buf_free(&p->msg);
	buf_free(&p->path);
	buf_free(&p->headers);
	free(p);
}

/* Codes a close frame may carry (RFC 6455 7.4); others read as none. */
static int sendable_code(int code)
{
	return code == 1000 || (code >= 1001 && code <= 1003) ||
	       (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* Closes the client's side once its queue is sent; the first close wins. */
static void close_client(struct proxy_ws *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void close_client(struct proxy_ws *p, int code, const char *fmt, ...)
{
	va_list ap;

	if (!p->conn || p->client_closing)
		return;
	p->client_closing = 1;
	va_start(ap, fmt);
	vsnprintf(p->to_client_reason, sizeof(p->to_client_reason), fmt, ap);
	va_end(ap);
	http_ws_close(p->conn, code, p->to_client_reason);
}

static void up_rx(struct proxy_ws *p, int on)
{
	proxy_rx_flow(p->up, &p->up_rx_paused, on);
}

static void client_rx(struct proxy_ws *p, int on)
{
	proxy_rx_flow(p->conn ? p->conn->wsi : NULL, &p->client_rx_paused, on);
}

/* ------------------------------------------------ the app's connection */

/* Hands the joined message to the client's queue. Returns 0, or
 * HB_ETOOBIG when it does not fit yet (it stays in msg). */
static int pass_message(struct proxy_ws *p)
{
	int rc = p->msg_binary ?
		http_ws_send_binary(p->conn, p->msg.data, p->msg.len) :
		http_ws_send_text(p->conn, p->msg.data, p->msg.len);

	p->msg_waiting = rc == HB_ETOOBIG;
	if (p->msg_waiting)
		return rc;
	if (p->msg.cap > MSG_KEEP)
		buf_free(&p->msg);
	else
		buf_reset(&p->msg);
	return rc;
}

static int up_receive(struct proxy_ws *p, struct lws *wsi, const char *in,
		      size_t len)
{
	int rc;

	if (!p->conn)
		return 0; /* the client is gone; our close is on its way */
	if (p->msg_waiting || buf_append(&p->msg, in, len)) {
		close_client(p, 1009, "a message from the app is over %u bytes", MSG_LIMIT);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
		return -1;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	p->msg_binary = lws_frame_is_binary(wsi);
	rc = pass_message(p);
	if (rc && rc != HB_ETOOBIG) {
		close_client(p, 1011, "cannot pass the app's message on: out of memory");
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, NULL, 0);
		return -1;
	}
	if (rc || http_ws_room(p->conn) < WS_QUEUE_LIMIT / 2)
		up_rx(p, 0);
	return 0;
}

/* Sends one fragment of the client's messages; once they are all sent
 * and the client has gone, the close frame. */
static int up_writeable(struct proxy_ws *p, struct lws *wsi)
{
	if (ws_queue_empty(&p->to_app)) {
		if (!p->client_gone)
			return 0;
		lws_close_reason(wsi, (enum lws_close_status)p->to_app_code,
				 (unsigned char *)p->to_app_reason, strlen(p->to_app_reason));
		return -1;
	}
	if (ws_queue_write_one(&p->to_app, wsi))
		return -1;
	if (ws_queue_bytes(&p->to_app) < UP_QUEUE_PAUSE / 2)
		client_rx(p, 1);
	if (!ws_queue_empty(&p->to_app) || p->client_gone)
		lws_callback_on_writable(wsi);
	return 0;
}

static void up_note_close(struct proxy_ws *p, const unsigned char *in, size_t len)
{
	size_t n = len > 2 ? len - 2 : 0;

	p->app_code = len >= 2 ? (in[0] << 8) | in[1] : 1000;
	if (n > REASON_MAX)
		n = REASON_MAX;
	if (n)
		memcpy(p->app_reason, in + 2, n);
	p->app_reason[n] = '\0';
}

static void up_gone(struct proxy_ws *p, struct lws *wsi, const char *error,
		    size_t errlen)
{
	lws_set_opaque_user_data(wsi, NULL);
	p->up = NULL;
	if (!p->conn) {
		relay_free(p);
		return;
	}
	if (error)
		close_client(p, 1014, "cannot open the app's WebSocket on 127.0.0.1:%d: %.*s",
			     p->port, (int)errlen, error);
	else if (!p->established)
		close_client(p, 1014, "the app on 127.0.0.1:%d closed before the WebSocket opened",
			     p->port);
	else if (p->app_code)
		close_client(p, sendable_code(p->app_code) ? p->app_code : 1000,
			     "%s", p->app_reason);
	else
		close_client(p, 1011, "the app's connection ended without a close frame");
}

int proxy_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		      void *in, size_t len)
{
	/* protocol-wide reasons may come without a connection */
	struct proxy_ws *p = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	char **hp;

	if (!p)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		hp = in;
		if (p->headers.len >= len)
			return -1;
		memcpy(*hp, p->headers.data, p->headers.len);
		*hp += p->headers.len;
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		p->established = 1;
		if (!ws_queue_empty(&p->to_app) || p->client_gone)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return up_receive(p, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return up_writeable(p, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		up_note_close(p, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		up_gone(p, wsi, in ? in : "connection failed",
			in ? strnlen(in, len ? len : REASON_MAX) : 17);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP: /* closed during the handshake */
		up_gone(p, wsi, NULL, 0);
		return 0;
	default:
		return 0;
	}
}

/* --------------------------------------------------- the client's side */

static int ws_open(struct http_conn *c)
{
	struct lws_client_connect_info ci;
	struct proxy_ws *p;
	char err[128];
	int port, rc;

	if (proxy_parse_port(c->params[0], &port, err, sizeof(err))) {
		http_ws_close(c, 1008, "the port must be an integer from 1 to 65535");
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->conn = c;
	p->port = port;
	c->state = p;
	ws_queue_init(&p->to_app, UP_QUEUE_LIMIT);
	buf_init(&p->msg, MSG_LIMIT);
	buf_init(&p->path, 3 * HTTP_HEADER_DATA_MAX);
	buf_init(&p->headers, HANDSHAKE_HEADERS_LIMIT);
	/* the key may have come as a query argument: it stays here */
	rc = proxy_append_target(c, &p->path, SANDBOXD_KEY_QUERY);
	if (!rc)
		rc = proxy_append_headers(c, &p->headers, 1);
	if (rc) {
		close_client(p, 1009, "the request's path or headers are too large to forward");
		return 0;
	}
	snprintf(p->host, sizeof(p->host), "127.0.0.1:%d", port);

	memset(&ci, 0, sizeof(ci));
	ci.context = lws_get_context(c->wsi);
	ci.vhost = lws_get_vhost(c->wsi);
	ci.address = "127.0.0.1";
	ci.port = port;
	ci.path = p->path.data;
	ci.host = p->host;
	/* lws writes "Origin: http://" + this: the app's own address, as
	 * proxy.c does for HTTP */
	if (lws_hdr_total_length(c->wsi, WSI_TOKEN_ORIGIN) > 0)
		ci.origin = p->host;
	ci.local_protocol_name = proxy_protocol.name;
	ci.opaque_user_data = p;
	ci.pwsi = &p->up;
	/* errors inside the call are not reported by callback: NULL says so */
	p->up = lws_client_connect_via_info(&ci);
	if (!p->up)
		close_client(p, 1014, "nothing listens on 127.0.0.1:%d inside the sandbox", port);
	return 0;
}

static int ws_message(struct http_conn *c, const char *data, size_t len,
		      int binary)
{
	struct proxy_ws *p = c->state;
	int rc;

	if (!p || !p->up)
		return 0;
	rc = ws_queue_push(&p->to_app, data, len, binary);
	if (rc == HB_ETOOBIG) {
		close_client(p, 1008, "the app read the client's messages too slowly");
		return 0;
	}
	if (rc)
		return -1;
	if (p->established)
		lws_callback_on_writable(p->up);
	if (ws_queue_bytes(&p->to_app) >= UP_QUEUE_PAUSE)
		client_rx(p, 0);
	return 0;
}

/* The client's queue has drained: a waiting message fits now (it is at
 * most WS_QUEUE_LIMIT), and reading from the app goes on. */
static int ws_writeable(struct http_conn *c)
{
	struct proxy_ws *p = c->state;

	if (!p)
		return 0;
	if (p->msg_waiting && pass_message(p))
		return -1;
	up_rx(p, 1);
	return 0;
}

static void ws_gone(struct http_conn *c)
{
	struct proxy_ws *p = c->state;
	int code = c->ws_peer_close_code;

	if (!p)
		return;
	c->state = NULL;
	p->conn = NULL;
	if (!p->up) {
		relay_free(p);
		return;
	}
	/* a client that vanished without a close frame is "going away" */
	if (!code)
		code = 1001;
	p->to_app_code = sendable_code(code) ? code : 1000;
	snprintf(p->to_app_reason, sizeof(p->to_app_reason), "%s",
		 code == 1001 && !c->ws_peer_close_reason[0] ?
			"the client went away" : c->ws_peer_close_reason);
	p->client_gone = 1;
	if (!p->established) {
		lws_set_timeout(p->up, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	/* the app's close reply must be read for the close to complete */
	up_rx(p, 1);
	lws_callback_on_writable(p->up);
}

const struct http_stream_ops proxy_ws_ops = {
	.on_request = ws_open,
	.on_ws_message = ws_message,
	.on_writeable = ws_writeable,
	.on_close = ws_gone,
};
