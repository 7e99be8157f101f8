/* routes_web.c — the web UI: GET /, /conversations/{id}, /settings and
 * /login answer /index.html (its %BASE_PATH% replaced by --base-path, so
 * <base href> works behind a prefix), GET /assets/… the compiled-in
 * files; and GET /health. HEAD works on all of them.
 *
 * The assets carry no version in their names and change with the binary,
 * so the browser revalidates each time (no-cache): an ETag made at build
 * time answers that with a 304 and no body, and a client that takes gzip
 * gets the copy compressed at build time (about a third of the bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "net/http_negotiate.h"
#include "net/proxy.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/web_assets.h"

#define BASE_MARK "%BASE_PATH%"

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

/* A request header by lws token into out; "" when absent or too long
 * (then the answer is the plain one: identity, 200). */
static const char *header_or_empty(struct http_conn *c, enum lws_token_indexes t,
				   char *out, int outlen)
{
	if (lws_hdr_copy(c->wsi, out, outlen, t) <= 0)
		out[0] = '\0';
	return out;
}

/* Answers a file: its gzip'd copy (gz, when there is one) to a client
 * that takes gzip, else the bytes as they are; 304 without a body when
 * If-None-Match names the ETag of that choice. tag is unquoted; the gzip
 * copy's ETag is tag + "-gz", since a strong ETag names exact bytes. */
static int reply_file(struct http_conn *c, const char *ctype, const char *tag,
		      const void *data, size_t len, const void *gz, size_t gz_len)
{
	char accept[512], inm[1024], etag[80], extra[256];
	int packed;

	packed = gz && http_accepts_coding(header_or_empty(c, WSI_TOKEN_HTTP_ACCEPT_ENCODING,
							   accept, sizeof(accept)), "gzip");
	snprintf(etag, sizeof(etag), "\"%s%s\"", tag, packed ? "-gz" : "");
	snprintf(extra, sizeof(extra), "Cache-Control: no-cache\r\nETag: %s\r\n%s", etag,
		 gz ? "Vary: Accept-Encoding\r\n" : "");
	if (http_etag_listed(header_or_empty(c, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof(inm)),
			     etag))
		return http_reply_headers(c, 304, NULL, extra, NULL, 0);
	if (packed)
		strcat(extra, "Content-Encoding: gzip\r\n");
	return http_reply_headers(c, 200, ctype, extra, packed ? gz : data,
				  packed ? gz_len : len);
}

/* FNV-1a, 64 bits: enough to tell base paths apart in an ETag */
static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

int route_web_index(struct http_conn *c, json_t *body)
{
	const struct web_asset *a = asset_find("/index.html");
	const char *p, *end, *hit;
	char tag[64];
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
	/* the page served depends on the base path: so does its ETag. Its
	 * gzip'd copy is of the text before the replacement: not used. */
	if (srv.base_path[0])
		snprintf(tag, sizeof(tag), "%s-%016llx", a->etag,
			 (unsigned long long)fnv1a64(srv.base_path));
	else
		snprintf(tag, sizeof(tag), "%s", a->etag);
	rc = rc ? http_reply_error(c, 500, "out of memory") :
		reply_file(c, a->content_type, tag, out.data ? out.data : "", out.len, NULL, 0);
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
	return reply_file(c, a->content_type, a->etag, a->data, a->len, a->gz, a->gz_len);
}
