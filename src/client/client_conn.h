/* client_conn.h — checks on a struct sandbox_conn shared by the exec and
 * the file clients, before anything is sent. */
#ifndef HB_CLIENT_CLIENT_CONN_H
#define HB_CLIENT_CLIENT_CONN_H

#include <stddef.h>

#include "client/sandbox_client.h"

/* A URL is given, and the key (if any) is printable ASCII: it goes into
 * a header, where a line break would start a header of its own. Returns
 * 0 or HB_EINVAL with a message. */
int client_conn_check(const struct sandbox_conn *c, char *err, size_t errlen);

#endif
