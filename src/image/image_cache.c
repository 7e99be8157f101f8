/* image_cache.c — recipe hashes and the bookworm rootfs cache: where it
 * is, how its tarballs are named, written and pruned; see image_cache.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "image/image_cache.h"

/* Bump when the build changes what an image holds in a way the recipe
 * inputs (mmdebstrap's arguments, the busybox layout, the import
 * instructions) do not show, so existing images are rebuilt. */
#define RECIPE_FORMAT "handbox image recipe 1"

#define CACHE_KEEP 3                  /* rootfs tarballs kept */

void image_hash_hex(const void *data, size_t len, char out[HB_IMAGE_RECIPE_LEN + 1])
{
	unsigned char md[20];
	int i;

	lws_SHA1(data, len, md);
	for (i = 0; i < HB_IMAGE_RECIPE_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int image_recipe(const char *shape, size_t len, const struct strv *changes,
		 char out[HB_IMAGE_RECIPE_LEN + 1])
{
	struct buf in;
	int rc;

	buf_init(&in, 0);
	if ((rc = buf_printf(&in, "%s\n", RECIPE_FORMAT)) == 0 &&
	    (rc = buf_append(&in, shape, len)) == 0 &&
	    (rc = strv_join(changes, &in)) == 0)
		image_hash_hex(in.data, in.len, out);
	buf_free(&in);
	return rc;
}

int image_cache_root(const char *opt, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_CACHE"), *home = getenv("HOME");
	struct passwd *pw;

	if (opt && *opt)
		snprintf(out, outlen, "%s", opt);
	else if (env && *env)
		snprintf(out, outlen, "%s", env);
	else if ((home && *home) || ((pw = getpwuid(getuid())) && (home = pw->pw_dir)))
		snprintf(out, outlen, "%s/.cache/handbox", home);
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "no cache directory: set HANDBOX_CACHE or HOME");
	return 0;
}

int image_cache_tarball(const char *cache, const char *name, const struct strv *argv,
			char key[HB_IMAGE_RECIPE_LEN + 1], char *path, size_t pathlen,
			char *err, size_t errlen)
{
	struct buf in;
	size_t i;
	int rc = 0;

	buf_init(&in, 0);
	for (i = 1; i < argv->n && rc == 0; i++)
		rc = buf_printf(&in, "%s\n", argv->v[i]);
	if (rc == 0)
		image_hash_hex(in.data, in.len, key);
	buf_free(&in);
	if (rc < 0)
		return rc;
	if (snprintf(path, pathlen, "%s/%s-%s.tar", cache, name, key) >= (int)pathlen)
		return hb_fail(err, errlen, HB_EINVAL, "cache directory path too long");
	return 0;
}

/* 1 when name is prefix, a key and ".tar": a tarball of prefix's family. */
static int of_family(const char *name, const char *prefix, size_t plen)
{
	size_t i;

	if (strncmp(name, prefix, plen) || strlen(name) != plen + HB_IMAGE_RECIPE_LEN + 4 ||
	    strcmp(name + plen + HB_IMAGE_RECIPE_LEN, ".tar"))
		return 0;
	for (i = 0; i < HB_IMAGE_RECIPE_LEN; i++)
		if (!strchr("0123456789abcdef", name[plen + i]))
			return 0;
	return 1;
}

void image_cache_prune(const char *tarball)
{
	struct dirent **names = NULL;
	struct { char name[256]; time_t mtime; } keep[CACHE_KEEP + 1];
	char dir[PATH_MAX], prefix[256], path[PATH_MAX];
	const char *base = strrchr(tarball, '/');
	struct stat st;
	int i, j, n, kept = 0;
	size_t plen;
	long pid;
	char *dash;

	if (!base || (size_t)(base - tarball) >= sizeof(dir) ||
	    strlen(base + 1) < HB_IMAGE_RECIPE_LEN + 4)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - tarball), tarball);
	plen = strlen(base + 1) - HB_IMAGE_RECIPE_LEN - 4;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)plen, base + 1);
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			goto next;
		if (name[0] == '.' && (dash = strstr(name, ".partial-"))) {
			pid = strtol(dash + 9, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				unlink(path);
			goto next;
		}
		if (!of_family(name, prefix, plen) || stat(path, &st))
			goto next;
		/* insert by mtime, newest first; what falls off the end goes */
		for (j = kept; j > 0 && keep[j - 1].mtime < st.st_mtime; j--)
			keep[j] = keep[j - 1];
		snprintf(keep[j].name, sizeof(keep[j].name), "%s", name);
		keep[j].mtime = st.st_mtime;
		if (kept < CACHE_KEEP) {
			kept++;
		} else if (snprintf(path, sizeof(path), "%s/%s", dir, keep[CACHE_KEEP].name)
			   < (int)sizeof(path)) {
			unlink(path);
		}
next:
		free(names[i]);
	}
	free(names);
}

int image_cache_open(const char *dir, const char *final, char *partial, size_t partlen)
{
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);

	*partial = '\0';
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (snprintf(partial, partlen, "%s/.%s.partial-%ld", dir, strrchr(final, '/') + 1,
		     (long)getpid()) >= (int)partlen) {
		*partial = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

int image_cache_commit(int fd, const char *partial, const char *final)
{
	char proc[64];

	if (fdatasync(fd) < 0)
		return -1;
	if (*partial)
		return rename(partial, final);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (unlink(final) < 0 && errno != ENOENT)
		return -1;
	return linkat(AT_FDCWD, proc, AT_FDCWD, final, AT_SYMLINK_FOLLOW);
}
