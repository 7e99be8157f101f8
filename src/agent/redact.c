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

/* The end of the span to hide that begins at at with a secret len long:
 * a secret starting inside the span and reaching past it (two secrets
 * overlapping, "zzabcd" and "abcdefgh" in "zzabcdefgh") extends it, so no
 * tail of either is left in clear. */
static const char *span_end(const char *at, size_t len, const char *const *secrets)
{
	const char *end = at + len, *p, *const *sec;
	bool grew = true;
	size_t n;

	while (grew) {
		grew = false;
		for (sec = secrets; *sec; sec++) {
			if ((n = strlen(*sec)) < SECRET_MIN)
				continue;
			for (p = at + 1; p < end; p++)
				if ((size_t)(end - p) < n && !strncmp(p, *sec, n)) {
					end = p + n;
					grew = true;
				}
		}
	}
	return end;
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
		s = span_end(at, len, secrets);
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
 * moved under its redacted key once the walk is over, so the walk never
 * meets the new key (redacting it again would mangle a key whose hidden
 * form still holds the secret, as "<secret-hidden>" holds "secret"). */
static int redact_object(json_t *j, const char *const *secrets)
{
	json_t *moved = json_object(), *v;
	const char *key;
	void *tmp;
	int rc = 0;

	if (!moved)
		return HB_ENOMEM;
	json_object_foreach_safe(j, tmp, key, v) {
		if ((rc = redact_json(v, secrets)))
			goto out;
		if (has_secret(key, secrets)) {
			char *clean = redact_text(key, secrets);

			rc = !clean || json_object_set(moved, clean, v) ? HB_ENOMEM : 0;
			free(clean);
			if (rc)
				goto out;
			json_object_del(j, key);
		}
	}
	if (json_object_update(j, moved))
		rc = HB_ENOMEM;
out:
	json_decref(moved);
	return rc;
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
