/* routes.c — the route table of `handbox serve` (API.md § 2). The first
 * pattern that matches answers, so fixed segments ("search", "count")
 * come before the {} that would also take them. */
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"

const struct route srv_routes[] = {
	{ HTTP_GET, "/health", ROUTE_OPEN, route_health, NULL },
	{ HTTP_POST, "/api/login", ROUTE_OPEN, route_login, NULL },
	{ HTTP_GET, "/api/settings", 0, route_settings_get, NULL },
	{ HTTP_POST, "/api/settings", 0, route_settings_post, NULL },
	{ HTTP_GET, "/api/settings/llm-presets", 0, route_llm_presets, NULL },
	{ HTTP_POST, "/api/settings/llm-test", 0, route_llm_test, NULL },
	{ HTTP_POST, "/api/conversations", 0, route_conv_create, NULL },
	{ HTTP_GET, "/api/conversations/search", 0, route_conv_search, NULL },
	{ HTTP_GET, "/api/conversations/count", 0, route_conv_count, NULL },
	{ HTTP_GET, "/api/conversations/{}", 0, route_conv_get, NULL },
	{ HTTP_DELETE, "/api/conversations/{}", 0, route_conv_delete, NULL },
	{ HTTP_POST, "/api/conversations/{}/events", 0, route_conv_send, NULL },
	{ HTTP_POST, "/api/conversations/{}/run", 0, route_conv_run, NULL },
	{ HTTP_POST, "/api/conversations/{}/pause", 0, route_conv_pause, NULL },
	{ HTTP_POST, "/api/conversations/{}/interrupt", 0, route_conv_interrupt, NULL },
	{ HTTP_GET, "/api/conversations/{}/events/search", 0, route_events_search, NULL },
	{ HTTP_GET, "/api/conversations/{}/events/count", 0, route_events_count, NULL },
	{ HTTP_GET, "/api/conversations/{}/events/{}", 0, route_events_get, NULL },
	{ HTTP_GET, "/sockets/events/{}", ROUTE_WS, NULL, &route_socket_ops },
	{ HTTP_GET, "/api/sandboxes", 0, route_sbx_list, NULL },
	{ HTTP_POST, "/api/sandboxes", 0, route_sbx_create, NULL },
	{ HTTP_GET, "/api/sandboxes/{}", 0, route_sbx_get, NULL },
	{ HTTP_DELETE, "/api/sandboxes/{}", 0, route_sbx_delete, NULL },
	{ HTTP_POST, "/api/sandboxes/{}/pause", 0, route_sbx_pause, NULL },
	{ HTTP_POST, "/api/sandboxes/{}/resume", 0, route_sbx_resume, NULL },
	{ HTTP_GET, "/api/sandboxes/{}/open/{}", 0, route_ports_open_link, NULL },
	{ HTTP_ANY, "/api/sandboxes/{}/ports/{}", ROUTE_KEY_QUERY, NULL, &route_ports_slash_ops },
	{ HTTP_ANY, "/api/sandboxes/{}/ports/{}/{**}", ROUTE_KEY_QUERY, NULL, &route_ports_http_ops },
	{ HTTP_GET, "/api/sandboxes/{}/ports/{}/{**}", ROUTE_WS, NULL, &route_ports_ws_ops },
	{ HTTP_ANY, "/api/sandboxes/{}/sandboxd/{**}", 0, NULL, &route_sandboxd_http_ops },
	{ HTTP_GET, "/api/sandboxes/{}/sandboxd/{**}", ROUTE_WS, NULL, &route_sandboxd_ws_ops },
	{ HTTP_GET, "/", ROUTE_OPEN, route_web_index, NULL },
	{ HTTP_GET, "/conversations/{}", ROUTE_OPEN, route_web_index, NULL },
	{ HTTP_GET, "/settings", ROUTE_OPEN, route_web_index, NULL },
	{ HTTP_GET, "/login", ROUTE_OPEN, route_web_index, NULL },
	{ HTTP_GET, "/assets/{**}", ROUTE_OPEN, route_web_asset, NULL },
	{ 0, NULL, 0, NULL, NULL },
};

int srv_reply_fail(struct http_conn *c, int rc, const char *err)
{
	switch (rc) {
	case HB_ENOENT: return http_reply_error(c, 404, "%s", err);
	case HB_EINVAL: return http_reply_error(c, 422, "%s", err);
	case HB_ETOOBIG: return http_reply_error(c, 413, "%s", err);
	case HB_EBUSY: return http_reply_error(c, 409, "%s", err);
	default: return http_reply_error(c, 500, "%s", err);
	}
}

int srv_reply_int(struct http_conn *c, long long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", n);
	return http_reply(c, 200, "application/json", text, strlen(text));
}
