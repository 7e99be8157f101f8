/* handbox/image.h — sandbox images made from Debian packages, with no
 * registry, imported into the Docker engine (docs/images.md).
 *
 * Two bases: bookworm (Debian 12 by mmdebstrap: bash, python3, nodejs,
 * git…) and busybox (a scratch image with Debian's static busybox). The
 * bookworm base takes optional features: VS Code for the browser
 * (code-server) and a desktop (VNC, noVNC, Chromium). A build whose tag
 * already carries the recipe of what would be built does nothing.
 * Progress goes to a callback; nothing is printed. */
#ifndef HB_HANDBOX_IMAGE_H
#define HB_HANDBOX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <handbox/cancel.h>

#ifdef __cplusplus
extern "C" {
#endif

enum hb_image_base {
	HB_IMAGE_BOOKWORM,
	HB_IMAGE_BUSYBOX,
};

/* What a bookworm image holds beyond the agent's tools; the image lists
 * them in /etc/handbox/features (docs/images.md). */
enum hb_image_feature {
	HB_IMAGE_VSCODE = 1u << 0,   /* code-server, /usr/local/bin/code-server */
	HB_IMAGE_DESKTOP = 1u << 1,  /* Xtigervnc, matchbox, websockify + noVNC, Chromium */
};

#define HB_IMAGE_ID_MAX 80        /* "sha256:" + 64 hex digits, and room */
#define HB_IMAGE_RECIPE_LEN 16    /* hex digits of the handbox.recipe label */

/* Called with one line (no newline) per step, from the calling thread or
 * a helper thread while the caller waits; calls never overlap. */
typedef void (*hb_progress_fn)(void *arg, const char *line);

struct hb_image_build_options {   /* all zero = bookworm, its default tag */
	enum hb_image_base base;
	const char *tag;          /* NULL: hb_image_default_tag(base, features) */
	bool force;               /* rebuild even when the tag is up to date */
	bool no_cache;            /* run mmdebstrap again (the new tarball is
				     still cached for the next build) */
	const char *docker_host;  /* NULL/"": DOCKER_HOST, else the default socket */
	const char *cache_dir;    /* NULL: $HANDBOX_CACHE, else ~/.cache/handbox */
	hb_progress_fn progress;  /* may be NULL */
	void *progress_arg;
	struct hb_cancel *cancel; /* may be NULL */
	unsigned features;        /* HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP; bookworm only */
};

/* What the tag names once a build or import returns. Plain data. */
struct hb_image {
	char id[HB_IMAGE_ID_MAX];
	long long size;           /* bytes, as the engine counts them */
	bool up_to_date;          /* nothing was built */
	char recipe[HB_IMAGE_RECIPE_LEN + 1]; /* "" for an import */
};

/* "bookworm" or "busybox"; anything else is HB_EINVAL naming the value. */
int hb_image_base_parse(const char *s, enum hb_image_base *out, char *err, size_t errlen);
const char *hb_image_base_name(enum hb_image_base base);
/* A comma-separated list of "vscode" and "desktop" into *out (HB_IMAGE_…
 * bits); an unknown or repeated name is HB_EINVAL naming it and the list. */
int hb_image_features_parse(const char *s, unsigned *out, char *err, size_t errlen);
/* handbox/sandbox:latest, handbox/busybox:latest, or for a bookworm image
 * with features handbox/sandbox:desktop (VS Code and the desktop),
 * handbox/sandbox:vscode or handbox/sandbox:desktop-only. */
const char *hb_image_default_tag(enum hb_image_base base, unsigned features);
/* A local image reference (lower-case repository, optional :TAG). */
int hb_image_tag_check(const char *tag, char *err, size_t errlen);

/* Builds (or finds up to date) the image. The bookworm base needs
 * mmdebstrap and root unless its rootfs is cached. Temporary files, child
 * processes and untagged images are cleaned up whatever the outcome; a
 * build that fails or is cancelled never takes a working tag away. */
int hb_image_build(const struct hb_image_build_options *o, struct hb_image *out,
		   char *err, size_t errlen);

/* Imports the tar stream of a root filesystem read from fd (to its end)
 * as tag, applying the Dockerfile instructions in changes (ENV, WORKDIR,
 * CMD, LABEL…); o gives the engine, progress and cancel (its base, tag,
 * force and cache fields are not used). */
int hb_image_import(const struct hb_image_build_options *o, const char *tag, int fd,
		    const char *const *changes, size_t nchanges, struct hb_image *out,
		    char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
