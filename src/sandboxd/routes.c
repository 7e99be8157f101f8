/* routes.c — every route sandboxd answers, in one table. */
#include "sandboxd/bash.h"
#include "sandboxd/health.h"
#include "sandboxd/http.h"

const struct route sandboxd_routes[] = {
	{ HTTP_GET, "/alive", ROUTE_OPEN, health_alive, NULL },
	{ HTTP_GET, "/health", ROUTE_OPEN, health_alive, NULL },
	{ HTTP_GET, "/ready", ROUTE_OPEN, health_ready, NULL },
	{ HTTP_GET, "/server_info", ROUTE_OPEN, health_server_info, NULL },

	{ HTTP_POST, "/api/bash/start_bash_command", 0, bash_start_route, NULL },
	{ HTTP_POST, "/api/bash/execute_bash_command", 0, bash_execute_route, NULL },
	{ HTTP_GET, "/api/bash/bash_events/search", 0, bash_search_route, NULL },
	{ HTTP_GET, "/api/bash/bash_events/{}", 0, bash_get_event_route, NULL },
	{ HTTP_DELETE, "/api/bash/bash_events", 0, bash_clear_route, NULL },
	{ HTTP_GET, "/sockets/bash-events", ROUTE_WS, NULL, &bash_events_socket },

	{ HTTP_GET, "/api/vscode/url", 0, health_null_url, NULL },
	{ HTTP_GET, "/api/desktop/url", 0, health_null_url, NULL },
	{ 0, NULL, 0, NULL, NULL },
};
