/* client_conn.h — what the clients of sandboxd's HTTP routes share: checks
 * on a struct sandbox_conn before anything is sent, a libcurl handle set up
 * for sandboxd (the file routes and the bash sessions use it), and the
 * message of an error answer. */
#ifndef HB_CLIENT_CLIENT_CONN_H
#define HB_CLIENT_CLIENT_CONN_H

#include <stddef.h>

#include <curl/curl.h>

#include "client/sandbox_client.h"
#include "common/buf.h"

/* A URL is given, and the key (if any) is printable ASCII: it goes into
 * a header, where a line break would start a header of its own. Returns
 * 0 or HB_EINVAL with a message. */
int client_conn_check(const struct sandbox_conn *c, char *err, size_t errlen);

/* A curl handle for sandboxd at c: the key header, no "Expect:
 * 100-continue" (sandboxd never answers it, curl would wait 1 s per
 * body), http and https only, a 10-s connect timeout, libcurl's messages
 * into curl_err (CURL_ERROR_SIZE bytes). On success *curl and *headers
 * belong to the caller (curl_easy_cleanup, curl_slist_free_all); on
 * failure both are NULL. */
int client_conn_curl(const struct sandbox_conn *c, CURL **curl, struct curl_slist **headers,
		     char *curl_err, char *err, size_t errlen);

/* The "detail" of a JSON error body ({"detail": "..."}), else the start of
 * the body, else "(no detail)"; at most 512 bytes of it. */
void client_conn_detail(const struct buf *body, char *out, size_t outlen);

#endif
