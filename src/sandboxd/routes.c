/* routes.c — every route sandboxd answers, in one table. Those the host
 * calls are spelled in common/sandboxd_wire.h, shared with src/client. */
#include "common/sandboxd_wire.h"
#include "sandboxd/bash.h"
#include "sandboxd/exec_ws.h"
#include "sandboxd/files.h"
#include "sandboxd/git.h"
#include "sandboxd/health.h"
#include "sandboxd/ports.h"
#include "sandboxd/proxy.h"
#include "sandboxd/routes.h"
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

	{ HTTP_GET, "/api/vscode/url", 0, health_null_url, NULL },
	{ HTTP_GET, "/api/desktop/url", 0, health_null_url, NULL },
	{ 0, NULL, 0, NULL, NULL },
};
