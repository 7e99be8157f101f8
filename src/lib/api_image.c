/* api_image.c — <handbox/image.h> over image/. */
#include <stdlib.h>

#include "handbox/handbox.h"
#include "image/image_build.h"
#include "image/image_features.h"

int hb_image_base_parse(const char *s, enum hb_image_base *out, char *err, size_t errlen)
{
	return image_base_parse(s, out, err, errlen);
}

const char *hb_image_base_name(enum hb_image_base base)
{
	return image_base_name(base);
}

int hb_image_features_parse(const char *s, unsigned *out, char *err, size_t errlen)
{
	return image_features_parse(s, out, err, errlen);
}

const char *hb_image_default_tag(enum hb_image_base base, unsigned features)
{
	return image_default_tag(base, features);
}

int hb_image_tag_check(const char *tag, char *err, size_t errlen)
{
	return image_tag_check(tag, err, errlen);
}

/* An unset engine is DOCKER_HOST's, as everywhere else. */
static const char *docker_host_of(const struct hb_image_build_options *o)
{
	return o->docker_host && *o->docker_host ? o->docker_host : getenv("DOCKER_HOST");
}

int hb_image_build(const struct hb_image_build_options *o, struct hb_image *out,
		   char *err, size_t errlen)
{
	static const struct hb_image_build_options defaults;
	struct hb_image_build_options with_host = o ? *o : defaults;

	with_host.docker_host = docker_host_of(&with_host);
	return image_build(&with_host, out, err, errlen);
}

int hb_image_import(const struct hb_image_build_options *o, const char *tag, int fd,
		    const char *const *changes, size_t nchanges, struct hb_image *out,
		    char *err, size_t errlen)
{
	static const struct hb_image_build_options defaults;
	struct image_job job;

	if (!o)
		o = &defaults;
	job = (struct image_job){ o->progress, o->progress_arg, o->cancel };
	return image_import_fd(docker_host_of(o), tag, fd, changes, nchanges, &job, out,
			       err, errlen);
}
