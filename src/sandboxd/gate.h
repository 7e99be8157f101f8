/* gate.h — sandboxd's listeners on 8001 (VS Code) and 8002 (the desktop's
 * noVNC): each lets a browser in with the sandbox's token and relays HTTP
 * and WebSockets to the service behind it on loopback. Also the routes that
 * hand out the URLs, /api/vscode/url and /api/desktop/url (API.md § 8).
 *
 * The token is random, made at start (GATE_TOKEN_BYTES from getrandom):
 * a link carries it as ?tkn=, answered with a cookie and a redirect to the
 * same address without it; later requests and WebSockets show the cookie.
 * A missing or wrong one is 403. docs/vscode-desktop.md says why both
 * ports are gated (the reference gates only VS Code). */
#ifndef HB_SANDBOXD_GATE_H
#define HB_SANDBOXD_GATE_H

#include <jansson.h>

struct http_conn;
struct http_stream_ops;
struct lws_vhost;

#define GATE_VSCODE_PORT 8001
#define GATE_DESKTOP_PORT 8002
#define GATE_TOKEN_BYTES 24
#define GATE_QUERY "tkn"

/* Makes the token. Returns 0 or HB_EIO (no randomness). */
int gate_init(void);
/* The listener of a group (SERVICES_VSCODE, SERVICES_DESKTOP) is vhost. */
void gate_attach(unsigned group, struct lws_vhost *vhost);

/* http_config.host_route: a request on a gate's port is routed as
 * GATE_ROUTE_PREFIX + its path, which no request on sandboxd's own port
 * can be (paths start with "/"). */
int gate_host_route(struct http_conn *c, const char *path, char *out, size_t outlen,
		    char *err, size_t errlen);
#define GATE_ROUTE_PREFIX "gate:"

extern const struct http_stream_ops gate_http_ops;
extern const struct http_stream_ops gate_ws_ops;

/* GET /api/vscode/url?base_url=&workspace_dir= and GET /api/desktop/url?
 * base_url=: {"url": …} or {"url": null} where the image lacks it. They
 * start the service too: the URL is asked for just before it is opened. */
int gate_vscode_url_route(struct http_conn *c, json_t *body);
int gate_desktop_url_route(struct http_conn *c, json_t *body);

#endif
