/* api.h — what the files of the public API's implementation share. */
#ifndef HB_LIB_API_H
#define HB_LIB_API_H

#include <stddef.h>

#include "client/sandbox_client.h"
#include "handbox/sandbox.h"

/* Room for "http://[IPv6]:PORT". */
#define API_URL_MAX 160

/* sb's sandboxd, for the client: its URL (written into url) and key.
 * HB_EBUSY, saying how to fix it, when sb is not running. */
int api_connect(const struct hb_sandbox *sb, struct sandbox_conn *conn, char *url,
		size_t urllen, char *err, size_t errlen);

#endif
