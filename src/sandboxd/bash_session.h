/* bash_session.h — persistent bash sessions for the agent's terminal tool,
 * under /api/handbox/sessions (docs/bash-sessions.md has the wire format).
 *
 * One interactive bash per session, on a PTY, as the sandbox user: cwd,
 * variables and functions persist between commands. Each command answers
 * with its exit code and final cwd when it ends, or with status "running"
 * and the output so far when its soft timeout passes first; the command
 * then goes on, and the agent may poll for more output or type input and
 * keys (C-c, C-d, …) into it. The shell protocol is in bash_session_parse.h. */
#ifndef HB_SANDBOXD_BASH_SESSION_H
#define HB_SANDBOXD_BASH_SESSION_H

#include <jansson.h>

struct http_conn;
struct http_stream_ops;

int bash_session_create_route(struct http_conn *c, json_t *body);
int bash_session_list_route(struct http_conn *c, json_t *body);
int bash_session_get_route(struct http_conn *c, json_t *body);
int bash_session_delete_route(struct http_conn *c, json_t *body);
int bash_session_run_route(struct http_conn *c, json_t *body);
int bash_session_output_route(struct http_conn *c, json_t *body);
/* WS …/{id}/watch: the terminal, read-only (bash_session_watch.h) */
extern const struct http_stream_ops bash_session_watch_socket;

#endif
