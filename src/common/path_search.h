/* path_search.h — looking a program up in a PATH list: for sandboxd's
 * execve() in a command's own environment and its check for git, and for
 * the host tools the image builder runs. */
#ifndef HB_COMMON_PATH_SEARCH_H
#define HB_COMMON_PATH_SEARCH_H

/* The PATH of an environment that has none. */
#define PATH_SEARCH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Calls fn with DIR/file for each DIR of path (NULL: PATH_SEARCH_DEFAULT),
 * in order, until fn returns non-zero; returns that, or 0. Candidates
 * longer than PATH_MAX are skipped. An empty entry is meant as "." (as
 * execvp(3) has it) but gives "/file", as sandboxd always did: a fix of
 * its own, not part of moving this here. */
int path_search_each(const char *path, const char *file,
		     int (*fn)(const char *full, void *arg), void *arg);

/* The first DIR/name of our own $PATH (unset or empty: the default) that
 * we may execute, into out. Empty entries are skipped: a host tool is not
 * taken from the current directory. Returns 0 when found, else -1. */
int path_search_exec(const char *name, char *out, size_t outlen);

#endif
