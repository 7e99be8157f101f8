/* health.c — liveness, readiness and server information (open routes), and
 * the VS Code / desktop URL routes, which answer null until those services
 * run in the sandbox. */
#include <string.h>

#include "common/clock.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/browser.h"
#include "sandboxd/health.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

int health_alive(struct http_conn *c, json_t *body)
{
	return http_reply_json(c, 200, json_pack("{s:s}", "status", "ok"));
}

int health_ready(struct http_conn *c, json_t *body)
{
	return http_reply_json(c, 200, json_pack("{s:s}", "status", "ready"));
}

int health_server_info(struct http_conn *c, json_t *body)
{
	int64_t now = clock_mono_us();
	json_t *info = json_pack(
		"{s:f, s:f, s:s, s:s, s:[], s:[s,s,s,s,s]}",
		"uptime", (double)(now - sandboxd_started_us) / 1e6,
		"idle_time", (double)(now - sandboxd_last_exec_us) / 1e6,
		"title", "handbox sandboxd",
		"version", SANDBOXD_VERSION,
		"usable_tools",
		"capabilities", "bash", "exec", "files", "git", "ports");

	if (info && browser_installed())
		json_array_append_new(json_object_get(info, "capabilities"),
				      json_string(SANDBOXD_CAP_BROWSER));
	return http_reply_json(c, 200, info);
}

/* No VS Code or VNC server runs in a sandbox yet: answer as the reference
 * does when those services are disabled. */
int health_null_url(struct http_conn *c, json_t *body)
{
	return http_reply_json(c, 200, json_pack("{s:n}", "url"));
}
