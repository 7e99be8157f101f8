/* tls_front.h — HTTPS ended in front of an HTTP vhost of this layer
 * (tls_front.c): connections to the public port are decrypted by lws and
 * relayed as bytes to the HTTP vhost over socketpairs, so that every HTTP
 * connection is a plain socket a WebSocket tunnel can take (proxy.h).
 * Used by `handbox serve --tls-cert`; docs/serve.md. */
#ifndef HB_NET_TLS_FRONT_H
#define HB_NET_TLS_FRONT_H

#include <stddef.h>

struct lws_context;
struct lws_context_creation_info;
struct lws_vhost;

/* The vhost that listens where base says (port, iface, the PEM pair,
 * alpn, options), in front of http_vh (which listens nowhere itself and
 * has proxy_protocol). NULL when lws cannot listen or load the pair. */
struct lws_vhost *tls_front_listen(struct lws_context *cx,
				   const struct lws_context_creation_info *base,
				   struct lws_vhost *http_vh);
/* The client address of the connection behind the HTTP socket fd (the
 * HTTP vhost's end of a socketpair, or a dup of it): 0 and out filled, or
 * -1 when fd did not come through the front. */
int tls_front_peer(int fd, char *out, size_t outlen);

#endif
