/* server_sbx_target.c — where serve's relays to a sandbox go: that
 * sandbox's sandboxd, on its published port 8000, with its session key.
 * The port proxy (routes_ports.c) and the sandboxd passthrough
 * (routes_sandboxd.c) both forward through it; what they keep back of the
 * client's request (serve's own key, cookie and query argument) is decided
 * here once, so neither can leak serve's key to a sandbox. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "server/server.h"

int srv_sbx_target(struct srv_sbx_target *a, struct http_conn *c, const char *prefix,
		   const char *path, int timeout_s, char *err, size_t errlen)
{
	const char *id = c->params[0];
	struct in_addr addr;
	struct srv_sbx e;
	char auth[512];

	memset(a, 0, sizeof(*a));
	if (!srv_sbx_get(id, &e))
		return hb_fail(err, errlen, HB_ENOENT, "no sandbox \"%.64s\" on this server "
			       "(GET /api/sandboxes lists them)", id);
	if (e.sb.state != HB_SANDBOX_RUNNING)
		return hb_fail(err, errlen, HB_EBUSY, "sandbox %s is %s, not running: resume it "
			       "(POST /api/sandboxes/%s/resume, or send its conversation a "
			       "message) and try again", id, hb_sandbox_state_name(e.sb.state), id);
	if (!e.sb.host_ports[0])
		return hb_fail(err, errlen, HB_EBUSY, "sandbox %s publishes no port for its "
			       "sandboxd, so serve cannot reach it", id);
	/* a sandbox published on every address is reached on loopback */
	if (inet_pton(AF_INET, e.sb.host, &addr) != 1 || addr.s_addr == INADDR_ANY)
		addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_ntop(AF_INET, &addr, a->ip, sizeof(a->ip));
	snprintf(a->host, sizeof(a->host), "%s:%d", a->ip, e.sb.host_ports[0]);
	snprintf(a->extra, sizeof(a->extra), "X-Session-API-Key: %s\r\n"
		 "X-Handbox-Proxy-Timeout: %d\r\n", e.sb.session_api_key, timeout_s);
	snprintf(a->name, sizeof(a->name), "sandbox %s's sandboxd on %s", id, a->host);
	snprintf(a->refused, sizeof(a->refused), "sandbox %s's sandboxd does not answer on %s "
		 "(is the sandbox still starting, or stopped?)", id, a->host);
	snprintf(a->prefix, sizeof(a->prefix), "%s", prefix);
	a->t.prefix = a->prefix;
	a->t.ip = a->ip;
	a->t.port = e.sb.host_ports[0];
	a->t.path = path;
	a->t.skip_query = SERVER_KEY_QUERY;
	a->t.skip_cookie = SERVER_COOKIE;
	a->t.skip_authorization = lws_hdr_copy(c->wsi, auth, sizeof(auth),
					       WSI_TOKEN_HTTP_AUTHORIZATION) > 7 &&
				  !strncasecmp(auth, "Bearer ", 7) && http_key_is_valid(auth + 7);
	a->t.host = a->host;
	a->t.extra_headers = a->extra;
	/* sandboxd's own wait bounds the app's answer: this hop waits a
	 * little longer, so that sandboxd's sentence is what comes back */
	a->t.timeout_s = timeout_s + 5;
	a->t.name = a->name;
	a->t.refused = a->refused;
	snprintf(a->id, sizeof(a->id), "%s", e.sb.id);
	a->t.on_client_bytes = srv_sbx_activity;
	a->t.activity_key = a->id;
	return 0;
}
