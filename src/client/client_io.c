/* client_io.c — whole writes to descriptors that may be non-blocking; see
 * client_io.h. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "client/client_io.h"

int client_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	struct pollfd pfd;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* as a blocking write would: wait as long as the
			 * reader takes */
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return errno;
			continue;
		}
		return n < 0 ? errno : EIO;
	}
	return 0;
}
