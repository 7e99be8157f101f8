/* image_engine.h — the Docker Engine calls of an image build: import a
 * rootfs tar stream as an untagged image, check it in a throw-away
 * container, tag it, remove the image the tag named before.
 *
 * The order is what keeps a working tag: nothing is tagged before its
 * check passed, and the image a failed build imported is removed. */
#ifndef HB_IMAGE_IMAGE_ENGINE_H
#define HB_IMAGE_IMAGE_ENGINE_H

#include <stddef.h>

#include "engine/docker_api.h"
#include "image/image_build.h"
#include "image/image_util.h"

/* What the engine says of an image; plain data. */
struct image_info {
	int exists;
	char id[HB_IMAGE_ID_MAX];
	long long size;
	char recipe[64];          /* its label IMAGE_RECIPE_LABEL, or "" */
};

/* Where a rootfs tar stream is imported, with which instructions; id gets
 * the untagged image's. All borrowed from the caller. */
struct image_target {
	struct docker_api *api;
	const struct strv *changes;  /* Dockerfile instructions: ENV, CMD… */
	const char *message;         /* the image history's comment */
	char id[HB_IMAGE_ID_MAX];       /* "" until imported */
};

/* Splits "repo[:tag]" at the tag's colon (a registry's port comes before a
 * slash), "latest" when there is none. */
void image_tag_split(const char *ref, char *repo, size_t repolen, char *tag, size_t taglen);

/* GET /images/NAME/json into info; info->exists is 0 for a 404. */
int image_engine_inspect(struct docker_api *api, const char *name, struct image_info *info,
			 char *err, size_t errlen);

/* POST /images/create?fromSrc=- with the tar stream read from fd (to its
 * end) as the body: an untagged image, whose id goes into t->id. */
int image_engine_import(struct image_target *t, int fd, char *err, size_t errlen);

/* Runs `sh -c cmd` in a new container of image id (no network) and checks
 * that it exits 0 printing exactly want; the container is removed in any
 * case. */
int image_engine_check(struct docker_api *api, const char *id, const char *cmd,
		       const char *want, char *err, size_t errlen);

/* Removes image id (what names it in the progress lines), unless a
 * container uses it; what happened goes to the progress lines, nothing
 * fails. */
void image_engine_remove(struct docker_api *api, const char *id, const char *what,
			 const struct image_job *pr);

/* Tags the imported image new_id as tag (unless the build was
 * interrupted), removes the one the tag named before (old_id, may be ""),
 * and fills res's id and size from what the tag names now. */
int image_engine_finish(struct docker_api *api, const char *new_id, const char *tag,
			const char *old_id, const struct image_job *pr,
			struct hb_image *res, char *err, size_t errlen);

#endif
