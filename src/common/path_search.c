/* path_search.c — PATH look-ups; see path_search.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/path_search.h"

/* path_search_each(), with empty entries kept or skipped */
static int each_dir(const char *path, const char *file, int skip_empty,
		    int (*fn)(const char *full, void *arg), void *arg)
{
	const char *p, *next;
	char full[PATH_MAX];
	size_t dlen;
	int rc;

	for (p = path ? path : PATH_SEARCH_DEFAULT; p; p = next) {
		next = strchr(p, ':');
		dlen = next ? (size_t)(next - p) : strlen(p);
		if (next)
			next++;
		if (!dlen && skip_empty)
			continue;
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)dlen,
			     dlen ? p : ".", file) >= (int)sizeof(full))
			continue;
		if ((rc = fn(full, arg)))
			return rc;
	}
	return 0;
}

int path_search_each(const char *path, const char *file,
		     int (*fn)(const char *full, void *arg), void *arg)
{
	return each_dir(path, file, 0, fn, arg);
}

struct exec_found {
	char *out;
	size_t outlen;
};

static int take_executable(const char *full, void *arg)
{
	struct exec_found *f = arg;
	size_t n = strlen(full);

	if (n >= f->outlen || access(full, X_OK))
		return 0;
	memcpy(f->out, full, n + 1);
	return 1;
}

int path_search_exec(const char *name, char *out, size_t outlen)
{
	struct exec_found f = { out, outlen };
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = PATH_SEARCH_DEFAULT;
	return each_dir(path, name, 1, take_executable, &f) == 1 ? 0 : -1;
}
