/* image_build.c — the public API of image_build.h and the steps of a
 * build: work out the recipe, compare it with the tag's, import the
 * rootfs, check the new image, tag it.
 *
 * The pieces live elsewhere: apt's sources in image_sources.c, the two
 * rootfs makers in image_rootfs_debian.c and image_rootfs_busybox.c, the
 * features (VS Code, the desktop) in image_features.c and
 * image_code_server.c, the cache and the hashes in image_cache.c, the
 * engine calls in image_engine.c, child processes in image_child.c. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "engine/docker_api.h"
#include "image/image_build.h"
#include "image/image_cache.h"
#include "image/image_child.h"
#include "image/image_code_server.h"
#include "image/image_engine.h"
#include "image/image_features.h"
#include "image/image_rootfs_busybox.h"
#include "image/image_rootfs_debian.h"
#include "image/image_sources.h"
#include "image/image_util.h"

#define PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What a new image must do before it gets its tag. */
static const char bookworm_check[] =
	"python3 -c 'print(1)' && node -e 'console.log(2)' && npm --version >/dev/null && "
	"git --version >/dev/null && curl --version >/dev/null && ps -p 1 >/dev/null && "
	"id -u user && stat -c %u /workspace";
static const char bookworm_check_out[] = "1\n2\n1000\n1000\n";
static const char busybox_check[] = "echo ok && id -u user && stat -c %u /workspace";
static const char busybox_check_out[] = "ok\n1000\n1000\n";

/* ------------------------------------------------------- names and tags */

int image_base_parse(const char *s, enum hb_image_base *out, char *err, size_t errlen)
{
	if (!strcmp(s, "bookworm"))
		*out = HB_IMAGE_BOOKWORM;
	else if (!strcmp(s, "busybox"))
		*out = HB_IMAGE_BUSYBOX;
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "--base: \"%s\": expected bookworm or busybox", s);
	return 0;
}

const char *image_base_name(enum hb_image_base base)
{
	return base == HB_IMAGE_BUSYBOX ? "busybox" : "bookworm";
}

int image_tag_check(const char *ref, char *err, size_t errlen)
{
	char repo[512], tag[512];
	const char *p;
	int ok = *ref && strlen(ref) < 256;

	if (ok) {
		image_tag_split(ref, repo, sizeof(repo), tag, sizeof(tag));
		ok = *repo && *tag && strlen(tag) <= 128 && isalnum((unsigned char)*repo) &&
		     (isalnum((unsigned char)*tag) || *tag == '_');
		for (p = repo; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     strchr("._-/:", *p);
		for (p = tag; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || strchr("._-", *p);
	}
	if (!ok)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--tag: \"%s\": expected a lower-case image name with an optional "
			       ":TAG, like handbox/sandbox:latest", ref);
	return 0;
}

/* ------------------------------------------------------------ the build */

/* One build's state. */
struct build {
	const struct hb_image_build_options *o;
	struct image_job job;       /* the caller's progress and cancel */
	const struct image_job *pr; /* &job */
	const char *tag;
	char cache[PATH_MAX];
	struct strv changes;        /* import instructions */
	char recipe[HB_IMAGE_RECIPE_LEN + 1];
	struct image_target target; /* target.id: imported, untagged until checked */
	struct strv sources;        /* bookworm: the archive's entries */
	struct strv mm_args;        /* bookworm: mmdebstrap's command line */
	char tarball[PATH_MAX];     /* bookworm: its cached output */
	struct image_code_server cs; /* bookworm --with vscode */
	char features[64];          /* "vscode,desktop", "" for none */
	struct image_busybox bb;    /* busybox: the executable and its applets */
	char *err;
	size_t errlen;
};

/* The import instructions every image gets, and those of its base. */
static int changes_init(struct build *b)
{
	int rc;

	if ((rc = strv_add(&b->changes, "ENV " PATH_ENV)) < 0 ||
	    (rc = strv_add(&b->changes, "WORKDIR /workspace")) < 0 ||
	    (rc = strv_addf(&b->changes, "LABEL handbox.image=%s",
			    image_base_name(b->o->base))) < 0)
		return rc;
	if (b->o->base == HB_IMAGE_BUSYBOX)
		return (rc = strv_add(&b->changes, "CMD [\"/bin/sh\"]")) < 0 ? rc
			: strv_addf(&b->changes, "LABEL handbox.busybox=\"%s\"", b->bb.version);
	if ((rc = strv_add(&b->changes, "ENV LANG=C.UTF-8")) < 0)
		return rc;
	if (*b->features && (rc = strv_addf(&b->changes, "LABEL " IMAGE_FEATURES_LABEL "=%s",
					     b->features)) < 0)
		return rc;
	return strv_add(&b->changes, "CMD [\"/bin/bash\"]");
}

/* The bookworm recipe: the cache key (a hash of mmdebstrap's arguments and
 * sources, which name code-server's build for --with vscode) and the
 * import instructions. */
static int bookworm_prepare(struct build *b)
{
	unsigned features = b->o->features;
	char key[HB_IMAGE_RECIPE_LEN + 1], shape[64], plus[64], name[80];
	int rc;

	image_features_name(features, '+', plus, sizeof(plus));
	snprintf(name, sizeof(name), "debian/bookworm%s%s", *plus ? "+" : "", plus);
	if ((rc = image_sources(&b->sources, b->err, b->errlen)) < 0 ||
	    ((features & HB_IMAGE_VSCODE) &&
	     (rc = image_code_server_prepare(&b->cs, &b->sources, b->err, b->errlen)) < 0) ||
	    (rc = image_debian_argv(&b->sources, features, b->cs.tarball, &b->mm_args)) < 0 ||
	    (rc = image_cache_tarball(b->cache, name, &b->mm_args, key, b->tarball,
				      sizeof(b->tarball), b->err, b->errlen)) < 0)
		return rc;
	snprintf(shape, sizeof(shape), "bookworm %s\n", key);
	return image_recipe(shape, strlen(shape), &b->changes, b->recipe);
}

/* The bookworm rootfs into the engine: code-server is built (or found in
 * its cache) first when mmdebstrap is to run with it. */
static int bookworm_import(struct build *b)
{
	struct stat st;
	int rc, cached = !b->o->no_cache && stat(b->tarball, &st) == 0 && st.st_size > 0;

	if ((b->o->features & HB_IMAGE_VSCODE) && !cached &&
	    (rc = image_code_server_build(&b->cs, b->cache, &b->sources, b->o->no_cache, b->pr,
					  b->err, b->errlen)) < 0)
		return rc;
	return image_debian_import(&b->mm_args, b->cache, b->tarball, b->o->no_cache,
				   &b->target, b->pr, b->err, b->errlen);
}

/* The check a new image passes before it is tagged: its base's, and its
 * features'. */
static int check_new_image(const struct build *b)
{
	int busybox = b->o->base == HB_IMAGE_BUSYBOX, rc;
	double t = clock_mono_s();
	struct buf cmd, want;

	buf_init(&cmd, 0);
	buf_init(&want, 0);
	if ((rc = buf_printf(&cmd, "%s", busybox ? busybox_check : bookworm_check)) < 0 ||
	    (rc = buf_printf(&want, "%s", busybox ? busybox_check_out : bookworm_check_out)) < 0 ||
	    (rc = image_features_check(b->o->features, &cmd, &want)) < 0)
		goto out;
	if ((rc = image_engine_check(b->target.api, b->target.id, cmd.data, want.data,
				     b->err, b->errlen)) < 0)
		goto out;
	image_say(b->pr, "check passed in %.1f s: %s%s%s", clock_mono_s() - t,
		  busybox ? "sh, user 1000, /workspace"
		  : "python3, node, npm, git, curl, ps, user 1000, /workspace",
		  *b->features ? "; the programs of " : "", b->features);
out:
	buf_free(&cmd);
	buf_free(&want);
	return rc;
}

/* The busybox recipe: the executable's digest, the image's layout and the
 * import instructions. */
static int busybox_prepare(struct build *b)
{
	struct buf in;
	int rc;

	if ((rc = image_busybox_find(&b->bb, b->cache, b->pr, b->err, b->errlen)) < 0 ||
	    (rc = changes_init(b)) < 0)
		return rc;
	image_say(b->pr, "busybox %s from %s, %zu applets", b->bb.version, b->bb.origin,
		  b->bb.applets.n);
	buf_init(&in, 0);
	if ((rc = image_busybox_recipe_input(&b->bb, &in)) == 0)
		rc = image_recipe(in.data, in.len, &b->changes, b->recipe);
	buf_free(&in);
	return rc;
}

/* The busybox rootfs, composed in a memfd (no file on disk, no rootfs
 * directory), into the engine. */
static int busybox_import(struct build *b)
{
	struct stat st;
	double t = clock_mono_s();
	int fd = memfd_create("busybox-rootfs.tar", MFD_CLOEXEC), rc;

	if (fd < 0)
		return hb_fail(b->err, b->errlen, HB_EIO, "memfd: %s", strerror(errno));
	rc = image_busybox_tar(&b->bb, fd, b->err, b->errlen);
	if (rc == 0) {
		fstat(fd, &st);
		image_say(b->pr, "composed the rootfs in memory: %.1f MB of tar", st.st_size / 1e6);
		if (lseek(fd, 0, SEEK_SET) < 0)
			rc = hb_fail(b->err, b->errlen, HB_EIO, "memfd: %s", strerror(errno));
		else
			rc = image_engine_import(&b->target, fd, b->err, b->errlen);
		if (rc == 0)
			image_say(b->pr, "imported %.19s in %.1f s", b->target.id,
				  clock_mono_s() - t);
	}
	close(fd);
	return rc;
}

/* Says why the tag is rebuilt. */
static void say_why(const struct build *b, const struct image_info *old)
{
	if (!old->exists)
		image_say(b->pr, "building %s from base %s%s%s (recipe %s)", b->tag,
			  image_base_name(b->o->base), *b->features ? " with " : "", b->features,
			  b->recipe);
	else if (strcmp(old->recipe, b->recipe))
		image_say(b->pr, "%s was built from another recipe (%s, now %s): rebuilding",
			  b->tag, *old->recipe ? old->recipe : "none", b->recipe);
	else
		image_say(b->pr, "%s: rebuilding %s (recipe %s)",
			  b->o->no_cache ? "--no-cache" : "--force", b->tag, b->recipe);
}

int image_build(const struct hb_image_build_options *o, struct hb_image *res,
		char *err, size_t errlen)
{
	struct build b = { .o = o, .err = err, .errlen = errlen,
			   .job = { o->progress, o->progress_arg, o->cancel } };
	struct docker_api *api = NULL;
	struct image_info old;
	int busybox = o->base == HB_IMAGE_BUSYBOX;
	char message[160];
	int rc;

	b.pr = &b.job;
	memset(res, 0, sizeof(*res));
	image_busybox_init(&b.bb);
	image_features_name(o->features, ',', b.features, sizeof(b.features));
	b.tag = o->tag && *o->tag ? o->tag : image_default_tag(o->base, o->features);
	if (busybox && o->features)
		return hb_fail(err, errlen, HB_EINVAL, "--with %s: the busybox base has no "
			       "features; they need --base bookworm", b.features);
	if ((rc = image_tag_check(b.tag, err, errlen)) < 0 ||
	    (rc = image_cache_root(o->cache_dir, b.cache, sizeof(b.cache), err, errlen)) < 0 ||
	    (rc = docker_api_open(&api, o->docker_host, err, errlen)) < 0)
		return rc;
	b.target = (struct image_target){ .api = api, .changes = &b.changes,
					  .message = message };
	if ((rc = image_engine_inspect(api, b.tag, &old, err, errlen)) < 0)
		goto out;
	if (busybox)
		rc = busybox_prepare(&b);
	else if ((rc = changes_init(&b)) == 0)
		rc = bookworm_prepare(&b);
	if (rc < 0)
		goto out;
	snprintf(res->recipe, sizeof(res->recipe), "%s", b.recipe);
	if (old.exists && !strcmp(old.recipe, b.recipe) && !o->force && !o->no_cache) {
		image_say(b.pr, "%s is up to date (recipe %s); --force rebuilds it", b.tag,
			  b.recipe);
		res->up_to_date = 1;
		snprintf(res->id, sizeof(res->id), "%s", old.id);
		res->size = old.size;
		goto out;
	}
	say_why(&b, &old);
	if ((rc = strv_addf(&b.changes, "LABEL " IMAGE_RECIPE_LABEL "=%s", b.recipe)) < 0)
		goto out;
	snprintf(message, sizeof(message), "handbox image build --base %s%s%s (recipe %s)",
		 image_base_name(o->base), *b.features ? " --with " : "", b.features, b.recipe);
	rc = busybox ? busybox_import(&b) : bookworm_import(&b);
	if (rc < 0 || (rc = image_cancelled(o->cancel, err, errlen)) < 0)
		goto out;
	if (!*b.target.id) {
		rc = hb_fail(err, errlen, HB_EIO, "nothing was imported into the engine");
		goto out;
	}
	if ((rc = check_new_image(&b)) < 0)
		goto out;
	if ((rc = image_engine_finish(api, b.target.id, b.tag, old.exists ? old.id : "", b.pr,
				      res, err, errlen)) == 0)
		*b.target.id = '\0';
out:
	if (*b.target.id)
		image_engine_remove(api, b.target.id, "the unfinished image", b.pr);
	docker_api_close(api);
	strv_free(&b.changes);
	strv_free(&b.mm_args);
	strv_free(&b.sources);
	image_busybox_free(&b.bb);
	return rc;
}

int image_import_fd(const char *docker_host, const char *tag, int fd,
		    const char *const *changes, size_t nchanges,
		    const struct image_job *progress,
		    struct hb_image *res, char *err, size_t errlen)
{
	struct strv ch = { 0 };
	struct image_target target = { .changes = &ch, .message = "handbox image import" };
	struct image_info old;
	double t = clock_mono_s();
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = image_tag_check(tag, err, errlen)) < 0 ||
	    (rc = docker_api_open(&target.api, docker_host, err, errlen)) < 0)
		return rc;
	for (i = 0; i < nchanges && rc == 0; i++)
		rc = strv_add(&ch, changes[i]);
	if (rc < 0 || (rc = image_engine_inspect(target.api, tag, &old, err, errlen)) < 0)
		goto out;
	if ((rc = image_engine_import(&target, fd, err, errlen)) < 0)
		goto out;
	image_say(progress, "imported %.19s in %.1f s", target.id, clock_mono_s() - t);
	if ((rc = image_engine_finish(target.api, target.id, tag, old.exists ? old.id : "",
				      progress, res, err, errlen)) == 0)
		*target.id = '\0';
out:
	if (*target.id)
		image_engine_remove(target.api, target.id, "the unfinished image", progress);
	docker_api_close(target.api);
	strv_free(&ch);
	return rc;
}
