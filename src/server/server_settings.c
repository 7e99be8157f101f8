/* server_settings.c — GET/POST /api/settings: the LLM and sandbox
 * defaults of new conversations, stored in the store's settings table
 * ("llm", "sandbox"), over the environment's (LLM_*, SANDBOX_*). The LLM
 * key is kept in the store (the server needs it to run conversations
 * after a restart) and never answered in clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/server.h"

#define DEFAULT_IMAGE "handbox/sandbox:latest"

static const char *const llm_fields[] = { "model", "base_url", "api_key",
					  "native_tool_calling", NULL };
static const char *const sandbox_fields[] = { "image", "volumes", "memory", NULL };

static json_t *stored(const char *key)
{
	char err[HB_ERR_MAX];
	json_t *v = NULL;

	if (store_setting_get(srv.store, key, &v, err, sizeof(err)))
		fprintf(stderr, "handbox serve: %s\n", err);
	if (!json_is_object(v)) {
		json_decref(v);
		v = json_object();
	}
	return v;
}

/* The stored string field, else the environment's variable, else dflt. */
static json_t *pick(json_t *obj, const char *field, const char *var, const char *dflt)
{
	const char *v = json_string_value(json_object_get(obj, field));
	const char *e = var ? getenv(var) : NULL;

	if (v && *v)
		return json_string(v);
	if (e && *e)
		return json_string(e);
	return dflt ? json_string(dflt) : json_null();
}

json_t *srv_settings_effective(void)
{
	json_t *llm = stored("llm"), *sb = stored("sandbox"), *out;
	json_t *volumes = json_object_get(sb, "volumes");

	out = json_pack("{s:{s:o, s:o, s:o, s:o}, s:{s:o, s:O, s:o}}",
			"llm", "model", pick(llm, "model", "LLM_MODEL", NULL),
			"base_url", pick(llm, "base_url", "LLM_BASE_URL", NULL),
			"api_key", pick(llm, "api_key", "LLM_API_KEY", NULL),
			"native_tool_calling", pick(llm, "native_tool_calling",
						    "LLM_NATIVE_TOOL_CALLING", "auto"),
			"sandbox", "image", pick(sb, "image", "SANDBOX_RUNTIME_CONTAINER_IMAGE",
						 DEFAULT_IMAGE),
			"volumes", json_is_array(volumes) ? volumes : json_array(),
			"memory", pick(sb, "memory", NULL, NULL));
	json_decref(llm);
	json_decref(sb);
	return out;
}

json_t *srv_settings_public(void)
{
	json_t *s = srv_settings_effective();
	json_t *llm = json_object_get(s, "llm");

	if (llm)
		json_object_set_new(llm, "api_key",
				    srv_mask_key(json_string_value(json_object_get(llm, "api_key"))));
	return s;
}

static int known(const char *const *fields, const char *name)
{
	for (; *fields; fields++)
		if (!strcmp(*fields, name))
			return 1;
	return 0;
}

/* One field of a POST: checked, then set (null removes it). */
static int merge_field(json_t *into, const char *group, const char *name, json_t *v,
		       char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	size_t i;
	json_t *x;

	if (json_is_null(v)) {
		json_object_del(into, name);
		return 0;
	}
	if (!strcmp(name, "native_tool_calling") && json_is_boolean(v))
		return json_object_set_new(into, name, json_string(json_is_true(v) ? "true" : "false"));
	if (!strcmp(name, "native_tool_calling") &&
	    (!s || (strcmp(s, "auto") && strcmp(s, "true") && strcmp(s, "false"))))
		return hb_fail(err, errlen, HB_EINVAL, "%s.%s: expected auto, true or false",
			       group, name);
	if (!strcmp(name, "volumes")) {
		if (!json_is_array(v))
			return hb_fail(err, errlen, HB_EINVAL, "%s.volumes: expected a list of "
				       "HOST:CONTAINER[:ro|rw] strings", group);
		json_array_foreach(v, i, x)
			if (!json_is_string(x))
				return hb_fail(err, errlen, HB_EINVAL, "%s.volumes[%zu]: expected a "
					       "HOST:CONTAINER[:ro|rw] string", group, i);
		return json_object_set(into, name, v);
	}
	if (!s)
		return hb_fail(err, errlen, HB_EINVAL, "%s.%s: expected a string", group, name);
	/* the masked key a client was given comes back unchanged */
	if (!strcmp(name, "api_key") && !strncmp(s, "****", 4))
		return 0;
	return json_object_set(into, name, v);
}

static int merge_group(json_t *body, const char *group, const char *const *fields,
		       char *err, size_t errlen)
{
	json_t *given = json_object_get(body, group), *cur, *v;
	const char *name;
	int rc = 0;

	if (!given)
		return 0;
	if (!json_is_object(given))
		return hb_fail(err, errlen, HB_EINVAL, "%s: expected an object", group);
	json_object_foreach(given, name, v)
		if (!known(fields, name))
			return hb_fail(err, errlen, HB_EINVAL, "%s.%s: unknown setting", group, name);
	cur = stored(group);
	json_object_foreach(given, name, v)
		if (rc == 0)
			rc = merge_field(cur, group, name, v, err, errlen);
	if (rc == 0)
		rc = store_setting_set(srv.store, group, cur, err, errlen);
	json_decref(cur);
	return rc;
}

int srv_settings_merge(json_t *body, char *err, size_t errlen)
{
	const char *name;
	json_t *v;
	int rc;

	if (!json_is_object(body))
		return hb_fail(err, errlen, HB_EINVAL, "settings: expected {\"llm\":{...},"
			       "\"sandbox\":{...}}");
	json_object_foreach(body, name, v)
		if (strcmp(name, "llm") && strcmp(name, "sandbox"))
			return hb_fail(err, errlen, HB_EINVAL, "settings: unknown group \"%s\" "
				       "(expected llm or sandbox)", name);
	if ((rc = merge_group(body, "llm", llm_fields, err, errlen)))
		return rc;
	return merge_group(body, "sandbox", sandbox_fields, err, errlen);
}
