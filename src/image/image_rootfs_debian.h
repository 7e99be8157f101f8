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

/* mmdebstrap's command line into argv: "mmdebstrap", its options, the
 * suite, "-" (the tarball on stdout) and the archive's entries, sources
 * (image_sources()). argv[1…] are all that shapes the rootfs, so they key
 * the cached tarball. */
int image_debian_argv(const struct strv *sources, struct strv *argv);

/* Imports the rootfs into t: the cached tarball when there is one (and
 * not no_cache), else a fresh mmdebstrap run with argv, whose tarball is
 * cached as tarball when mmdebstrap succeeds. Temporary files and the
 * child are cleaned up whatever the outcome; t->id is "" unless something
 * was imported. */
int image_debian_import(const struct strv *argv, const char *tarball, int no_cache,
			struct image_target *t, const struct image_job *pr,
			char *err, size_t errlen);

#endif
