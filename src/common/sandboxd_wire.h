/* sandboxd_wire.h — what both ends of sandboxd's API spell the same way:
 * sandboxd itself (src/sandboxd) and its host-side clients (src/client,
 * the runtime's /health wait). Header and argument names, the routes the
 * host calls, WebSocket close codes and the caps both sides check. The
 * protocols are in docs/exec-websocket.md, docs/files-and-git.md and
 * docs/bash-sessions.md; changing a value here changes the wire. */
#ifndef HB_COMMON_SANDBOXD_WIRE_H
#define HB_COMMON_SANDBOXD_WIRE_H

/* -------------------------------------------------------- the session key */

/* The request header that carries the key (any case on the wire). */
#define SANDBOXD_KEY_HEADER "X-Session-API-Key"
/* The query argument that may carry it on a WebSocket handshake, and the
 * field of the first-frame auth message {"type":"auth", …}. */
#define SANDBOXD_KEY_QUERY "session_api_key"

/* ------------------------------------------------ routes the host calls */

#define SANDBOXD_ROUTE_HEALTH "/health"
#define SANDBOXD_ROUTE_EXEC "/api/handbox/exec"                /* WebSocket */
#define SANDBOXD_ROUTE_FILE_UPLOAD "/api/file/upload"
#define SANDBOXD_ROUTE_FILE_DOWNLOAD "/api/file/download"
#define SANDBOXD_ROUTE_FILE_MKDIR "/api/file/create_directory"
#define SANDBOXD_ROUTE_FILES_LIST "/api/handbox/files/list"
#define SANDBOXD_ROUTE_FILES_STAT "/api/handbox/files/stat"
/* persistent bash sessions: POST to make one, then /{id}, /{id}/run,
 * /{id}/output (docs/bash-sessions.md) */
#define SANDBOXD_ROUTE_SESSIONS "/api/handbox/sessions"
/* after SANDBOXD_ROUTE_SESSIONS "/{id}": the read-only WebSocket that
 * streams a session's terminal (its recent output, then live) */
#define SANDBOXD_SESSION_WATCH "/watch"
/* where VS Code (container port 8001) and the desktop's noVNC (8002)
 * answer, for a base URL given in base_url= (API.md § 8) */
#define SANDBOXD_ROUTE_VSCODE_URL "/api/vscode/url"
#define SANDBOXD_ROUTE_DESKTOP_URL "/api/desktop/url"
/* the agent's browser: POST SANDBOXD_ROUTE_BROWSER "/{action}" with the
 * tool's arguments (docs/browser.md); /server_info lists the capability
 * when the image has a browser */
#define SANDBOXD_ROUTE_BROWSER "/api/handbox/browser"
#define SANDBOXD_CAP_BROWSER "browser"

/* ------------------------------------------------ WebSocket close codes */

#define SANDBOXD_CLOSE_NORMAL 1000
#define SANDBOXD_CLOSE_BAD_MESSAGE 1008  /* the client broke the protocol */
#define SANDBOXD_CLOSE_FAILED 1011       /* the command did not start, or sandboxd failed */
#define SANDBOXD_CLOSE_BUSY 1013         /* too many at once: try again later */
#define SANDBOXD_CLOSE_AUTH 4001         /* a missing or wrong session key */
#define SANDBOXD_CLOSE_NO_ROUTE 4004     /* no WebSocket endpoint at that path */

/* ------------------------------------------------------------------ caps */

/* The most a command's "timeout" may be, in seconds (7 days): the exec
 * WebSocket's and the bash routes'. */
#define SANDBOXD_TIMEOUT_MAX_S 604800.0
/* Output bytes in one binary exec frame, after its stream byte. */
#define SANDBOXD_EXEC_FRAME_MAX (64u << 10)
/* The most entries one answer of the files list route holds. */
#define SANDBOXD_LIST_MAX 10000

#endif
