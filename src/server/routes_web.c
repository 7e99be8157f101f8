/* routes_web.c — the web UI: GET /, /conversations/{id}, /settings and
 * /login answer /index.html (its %BASE_PATH% replaced by --base-path, so
 * <base href> works behind a prefix), GET /assets/… the compiled-in
 * files; and GET /health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "net/proxy.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/web_assets.h"

#define BASE_MARK "%BASE_PATH%"
/* assets change with the binary and carry no version in their names:
 * the browser asks again each time (a 200 of a few KB on loopback) */
#define ASSET_CACHE "Cache-Control: no-cache\r\n"

int route_health(struct http_conn *c, json_t *body)
{
	static const char ok[] = "{\"status\":\"ok\"}";

	return http_reply(c, 200, "application/json", ok, strlen(ok));
}

static const struct web_asset *asset_find(const char *path)
{
	const struct web_asset *a;

	for (a = web_assets; a->path; a++)
		if (!strcmp(a->path, path))
			return a;
	return NULL;
}

/* A page asked for without the key of a server that has one: 303 to the
 * sign-in page, which comes back here (?next=, relative to the base).
 * Answered at once, rather than by the page after its first API call
 * fails: that call would be a 401 in the browser's console. 1 when
 * answered so (*rc what on_request returns), 0 otherwise. */
static int to_login(struct http_conn *c, int *rc)
{
	struct buf loc;
	const char *page = c->path + 1; /* c->path is without the base path */

	if (http_request_authed(c) || !strcmp(c->path, "/login"))
		return 0;
	buf_init(&loc, 0);
	*rc = buf_printf(&loc, "Location: %s/login", srv.base_path);
	if (!*rc && *page)
		*rc = buf_printf(&loc, "?next=") || proxy_append_encoded(&loc, page, 0);
	if (!*rc)
		*rc = buf_printf(&loc, "\r\nCache-Control: no-store\r\n");
	*rc = *rc ? http_reply_error(c, 500, "out of memory") :
		http_reply_headers(c, 303, "text/plain", loc.data, "", 0);
	buf_free(&loc);
	return 1;
}

int route_web_index(struct http_conn *c, json_t *body)
{
	const struct web_asset *a = asset_find("/index.html");
	const char *p, *end, *hit;
	struct buf out;
	int rc = 0;

	if (to_login(c, &rc))
		return rc;
	if (!a)
		return http_reply_error(c, 404, "this handbox was built without its web UI (web/ "
					"was empty); the API is under /api");
	buf_init(&out, 0);
	p = (const char *)a->data;
	end = p + a->len;
	while (rc == 0 && p < end) {
		hit = memmem(p, (size_t)(end - p), BASE_MARK, strlen(BASE_MARK));
		rc = buf_append(&out, p, hit ? (size_t)(hit - p) : (size_t)(end - p));
		if (rc == 0 && hit)
			rc = buf_append(&out, srv.base_path, strlen(srv.base_path));
		p = hit ? hit + strlen(BASE_MARK) : end;
	}
	rc = rc ? http_reply_error(c, 500, "out of memory") :
		http_reply_headers(c, 200, a->content_type, "Cache-Control: no-cache\r\n",
				   out.data ? out.data : "", out.len);
	buf_free(&out);
	return rc;
}

int route_web_asset(struct http_conn *c, json_t *body)
{
	char path[1100];
	const struct web_asset *a;

	snprintf(path, sizeof(path), "/assets/%s", c->params[0]);
	if (!(a = asset_find(path)))
		return http_reply_error(c, 404, "Not Found");
	return http_reply_headers(c, 200, a->content_type, ASSET_CACHE, (const char *)a->data,
				  a->len);
}
