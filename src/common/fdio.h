/* fdio.h — whole writes to a file descriptor, the one loop that sandboxd's
 * uploads, the image builder and the host's exec and file clients share. */
#ifndef HB_COMMON_FDIO_H
#define HB_COMMON_FDIO_H

#include <stddef.h>

/* Writes all len bytes, retrying after EINTR and waiting (poll) when fd is
 * non-blocking and full, as a blocking write would: a terminal shared with
 * a descriptor libwebsockets has adopted is non-blocking. Returns 0, or -1
 * with errno set (EPIPE: the reader has gone). */
int fd_write_all(int fd, const void *data, size_t len);

#endif
