/* client_io.h — writing to descriptors the client does not own: our
 * stdout and stderr, a file being downloaded. */
#ifndef HB_CLIENT_CLIENT_IO_H
#define HB_CLIENT_CLIENT_IO_H

#include <stddef.h>

/* Writes all len bytes, waiting (poll) when fd is non-blocking and full:
 * a terminal shared with a descriptor libwebsockets has adopted is.
 * Returns 0 or an errno value (EPIPE: the reader has gone). */
int client_write_all(int fd, const void *data, size_t len);

#endif
