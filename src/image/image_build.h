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
 * image_rootfs_busybox.c (libarchive), image_cache.c (cached tarballs,
 * recipe hashes), image_engine.c (import, check, tag, remove),
 * image_child.c (child processes, interruption), image_util.c. */
#ifndef HB_IMAGE_BUILD_H
#define HB_IMAGE_BUILD_H

#include <stddef.h>

enum image_base {
	IMAGE_BASE_BOOKWORM,
	IMAGE_BASE_BUSYBOX,
};

#define IMAGE_ID_MAX 80     /* "sha256:" + 64 hex digits, and room */
#define IMAGE_RECIPE_LEN 16 /* hex digits of handbox.recipe */
#define IMAGE_RECIPE_LABEL "handbox.recipe"

/* Called with one line (no newline) per step, from the calling thread or
 * from a helper thread while the caller waits; calls never overlap. */
struct image_progress {
	void (*line)(void *arg, const char *line);
	void *arg;
};

struct image_build_opts {
	enum image_base base;
	const char *tag;          /* NULL: image_base_default_tag(base) */
	int force;                /* rebuild even when the tag is up to date */
	int no_cache;             /* run mmdebstrap again (the new tarball is
				     still cached for the next build) */
	const char *docker_host;  /* NULL/"": the default socket */
	const char *cache_dir;    /* NULL: $HANDBOX_CACHE, else ~/.cache/handbox */
	struct image_progress progress;
};

/* What the tag names once the call returns. Plain data. */
struct image_result {
	char id[IMAGE_ID_MAX];
	long long size;           /* bytes, as the engine counts them */
	int up_to_date;           /* 1: nothing was built */
	char recipe[IMAGE_RECIPE_LEN + 1]; /* "" for image_import_fd */
};

/* "bookworm" or "busybox"; anything else is HB_EINVAL with a sentence
 * naming the value and what is expected. */
int image_base_parse(const char *s, enum image_base *out, char *err, size_t errlen);
const char *image_base_name(enum image_base base);
const char *image_base_default_tag(enum image_base base);

/* Checks that tag is a local image reference (lower-case repository, with
 * an optional :TAG); HB_EINVAL with a sentence otherwise. */
int image_tag_check(const char *tag, char *err, size_t errlen);

/* Builds (or finds up to date) the image. Needs a Docker engine; the
 * bookworm base also needs mmdebstrap and root (or user namespaces) unless
 * its rootfs is cached. Temporary files, child processes and untagged
 * images are cleaned up whatever the outcome. */
int image_build(const struct image_build_opts *o, struct image_result *res,
		char *err, size_t errlen);

/* Imports the tar stream read from fd (to its end) as tag, applying the
 * Dockerfile instructions in changes (ENV, WORKDIR, CMD, LABEL…), and
 * removes the image tag named before, unless something still uses it. */
int image_import_fd(const char *docker_host, const char *tag, int fd,
		    const char *const *changes, size_t nchanges,
		    const struct image_progress *progress,
		    struct image_result *res, char *err, size_t errlen);

/* Async-signal-safe: passes sig on to the process group of the child a
 * build is running (mmdebstrap, apt-get) and makes the build stop at its
 * next step with "interrupted". For a SIGINT/SIGTERM handler of the
 * program; the build still cleans up after itself. */
void image_build_interrupt(int sig);

#endif
