/* bash_request.h — the body of start_bash_command / execute_bash_command
 * (and of a /sockets/bash-events frame), checked and turned into a struct.
 * Kept apart from bash.c so unit tests and the fuzzer can reach it without
 * an event loop. */
#ifndef HB_SANDBOXD_BASH_REQUEST_H
#define HB_SANDBOXD_BASH_REQUEST_H

#include <stddef.h>
#include <jansson.h>

#define BASH_DEFAULT_TIMEOUT_S 300

struct bash_request {
	const char *command;  /* borrowed from the body */
	const char *cwd;      /* borrowed; NULL = the default working directory;
			       * not checked here (see bash.c: 400 unless absolute) */
	double timeout;       /* seconds, in (0, SANDBOXD_TIMEOUT_MAX_S] */
};

/* {"command": str, "cwd"?: str or null, "timeout"?: seconds or null}: the
 * shape a 422 answers. The strings in req point into body, which must
 * outlive req. Returns 0, or HB_EINVAL with a message naming the field. */
int bash_request_parse(json_t *body, struct bash_request *req, char *err,
		       size_t errlen);

#endif
