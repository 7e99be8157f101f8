/* image_features.h — what `--with vscode,desktop` adds to a bookworm
 * image: the names, the default tags, the packages and mmdebstrap hooks,
 * the file that tells sandboxd what the image has, and the check a new
 * image must pass. The contract with sandboxd (paths, the features file)
 * is in docs/images.md. */
#ifndef HB_IMAGE_IMAGE_FEATURES_H
#define HB_IMAGE_IMAGE_FEATURES_H

#include <stddef.h>

#include "common/buf.h"
#include "common/strv.h"
#include "handbox/image.h"

#define IMAGE_FEATURES_FILE "/etc/handbox/features"
#define IMAGE_FEATURES_LABEL "handbox.features"

/* "vscode,desktop" (any order, each once) into *out; HB_EINVAL with a
 * sentence naming the value and the known names otherwise. */
int image_features_parse(const char *s, unsigned *out, char *err, size_t errlen);

/* The names of features, in a fixed order, separated by sep ("vscode
 * desktop"), into out; "" for none. */
void image_features_name(unsigned features, char sep, char *out, size_t outlen);

/* The tag an image gets when none is given (see <handbox/image.h>). */
const char *image_default_tag(enum hb_image_base base, unsigned features);

/* The Debian packages features need, as one "--include=a,b,…" argument
 * added to argv (nothing for none). */
int image_features_packages(unsigned features, struct strv *argv);

/* mmdebstrap's customize hooks for features: code-server unpacked from
 * cs_tarball (a path relative to mmdebstrap's working directory; used
 * only with HB_IMAGE_VSCODE) and the features file. */
int image_features_hooks(unsigned features, const char *cs_tarball, struct strv *argv);

/* What the check of a new image runs (appended to cmd, `&& …`) and the
 * output it must print (appended to want) for features. */
int image_features_check(unsigned features, struct buf *cmd, struct buf *want);

#endif
