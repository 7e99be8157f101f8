/* proxy.h — sandboxd's port proxy routes: /api/handbox/ports/{port}/{path}
 * to apps listening on 127.0.0.1:{port} inside the sandbox, as HTTP and as
 * WebSocket tunnels, over src/net/proxy.h. docs/port-proxy.md has the wire
 * format and the limits. */
#ifndef HB_SANDBOXD_PROXY_H
#define HB_SANDBOXD_PROXY_H

/* ANY /api/handbox/ports/{port}/{**}: the HTTP proxy */
extern const struct http_stream_ops proxy_http_ops;
/* ANY /api/handbox/ports/{port}: 308 to "{port}/", so that the app's
 * relative links resolve under the prefix */
extern const struct http_stream_ops proxy_slash_ops;
/* WS /api/handbox/ports/{port}/{**}: the WebSocket tunnel */
extern const struct http_stream_ops proxy_ws_ops;

#endif
