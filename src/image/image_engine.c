/* image_engine.c — inspect, import, check, tag and remove images through
 * the Docker Engine's API; see image_engine.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "engine/docker_api.h"
#include "engine/docker_logs.h"
#include "image/image_child.h"
#include "image/image_engine.h"

#define CHECK_LOG_LINES 100           /* of the new image's check */

int image_engine_inspect(struct docker_api *api, const char *name, struct image_info *info,
			 char *err, size_t errlen)
{
	struct docker_reply r;
	char path[512];
	const char *s;
	int rc;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "/images/%s/json", name);
	if ((rc = docker_api_call(api, "GET", path, NULL, &r, err, errlen)) < 0)
		return rc;
	if (r.status == 404) {
		docker_reply_free(&r);
		return 0;
	}
	if (r.status != 200 || !r.json) {
		rc = docker_fail(&r, err, errlen, "inspecting image %s", name);
		docker_reply_free(&r);
		return rc;
	}
	info->exists = 1;
	snprintf(info->id, sizeof(info->id), "%s",
		 json_string_value(json_object_get(r.json, "Id")) ?: "");
	info->size = json_integer_value(json_object_get(r.json, "Size"));
	s = json_string_value(json_object_get(
		json_object_get(json_object_get(r.json, "Config"), "Labels"), IMAGE_RECIPE_LABEL));
	snprintf(info->recipe, sizeof(info->recipe), "%s", s ? s : "");
	docker_reply_free(&r);
	return 0;
}

int image_engine_import(struct image_target *t, int fd, char *err, size_t errlen)
{
	const struct strv *changes = t->changes;
	struct docker_reply r = { 0 };
	struct buf path;
	char *esc, *line, *save = NULL;
	const char *s;
	json_t *j;
	size_t i;
	int rc = 0;

	*t->id = '\0';
	buf_init(&path, 64 * 1024);
	rc = buf_printf(&path, "/images/create?fromSrc=-");
	for (i = 0; !rc && i <= changes->n; i++) {
		esc = docker_escape(t->api, i < changes->n ? changes->v[i] : t->message);
		rc = !esc ? HB_ENOMEM
			  : buf_printf(&path, "&%s=%s", i < changes->n ? "changes" : "message", esc);
		free(esc);
	}
	if (rc < 0) {
		buf_free(&path);
		return hb_fail(err, errlen, rc, "the import instructions are too long");
	}
	rc = docker_api_upload_fd(t->api, "POST", path.data, fd, &r, err, errlen);
	buf_free(&path);
	if (rc < 0)
		return rc;
	if (r.status != 200) {
		rc = docker_fail(&r, err, errlen, "the Docker engine refused the image");
		docker_reply_free(&r);
		return rc;
	}
	/* The reply is a stream of JSON objects, one a line: progress, then
	 * {"status":"sha256:…"}, or {"error":…} when the import failed. */
	for (line = strtok_r(r.body, "\r\n", &save); line && !rc;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!(j = json_loads(line, 0, NULL)))
			continue;
		if ((s = json_string_value(json_object_get(j, "error"))))
			rc = hb_fail(err, errlen, HB_EIO, "the Docker engine could not import "
				     "the image: %s", s);
		else if ((s = json_string_value(json_object_get(j, "status"))) &&
			 !strncmp(s, "sha256:", 7))
			snprintf(t->id, HB_IMAGE_ID_MAX, "%s", s);
		json_decref(j);
	}
	docker_reply_free(&r);
	if (!rc && !*t->id)
		rc = hb_fail(err, errlen, HB_EIO, "the Docker engine's import reply named no image");
	return rc;
}

void image_tag_split(const char *ref, char *repo, size_t repolen, char *tag, size_t taglen)
{
	const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');

	if (colon && (!slash || colon > slash)) {
		snprintf(repo, repolen, "%.*s", (int)(colon - ref), ref);
		snprintf(tag, taglen, "%s", colon + 1);
	} else {
		snprintf(repo, repolen, "%s", ref);
		snprintf(tag, taglen, "latest");
	}
}

static int engine_tag(struct docker_api *api, const char *id, const char *ref,
		      char *err, size_t errlen)
{
	struct docker_reply r;
	char repo[256], tag[160], path[1024];
	char *erepo, *etag;
	int rc;

	image_tag_split(ref, repo, sizeof(repo), tag, sizeof(tag));
	erepo = docker_escape(api, repo);
	etag = docker_escape(api, tag);
	if (!erepo || !etag) {
		free(erepo);
		free(etag);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "/images/%s/tag?repo=%s&tag=%s", id, erepo, etag);
	free(erepo);
	free(etag);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		return rc;
	if (r.status != 201 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "tagging %s as %s", id, ref);
	docker_reply_free(&r);
	return rc;
}

void image_engine_remove(struct docker_api *api, const char *id, const char *what,
			 const struct image_job *pr)
{
	struct docker_reply r;
	char path[256], err[512];

	snprintf(path, sizeof(path), "/images/%s", id);
	if (docker_api_call(api, "DELETE", path, NULL, &r, err, sizeof(err)) < 0) {
		image_say(pr, "could not remove %s %.19s: %s", what, id, err);
		return;
	}
	if (r.status == 200)
		image_say(pr, "removed %s %.19s", what, id);
	else if (r.status != 404)
		image_say(pr, "kept %s %.19s: %s", what, id, docker_reply_message(&r));
	docker_reply_free(&r);
}

int image_engine_check(struct docker_api *api, const char *id, const char *cmd,
		       const char *want, char *err, size_t errlen)
{
	struct docker_reply r = { 0 };
	char path[512], cid[80] = "", *out;
	json_t *body;
	long long code = -1;
	int rc;

	body = json_pack("{s:s, s:[s,s,s], s:b, s:{s:s}, s:{s:s}}", "Image", id,
			 "Cmd", "/bin/sh", "-c", cmd, "NetworkDisabled", 1,
			 "Labels", "handbox.image-check", "1",
			 "HostConfig", "NetworkMode", "none");
	if (!body)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = docker_api_call(api, "POST", "/containers/create", body, &r, err, errlen);
	json_decref(body);
	if (rc < 0)
		return rc;
	if (r.status != 201) {
		rc = docker_fail(&r, err, errlen, "creating a container of the new image");
		docker_reply_free(&r);
		return rc;
	}
	snprintf(cid, sizeof(cid), "%s", json_string_value(json_object_get(r.json, "Id")) ?: "");
	docker_reply_free(&r);
	if (!*cid)
		return hb_fail(err, errlen, HB_EIO, "the engine created a container with no id");

	snprintf(path, sizeof(path), "/containers/%s/start", cid);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 204 && r.status != 304) {
		rc = docker_fail(&r, err, errlen, "starting a container of the new image");
		goto out;
	}
	docker_reply_free(&r);
	snprintf(path, sizeof(path), "/containers/%s/wait", cid);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 200) {
		rc = docker_fail(&r, err, errlen, "waiting for a container of the new image");
		goto out;
	}
	code = json_integer_value(json_object_get(r.json, "StatusCode"));
	docker_reply_free(&r);
	if ((rc = docker_container_logs(api, cid, CHECK_LOG_LINES, &out, err, errlen)) < 0)
		goto out;
	if (code != 0 || strcmp(out, want))
		rc = hb_fail(err, errlen, HB_EIO,
			     "the new image failed its check: `sh -c \"%s\"` exited with %lld "
			     "and printed:\n%s", cmd, code, *out ? out : "(nothing)");
	free(out);
out:
	docker_reply_free(&r);
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=1", cid);
	if (docker_api_call(api, "DELETE", path, NULL, &r, NULL, 0) == 0)
		docker_reply_free(&r);
	return rc;
}

int image_engine_finish(struct docker_api *api, const char *new_id, const char *tag,
			const char *old_id, const struct image_job *pr,
			struct hb_image *res, char *err, size_t errlen)
{
	struct image_info now;
	int rc;

	if ((rc = image_cancelled(pr ? pr->cancel : NULL, err, errlen)) < 0 ||
	    (rc = engine_tag(api, new_id, tag, err, errlen)) < 0)
		return rc;
	if (*old_id && strcmp(old_id, new_id))
		image_engine_remove(api, old_id, "the previous image", pr);
	if ((rc = image_engine_inspect(api, tag, &now, err, errlen)) < 0)
		return rc;
	if (!now.exists)
		return hb_fail(err, errlen, HB_ENOENT, "%s vanished right after it was tagged", tag);
	snprintf(res->id, sizeof(res->id), "%s", now.id);
	res->size = now.size;
	return 0;
}
