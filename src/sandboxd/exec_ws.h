/* exec_ws.h — WS /api/handbox/exec: one command per WebSocket, started from
 * a JSON "start" message (argv or a shell line, cwd, env, user, optional
 * PTY, timeout), its stdout and stderr streamed back as binary frames, stdin,
 * EOF, resize and signals taken from the client, and a final "exit" message.
 * The wire format is documented in docs/exec-websocket.md. */
#ifndef HB_SANDBOXD_EXEC_WS_H
#define HB_SANDBOXD_EXEC_WS_H

struct http_stream_ops;

extern const struct http_stream_ops exec_ws_socket;

#endif
