/* health.c — liveness, readiness and server information (open routes). */
#include <string.h>

#include "common/clock.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/browser.h"
#include "sandboxd/health.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/services.h"

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
	json_t *caps = json_pack("[s,s,s,s,s]", "bash", "exec", "files", "git", "ports");

	/* what the image adds (services.h): clients offer those tabs and
	 * tools only where they work */
	if (caps && (services_present() & SERVICES_VSCODE))
		json_array_append_new(caps, json_string("vscode"));
	if (caps && (services_present() & SERVICES_DESKTOP))
		json_array_append_new(caps, json_string("desktop"));
	if (caps && browser_installed())
		json_array_append_new(caps, json_string(SANDBOXD_CAP_BROWSER));
	return http_reply_json(c, 200, json_pack(
		"{s:f, s:f, s:s, s:s, s:[], s:o}",
		"uptime", (double)(now - sandboxd_started_us) / 1e6,
		"idle_time", (double)(now - sandboxd_last_exec_us) / 1e6,
		"title", "handbox sandboxd",
		"version", SANDBOXD_VERSION,
		"usable_tools",
		"capabilities", caps));
}
