/* llm_http.c — one chat-completion POST over libcurl; see llm_http.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agent/llm_http.h"
#include "common/clock.h"
#include "common/hb_error.h"

/* Slice of one wait of the transfer loop: the longest a cancel goes unseen. */
#define POLL_MS 50
#define CONNECT_TIMEOUT_S 30

struct transfer {
	struct llm_http_answer *a;
	CURL *curl;
	const struct hb_cancel *cancel;
	bool started;                 /* the first body byte was seen */
	bool too_big;
};

/* libcurl's global set-up, once per process (see docker_api.c for why it
 * is not left to libcurl; that copy lives in the engine layer, out of
 * reach from here). */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int llm_http_open(struct llm_http *h, bool map_docker_host, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return hb_fail(err, errlen, HB_EIO, "cannot initialise libcurl");
	h->curl = curl_easy_init();
	h->multi = curl_multi_init();
	/* any port of host.docker.internal to the same port of 127.0.0.1 */
	if (map_docker_host)
		h->connect_to = curl_slist_append(NULL, "host.docker.internal::127.0.0.1:");
	if (!h->curl || !h->multi || (map_docker_host && !h->connect_to)) {
		llm_http_close(h);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	return 0;
}

void llm_http_close(struct llm_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->connect_to);
	memset(h, 0, sizeof(*h));
}

void llm_http_answer_init(struct llm_http_answer *a)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->body, LLM_HTTP_BODY_MAX);
	llm_sse_init(&a->sse, LLM_HTTP_BODY_MAX);
	a->retry_after_s = -1;
}

void llm_http_answer_free(struct llm_http_answer *a)
{
	buf_free(&a->body);
	llm_sse_free(&a->sse);
}

/* Retry-After: seconds, or an HTTP date. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	char line[256], *v, *end;
	double s;
	time_t when;

	if (len < 12 || len >= sizeof(line) || strncasecmp(data, "Retry-After:", 12))
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	v = line + 12;
	v[strcspn(v, "\r\n")] = '\0';
	s = strtod(v, &end);
	if (end != v && s >= 0) {
		t->a->retry_after_s = s;
	} else if ((when = curl_getdate(v, NULL)) != -1) {
		s = difftime(when, time(NULL));
		t->a->retry_after_s = s > 0 ? s : 0;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	struct llm_http_answer *a = t->a;
	size_t len = size * n;
	const char *type = NULL;

	if (!t->started) {
		t->started = true;
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &a->status);
		curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &type);
		/* a server may ignore "stream": its content type says which it did */
		a->streamed = a->status / 100 == 2 && type &&
			      !strncasecmp(type, "text/event-stream", 17);
	}
	if (a->streamed) {
		if (llm_sse_feed(&a->sse, data, len, a->detail, sizeof(a->detail)) == 0)
			return len;
	} else if (buf_append(&a->body, data, len) == 0) {
		return len;
	}
	t->too_big = true;
	return 0;
}

/* libcurl's own check, between the loop's: a cancel also ends a transfer
 * blocked inside one curl_multi_perform (a slow TLS handshake). */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct transfer *t = arg;

	return hb_cancel_reason(t->cancel) != 0;
}

static enum llm_http_fail classify(CURLcode cc, const struct transfer *t)
{
	switch (cc) {
	case CURLE_OK:
		return LLM_HTTP_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return LLM_HTTP_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return LLM_HTTP_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		return LLM_HTTP_CANCELED;
	case CURLE_WRITE_ERROR:
		return t->too_big ? LLM_HTTP_TOO_BIG : LLM_HTTP_OTHER;
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		/* nothing of the answer came: the server closed a reused connection */
		return t->started ? LLM_HTTP_BROKEN : LLM_HTTP_CONNECT;
	default:
		return LLM_HTTP_OTHER;
	}
}

static struct curl_slist *request_headers(const char *api_key)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char *auth = NULL;

	if (h && api_key && *api_key) {
		if (asprintf(&auth, "Authorization: Bearer %s", api_key) < 0)
			auth = NULL;
		if (!auth || !curl_slist_append(h, auth)) {
			curl_slist_free_all(h);
			h = NULL;
		}
		free(auth);
	}
	return h;
}

static void set_options(struct llm_http *h, const char *url, struct curl_slist *headers,
			const char *body, double timeout_s, struct transfer *t, char *curl_err)
{
	CURL *c = h->curl;
	long timeout_ms = (long)(timeout_s * 1000);

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_s < CONNECT_TIMEOUT_S ? timeout_ms : CONNECT_TIMEOUT_S * 1000L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (h->connect_to)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, h->connect_to);
}

/* Runs the transfer in POLL_MS slices, checking cancel between them. */
static CURLcode run(struct llm_http *h, const struct hb_cancel *cancel)
{
	CURLMsg *msg;
	CURLcode cc = CURLE_OK;
	int running = 1, left;

	if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
			cc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (!running)
			break;
		if (hb_cancel_reason(cancel)) {
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		curl_multi_poll(h->multi, NULL, 0, POLL_MS, NULL);
	}
	while (running == 0 && (msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			cc = msg->data.result;
	curl_multi_remove_handle(h->multi, h->curl);
	return cc;
}

/* A POST of body, or a GET when body is NULL. */
static void request(struct llm_http *h, const char *url, const char *api_key, const char *body,
		    double timeout_s, const struct hb_cancel *cancel, struct llm_http_answer *a)
{
	struct transfer t = { .a = a, .curl = h->curl, .cancel = cancel };
	struct curl_slist *headers = request_headers(api_key);
	char curl_err[CURL_ERROR_SIZE] = "";
	CURLcode cc;

	if (!headers) {
		a->fail = LLM_HTTP_OTHER;
		snprintf(a->detail, sizeof(a->detail), "out of memory");
		return;
	}
	set_options(h, url, headers, body, timeout_s, &t, curl_err);
	cc = run(h, cancel);
	curl_slist_free_all(headers);
	if (!a->status)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &a->status);
	a->fail = classify(cc, &t);
	if (a->fail == LLM_HTTP_TOO_BIG || a->fail == LLM_HTTP_OK)
		return;     /* TOO_BIG: the parser's words are in detail already */
	snprintf(a->detail, sizeof(a->detail), "%s", *curl_err ? curl_err : curl_easy_strerror(cc));
}

void llm_http_post(struct llm_http *h, const char *url, const char *api_key, const char *body,
		   double timeout_s, const struct hb_cancel *cancel, struct llm_http_answer *a)
{
	request(h, url, api_key, body, timeout_s, cancel, a);
}

void llm_http_get(struct llm_http *h, const char *url, const char *api_key, double timeout_s,
		  const struct hb_cancel *cancel, struct llm_http_answer *a)
{
	request(h, url, api_key, NULL, timeout_s, cancel, a);
}
