/* image_rootfs_busybox.h — the busybox image's root filesystem: Debian's
 * static busybox, its applet links, users root and user (1000), /tmp,
 * /root and /workspace, composed as a tar stream with libarchive; no
 * rootfs directory on disk. */
#ifndef HB_IMAGE_IMAGE_ROOTFS_BUSYBOX_H
#define HB_IMAGE_IMAGE_ROOTFS_BUSYBOX_H

#include <limits.h>
#include <stddef.h>

#include "common/buf.h"
#include "image/image_build.h"
#include "image/image_util.h"

struct image_busybox {
	struct buf bin;          /* the executable */
	int memfd;               /* the same, to run it: a file with no name */
	char version[128];       /* "v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)",
				    safe inside a quoted LABEL value */
	char origin[PATH_MAX + 64];
	struct strv applets;     /* "bin/sh", "usr/bin/env"… */
};

/* Sets bb empty (memfd -1) for image_busybox_free(). */
void image_busybox_init(struct image_busybox *bb);

/* Finds Debian's static busybox: /bin/busybox when that is a static
 * executable (package busybox-static is installed), else the one in the
 * package's .deb, fetched with apt-get download into CACHE/debs once. Runs
 * it for its applet list and version. The caller frees bb with
 * image_busybox_free() whatever the outcome. */
int image_busybox_find(struct image_busybox *bb, const char *cache,
		       const struct image_job *pr, char *err, size_t errlen);

/* What shapes the image besides the import instructions, for its recipe:
 * the executable's digest, the users, directories and applets; appended
 * to b. */
int image_busybox_recipe_input(const struct image_busybox *bb, struct buf *b);

/* Writes the rootfs as a tar stream into fd. */
int image_busybox_tar(const struct image_busybox *bb, int fd, char *err, size_t errlen);

void image_busybox_free(struct image_busybox *bb);

#endif
