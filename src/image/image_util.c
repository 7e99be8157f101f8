/* image_util.c — the string array, progress lines, the clock and the file
 * helpers the image_* files share; see image_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "image/image_util.h"

/* ------------------------------------------------------- string arrays */

int strv_add(struct strv *s, const char *str)
{
	char **nv;
	char *copy;

	if (s->n + 2 > s->cap) {
		nv = realloc(s->v, (s->cap ? s->cap * 2 : 16) * sizeof(*nv));
		if (!nv)
			return HB_ENOMEM;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 16;
	}
	if (!(copy = strdup(str)))
		return HB_ENOMEM;
	s->v[s->n++] = copy;
	s->v[s->n] = NULL;
	return 0;
}

int strv_addf(struct strv *s, const char *fmt, ...)
{
	char *str = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return HB_ENOMEM;
	rc = strv_add(s, str);
	free(str);
	return rc;
}

int strv_has(const struct strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

void strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_unique(struct strv *s)
{
	size_t i, j = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (!strcmp(s->v[i], s->v[j]))
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
	s->v[s->n] = NULL;
}

int strv_join(const struct strv *s, struct buf *b)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++)
		if ((rc = buf_printf(b, "%s\n", s->v[i])) < 0)
			return rc;
	return 0;
}

/* ------------------------------------------------ progress and the clock */

void image_say(const struct image_progress *p, const char *fmt, ...)
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

double image_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --------------------------------------------------------------- files */

int image_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

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

int image_find_in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH"), *p, *end;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		if (snprintf(out, outlen, "%.*s/%s", (int)(end - p), p, name) < (int)outlen &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -1;
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
