/* image_rootfs_debian.h — the bookworm image's root filesystem: made by
 * mmdebstrap (variant apt, the agent's tools, user `user`, /workspace),
 * whose tar stream goes into the engine and into the rootfs cache at
 * once, or imported from that cache. */
#ifndef HB_IMAGE_IMAGE_ROOTFS_DEBIAN_H
#define HB_IMAGE_IMAGE_ROOTFS_DEBIAN_H

#include <stddef.h>

#include "image/image_build.h"
#include "image/image_engine.h"
#include "image/image_util.h"

/* The agent's tools: what every bookworm image holds. */
#define BOOKWORM_PACKAGES \
	"bash,coreutils,python3,nodejs,npm,git,curl,ca-certificates,procps,passwd"

/* mmdebstrap's command line into argv: "mmdebstrap", its options, the
 * packages and hooks of features (image_features.h; code-server comes
 * from cs_tarball, a path relative to mmdebstrap's working directory), the
 * suite, "-" (the tarball on stdout) and the archive's entries, sources
 * (image_sources()). argv[1…] are all that shapes the rootfs, so they key
 * the cached tarball. */
int image_debian_argv(const struct strv *sources, unsigned features, const char *cs_tarball,
		      struct strv *argv);

/* The dpkg options that leave docs, man pages and translations out and
 * skip dpkg's fsync per file, added to argv. */
int image_debian_slim_options(struct strv *argv);

/* Runs mmdebstrap with argv in cwd (may be NULL) when its output is not
 * a tarball on stdout (--format=null, whose hooks copy out what is kept):
 * its I: lines become progress lines, its last lines go into the error
 * when it fails. The child is reaped whatever the outcome. */
int image_debian_run(const struct strv *argv, const char *cwd, const struct image_job *pr,
		     char *err, size_t errlen);

/* Imports the rootfs into t: the cached tarball when there is one (and
 * not no_cache), else a fresh mmdebstrap run with argv in cwd, whose tarball is
 * cached as tarball when mmdebstrap succeeds. Temporary files and the
 * child are cleaned up whatever the outcome; t->id is "" unless something
 * was imported. */
int image_debian_import(const struct strv *argv, const char *cwd, const char *tarball,
			int no_cache, struct image_target *t, const struct image_job *pr,
			char *err, size_t errlen);

#endif
