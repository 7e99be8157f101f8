/* tls_front.c — HTTPS for an HTTP vhost of src/net, ended in front of it;
 * see tls_front.h.
 *
 * The public port is a vhost of its own whose connections lws decrypts and
 * hands over as bytes (the raw-skt role). Each is relayed over a
 * socketpair to the HTTP vhost, which takes the other end as if it had
 * accepted it. Why not TLS on the HTTP vhost itself: a WebSocket tunnel
 * (proxy_tunnel.c: the port proxy's, serve's passthrough to sandboxd)
 * takes the client's socket from lws and relays its bytes, which a TLS
 * connection cannot give; behind the front every HTTP connection is a
 * plain socket. The cost is one more copy of each byte within the loop.
 *
 * Bounded like the tunnel: reading from one side pauses at RELAY_HIGH
 * bytes waiting for the other and resumes under RELAY_LOW. When one side
 * goes, what is buffered for the other is delivered first. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "net/proxy.h"
#include "net/proxy_relay.h"
#include "net/tls_front.h"

#define WRITE_MAX (64u << 10)      /* bytes given to lws_write at once */

struct front {
	struct lws *tls;           /* the client's connection; NULL once closed */
	struct proxy_end inner;    /* our end of the socketpair */
	struct buf to_inner;       /* the client's bytes, decrypted */
	struct buf to_client;      /* the HTTP server's answer */
	int tls_paused;
	int inner_shut;            /* our FIN went to the HTTP side */
	uint64_t cookie;           /* SO_COOKIE of the HTTP side's end */
	char peer[64];             /* the client's address */
	struct front *next;
};

static struct lws_vhost *http_vhost;
static struct front *fronts;       /* the loop's thread only */

static void front_free(struct front *f)
{
	struct front **p;

	for (p = &fronts; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	buf_free(&f->to_inner);
	buf_free(&f->to_client);
	free(f);
}

static void tls_rx(struct front *f, int on)
{
	if (!f->tls || f->tls_paused == !on)
		return;
	lws_rx_flow_control(f->tls, on);
	f->tls_paused = !on;
}

int tls_front_peer(int fd, char *out, size_t outlen)
{
	uint64_t cookie = 0;
	socklen_t sl = sizeof(cookie);
	struct front *f;

	if (!fronts || getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &sl))
		return -1;
	for (f = fronts; f; f = f->next)
		if (f->cookie == cookie) {
			snprintf(out, outlen, "%s", f->peer);
			return 0;
		}
	return -1;
}

/* ------------------------------------------------- the HTTP server's side */

static int inner_rx(struct proxy_end *e, const char *data, size_t len)
{
	struct front *f = lws_container_of(e, struct front, inner);

	if (!f->tls)
		return 0; /* the client is gone: dropped */
	if (buf_append(&f->to_client, data, len))
		return -1;
	if (f->to_client.len >= RELAY_HIGH)
		proxy_end_rx(e, 0);
	lws_callback_on_writable(f->tls);
	return 0;
}

static int inner_writeable(struct proxy_end *e)
{
	struct front *f = lws_container_of(e, struct front, inner);

	if (f->inner_shut)
		return 0;
	if (proxy_end_send(e, &f->to_inner))
		return -1;
	if (f->to_inner.len) {
		lws_callback_on_writable(e->wsi);
	} else if (!f->tls) {
		/* all the client said is delivered: the server sees its EOF */
		f->inner_shut = 1;
		shutdown(lws_get_socket_fd(e->wsi), SHUT_WR);
	}
	if (f->to_inner.len < RELAY_LOW)
		tls_rx(f, 1);
	return 0;
}

static void inner_closed(struct proxy_end *e)
{
	struct front *f = lws_container_of(e, struct front, inner);

	if (!f->tls) {
		front_free(f);
		return;
	}
	/* the answer still buffered goes first, then the client is closed */
	tls_rx(f, 1);
	lws_set_timeout(f->tls, PENDING_TIMEOUT_USER_OK, 30);
	lws_callback_on_writable(f->tls);
}

static const struct proxy_end_ops inner_ops = { inner_rx, inner_writeable, inner_closed };

/* ------------------------------------------------------- the client's side */

/* A new TLS client: a socketpair, one end ours, the other given to the
 * HTTP vhost. Returns 0, or -1 (lws closes the client). */
static int front_open(struct lws *wsi)
{
	struct front *f = calloc(1, sizeof(*f));
	socklen_t sl = sizeof(f->cookie);
	int sp[2];

	if (!f)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp)) {
		free(f);
		return -1;
	}
	f->tls = wsi;
	f->inner.ops = &inner_ops;
	buf_init(&f->to_inner, PROXY_RELAY_LIMIT);
	buf_init(&f->to_client, PROXY_RELAY_LIMIT);
	lws_get_peer_simple(wsi, f->peer, sizeof(f->peer));
	getsockopt(sp[1], SOL_SOCKET, SO_COOKIE, &f->cookie, &sl);
	f->next = fronts;
	fronts = f;
	if (proxy_adopt(http_vhost, sp[0], &f->inner)) { /* closes sp[0] */
		close(sp[1]);
		front_free(f);
		return -1;
	}
	lws_set_opaque_user_data(wsi, f);
	/* on failure lws closes sp[1]; ours sees the EOF and closes the client */
	lws_adopt_socket_vhost(http_vhost, sp[1]);
	return 0;
}

static int client_rx(struct front *f, const void *in, size_t len)
{
	if (!f->inner.wsi || f->inner_shut)
		return 0; /* the server is gone: dropped */
	if (buf_append(&f->to_inner, in, len))
		return -1;
	if (f->to_inner.len >= RELAY_HIGH)
		tls_rx(f, 0);
	lws_callback_on_writable(f->inner.wsi);
	return 0;
}

static int client_writeable(struct front *f)
{
	static unsigned char out[LWS_PRE + WRITE_MAX];
	size_t n = f->to_client.len < WRITE_MAX ? f->to_client.len : WRITE_MAX;

	if (n) {
		memcpy(out + LWS_PRE, f->to_client.data, n);
		/* lws keeps what the socket does not take and asks for no
		 * more until it is sent: writeable comes again after */
		if (lws_write(f->tls, out + LWS_PRE, n, LWS_WRITE_RAW) < 0)
			return -1;
		buf_consume(&f->to_client, n);
	}
	if (f->to_client.len)
		lws_callback_on_writable(f->tls);
	else if (!f->inner.wsi)
		return -1; /* all delivered and the server is gone */
	if (f->to_client.len < RELAY_LOW)
		proxy_end_rx(&f->inner, 1);
	return 0;
}

static void client_closed(struct front *f)
{
	f->tls = NULL;
	f->tls_paused = 0;
	buf_reset(&f->to_client);
	if (!f->inner.wsi) {
		front_free(f);
		return;
	}
	/* what the client sent is delivered, then the server sees its EOF */
	proxy_end_rx(&f->inner, 1);
	lws_set_timeout(f->inner.wsi, PENDING_TIMEOUT_USER_OK, 30);
	lws_callback_on_writable(f->inner.wsi);
}

static int front_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			  void *in, size_t len)
{
	struct front *f = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		return front_open(wsi);
	case LWS_CALLBACK_RAW_RX:
		return f ? client_rx(f, in, len) : -1;
	case LWS_CALLBACK_RAW_WRITEABLE:
		return f ? client_writeable(f) : -1;
	case LWS_CALLBACK_RAW_CLOSE:
		lws_set_opaque_user_data(wsi, NULL);
		if (f)
			client_closed(f);
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols tls_front_protocol = {
	"handbox-tls-front", front_callback, 0, 0, 0, NULL, 0
};

struct lws_vhost *tls_front_listen(struct lws_context *cx,
				   const struct lws_context_creation_info *base,
				   struct lws_vhost *http_vh)
{
	static const struct lws_protocols *protocols[] = { &tls_front_protocol, NULL };
	struct lws_context_creation_info info = *base;

	http_vhost = http_vh;
	info.vhost_name = "tls-front";
	info.protocols = NULL;
	info.pprotocols = protocols;
	info.options |= LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG;
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = tls_front_protocol.name;
	return lws_create_vhost(cx, &info);
}
