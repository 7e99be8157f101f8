/* service_url.c — sandboxd's GET /api/vscode/url and /api/desktop/url
 * (API.md § 8) from the host: the URL of VS Code or of the desktop for the
 * address the caller reaches them at (a published host port, serve's
 * sub-domain). sandboxd holds VS Code's token, so only it can write the
 * whole URL; the host only knows where the port is published. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/client_conn.h"
#include "client/sandbox_client.h"
#include "common/hb_error.h"

/* Two URLs and a path fit many times over: a longer answer is not one. */
#define ANSWER_MAX (16u << 10)
#define TIMEOUT_MS 10000L

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) ? 0 : size * n;
}

/* "?base_url=…&workspace_dir=…" (each when given), escaped, into q. */
static int query(CURL *curl, const char *base_url, const char *workspace_dir, struct buf *q)
{
	const char *names[2] = { "base_url", "workspace_dir" };
	const char *values[2] = { base_url, workspace_dir };
	int i, rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		char *v;

		if (!values[i] || !values[i][0])
			continue;
		if (!(v = curl_easy_escape(curl, values[i], 0)))
			return HB_ENOMEM;
		rc = buf_printf(q, "%c%s=%s", q->len ? '&' : '?', names[i], v);
		curl_free(v);
	}
	return rc;
}

/* The answer's "url": a string copied into *out, or null. */
static int parse_answer(const struct buf *body, const char *route, char **out, char *err,
			size_t errlen)
{
	json_t *j = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	json_t *url = json_object_get(j, "url");
	int rc = 0;

	if (json_is_string(url)) {
		if (!(*out = strdup(json_string_value(url))))
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	} else if (!json_is_null(url)) {
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd's %s answered no \"url\" string or "
			     "null (an older sandboxd?)", route);
	}
	json_decref(j);
	return rc;
}

int sandbox_service_url(const struct sandbox_conn *c, const char *route, const char *base_url,
			const char *workspace_dir, char **out, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	char curl_err[CURL_ERROR_SIZE] = "", detail[600];
	struct buf url, q, body;
	CURL *curl = NULL;
	long status = 0;
	CURLcode cc;
	int rc;

	*out = NULL;
	buf_init(&url, 0);
	buf_init(&q, 0);
	buf_init(&body, ANSWER_MAX);
	if ((rc = client_conn_curl(c, &curl, &headers, curl_err, err, errlen)))
		goto out;
	if (query(curl, base_url, workspace_dir, &q) ||
	    buf_printf(&url, "%s%s%s", c->url, route, q.len ? q.data : "")) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url.data);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd at %s (GET %s): %s", c->url, route,
			     cc == CURLE_WRITE_ERROR ? "an answer over 16 KiB"
			     : curl_err[0] ? curl_err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		client_conn_detail(&body, detail, sizeof(detail));
		rc = hb_fail(err, errlen, status == 401 ? HB_EPERM : HB_EIO,
			     "sandboxd at %s (GET %s): HTTP %ld: %s", c->url, route, status, detail);
		goto out;
	}
	rc = parse_answer(&body, route, out, err, errlen);
out:
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	buf_free(&url);
	buf_free(&q);
	buf_free(&body);
	return rc;
}
