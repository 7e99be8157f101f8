/* browser_client.c — sandboxd's browser route from the host, with
 * libcurl; see browser_client.h. */
#include <stdlib.h>
#include <string.h>

#include "client/browser_client.h"
#include "client/client_conn.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

/* the page's text is cut at 30,000 characters in sandboxd: JSON-escaped
 * up to 6 bytes each, with the element list */
#define ANSWER_MAX (4u << 20)
/* sandboxd waits up to 15 s for a load, and a few such waits make one
 * action; a browser that hangs longer is not worth waiting for */
#define ACT_TIMEOUT_MS 120000L
#define INFO_TIMEOUT_MS 5000L

struct call {
	struct buf body;
	const struct hb_cancel *cancel;
};

void browser_answer_clear(struct browser_answer *a)
{
	free(a->text);
	free(a->url);
	free(a->title);
	free(a->screenshot);
	memset(a, 0, sizeof(*a));
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct call *k = arg;

	return buf_append(&k->body, data, size * n) ? 0 : size * n;
}

static int on_progress(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
		       curl_off_t uln)
{
	struct call *k = arg;

	return hb_cancel_reason(k->cancel) ? 1 : 0;
}

/* method GET (body NULL) or POST of body to route; the status into
 * *status and the answer into k->body. */
static int request(const struct sandbox_conn *c, const char *route, const char *body,
		   long timeout_ms, struct call *k, long *status, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL, *h;
	char curl_err[CURL_ERROR_SIZE] = "";
	struct buf url;
	CURL *curl = NULL;
	CURLcode cc;
	size_t bl = strlen(c->url ? c->url : "");
	int rc;

	buf_init(&url, 8192);
	if ((rc = client_conn_check(c, err, errlen)) ||
	    (rc = client_conn_curl(c, &curl, &headers, curl_err, err, errlen)))
		goto out;
	while (bl && c->url[bl - 1] == '/')
		bl--;
	h = curl_slist_append(headers, "Content-Type: application/json");
	if (!h || buf_printf(&url, "%.*s%s", (int)bl, c->url, route)) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	headers = h;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_URL, url.data);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, k);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	if (cc == CURLE_ABORTED_BY_CALLBACK && hb_cancel_reason(k->cancel))
		rc = hb_fail(err, errlen, HB_ECANCELED, "%s: cancelled", route);
	else if (cc != CURLE_OK)
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd at %s: %s: %s", c->url, route,
			     curl_err[0] ? curl_err : curl_easy_strerror(cc));
	else if (*status == 401)
		rc = hb_fail(err, errlen, HB_EPERM, "the sandbox refused the session key");
out:
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	buf_free(&url);
	return rc;
}

int browser_client_available(const struct sandbox_conn *c, bool *yes, char *err,
			     size_t errlen)
{
	struct call k = { .cancel = NULL };
	json_t *info, *cap;
	long status = 0;
	size_t i;
	int rc;

	*yes = false;
	buf_init(&k.body, 64 * 1024);
	rc = request(c, "/server_info", NULL, INFO_TIMEOUT_MS, &k, &status, err, errlen);
	info = rc ? NULL : json_loadb(k.body.data ? k.body.data : "", k.body.len, 0, NULL);
	if (!rc && (status != 200 || !info))
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd at %s: /server_info: HTTP %ld",
			     c->url, status);
	json_array_foreach(json_object_get(info, "capabilities"), i, cap)
		if (!strcmp(json_string_value(cap) ?: "", SANDBOXD_CAP_BROWSER))
			*yes = true;
	json_decref(info);
	buf_free(&k.body);
	return rc;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return strdup(s ? s : "");
}

int browser_answer_parse(int status, const char *body, size_t len,
			 struct browser_answer *out, char *err, size_t errlen)
{
	json_t *j = json_loadb(body ? body : "", len, 0, NULL);
	const char *shot = json_string_value(json_object_get(j, "screenshot"));
	char detail[600];
	struct buf b = { .data = (char *)body, .len = len };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->status = status;
	if (status >= 200 && status < 300) {
		if (!json_is_string(json_object_get(j, "text"))) {
			rc = hb_fail(err, errlen, HB_EIO, "sandboxd's browser answer has no text: "
				     "%.200s", body ? body : "");
			goto out;
		}
		out->text = dup_str(j, "text");
		out->screenshot = shot ? strdup(shot) : NULL;
	} else {
		client_conn_detail(&b, detail, sizeof(detail));
		out->text = strdup(detail);
	}
	out->url = dup_str(j, "url");
	out->title = dup_str(j, "title");
	if (!out->text || !out->url || !out->title || (shot && status < 300 && !out->screenshot)) {
		browser_answer_clear(out);
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
out:
	json_decref(j);
	return rc;
}

int browser_client_act(const struct sandbox_conn *c, const char *action, json_t *args,
		       const struct hb_cancel *cancel, struct browser_answer *out,
		       char *err, size_t errlen)
{
	struct call k = { .cancel = cancel };
	char route[96], *body;
	long status = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(route, sizeof(route), "%s/%s", SANDBOXD_ROUTE_BROWSER, action) >=
	    sizeof(route))
		return hb_fail(err, errlen, HB_EINVAL, "browser action \"%.40s\": too long", action);
	if (!(body = args ? json_dumps(args, JSON_COMPACT) : strdup("{}")))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	buf_init(&k.body, ANSWER_MAX);
	rc = request(c, route, body, ACT_TIMEOUT_MS, &k, &status, err, errlen);
	if (!rc)
		rc = browser_answer_parse((int)status, k.body.data, k.body.len, out, err, errlen);
	free(body);
	buf_free(&k.body);
	return rc;
}
