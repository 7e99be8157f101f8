/* redact.c — replacing secret values by REDACTED, in text and in JSON. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/redact.h"
#include "common/buf.h"
#include "handbox/error.h"

#define SECRET_MIN 4

static bool has_secret(const char *s, const char *const *secrets)
{
	for (; secrets && *secrets; secrets++)
		if (strlen(*secrets) >= SECRET_MIN && strstr(s, *secrets))
			return true;
	return false;
}

/* The first secret found in s and where, or NULL. */
static const char *first_secret(const char *s, const char *const *secrets, size_t *len)
{
	const char *best = NULL, *at;

	for (; secrets && *secrets; secrets++) {
		if (strlen(*secrets) < SECRET_MIN || !(at = strstr(s, *secrets)))
			continue;
		if (!best || at < best || (at == best && strlen(*secrets) > *len)) {
			best = at;
			*len = strlen(*secrets);
		}
	}
	return best;
}

char *redact_text(const char *s, const char *const *secrets)
{
	struct buf b;
	const char *at;
	size_t len = 0;

	if (!has_secret(s, secrets))
		return strdup(s);
	buf_init(&b, 0);
	while ((at = first_secret(s, secrets, &len))) {
		if (buf_append(&b, s, (size_t)(at - s)) || buf_append(&b, REDACTED, strlen(REDACTED)))
			goto fail;
		s = at + len;
	}
	if (buf_append(&b, s, strlen(s) + 1) == 0)
		return buf_steal(&b, NULL);
fail:
	buf_free(&b);
	return NULL;
}

static int redact_string(json_t *j, const char *const *secrets)
{
	char *clean;
	int rc;

	if (!has_secret(json_string_value(j), secrets))
		return 0;
	if (!(clean = redact_text(json_string_value(j), secrets)))
		return HB_ENOMEM;
	rc = json_string_set(j, clean) ? HB_ENOMEM : 0;
	free(clean);
	return rc;
}

/* An object's keys can hold secrets too (an env map): such a member is
 * moved under its redacted key. */
static int redact_object(json_t *j, const char *const *secrets)
{
	const char *key;
	json_t *v;
	void *tmp;
	int rc;

	json_object_foreach_safe(j, tmp, key, v) {
		if ((rc = redact_json(v, secrets)))
			return rc;
		if (has_secret(key, secrets)) {
			char *clean = redact_text(key, secrets);

			if (!clean)
				return HB_ENOMEM;
			json_object_set(j, clean, v);
			json_object_del(j, key);
			free(clean);
		}
	}
	return 0;
}

int redact_json(json_t *j, const char *const *secrets)
{
	json_t *v;
	size_t i;
	int rc;

	if (!secrets || !*secrets)
		return 0;
	if (json_is_string(j))
		return redact_string(j, secrets);
	if (json_is_object(j))
		return redact_object(j, secrets);
	json_array_foreach(j, i, v)
		if ((rc = redact_json(v, secrets)))
			return rc;
	return 0;
}
