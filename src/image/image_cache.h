/* image_cache.h — the cache of bookworm rootfs tarballs and the hashes
 * that decide what is up to date.
 *
 * Two hashes: the cache key of a tarball, from mmdebstrap's arguments
 * (which include the archive's sources), names the file
 * CACHE/debian/bookworm-KEY.tar (bookworm+vscode+desktop-KEY.tar… for an
 * image with features, code-server/code-server-VERSION-KEY.tar for
 * code-server's build); the recipe, from everything that shapes
 * an image, is its label handbox.recipe, and a build whose tag already
 * carries the recipe it would build does nothing. */
#ifndef HB_IMAGE_IMAGE_CACHE_H
#define HB_IMAGE_IMAGE_CACHE_H

#include <stddef.h>

#include "image/image_build.h"
#include "image/image_util.h"

/* The first HB_IMAGE_RECIPE_LEN hex digits of the SHA-1 of data. SHA-1 is the
 * digest the linked libraries export (libwebsockets); this is a cache key
 * and a change detector, not a signature. */
void image_hash_hex(const void *data, size_t len, char out[HB_IMAGE_RECIPE_LEN + 1]);

/* The image's recipe: the hash of the recipe format's version, of what
 * shaped the rootfs (shape, len bytes) and of the import instructions. */
int image_recipe(const char *shape, size_t len, const struct strv *changes,
		 char out[HB_IMAGE_RECIPE_LEN + 1]);

/* ${HANDBOX_CACHE:-~/.cache/handbox}, or opt when it is set, into out. */
int image_cache_root(const char *opt, char *out, size_t outlen, char *err, size_t errlen);

/* The cache key of mmdebstrap's command line argv (all but argv[0]) into
 * key, and the tarball it names, CACHE/NAME-KEY.tar (name like
 * "debian/bookworm"), into path. HB_EINVAL with a sentence when the path
 * is too long. */
int image_cache_tarball(const char *cache, const char *name, const struct strv *argv,
			char key[HB_IMAGE_RECIPE_LEN + 1], char *path, size_t pathlen,
			char *err, size_t errlen);

/* A file for the tarball final, in its directory dir: unnamed (O_TMPFILE)
 * where the file system can, else a dot-file named after our pid, whose
 * path goes into partial ("" otherwise). The caller closes the fd, and
 * unlinks partial when it is not "" and the file was not committed.
 * -1 with errno set on failure. */
int image_cache_open(const char *dir, const char *final, char *partial, size_t partlen);

/* Syncs the file open as fd and names it final; -1 with errno set. */
int image_cache_commit(int fd, const char *partial, const char *final);

/* Keeps the 3 newest tarballs of tarball's family (its directory, its
 * name up to the key: debian/bookworm-, debian/bookworm+vscode+desktop-…),
 * so building one image never evicts another's rootfs, and removes partial
 * files a build that no longer runs left behind. */
void image_cache_prune(const char *tarball);

#endif
