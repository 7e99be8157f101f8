/* proxy.h — the reverse proxy from sandboxd's port to apps listening on
 * 127.0.0.1 inside the sandbox: /api/handbox/ports/{port}/{path} as plain
 * HTTP (proxy.c: request and response streamed as bytes, with
 * back-pressure) and as a WebSocket (proxy_ws.c: messages relayed to a
 * WebSocket client connection of our own). docs/port-proxy.md has the wire
 * format and the limits. */
#ifndef HB_SANDBOXD_PROXY_H
#define HB_SANDBOXD_PROXY_H

#include <stddef.h>

#include <libwebsockets.h>

#include "common/buf.h"

struct http_conn;

/* ANY /api/handbox/ports/{port}/{**}: the HTTP proxy */
extern const struct http_stream_ops proxy_http_ops;
/* ANY /api/handbox/ports/{port}: 308 to "{port}/", so that the app's
 * relative links resolve under the prefix */
extern const struct http_stream_ops proxy_slash_ops;
/* WS /api/handbox/ports/{port}/{**}: the WebSocket relay */
extern const struct http_stream_ops proxy_ws_ops;

/* The lws protocol of every upstream connection (raw sockets for HTTP,
 * WebSocket clients for WebSockets). main.c lists it on the vhost next to
 * http_protocol. */
extern const struct lws_protocols proxy_protocol;

/* Parses a decimal port in 1..65535; the message names the value. Returns
 * 0 or HB_EINVAL. */
int proxy_parse_port(const char *s, int *port, char *err, size_t errlen);

/* Appends s percent-encoded for a path (query 0: keeps "/" and the
 * sub-delimiters) or for one name or value of a query (query 1: encodes
 * "&", "=", "+", ";" and "#" as well). Returns 0 or a buf error. */
int proxy_append_encoded(struct buf *b, const char *s, int query);

/* ---------------------------------------- shared by proxy.c and proxy_ws.c */

/* Appends the upstream request target: "/" + the path after the port,
 * then "?" + the query re-encoded from lws's decoded arguments, leaving
 * out the argument named skip_arg (NULL: none). */
int proxy_append_target(struct http_conn *c, struct buf *b,
			const char *skip_arg);

/* Appends the client's request headers that go upstream, as "Name: value"
 * lines: for a WebSocket handshake (ws 1) only those that identify the
 * user (Cookie, Authorization, User-Agent…); then X-Forwarded-For/-Host/
 * -Proto (the client's own X-Forwarded-Host and -Proto win). Never the
 * session key. */
int proxy_append_headers(struct http_conn *c, struct buf *b, int ws);

/* Pauses (on 0) or resumes (on 1) reading from wsi; *paused remembers
 * which, so lws is asked only on a change. wsi NULL (that side is gone):
 * nothing happens. */
static inline void proxy_rx_flow(struct lws *wsi, int *paused, int on)
{
	if (!wsi || *paused == !on)
		return;
	lws_rx_flow_control(wsi, on);
	*paused = !on;
}

/* The WebSocket client's callbacks (proxy_ws.c); proxy_protocol hands
 * them every reason that is not about a raw socket. It acts only on
 * client and close reasons, which raw sockets never get, so the opaque
 * pointer of a raw socket is never taken for its own. */
int proxy_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		      void *in, size_t len);

#endif
