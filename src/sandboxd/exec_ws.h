/* exec_ws.h — WS /api/handbox/exec: one command per WebSocket, started from
 * a JSON "start" message (argv or a shell line, cwd, env, user, optional
 * PTY, timeout), its stdout and stderr streamed back as binary frames, stdin,
 * EOF, resize and signals taken from the client, and a final "exit" message.
 * The wire format is documented in docs/exec-websocket.md. */
#ifndef HB_SANDBOXD_EXEC_WS_H
#define HB_SANDBOXD_EXEC_WS_H

#include <stddef.h>
#include <jansson.h>

#include "common/strv.h"
#include "sandboxd/users.h"

struct http_stream_ops;

extern const struct http_stream_ops exec_ws_socket;

/* The parsing of client messages, pure but for reading the passwd file of
 * another user: exposed for the fuzz target (fuzz/fuzz_exec_message.c). */

#define EXEC_WS_SIGNAL_MAX 64

/* A "start" message, checked. */
struct exec_ws_start {
	const char **argv;          /* into the message's strings; freed here */
	const char *cwd;            /* into the message, or sandboxd_cfg.workdir */
	struct strv env;
	struct sandbox_user user;
	int switch_user;
	int pty, want_stdin;
	unsigned short rows, cols;
	double timeout;             /* seconds; 0 = none */
};

/* Fills r from the "start" object m (r points into m, which must outlive
 * it). Returns 0, or a negative HB_E code with a message naming the field in
 * err. Either way the caller frees r with exec_ws_start_free(). */
int exec_ws_start_parse(json_t *m, struct exec_ws_start *r, char *err, size_t errlen);
void exec_ws_start_free(struct exec_ws_start *r);

/* A message to a running command. */
enum exec_ws_control_kind { EXEC_WS_STDIN, EXEC_WS_EOF, EXEC_WS_RESIZE, EXEC_WS_SIGNAL };

struct exec_ws_control {
	enum exec_ws_control_kind kind;
	const char *data;           /* stdin: into the message */
	size_t len;
	unsigned short rows, cols;  /* resize: 1…65535 */
	int signal;                 /* signal: 1…EXEC_WS_SIGNAL_MAX */
};

/* Fills ctl from the object m of a type other than "start" and "auth"
 * ("stdin", "eof", "resize", "signal"). Returns 0, or HB_EINVAL with a
 * message naming the field (or the unknown type) in err. */
int exec_ws_control_parse(json_t *m, const char *type, struct exec_ws_control *ctl,
			  char *err, size_t errlen);

/* "SIGINT", "INT" (any case) or a decimal number → 1…EXEC_WS_SIGNAL_MAX,
 * or 0. */
int exec_ws_signal_parse(const char *name);
/* "SIGINT" for 2; "SIG40" for a number without a name. */
void exec_ws_signal_name(int sig, char out[16]);

#endif
