/* proxy_relay.h — what proxy_http.c and proxy_tunnel.c share (internal to
 * src/net): the raw lws sockets of a relay, each end served through its
 * own small ops table (so the one lws protocol needs to know neither
 * relay), the connect, and the upstream request head. */
#ifndef HB_NET_PROXY_RELAY_H
#define HB_NET_PROXY_RELAY_H

#include <stddef.h>

#include "common/buf.h"
#include "net/proxy.h"

struct lws;
struct lws_vhost;
struct http_conn;

/* reading from the faster side pauses at RELAY_HIGH bytes waiting in its
 * buffer and resumes under RELAY_LOW; one more read of lws's service
 * buffer always fits under PROXY_RELAY_LIMIT after the pause */
#define RELAY_HIGH (256u << 10)
#define RELAY_LOW (64u << 10)
#define RELAY_SEND_MAX (256u << 10)

struct proxy_end;

struct proxy_end_ops {
	/* bytes came; -1 closes this end */
	int (*rx)(struct proxy_end *e, const char *data, size_t len);
	/* the socket can take more; -1 closes this end */
	int (*writeable)(struct proxy_end *e);
	/* the socket is closed (e->wsi is NULL now); the relay may be freed */
	void (*closed)(struct proxy_end *e);
};

/* One raw socket of a relay, embedded in the relay's struct. */
struct proxy_end {
	const struct proxy_end_ops *ops;
	struct lws *wsi;        /* NULL until adopted and once closed */
	int rx_paused;
};

/* A non-blocking connect to ip:port (numeric IPv4). Returns the socket, or
 * -1 with errno set (EINVAL for a bad address). *done is 1 when it
 * connected at once. */
int proxy_connect(const char *ip, int port, int *done);
/* Serves fd as a raw socket of the loop through e. Returns 0, or -1 (fd
 * is closed). */
int proxy_adopt(struct lws_vhost *vh, int fd, struct proxy_end *e);
/* Pauses (on 0) or resumes (on 1) reading; lws is asked on a change only.
 * A closed end is left alone. */
void proxy_end_rx(struct proxy_end *e, int on);
/* Closes the end from the loop soon; closed() follows. */
void proxy_end_kill(struct proxy_end *e);
/* Sends the head of b (at most RELAY_SEND_MAX) and drops what left.
 * Returns 0, or -1 when the peer cannot take bytes any more. */
int proxy_end_send(struct proxy_end *e, struct buf *b);
/* 0 when the end's connect() has completed, -1 when it failed. */
int proxy_end_connected(struct proxy_end *e);

/* The request head for t: request line, Host, Origin, the client's
 * headers that lws knows by name and a list of common custom ones,
 * X-Forwarded-For/-Host/-Proto, t->extra_headers; then "Connection:
 * close" (upgrade 0: one request per connection, its EOF ends the answer)
 * or the client's WebSocket handshake headers (upgrade 1); the blank line.
 * Never the key header of http.c's config. */
int proxy_build_head(struct http_conn *c, const struct proxy_target *t,
		     int upgrade, struct buf *b);
/* The method's name, NULL for one the proxy does not forward. */
const char *proxy_method_name(int method);

#endif
