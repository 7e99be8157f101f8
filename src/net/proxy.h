/* proxy.h — a reverse proxy for the routes of src/net/http.c: one request
 * (or one WebSocket upgrade) forwarded to a plain-HTTP upstream on a
 * numeric IPv4 address, its answer relayed back. sandboxd forwards
 * /api/handbox/ports/{port}/{path} to 127.0.0.1:{port} inside the sandbox;
 * `handbox serve` forwards /api/sandboxes/{id}/ports/{port}/{path} and
 * {port}-{id}.localhost to the sandbox's sandboxd.
 *
 * HTTP (proxy_http.c): the request head is rebuilt (method, target, the
 * headers lws knows, the caller's own), the body streams up as it comes,
 * the answer comes back as the upstream's raw bytes (status line, headers,
 * chunked or not) until its EOF: upstream is asked for "Connection: close"
 * and the client's connection closes after the answer.
 *
 * WebSocket (proxy_tunnel.c): the client's upgrade request is forwarded
 * with its handshake headers (key, version, subprotocols, extensions), the
 * upstream's answer (its 101, or an HTTP error) goes back as it came, and
 * from then on bytes flow both ways untouched: any subprotocol, extension
 * and frame passes, nothing is parsed. The client's socket is taken from
 * libwebsockets (http_take_socket()), so this needs plain TCP (no TLS
 * terminated by lws) and lws's poll loop.
 *
 * Memory per relay is bounded in each direction (PROXY_RELAY_LIMIT):
 * reading from the faster side pauses at 256 KiB and resumes under 64 KiB.
 * docs/port-proxy.md has the wire format. */
#ifndef HB_NET_PROXY_H
#define HB_NET_PROXY_H

#include <stddef.h>

#include "common/buf.h"

struct http_conn;
struct lws_protocols;

#define PROXY_RELAY_LIMIT (1u << 20)
#define PROXY_TIMEOUT_S 60           /* default wait for the first byte */
#define PROXY_TIMEOUT_MAX_S 86400

/* Where a request goes and how it is presented there. Strings are copied
 * by the start functions; the struct may live on the caller's stack. */
struct proxy_target {
	const char *ip;          /* numeric IPv4: "127.0.0.1" (no name lookup) */
	int port;
	/* the upstream path: prefix (already encoded, "" or
	 * "/api/handbox/ports/5173") + "/" + path (decoded, as lws hands it
	 * out; encoded again here) + "?" + the client's query re-encoded */
	const char *prefix;
	const char *path;
	const char *skip_query;  /* a query argument left out (a key), or NULL */
	/* a cookie left out of the Cookie header (a proxy's own session),
	 * or NULL */
	const char *skip_cookie;
	/* nonzero: the client's Authorization header stays here (it holds
	 * the proxy's own key) */
	int skip_authorization;
	const char *host;        /* the Host header upstream */
	/* replaces the client's Origin when it sent one (apps compare it
	 * with Host); NULL passes the client's own on */
	const char *origin;
	/* "Name: value\r\n"… added to the request (a key for the next hop),
	 * or NULL */
	const char *extra_headers;
	/* the wait for the upstream's first byte, in seconds (0: the
	 * default); once the answer has begun there is no time limit */
	int timeout_s;
	/* how errors name the upstream: "the app on 127.0.0.1:8011" ("…
	 * did not answer within 60 s"), and the whole sentence for a refused
	 * connection ("nothing listens on 127.0.0.1:8011 inside the sandbox") */
	const char *name;
	const char *refused;
	/* a tunnel calls it (on the loop) with activity_key whenever the
	 * client sends bytes through it: a proxy that pauses idle upstreams
	 * counts them, not an open but silent connection. NULL: none */
	void (*on_client_bytes)(const char *activity_key);
	const char *activity_key;
};

/* ---------------------------------------------------------- HTTP relay
 * The route's http_stream_ops: on_request calls proxy_http_start(), the
 * other members are these. proxy_http_start() answers errors itself (502
 * refused, 504 timeout, 502 closed without an answer) and returns what
 * on_request returns (0, or -1 to drop the connection). */
int proxy_http_start(struct http_conn *c, const struct proxy_target *t);
int proxy_http_body(struct http_conn *c, const char *data, size_t len);
int proxy_http_writeable(struct http_conn *c);
void proxy_http_close(struct http_conn *c);

/* The answer to "{prefix}/{port}" without its slash: 308 to "{port}/"
 * with the query, relative so that it holds behind any outer prefix (an
 * app's relative links then resolve under the prefix). Returns what
 * on_request returns. */
int proxy_reply_slash(struct http_conn *c, int port);

/* ---------------------------------------------------- WebSocket tunnel
 * For a route's on_upgrade (http.h). Takes the client's socket and
 * returns 1 (http.c then forgets the connection), or 0 when the socket
 * cannot be taken (TLS): lws's own WebSocket handshake goes on. When the
 * upstream cannot be reached or does not answer in time, the client gets
 * a WebSocket handshake of our own and a close frame 1014 with the
 * sentence, so that a browser sees why. */
int proxy_tunnel_start(struct http_conn *c, const struct proxy_target *t);

/* The lws protocol of every proxied socket (raw): list it on the vhost
 * next to http_protocol. */
extern const struct lws_protocols proxy_protocol;

/* Appends "/" + path percent-encoded + "?" + c's query re-encoded from
 * lws's decoded arguments, without the argument skip_query (NULL: none).
 * Returns 0 or a buf error. */
int proxy_append_target(struct http_conn *c, struct buf *b, const char *path,
			const char *skip_query);

/* Appends "?" + c's query re-encoded as proxy_append_target() does
 * (nothing when no argument is left). Returns 0 or a buf error. */
int proxy_append_query(struct http_conn *c, struct buf *b, const char *skip_query);

/* -------------------------------------------------------- pure helpers */

/* Parses a decimal port in 1..65535; the message names the value.
 * Returns 0 or HB_EINVAL. */
int proxy_parse_port(const char *s, int *port, char *err, size_t errlen);

/* Appends s percent-encoded for a path (query 0: keeps "/" and the
 * sub-delimiters) or for one name or value of a query (query 1: encodes
 * "&", "=", "+", ";" and "#" as well). Returns 0 or a buf error. */
int proxy_append_encoded(struct buf *b, const char *s, int query);

/* A Host header of the sub-domain proxy, "{port}-{id}.{suffix}[:port]"
 * ("5173-0b6f…-9c1d.localhost:3000" with suffix "localhost"; the suffix
 * in any case, a final dot allowed): fills *port and id (the label after
 * the first "-": [A-Za-z0-9_-], at most idlen - 1 bytes; a UUID fits in
 * 37). Returns 1 when host is one, 0 when it is not (no sub-domain, or
 * another name: not a proxied request), HB_EINVAL when it has the shape
 * but a bad port or id, with a message naming the value. */
int proxy_parse_sub_host(const char *host, const char *suffix, int *port,
			 char *id, size_t idlen, char *err, size_t errlen);

/* Appends the Cookie header value cookies without the cookies named
 * name ("a=1; s=K; b=2" without s: "a=1; b=2"). Returns 0 or a buf
 * error. */
int proxy_append_cookies(struct buf *b, const char *cookies, const char *name);

/* The first name of a Sec-WebSocket-Protocol offer ("vite-hmr, x" ->
 * "vite-hmr"), into out. Returns its length, 0 when there is none, -1
 * when it does not fit or is not a token. */
int proxy_first_protocol(const char *offer, char *out, size_t outlen);

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2),
 * NUL-terminated into out (at least 29 bytes). Returns 0 or -1. */
int proxy_ws_accept(const char *key, char *out, size_t outlen);

/* Reads the request header X-Handbox-Proxy-Timeout (whole seconds from 1
 * to PROXY_TIMEOUT_MAX_S) into *timeout_s; absent: PROXY_TIMEOUT_S.
 * Returns 0 or HB_EINVAL with a message naming the value. */
int proxy_timeout_header(struct http_conn *c, int *timeout_s, char *err,
			 size_t errlen);

#endif
