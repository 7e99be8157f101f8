/* ws_target.h — where a libwebsockets client connects for an http(s) base
 * URL and a route: host, port, TLS, the path (the base URL's own path
 * kept, for a server behind a proxy prefix) and the Host header. Shared by
 * sandboxd's exec client and the SDK's client of `handbox serve`. */
#ifndef HB_CLIENT_WS_TARGET_H
#define HB_CLIENT_WS_TARGET_H

#include <stdbool.h>
#include <stddef.h>

struct ws_target {
	char *host;                  /* without IPv6 brackets */
	int port;
	bool tls;
	char *path;                  /* the base URL's path + route */
	char *host_header;           /* host:port */
};

/* "http://127.0.0.1:49153" (or https, with a path prefix) and route
 * "/api/handbox/exec" → *t (free with ws_target_free; nothing to free on
 * failure). what names the URL in a message ("sandbox URL"). */
int ws_target_parse(const char *url, const char *route, const char *what,
		    struct ws_target *t, char *err, size_t errlen);
void ws_target_free(struct ws_target *t);

#endif
