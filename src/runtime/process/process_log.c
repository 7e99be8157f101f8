/* process_log.c — reading a process sandbox's log (see process_log.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/process/process_log.h"

#define LOG_TAIL_MAX (4u << 20)    /* logs never returns more than this */
#define FAILURE_LOG_LINES 20

int process_log_tail(const char *path, int tail, char **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf, *p;
	off_t from;
	size_t len;
	ssize_t n;
	int fd, lines = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return (*out = strdup("")) ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", path, strerror(errno));
	}
	from = st.st_size > (off_t)LOG_TAIL_MAX ? st.st_size - (off_t)LOG_TAIL_MAX : 0;
	len = (size_t)(st.st_size - from);
	buf = malloc(len + 1);
	n = buf ? pread(fd, buf, len, from) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return hb_fail(err, errlen, HB_EIO, "cannot read %s", path);
	}
	buf[n] = '\0';
	p = buf + n;
	/* a final newline ends the last line; it does not start another */
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf && (tail <= 0 || lines < tail))
		if (*--p == '\n' && ++lines == tail && tail > 0) {
			p++;
			break;
		}
	memmove(buf, p, (size_t)(buf + n - p) + 1);
	*out = buf;
	return 0;
}

int process_log_explain(const char *path, int rc, char *err, size_t errlen)
{
	char *tail = NULL;
	size_t n;

	if (!err)
		return rc;
	n = strlen(err);
	if (process_log_tail(path, FAILURE_LOG_LINES, &tail, NULL, 0) == 0 && tail[0] &&
	    n < errlen)
		snprintf(err + n, errlen - n, "; its last output:\n%s", tail);
	free(tail);
	return rc;
}
