/* llm_attempt.c — one request of a completion and what its answer means
 * (llm_internal.h): the HTTP status and libcurl's outcome mapped to the
 * HB_E… codes of llm.h, and the switch to text calls when a server
 * refuses tools. The retry loop around it is llm.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/llm_internal.h"
#include "agent/llm_wire.h"
#include "common/hb_error.h"

/* "cannot reach the LLM at URL (why)", and for host.docker.internal the
 * hint that handbox is not in a container: localhost works. */
static int unreachable(struct llm *l, const char *why, char *err, size_t errlen)
{
	const char *h = strstr(l->base_url, "host.docker.internal");

	if (!l->docker_host || !h)
		return hb_fail(err, errlen, HB_EIO, "cannot reach the LLM at %s (%s)", l->base_url, why);
	return hb_fail(err, errlen, HB_EIO, "cannot reach the LLM at %s (%s); handbox runs on the "
		       "host, not in a container, so %.*slocalhost%s works too (it was tried as "
		       "127.0.0.1)", l->base_url, why, (int)(h - l->base_url), l->base_url,
		       h + strlen("host.docker.internal"));
}

static int transport(struct llm *l, const struct llm_http_answer *a, enum llm_verdict *verdict,
		     char *err, size_t errlen)
{
	switch (a->fail) {
	case LLM_HTTP_CONNECT:
		*verdict = LLM_RETRY_CONNECT;
		return unreachable(l, a->detail, err, errlen);
	case LLM_HTTP_BROKEN:
		*verdict = LLM_RETRY;
		return hb_fail(err, errlen, HB_EIO, "the answer of the LLM at %s broke off (%s)",
			       l->base_url, a->detail);
	case LLM_HTTP_TIMEOUT:
		return hb_fail(err, errlen, HB_EIO, "the LLM at %s did not answer within %g s "
			       "(LLM_TIMEOUT)", l->base_url, l->c.timeout_s);
	case LLM_HTTP_CANCELED:
		return hb_fail(err, errlen, HB_ECANCELED, "the call of the LLM at %s was cancelled",
			       l->base_url);
	case LLM_HTTP_TOO_BIG:
		return hb_fail(err, errlen, HB_EIO, "the answer of the LLM at %s: %s", l->base_url,
			       a->detail);
	default:
		return hb_fail(err, errlen, HB_EIO, "cannot talk to the LLM at %s (%s)", l->base_url,
			       a->detail);
	}
}

/* A 2xx answer into out. A 200 that carries an error instead of a
 * completion (some proxies, or an error chunk in a stream) is retried. */
static int success(struct llm *l, struct llm_http_answer *a, struct llm_response *out,
		   enum llm_verdict *verdict, char *err, size_t errlen)
{
	json_t *body = a->streamed ? llm_sse_body(&a->sse)
				   : json_loadb(a->body.data ? a->body.data : "", a->body.len, 0, NULL);
	char msg[512];
	int rc;

	if (a->streamed && a->sse.error) {
		*verdict = LLM_RETRY;
		rc = hb_fail(err, errlen, HB_EIO, "the LLM at %s failed while answering: %s",
			     l->base_url, a->sse.error);
	} else if (a->streamed && !a->sse.chunks) {
		*verdict = LLM_RETRY;
		rc = hb_fail(err, errlen, HB_EIO, "the LLM at %s sent a stream without a chunk",
			     l->base_url);
	} else if (!a->streamed && json_object_get(body, "error") && !json_object_get(body, "choices")) {
		*verdict = LLM_RETRY;
		llm_error_message(a->body.data, a->body.len, msg, sizeof(msg));
		rc = hb_fail(err, errlen, HB_EIO, "the LLM at %s answered %ld with an error: %s",
			     l->base_url, a->status, msg);
	} else if (!body) {
		rc = hb_fail(err, errlen, HB_EIO, "the LLM at %s answered %ld with a body that is "
			     "not JSON: %.200s", l->base_url, a->status, a->body.data ? a->body.data : "");
	} else if ((rc = llm_response_read(body, &l->next_call_id, out, err, errlen)) == HB_EIO) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err ? err : "");
		rc = hb_fail(err, errlen, rc, "the LLM at %s: %s", l->base_url, why);
	}
	json_decref(body);
	return rc;
}

/* A 4xx/5xx answer: the code, and whether to ask again. */
static int failure(struct llm *l, const struct llm_http_answer *a, bool sent_tools,
		   enum llm_verdict *verdict, char *err, size_t errlen)
{
	long st = a->status;
	char msg[1024];

	llm_error_message(a->body.data, a->body.len, msg, sizeof(msg));
	if (st == 401 || st == 403)
		return hb_fail(err, errlen, HB_EPERM, "the LLM at %s refused the API key (%ld)",
			       l->base_url, st);
	if (llm_error_is_context(st, a->body.data, a->body.len))
		return hb_fail(err, errlen, HB_ETOOBIG, "the LLM at %s says the conversation is "
			       "too long for model %s: %s", l->base_url, l->model, msg);
	if (st == 400 && sent_tools && l->c.tool_mode == LLM_TOOLS_AUTO) {
		l->text_calls = true;
		l->switch_untold = true;
		*verdict = LLM_SWITCHED;
		return hb_fail(err, errlen, HB_EINVAL, "the LLM at %s refused tools (%s): switched "
			       "to tool calls written as text", l->base_url, msg);
	}
	if (st == 429 || st == 408 || st / 100 == 5) {
		*verdict = LLM_RETRY;
		return hb_fail(err, errlen, HB_EIO, "the LLM at %s answered %ld: %s", l->base_url,
			       st, msg);
	}
	if (st == 404)
		return hb_fail(err, errlen, HB_EINVAL, "the LLM at %s answered 404 (%s): check "
			       "LLM_BASE_URL (it usually ends in /v1) and LLM_MODEL (\"%s\")",
			       l->base_url, msg, l->model);
	return hb_fail(err, errlen, st / 100 == 4 ? HB_EINVAL : HB_EIO,
		       "the LLM at %s answered %ld: %s", l->base_url, st, msg);
}

int llm_attempt(struct llm *l, json_t *messages, json_t *tools, const struct hb_cancel *cancel,
		struct llm_response *out, enum llm_verdict *verdict, double *retry_after_s,
		char *err, size_t errlen)
{
	bool sent_tools = json_array_size(tools) > 0 && !l->text_calls;
	json_t *body = llm_request_body(l->model, messages, tools, l->text_calls, l->c.stream);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct llm_http_answer a;
	int rc;

	*verdict = LLM_DONE;
	*retry_after_s = -1;
	json_decref(body);
	if (!text)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory building the LLM request");
	llm_http_answer_init(&a);
	llm_http_post(&l->http, l->url, l->api_key, text, l->c.timeout_s, cancel, &a);
	free(text);
	if (a.fail != LLM_HTTP_OK)
		rc = transport(l, &a, verdict, err, errlen);
	else if (a.status / 100 == 2)
		rc = success(l, &a, out, verdict, err, errlen);
	else
		rc = failure(l, &a, sent_tools, verdict, err, errlen);
	*retry_after_s = a.retry_after_s;
	llm_http_answer_free(&a);
	return rc;
}

/* The "id"s of an OpenAI model list {"data":[{"id":…},…]}, a new array. */
static int read_models(struct llm *l, const struct buf *body, json_t **ids, char *err,
		       size_t errlen)
{
	json_t *j = json_loadb(body->data ? body->data : "", body->len, 0, NULL), *m;
	json_t *data = json_object_get(j, "data");
	size_t i;

	if (!json_is_array(data)) {
		json_decref(j);
		return hb_fail(err, errlen, HB_EIO, "the server at %s answered without an OpenAI "
			       "model list (no \"data\" array)", l->base_url);
	}
	*ids = json_array();
	json_array_foreach(data, i, m)
		if (json_is_string(json_object_get(m, "id")))
			json_array_append(*ids, json_object_get(m, "id"));
	json_decref(j);
	return *ids ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}

int llm_list_models(struct llm *l, double timeout_s, const struct hb_cancel *cancel,
		    json_t **ids, char *err, size_t errlen)
{
	enum llm_verdict verdict;
	struct llm_http_answer a;
	char *url = NULL;
	int rc;

	*ids = NULL;
	if (asprintf(&url, "%s/models", l->base_url) < 0)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	llm_http_answer_init(&a);
	llm_http_get(&l->http, url, l->api_key, timeout_s, cancel, &a);
	free(url);
	if (a.fail != LLM_HTTP_OK)
		rc = transport(l, &a, &verdict, err, errlen);
	else if (a.status / 100 == 2 && !a.streamed)
		rc = read_models(l, &a.body, ids, err, errlen);
	else
		rc = failure(l, &a, false, &verdict, err, errlen);
	llm_http_answer_free(&a);
	return rc;
}
