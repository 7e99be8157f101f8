/* routes.c — every route sandboxd answers, in one table, and the HTTP
 * settings it is served with. The routes the host calls are spelled in
 * common/sandboxd_wire.h, shared with src/client. */
#include <string.h>

#include "common/sandboxd_wire.h"
#include "sandboxd/bash.h"
#include "sandboxd/browser.h"
#include "sandboxd/exec_ws.h"
#include "sandboxd/files.h"
#include "sandboxd/gate.h"
#include "sandboxd/git.h"
#include "sandboxd/health.h"
#include "sandboxd/ports.h"
#include "sandboxd/proxy.h"
#include "sandboxd/routes.h"
#include "sandboxd/services.h"
#include "sandboxd/bash_session.h"

const struct route sandboxd_routes[] = {
	{ HTTP_GET, "/alive", ROUTE_OPEN, health_alive, NULL },
	{ HTTP_GET, SANDBOXD_ROUTE_HEALTH, ROUTE_OPEN, health_alive, NULL },
	{ HTTP_GET, "/ready", ROUTE_OPEN, health_ready, NULL },
	{ HTTP_GET, "/server_info", ROUTE_OPEN, health_server_info, NULL },

	{ HTTP_POST, "/api/bash/start_bash_command", 0, bash_start_route, NULL },
	{ HTTP_POST, "/api/bash/execute_bash_command", 0, bash_execute_route, NULL },
	{ HTTP_GET, "/api/bash/bash_events/search", 0, bash_search_route, NULL },
	{ HTTP_GET, "/api/bash/bash_events/{}", 0, bash_get_event_route, NULL },
	{ HTTP_DELETE, "/api/bash/bash_events", 0, bash_clear_route, NULL },
	{ HTTP_GET, "/sockets/bash-events", ROUTE_WS, NULL, &bash_events_socket },
	{ HTTP_GET, SANDBOXD_ROUTE_EXEC, ROUTE_WS, NULL, &exec_ws_socket },

	{ HTTP_POST, "/api/handbox/sessions", 0, bash_session_create_route, NULL },
	{ HTTP_GET, "/api/handbox/sessions", 0, bash_session_list_route, NULL },
	{ HTTP_GET, "/api/handbox/sessions/{}", 0, bash_session_get_route, NULL },
	{ HTTP_DELETE, "/api/handbox/sessions/{}", 0, bash_session_delete_route, NULL },
	{ HTTP_POST, "/api/handbox/sessions/{}/run", 0, bash_session_run_route, NULL },
	{ HTTP_GET, "/api/handbox/sessions/{}/output", 0, bash_session_output_route, NULL },
	{ HTTP_POST, "/api/handbox/sessions/{}/output", 0, bash_session_output_route, NULL },
	{ HTTP_GET, SANDBOXD_ROUTE_SESSIONS "/{}" SANDBOXD_SESSION_WATCH, ROUTE_WS, NULL,
	  &bash_session_watch_socket },

	{ HTTP_POST, SANDBOXD_ROUTE_FILE_UPLOAD, 0, NULL, &files_upload_ops },
	{ HTTP_GET, SANDBOXD_ROUTE_FILE_DOWNLOAD, 0, NULL, &files_download_ops },
	{ HTTP_POST, SANDBOXD_ROUTE_FILE_MKDIR, 0, NULL, &files_mkdir_ops },
	{ HTTP_GET, SANDBOXD_ROUTE_FILES_LIST, 0, files_list_route, NULL },
	{ HTTP_GET, SANDBOXD_ROUTE_FILES_STAT, 0, files_stat_route, NULL },
	{ HTTP_POST, "/api/handbox/files/remove", 0, files_remove_route, NULL },
	{ HTTP_POST, "/api/handbox/files/move", 0, files_move_route, NULL },
	{ HTTP_GET, "/api/git/changes", 0, git_changes_route, NULL },
	{ HTTP_GET, "/api/git/diff", 0, git_diff_route, NULL },

	{ HTTP_GET, "/api/handbox/ports", 0, ports_list_route, NULL },
	{ HTTP_ANY, "/api/handbox/ports/{}", 0, NULL, &proxy_slash_ops },
	{ HTTP_ANY, "/api/handbox/ports/{}/{**}", 0, NULL, &proxy_http_ops },
	{ HTTP_GET, "/api/handbox/ports/{}/{**}", ROUTE_WS, NULL, &proxy_ws_ops },

	{ HTTP_POST, SANDBOXD_ROUTE_BROWSER "/{}", 0, browser_route, NULL },

	{ HTTP_GET, "/api/vscode/url", 0, gate_vscode_url_route, NULL },
	{ HTTP_GET, "/api/desktop/url", 0, gate_desktop_url_route, NULL },
	{ HTTP_GET, "/api/handbox/services", 0, services_list_route, NULL },
	{ HTTP_GET, "/api/handbox/services/{}/log", 0, services_log_route, NULL },
	/* requests on 8001 and 8002 (gate_host_route): the gate checks the
	 * token itself */
	{ HTTP_ANY, GATE_ROUTE_PREFIX "/{**}", ROUTE_OPEN, NULL, &gate_http_ops },
	{ HTTP_GET, GATE_ROUTE_PREFIX "/{**}", ROUTE_OPEN | ROUTE_WS, NULL, &gate_ws_ops },
	{ 0, NULL, 0, NULL, NULL },
};

/* Slow clients (docs/sandboxd.md, "Slow clients"). At most this many
 * connections wait for a request at once; past it, a new one closes the
 * one that has waited longest. 2,048: above the 2,000 idle or trickling
 * connections sandboxd must stay reachable under, so those close nobody
 * early and /health answers 10 of 10 within 1 s (0 of 10 with lws's 64
 * header tables before), while memory stays bounded: 15-23 MB resident
 * under 2,000 idle or trickling (bench/slow_clients.py); at worst, every
 * one holding a full 16 KiB header table, ~45 MB. */
#define WAITING_MAX 2048
/* Past WAITING_MAX, clients that reconnect at once churn the list; this
 * much time a connection keeps whatever comes after it, so a real
 * client's request (sent right after connecting) is read, not pushed
 * out. With 2,500 such clients /health still answers 10 of 10 (45 MB
 * resident while they churn). */
#define WAITING_GRACE_MS 200
/* Header tables: the waiting connections', plus one per request in
 * progress; execute_bash_command holds its own while its command runs,
 * and as many commands may run as bash.c allows (1,024). Tables are
 * allocated when taken, so the cap costs nothing until it is used. */
#define HEADER_POOL (WAITING_MAX + 1024)
/* A client sends its request's headers right after connecting; over a
 * slow link that is still well under a second. This ends a silent or
 * trickling connection that the list has not pushed out yet. */
#define HEADER_SECS 5
#define KEEPALIVE_SECS 60

void routes_http_config(struct http_config *c, char **api_keys)
{
	memset(c, 0, sizeof(*c));
	c->routes = sandboxd_routes;
	c->api_keys = api_keys;
	c->key_header = SANDBOXD_KEY_HEADER;
	c->key_query = SANDBOXD_KEY_QUERY;
	c->host_route = gate_host_route;
	c->ws_close_auth = SANDBOXD_CLOSE_AUTH;
	c->ws_close_no_route = SANDBOXD_CLOSE_NO_ROUTE;
	c->waiting_max = WAITING_MAX;
	c->waiting_grace_ms = WAITING_GRACE_MS;
	c->header_pool = HEADER_POOL;
	c->header_secs = HEADER_SECS;
	c->keepalive_secs = KEEPALIVE_SECS;
}
