/* routes_settings.c — GET/POST /api/settings (the key answered masked)
 * and POST /api/login, which gives a browser the session cookie that
 * stands for the server's key. */
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"

int route_settings_get(struct http_conn *c, json_t *body)
{
	return http_reply_json(c, 200, srv_settings_public());
}

int route_settings_post(struct http_conn *c, json_t *body)
{
	char err[HB_ERR_MAX];
	int rc = srv_settings_merge(body, err, sizeof(err));

	return rc ? srv_reply_fail(c, rc, err) : http_reply_json(c, 200, srv_settings_public());
}

int route_login(struct http_conn *c, json_t *body)
{
	const char *key = json_string_value(json_object_get(body, "api_key"));
	static const char ok[] = "{\"success\":true}";
	char headers[1024];

	if (!srv.api_keys[0])
		return http_reply(c, 200, "application/json", ok, strlen(ok));
	if (!key || strlen(key) > 512 || !http_key_is_valid(key))
		return http_reply_error(c, 401, "Unauthorized");
	snprintf(headers, sizeof(headers), "Set-Cookie: %s=%s; Path=%s/; Max-Age=%d; HttpOnly; "
		 "SameSite=Strict%s\r\nCache-Control: no-store\r\n", SERVER_COOKIE, key,
		 srv.base_path, SERVER_COOKIE_MAX_AGE, srv.tls ? "; Secure" : "");
	return http_reply_headers(c, 200, "application/json", headers, ok, strlen(ok));
}
