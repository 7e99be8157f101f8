/* docker_api.h — the Docker Engine API over its unix socket, with libcurl.
 *
 * No docker CLI at run time: every call is an HTTP request to the engine
 * (API version pinned to DOCKER_API_VERSION, which engines from 20.10 on
 * speak). Engine failures are turned into sentences a user understands;
 * the engine's own message is kept in them. */
#ifndef HB_ENGINE_DOCKER_API_H
#define HB_ENGINE_DOCKER_API_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define DOCKER_API_VERSION "v1.41"
#define DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"

struct docker_api;

/* docker_host: NULL/"" (the default socket) or "unix:///path". Other
 * schemes get a clear HB_EINVAL. Nothing is contacted yet. Caller frees the
 * handle with docker_api_close(). One handle per thread. */
int docker_api_open(struct docker_api **out, const char *docker_host,
		    char *err, size_t errlen);
void docker_api_close(struct docker_api *api);
const char *docker_api_socket(const struct docker_api *api);

struct docker_reply {
	long status;          /* HTTP status */
	json_t *json;         /* parsed body when it was JSON, else NULL */
	char *body;           /* raw body, NUL-terminated (may be "") */
	size_t len;
};
void docker_reply_free(struct docker_reply *r);
/* The engine's {"message": "..."} or the raw body or "HTTP N". */
const char *docker_reply_message(const struct docker_reply *r);

/* One request. path is after the version, e.g. "/containers/json?all=1".
 * body (borrowed, may be NULL) is sent as JSON. Returns 0 whatever the HTTP
 * status (check out->status), or HB_EIO with "no Docker engine answers at
 * SOCKET: is dockerd running?" when the socket can't be reached. The reply
 * body is capped at 64 MiB. out is zeroed first, whatever happens, so the
 * caller can always docker_reply_free() it. */
int docker_api_call(struct docker_api *api, const char *method, const char *path,
		    json_t *body, struct docker_reply *out, char *err, size_t errlen);

/* A request whose body is streamed from fd (until EOF) as
 * application/x-tar; used for image import and copying into containers.
 * The reply is handled as in docker_api_call. */
int docker_api_upload_fd(struct docker_api *api, const char *method,
			 const char *path, int fd, struct docker_reply *out,
			 char *err, size_t errlen);

/* A GET whose body is handed to sink as it arrives (logs, archives);
 * sink returns 0 to go on. Non-2xx replies are collected into out instead
 * of being passed to sink. */
int docker_api_download(struct docker_api *api, const char *path,
			int (*sink)(const void *data, size_t len, void *arg),
			void *arg, struct docker_reply *out,
			char *err, size_t errlen);

/* Writes "PREFIX: MESSAGE" for a failed reply (the message cut at a few
 * hundred characters) and returns the matching HB_E… code (404 →
 * HB_ENOENT, 409 → HB_EBUSY, others HB_EIO). */
int docker_fail(const struct docker_reply *r, char *err, size_t errlen,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Query-string escaping of s (for names, filters). malloc'd; caller frees. */
char *docker_escape(struct docker_api *api, const char *s);

#endif
