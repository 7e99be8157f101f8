/* llm_http.h — one POST of a chat completion (or a GET of the model list)
 * over libcurl, for llm.c:
 * streamed (SSE, fed to llm_sse.h as bytes arrive) or not, with a
 * deadline, Retry-After read, and a cancel token watched every 50 ms
 * (the transfer runs on a curl multi handle polled in short slices, so an
 * interrupt ends a call that waits on a slow model at once). No retries
 * and no interpretation of the status here. */
#ifndef HB_AGENT_LLM_HTTP_H
#define HB_AGENT_LLM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "agent/llm_sse.h"
#include "common/buf.h"
#include "handbox/cancel.h"

/* Caps of what a server may send: a whole answer, streamed or not. */
#define LLM_HTTP_BODY_MAX (32u << 20)

struct llm_http {
	CURL *curl;                   /* kept between calls: the connection is reused */
	CURLM *multi;
	struct curl_slist *connect_to; /* host.docker.internal → 127.0.0.1, or NULL */
};

/* How a transfer ended short of an HTTP answer. */
enum llm_http_fail {
	LLM_HTTP_OK = 0,
	LLM_HTTP_CONNECT,     /* refused, unresolved, reset before an answer: retried */
	LLM_HTTP_BROKEN,      /* the answer broke off: retried */
	LLM_HTTP_TIMEOUT,     /* the call's deadline passed */
	LLM_HTTP_CANCELED,
	LLM_HTTP_TOO_BIG,     /* past LLM_HTTP_BODY_MAX */
	LLM_HTTP_OTHER,       /* TLS, a bad URL…: not retried */
};

struct llm_http_answer {
	enum llm_http_fail fail;
	char detail[CURL_ERROR_SIZE + 64]; /* libcurl's words when fail */
	long status;                  /* HTTP status, 0 when none */
	bool streamed;                /* the body was text/event-stream (in sse) */
	struct buf body;              /* otherwise the body here */
	struct llm_sse sse;
	double retry_after_s;         /* Retry-After, seconds; < 0 none */
};

/* map_docker_host: connect host.docker.internal to 127.0.0.1. */
int llm_http_open(struct llm_http *h, bool map_docker_host, char *err, size_t errlen);
void llm_http_close(struct llm_http *h);

void llm_http_answer_init(struct llm_http_answer *a);
void llm_http_answer_free(struct llm_http_answer *a);

/* POSTs body (JSON) to url with "Authorization: Bearer api_key" (none when
 * api_key is NULL or ""), waiting at most timeout_s for the whole answer.
 * Fills a (initialised by the caller); the outcome is a->fail. */
void llm_http_post(struct llm_http *h, const char *url, const char *api_key, const char *body,
		   double timeout_s, const struct hb_cancel *cancel, struct llm_http_answer *a);

/* The same as a GET (the server's model list). */
void llm_http_get(struct llm_http *h, const char *url, const char *api_key, double timeout_s,
		  const struct hb_cancel *cancel, struct llm_http_answer *a);

#endif
