/* image_build.h — sandbox images made from Debian packages, no registry.
 *
 * Two bases:
 *   bookworm  mmdebstrap (variant apt) with bash, python3, nodejs, npm, git,
 *             curl…, user `user` (1000) and /workspace owned by it; the
 *             rootfs tarball is cached under the cache directory, keyed by
 *             a hash of mmdebstrap's arguments and the archive's sources.
 *   busybox   a scratch image holding Debian's static busybox and its applet
 *             links, composed as a tar stream in memory with libarchive.
 * Either tarball is streamed into the engine (POST /images/create?fromSrc=-)
 * as an untagged image, checked by running a command in it, and only then
 * given its tag, so a failed build never takes a working tag away. The
 * image carries the label handbox.recipe, a hash of everything that shaped
 * it: a build whose tag already has that recipe does nothing.
 *
 * Progress lines go to a callback; nothing is printed. Functions return 0
 * or a negative HB_E… code with a sentence in err.
 *
 * The files: image_build.c (this API, the steps of a build),
 * image_sources.c (apt's sources), image_rootfs_debian.c (mmdebstrap),
 * image_features.c (--with vscode,desktop), image_code_server.c
 * (code-server's build, cached),
 * image_rootfs_busybox.c (libarchive), image_cache.c (cached tarballs,
 * recipe hashes), image_engine.c (import, check, tag, remove),
 * image_child.c (child processes, interruption), image_util.c. */
#ifndef HB_IMAGE_IMAGE_BUILD_H
#define HB_IMAGE_IMAGE_BUILD_H

#include <stddef.h>

#include "handbox/cancel.h"
#include "handbox/image.h"

#define IMAGE_RECIPE_LABEL "handbox.recipe"

/* Who a build reports to and who may stop it: one line (no newline) per
 * step goes to line(arg, …), from the calling thread or from a helper
 * thread while the caller waits (calls never overlap); cancel (may be
 * NULL) stops the child running at the time and the build at its next
 * step. */
struct image_job {
	void (*line)(void *arg, const char *line);
	void *arg;
	struct hb_cancel *cancel;
};

/* "bookworm" or "busybox"; anything else is HB_EINVAL with a sentence
 * naming the value and what is expected. */
int image_base_parse(const char *s, enum hb_image_base *out, char *err, size_t errlen);
const char *image_base_name(enum hb_image_base base);

/* Checks that tag is a local image reference (lower-case repository, with
 * an optional :TAG); HB_EINVAL with a sentence otherwise. */
int image_tag_check(const char *tag, char *err, size_t errlen);

/* Builds (or finds up to date) the image. Needs a Docker engine; the
 * bookworm base also needs mmdebstrap and root (or user namespaces) unless
 * its rootfs is cached. Temporary files, child processes and untagged
 * images are cleaned up whatever the outcome. */
int image_build(const struct hb_image_build_options *o, struct hb_image *res,
		char *err, size_t errlen);

/* Imports the tar stream read from fd (to its end) as tag, applying the
 * Dockerfile instructions in changes (ENV, WORKDIR, CMD, LABEL…), and
 * removes the image tag named before, unless something still uses it. */
int image_import_fd(const char *docker_host, const char *tag, int fd,
		    const char *const *changes, size_t nchanges,
		    const struct image_job *job, struct hb_image *res,
		    char *err, size_t errlen);

#endif
