/* image_util.c — progress lines, the clock and the file helpers the
 * image_* files share; see image_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "image/image_util.h"

/* ------------------------------------------------ progress and the clock */

void image_say(const struct image_job *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!p || !p->line)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->line(p->arg, line);
}

/* --------------------------------------------------------------- files */

int image_file_read(const char *path, struct buf *b, size_t limit)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return HB_EIO;
	buf_init(b, limit);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = HB_EIO;
			break;
		}
		if ((rc = buf_append(b, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	if (rc < 0)
		buf_free(b);
	return rc;
}

int image_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

int image_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void image_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
