/* store_settings.c — the server's settings ("llm", "sandbox"…): one JSON
 * value per key. */
#include <stdlib.h>

#include "common/hb_error.h"
#include "store/store_internal.h"

int store_setting_get(struct store *s, const char *key, json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	json_error_t jerr;
	int rc;

	*out = NULL;
	if (!key || !*key)
		return hb_fail(err, errlen, HB_EINVAL, "setting: expected a non-empty key");
	rc = sqlite3_prepare_v2(s->db, "SELECT value FROM settings WHERE key = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "reading a setting", err, errlen);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = json_loads((const char *)sqlite3_column_text(st, 0), JSON_DECODE_ANY, &jerr);
		rc = *out ? 0 : hb_fail(err, errlen, HB_EIO, "%s: setting \"%s\" is not JSON: %s",
					s->path, key, jerr.text);
	} else {
		rc = rc == SQLITE_DONE ? 0 : store_fail(s, rc, "reading a setting", err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_setting_set(struct store *s, const char *key, json_t *value, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *text = NULL;
	int rc;

	if (!key || !*key)
		return hb_fail(err, errlen, HB_EINVAL, "setting: expected a non-empty key");
	if (value && !(text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)))
		return hb_fail(err, errlen, HB_ENOMEM, "setting \"%s\": cannot encode it", key);
	rc = sqlite3_prepare_v2(s->db, value
				? "INSERT OR REPLACE INTO settings(key, value) VALUES(?1, ?2)"
				: "DELETE FROM settings WHERE key = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		free(text);
		return store_fail(s, rc, "saving a setting", err, errlen);
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, free);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "saving a setting", err, errlen);
}
