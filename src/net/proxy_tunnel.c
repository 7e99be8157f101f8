/* proxy_tunnel.c — a WebSocket upgrade through the proxy, relayed as raw
 * bytes; see proxy.h.
 *
 * Why bytes and not messages: lws 4.1 completes a WebSocket handshake only
 * for subprotocols registered on the vhost in advance, and a relay of
 * messages answers the client before the app has chosen. Here the app
 * answers the client's own handshake (key, subprotocols, extensions such
 * as permessage-deflate), and every frame after it passes untouched, close
 * codes included. Nothing is parsed, so no message size limit applies.
 *
 * Both directions are bounded (PROXY_RELAY_LIMIT, paused at RELAY_HIGH,
 * resumed under RELAY_LOW). When one side goes, what is still buffered for
 * the other is sent, then its write side is shut (FIN, not a reset that
 * could drop bytes it has not read) and it is read to its EOF, all within
 * DRAIN_S. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "net/http.h"
#include "net/proxy_relay.h"

#define DRAIN_S 30
#define REASON_MAX 123            /* a close frame's payload is 125 bytes */

struct tunnel {
	struct proxy_end client;
	struct proxy_end up;
	struct buf to_up;         /* the request head, then the client's bytes */
	struct buf to_client;     /* the app's bytes */
	int connected;            /* upstream connect() has completed */
	int answered;             /* the app's first byte came, or our error */
	int client_shut, up_shut; /* our FIN went: the rest read is dropped */
	int timeout_s;
	char name[96];
	char refused[160];
	char accept[32];          /* for a handshake of our own on failure */
	char protocol[64];
	void (*on_client_bytes)(const char *activity_key);
	char activity_key[64];
	lws_sorted_usec_list_t answer_sul;
};

static void tunnel_free(struct tunnel *t)
{
	lws_sul_cancel(&t->answer_sul);
	buf_free(&t->to_up);
	buf_free(&t->to_client);
	free(t);
}

/* The side `e` is gone: the other one gets what is left, then ends. */
static void peer_gone(struct tunnel *t, struct proxy_end *other)
{
	if (!other->wsi) {
		tunnel_free(t);
		return;
	}
	proxy_end_rx(other, 1); /* to see its EOF */
	lws_set_timeout(other->wsi, PENDING_TIMEOUT_USER_OK, DRAIN_S);
	lws_callback_on_writable(other->wsi);
}

/* Sends buffered bytes to e; once the peer is gone and all is sent, shuts
 * e's write side. Returns what the writeable callback returns. */
static int flush(struct tunnel *t, struct proxy_end *e, struct buf *b,
		 struct proxy_end *peer, int *shut)
{
	if (*shut)
		return 0;
	if (proxy_end_send(e, b))
		return -1;
	if (b->len) {
		lws_callback_on_writable(e->wsi);
	} else if (!peer->wsi) {
		*shut = 1;
		shutdown(lws_get_socket_fd(e->wsi), SHUT_WR);
		return 0;
	}
	if (b->len < RELAY_LOW)
		proxy_end_rx(peer, 1);
	return 0;
}

/* Buffers bytes for the other side. Returns what the rx callback
 * returns. */
static int take(struct tunnel *t, struct proxy_end *e, const char *data,
		size_t len, struct buf *b, struct proxy_end *dest, int shut)
{
	if (shut || !dest->wsi)
		return 0; /* nobody to give them to: dropped */
	if (buf_append(b, data, len))
		return -1;
	if (b->len >= RELAY_HIGH)
		proxy_end_rx(e, 0);
	lws_callback_on_writable(dest->wsi);
	return 0;
}

/* The app could not be reached, or did not answer in time: the client
 * gets a handshake of ours and a close frame 1014 with the sentence (a
 * browser shows no HTTP status for a failed WebSocket, only a close), or
 * a 502 when its request has no usable key. */
static void fail(struct tunnel *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct tunnel *t, const char *fmt, ...)
{
	unsigned char frame[4 + REASON_MAX];
	char reason[REASON_MAX + 1];
	va_list ap;
	size_t n;
	char *body;
	int rc;

	if (t->answered)
		return;
	t->answered = 1;
	lws_sul_cancel(&t->answer_sul);
	proxy_end_kill(&t->up);
	if (!t->client.wsi)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	buf_reset(&t->to_client);
	if (!t->accept[0]) {
		body = json_dumps(json_pack("{s:s}", "detail", reason), JSON_COMPACT);
		rc = buf_printf(&t->to_client, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
				"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				body ? strlen(body) : 2, body ? body : "{}");
		free(body);
	} else {
		rc = buf_printf(&t->to_client, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", t->accept);
		/* a browser fails a handshake that drops the subprotocol it
		 * offered, and would never see the close */
		if (!rc && t->protocol[0])
			rc = buf_printf(&t->to_client, "Sec-WebSocket-Protocol: %s\r\n", t->protocol);
		n = strlen(reason);
		frame[0] = 0x88;
		frame[1] = (unsigned char)(2 + n);
		frame[2] = 1014 >> 8;
		frame[3] = 1014 & 0xff;
		memcpy(frame + 4, reason, n);
		if (!rc)
			rc = buf_append(&t->to_client, "\r\n", 2);
		if (!rc)
			rc = buf_append(&t->to_client, frame, 4 + n);
	}
	if (rc) {
		proxy_end_kill(&t->client);
		return;
	}
	/* the rest of the client's bytes have nowhere to go */
	buf_reset(&t->to_up);
	t->up_shut = 1;
	lws_set_timeout(t->client.wsi, PENDING_TIMEOUT_USER_OK, DRAIN_S);
	lws_callback_on_writable(t->client.wsi);
}

static void on_answer_timeout(lws_sorted_usec_list_t *sul)
{
	struct tunnel *t = lws_container_of(sul, struct tunnel, answer_sul);

	fail(t, "%s did not answer within %d s", t->name, t->timeout_s);
}

/* ------------------------------------------------------------ upstream */

static int up_rx(struct proxy_end *e, const char *data, size_t len)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, up);

	if (!t->answered) {
		t->answered = 1;
		lws_sul_cancel(&t->answer_sul);
	}
	return take(t, e, data, len, &t->to_client, &t->client, t->client_shut);
}

static int up_writeable(struct proxy_end *e)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, up);

	if (!t->connected) {
		if (proxy_end_connected(e))
			return -1; /* up_closed answers the client */
		t->connected = 1;
	}
	return flush(t, e, &t->to_up, &t->client, &t->up_shut);
}

static void up_closed(struct proxy_end *e)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, up);

	if (!t->answered) {
		if (!t->connected)
			fail(t, "%s", t->refused);
		else
			fail(t, "%s closed the connection without answering", t->name);
	}
	peer_gone(t, &t->client);
}

static const struct proxy_end_ops up_ops = { up_rx, up_writeable, up_closed };

/* -------------------------------------------------------------- client */

static int client_rx(struct proxy_end *e, const char *data, size_t len)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, client);

	if (t->on_client_bytes && len)
		t->on_client_bytes(t->activity_key);
	return take(t, e, data, len, &t->to_up, &t->up, t->up_shut);
}

static int client_writeable(struct proxy_end *e)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, client);

	return flush(t, e, &t->to_client, &t->up, &t->client_shut);
}

static void client_closed(struct proxy_end *e)
{
	struct tunnel *t = lws_container_of(e, struct tunnel, client);

	if (!t->answered) {
		/* nobody waits for the app's answer any more */
		t->answered = 1;
		lws_sul_cancel(&t->answer_sul);
		proxy_end_kill(&t->up);
	}
	peer_gone(t, &t->up);
}

static const struct proxy_end_ops client_ops = {
	client_rx, client_writeable, client_closed
};

/* What the failure answer needs, read while the headers are there. */
static void note_handshake(struct tunnel *t, struct http_conn *c)
{
	char v[256];

	if (lws_hdr_copy(c->wsi, v, sizeof(v), WSI_TOKEN_KEY) <= 0 ||
	    proxy_ws_accept(v, t->accept, sizeof(t->accept)))
		t->accept[0] = '\0';
	if (lws_hdr_copy(c->wsi, v, sizeof(v), WSI_TOKEN_PROTOCOL) <= 0 ||
	    proxy_first_protocol(v, t->protocol, sizeof(t->protocol)) < 0)
		t->protocol[0] = '\0';
}

int proxy_tunnel_start(struct http_conn *c, const struct proxy_target *target)
{
	struct lws_vhost *vh = lws_get_vhost(c->wsi);
	struct tunnel *t;
	int fd, done;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->client.ops = &client_ops;
	t->up.ops = &up_ops;
	t->timeout_s = target->timeout_s > 0 ? target->timeout_s : PROXY_TIMEOUT_S;
	snprintf(t->name, sizeof(t->name), "%s", target->name);
	snprintf(t->refused, sizeof(t->refused), "%s", target->refused);
	t->on_client_bytes = target->on_client_bytes;
	snprintf(t->activity_key, sizeof(t->activity_key), "%s", target->activity_key ?: "");
	buf_init(&t->to_up, PROXY_RELAY_LIMIT);
	buf_init(&t->to_client, PROXY_RELAY_LIMIT);
	note_handshake(t, c);
	if (proxy_build_head(c, target, 1, &t->to_up)) {
		tunnel_free(t);
		return -1;
	}
	fd = http_take_socket(c);
	if (fd < 0) {
		tunnel_free(t);
		return errno == EPROTONOSUPPORT ? 0 : -1;
	}
	/* from here on the connection is ours: 1 whatever happens */
	if (proxy_adopt(vh, fd, &t->client)) {
		tunnel_free(t);
		return 1;
	}
	lws_sul_schedule(lws_get_context(t->client.wsi), 0, &t->answer_sul,
			 on_answer_timeout, (lws_usec_t)t->timeout_s * LWS_US_PER_SEC);
	fd = proxy_connect(target->ip, target->port, &done);
	if (fd < 0) {
		if (errno == ECONNREFUSED)
			fail(t, "%s", t->refused);
		else
			fail(t, "cannot connect to %s:%d: %s", target->ip, target->port,
			     strerror(errno));
		return 1;
	}
	t->connected = done;
	if (proxy_adopt(vh, fd, &t->up)) {
		fail(t, "cannot add the connection to %s:%d to the event loop",
		     target->ip, target->port);
		return 1;
	}
	lws_callback_on_writable(t->up.wsi);
	return 1;
}
