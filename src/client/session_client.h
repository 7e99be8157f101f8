/* session_client.h — the host side of sandboxd's persistent bash sessions
 * (docs/bash-sessions.md), with libcurl: start a session, run a command or
 * type into the running one, wait for more output, delete it. The agent's
 * terminal tool is built on it.
 *
 * Every call returns 0 or an HB_E… code with a message: HB_EPERM (401, the
 * key), HB_ENOENT (404, no such session), HB_EINVAL (409, 413, 422: with
 * sandboxd's detail), HB_EBUSY (503, too many sessions), HB_EIO (no answer,
 * a broken connection, anything else), HB_ECANCELED (the caller's cancel
 * token was set during a wait: the command goes on in the sandbox). */
#ifndef HB_CLIENT_SESSION_CLIENT_H
#define HB_CLIENT_SESSION_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "client/sandbox_client.h"
#include "common/buf.h"
#include "handbox/cancel.h"

/* One connection to sandboxd, kept open across the calls of a
 * conversation. Zero it, then session_client_open(). */
struct session_client {
	const struct sandbox_conn *conn;
	CURL *curl;
	struct curl_slist *headers;
	char curl_err[CURL_ERROR_SIZE];
	struct buf url;
	struct buf body;          /* an answer, capped */
	bool body_too_big;
	const struct hb_cancel *cancel;   /* of the request being made */
};

enum session_status { SESSION_COMPLETED, SESSION_RUNNING, SESSION_EXITED };

/* What run and output answer. */
struct session_answer {
	enum session_status status;
	bool has_exit_code;       /* false: exit_code "null" */
	int exit_code;
	char *output;             /* UTF-8, NUL-terminated (malloc'd) */
	size_t output_len;
	char *cwd;                /* malloc'd; "" when sandboxd sent none */
	bool truncated;           /* sandboxd dropped older output */
};
/* Frees what a holds and zeroes it. */
void session_answer_clear(struct session_answer *a);

/* Prepares s for sandboxd at c (c must outlive s); session_client_close()
 * frees what it holds, also after a failure. */
int session_client_open(struct session_client *s, const struct sandbox_conn *c,
			char *err, size_t errlen);
void session_client_close(struct session_client *s);

/* Starts a session: cwd (NULL: sandboxd's workdir), env ("NAME=value"
 * strings, NULL-terminated, may be NULL), rows and cols (0: sandboxd's
 * defaults). *id (malloc'd) names it. */
int session_create(struct session_client *s, const char *cwd, const char *const *env,
		   int rows, int cols, char **id, char *err, size_t errlen);
/* Runs command (is_input false) or types it into the running command
 * (is_input true; "C-c" and the like are keys), waiting up to timeout_s
 * seconds (0–3600) for it to end. cancel (may be NULL) ends the wait. */
int session_run(struct session_client *s, const char *id, const char *command,
		double timeout_s, bool is_input, const struct hb_cancel *cancel,
		struct session_answer *out, char *err, size_t errlen);
/* What was printed since the last answer, waiting up to wait_s seconds for
 * a running command to end. */
int session_output(struct session_client *s, const char *id, double wait_s,
		   const struct hb_cancel *cancel, struct session_answer *out,
		   char *err, size_t errlen);
/* Kills the shell and its jobs. */
int session_delete(struct session_client *s, const char *id, char *err, size_t errlen);

/* Parses the JSON text of a run or output answer into out (pure; for the
 * unit tests too). HB_EIO with a message when it does not have the shape. */
int session_answer_parse(const char *json, size_t len, struct session_answer *out,
			 char *err, size_t errlen);

#endif
