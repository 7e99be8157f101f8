/* remote_http.c — the REST half of a conversation on `handbox serve`: one
 * request with libcurl (the key in X-Session-API-Key, JSON both ways),
 * its failures said for people, and handing events to the program once
 * and in order, also those read back from the stored events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_conn.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/serve_wire.h"
#include "lib/remote.h"

#define ANSWER_MAX (64u << 20)   /* a page of 100 events with long outputs */
#define REQUEST_TIMEOUT_S 60L
#define PATH_MAX_LEN 512

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) ? 0 : size * n;
}

/* The sentence for an answer that is not 2xx. */
static int answer_fail(const struct remote *r, const char *method, const char *path,
		       long status, const struct buf *body, char *err, size_t errlen)
{
	char detail[REMOTE_DETAIL_MAX];

	if (status == 401)
		return hb_fail(err, errlen, HB_EPERM, r->key ?
			       "handbox serve at %s refused the API key (HTTP 401): give the key "
			       "it was started with (--api-key or HANDBOX_API_KEY)" :
			       "handbox serve at %s wants an API key (HTTP 401): give the key it "
			       "was started with (--api-key or HANDBOX_API_KEY)", r->url);
	client_conn_detail(body, detail, sizeof(detail));
	if (status == 429)
		return hb_fail(err, errlen, HB_EBUSY, "handbox serve at %s: %s", r->url, detail);
	return hb_fail(err, errlen, status == 404 ? HB_ENOENT : status == 409 ? HB_EBUSY :
		       status < 500 ? HB_EINVAL : HB_EIO, "handbox serve at %s: %s %s: %s "
		       "(HTTP %ld)", r->url, method, path, detail, status);
}

int remote_call(const struct remote *r, const char *method, const char *path, json_t *body,
		long *status, json_t **answer, char *err, size_t errlen)
{
	struct sandbox_conn conn = { .url = r->url, .session_api_key = r->key };
	char curl_err[CURL_ERROR_SIZE] = "", *text = NULL;
	struct curl_slist *headers = NULL, *more;
	struct buf url, got;
	CURL *curl = NULL;
	long st = 0;
	CURLcode cc;
	int rc;

	if (status)
		*status = 0;
	if (answer)
		*answer = NULL;
	buf_init(&url, 0);
	buf_init(&got, ANSWER_MAX);
	if ((rc = client_conn_curl(&conn, &curl, &headers, curl_err, err, errlen)))
		goto out;
	if (buf_printf(&url, "%s%s", r->url, path) ||
	    (body && !(text = json_dumps(body, JSON_COMPACT))) ||
	    !(more = curl_slist_append(headers, "Content-Type: application/json"))) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	headers = more;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	/* https: the system's CAs, or OpenSSL's variable naming another */
	if (getenv("SSL_CERT_FILE") && *getenv("SSL_CERT_FILE"))
		curl_easy_setopt(curl, CURLOPT_CAINFO, getenv("SSL_CERT_FILE"));
	curl_easy_setopt(curl, CURLOPT_URL, url.data);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (text) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &st);
	if (status)
		*status = st;
	if (cc == CURLE_WRITE_ERROR && got.len == got.limit)
		rc = hb_fail(err, errlen, HB_ETOOBIG, "handbox serve at %s: the answer to %s %s is "
			     "over %u bytes", r->url, method, path, ANSWER_MAX);
	else if (cc != CURLE_OK)
		rc = hb_fail(err, errlen, HB_EIO, "handbox serve does not answer at %s (%s %s): %s",
			     r->url, method, path, curl_err[0] ? curl_err : curl_easy_strerror(cc));
	else if (st < 200 || st >= 300)
		rc = answer_fail(r, method, path, st, &got, err, errlen);
	else if (answer && got.len && !(*answer = json_loadb(got.data, got.len, 0, NULL)))
		rc = hb_fail(err, errlen, HB_EIO, "handbox serve at %s answered %s %s with "
			     "something that is not JSON: is it handbox serve?", r->url, method, path);
out:
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	free(text);
	buf_free(&url);
	buf_free(&got);
	return rc;
}

int remote_deliver(struct remote *r, json_t *ev, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(ev, "id"));
	char *text;

	if (!id || strlen(id) >= sizeof(r->last_id))
		return hb_fail(err, errlen, HB_EIO, "handbox serve at %s sent an event without "
			       "an id: is it handbox serve?", r->url);
	if (json_object_get(r->delivered, id))
		return 0;
	if (json_object_set_new(r->delivered, id, json_true()) ||
	    !(text = json_dumps(ev, JSON_COMPACT)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	pthread_mutex_lock(&r->lock);
	remote_state_track(&r->st, ev);
	pthread_mutex_unlock(&r->lock);
	snprintf(r->last_id, sizeof(r->last_id), "%s", id);
	if (r->on_event)
		r->on_event(text, r->arg);
	free(text);
	return 0;
}

int remote_catch_up(struct remote *r, char *err, size_t errlen)
{
	char path[PATH_MAX_LEN], page[UUID_STR_LEN];
	json_t *answer, *items, *ev, *next;
	size_t i;
	int rc;

	snprintf(page, sizeof(page), "%s", r->last_id);
	do {
		snprintf(path, sizeof(path), "%s/%s/events/search?limit=%d%s%s",
			 SERVER_ROUTE_CONVERSATIONS, r->id, SERVER_EVENTS_PAGE_MAX,
			 *page ? "&page_id=" : "", page);
		if ((rc = remote_call(r, "GET", path, NULL, NULL, &answer, err, errlen)))
			return rc;
		items = json_object_get(answer, "items");
		next = json_object_get(answer, "next_page_id");
		if (!json_is_array(items))
			rc = hb_fail(err, errlen, HB_EIO, "handbox serve at %s: GET %s: no \"items\" "
				     "in the answer", r->url, path);
		/* a page starts at its page_id: the last event handed out */
		json_array_foreach(items, i, ev)
			if (!rc && strcmp(json_string_value(json_object_get(ev, "id")) ?: "",
					  r->last_id))
				rc = remote_deliver(r, ev, err, errlen);
		snprintf(page, sizeof(page), "%s", json_string_value(next) ?: "");
		json_decref(answer);
	} while (!rc && *page);
	return rc;
}
