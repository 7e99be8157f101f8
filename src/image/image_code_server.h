/* image_code_server.h — VS Code for the browser: code-server from the npm
 * registry, built once in a throwaway bookworm root and cached as a
 * tarball of /usr/local that the image's mmdebstrap unpacks.
 *
 * Why a separate root: code-server's native modules are compiled here
 * (their prebuilt downloads come from GitHub, which the build may not
 * reach), which needs build-essential and libkrb5-dev; building them in a
 * root that is thrown away keeps 323 MB of compilers out of the image,
 * and an image rebuild reuses the cached result. Why 4.89.1: the last
 * release that runs on bookworm's Node 18 (later ones declare Node 20 or
 * 24). The steps and the failures they work around are in
 * docs/images.md. */
#ifndef HB_IMAGE_IMAGE_CODE_SERVER_H
#define HB_IMAGE_IMAGE_CODE_SERVER_H

#include <limits.h>
#include <stddef.h>

#include "common/strv.h"
#include "image/image_build.h"

#define CODE_SERVER_VERSION "4.89.1"
#define CODE_SERVER_DIR "/usr/local/lib/node_modules/code-server"

struct image_code_server {
	char key[HB_IMAGE_RECIPE_LEN + 1];   /* hash of the build root's recipe */
	char tarball[PATH_MAX];              /* relative to the cache directory */
};

/* Works out the cache key of code-server's build from the archive's
 * sources (image_sources()) and the tarball it names:
 * code-server/code-server-VERSION-KEY.tar. */
int image_code_server_prepare(struct image_code_server *cs, const struct strv *sources,
			      char *err, size_t errlen);

/* Builds cs->tarball under cache unless it is there (or no_cache): runs
 * mmdebstrap --format=null with the build steps as hooks, the host's CA
 * bundle given to npm for the build only, and the result written to a
 * partial file renamed into place on success. Progress goes to pr. */
int image_code_server_build(const struct image_code_server *cs, const char *cache,
			    const struct strv *sources, int no_cache,
			    const struct image_job *pr, char *err, size_t errlen);

#endif
