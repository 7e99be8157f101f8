/* client_conn.c — see client_conn.h. */
#include <pthread.h>
#include <stdio.h>

#include <jansson.h>

#include "client/client_conn.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

#define CONNECT_TIMEOUT_S 10L
#define DETAIL_SHOWN 512

/* libcurl's global set-up, once per process: a program whose first call
 * is a client's (the SDK's remote conversation) may make it from two
 * threads at once, and libcurl 7.88 is thread-safe there only where built
 * with atomics. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int client_conn_check(const struct sandbox_conn *c, char *err, size_t errlen)
{
	const char *k;

	if (!c || !c->url || !c->url[0])
		return hb_fail(err, errlen, HB_EINVAL, "no sandbox URL given");
	for (k = c->session_api_key; k && *k; k++)
		if (*k < 0x20 || *k > 0x7e)
			return hb_fail(err, errlen, HB_EINVAL,
				       "the session key holds a control or non-ASCII character");
	return 0;
}

int client_conn_curl(const struct sandbox_conn *c, CURL **curl, struct curl_slist **headers,
		     char *curl_err, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	struct buf line;
	int rc;

	*curl = NULL;
	*headers = NULL;
	if ((rc = client_conn_check(c, err, errlen)))
		return rc;
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return hb_fail(err, errlen, HB_EIO, "cannot initialise libcurl");
	buf_init(&line, 0);
	rc = c->session_api_key && c->session_api_key[0] ?
		buf_printf(&line, "%s: %s", SANDBOXD_KEY_HEADER, c->session_api_key) : 0;
	if (!rc && line.data && !(h = curl_slist_append(h, line.data)))
		rc = HB_ENOMEM;
	buf_free(&line);
	if (!rc) {
		struct curl_slist *more = curl_slist_append(h, "Expect:");

		if (more)
			h = more;
		else
			rc = HB_ENOMEM;
	}
	if (rc) {
		curl_slist_free_all(h);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	*curl = curl_easy_init();
	if (!*curl) {
		curl_slist_free_all(h);
		return hb_fail(err, errlen, HB_ENOMEM, "cannot start libcurl");
	}
	*headers = h;
	curl_easy_setopt(*curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(*curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(*curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(*curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(*curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	return 0;
}

void client_conn_detail(const struct buf *body, char *out, size_t outlen)
{
	json_t *j = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	const char *d = json_string_value(json_object_get(j, "detail"));

	if (d)
		snprintf(out, outlen, "%.*s", DETAIL_SHOWN, d);
	else if (body->len)
		snprintf(out, outlen, "%.*s", (int)(body->len < DETAIL_SHOWN ?
						    body->len : DETAIL_SHOWN), body->data);
	else
		snprintf(out, outlen, "(no detail)");
	json_decref(j);
}
