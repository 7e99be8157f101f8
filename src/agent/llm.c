/* llm.c — the LLM client of llm.h: open and close, the retry loop of a
 * completion (exponential backoff with jitter, Retry-After, cancel), the
 * mode switch to text calls, and the token and cost totals. One request
 * and the meaning of its answer are llm_attempt.c's. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "agent/llm_internal.h"
#include "common/clock.h"
#include "common/hb_error.h"

#define DEFAULT_BASE_URL "https://api.openai.com/v1"
#define DEFAULT_TIMEOUT_S 300.0
#define DEFAULT_RETRIES 5
#define DEFAULT_RETRY_MIN_S 1.0
#define DEFAULT_RETRY_MAX_S 60.0
/* A server that cannot be reached is asked at most this many more times:
 * a wrong URL should fail in seconds, a restarting server gets a chance. */
#define CONNECT_RETRIES 2
/* The longest Retry-After obeyed; a longer one is cut to this. */
#define RETRY_AFTER_MAX_S 120.0
#define SLEEP_SLICE_US 50000

/* The host of url, checked to be http(s) with a host. */
static int url_host(const char *url, char **host, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	int rc = 0;

	if (!u)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0))
		rc = hb_fail(err, errlen, HB_EINVAL, "LLM_BASE_URL: \"%s\": expected an http(s) URL "
			     "such as http://localhost:1234/v1", url);
	else if (!(*host = strdup(h)))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

/* Whether host.docker.internal is this machine's own name for something
 * (Docker Desktop, handbox itself in a container): then it is left alone. */
static bool resolves(const char *host)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	bool ok = getaddrinfo(host, NULL, &hints, &res) == 0;

	if (res)
		freeaddrinfo(res);
	return ok;
}

/* base_url without trailing slashes nor a pasted "/chat/completions". */
static int set_urls(struct llm *l, const char *base, char *err, size_t errlen)
{
	size_t n = strlen(base);
	char *host = NULL;
	int rc;

	if (!(l->base_url = strdup(base)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	while (n && l->base_url[n - 1] == '/')
		l->base_url[--n] = '\0';
	if (n >= 17 && !strcmp(l->base_url + n - 17, "/chat/completions"))
		l->base_url[n - 17] = '\0';
	if ((rc = url_host(l->base_url, &host, err, errlen)))
		return rc;
	l->docker_host = !strcasecmp(host, "host.docker.internal");
	free(host);
	if (asprintf(&l->url, "%s/chat/completions", l->base_url) < 0) {
		l->url = NULL;
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	return llm_http_open(&l->http, l->docker_host && !resolves("host.docker.internal"),
			     err, errlen);
}

static void set_defaults(struct llm *l)
{
	struct llm_config *c = &l->c;
	bool given = (c->input_cost_per_token >= 0 || c->output_cost_per_token >= 0) &&
		     (c->input_cost_per_token != 0 || c->output_cost_per_token != 0);

	if (!(c->timeout_s > 0))
		c->timeout_s = DEFAULT_TIMEOUT_S;
	if (c->max_retries == 0)
		c->max_retries = DEFAULT_RETRIES;
	if (c->max_retries < 0)
		c->max_retries = 0;
	if (!(c->retry_min_s > 0))
		c->retry_min_s = DEFAULT_RETRY_MIN_S;
	if (!(c->retry_max_s > 0))
		c->retry_max_s = DEFAULT_RETRY_MAX_S;
	if (given) {
		l->in_cost = c->input_cost_per_token > 0 ? c->input_cost_per_token : 0;
		l->out_cost = c->output_cost_per_token > 0 ? c->output_cost_per_token : 0;
	} else if (!llm_price_lookup(l->model, &l->in_cost, &l->out_cost)) {
		l->in_cost = l->out_cost = -1;
	}
	l->totals.cost = l->in_cost < 0 ? -1 : 0;
	l->text_calls = c->tool_mode == LLM_TOOLS_TEXT;
	l->next_call_id = 1;
	l->seed = (unsigned int)clock_mono_us();
}

int llm_open(struct llm **out, const struct llm_config *c, char *err, size_t errlen)
{
	struct llm *l;
	int rc;

	if (!c->model || !*c->model)
		return hb_fail(err, errlen, HB_EINVAL, "no LLM model: set LLM_MODEL (e.g. gpt-4o, "
			       "or the name a local server lists at /v1/models)");
	if (!(l = calloc(1, sizeof(*l))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	l->c = *c;
	l->model = strdup(c->model);
	l->api_key = c->api_key && *c->api_key ? strdup(c->api_key) : NULL;
	if (!l->model || (c->api_key && *c->api_key && !l->api_key)) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = set_urls(l, c->base_url && *c->base_url ? c->base_url : DEFAULT_BASE_URL,
			   err, errlen)))
		goto fail;
	l->c.model = l->model;
	l->c.base_url = l->base_url;
	l->c.api_key = l->api_key;
	set_defaults(l);
	*out = l;
	return 0;
fail:
	llm_close(l);
	return rc;
}

void llm_close(struct llm *l)
{
	if (!l)
		return;
	if (l->http.curl || l->http.multi)
		llm_http_close(&l->http);
	free(l->model);
	free(l->base_url);
	free(l->api_key);
	free(l->url);
	free(l);
}

/* The wait before asking again: Retry-After when the server gave one,
 * else min·2^attempt capped at max, with "equal jitter" (half fixed, half
 * random) so clients that failed together do not come back together. */
static double backoff_s(struct llm *l, int attempt, double retry_after_s)
{
	double d = l->c.retry_min_s;
	int i;

	if (retry_after_s >= 0)
		return retry_after_s < RETRY_AFTER_MAX_S ? retry_after_s : RETRY_AFTER_MAX_S;
	for (i = 0; i < attempt && d < l->c.retry_max_s; i++)
		d *= 2;
	if (d > l->c.retry_max_s)
		d = l->c.retry_max_s;
	return d / 2 + d / 2 * ((double)rand_r(&l->seed) / RAND_MAX);
}

/* Sleeps s seconds in short slices; false when cancel asked to stop. */
static bool wait_s(double s, const struct hb_cancel *cancel)
{
	int64_t end = clock_mono_us() + (int64_t)(s * 1e6), left;

	while (!hb_cancel_reason(cancel) && (left = end - clock_mono_us()) > 0)
		clock_sleep_us(left < SLEEP_SLICE_US ? left : SLEEP_SLICE_US);
	return !hb_cancel_reason(cancel);
}

static void account(struct llm *l, struct llm_response *r)
{
	struct llm_totals *t = &l->totals;

	r->cost = r->usage_known && l->in_cost >= 0
		? r->usage.prompt_tokens * l->in_cost + r->usage.completion_tokens * l->out_cost
		: -1;
	t->calls++;
	t->usage.prompt_tokens += r->usage.prompt_tokens;
	t->usage.completion_tokens += r->usage.completion_tokens;
	t->usage.cache_read_tokens += r->usage.cache_read_tokens;
	t->usage.reasoning_tokens += r->usage.reasoning_tokens;
	/* a call without usage adds nothing it could not know; an unknown
	 * price keeps the whole total unknown */
	if (t->cost >= 0 && r->cost >= 0)
		t->cost += r->cost;
}

int llm_complete(struct llm *l, json_t *messages, json_t *tools, const struct hb_cancel *cancel,
		 struct llm_response *out, char *err, size_t errlen)
{
	double start = clock_mono_s(), retry_after;
	int attempt = 0, connects = 0, rc;
	enum llm_verdict v;
	char last[1024];

	memset(out, 0, sizeof(*out));
	if (!json_is_array(messages))
		return hb_fail(err, errlen, HB_EINVAL, "LLM messages: expected a JSON array");
	for (;;) {
		if (hb_cancel_reason(cancel))
			return hb_fail(err, errlen, HB_ECANCELED, "the call of the LLM at %s was "
				       "cancelled", l->base_url);
		rc = llm_attempt(l, messages, tools, cancel, out, &v, &retry_after, last, sizeof(last));
		if (v == LLM_SWITCHED)
			continue;          /* at once, and not counted as a retry */
		if (v == LLM_DONE)
			break;
		if (attempt >= l->c.max_retries || (v == LLM_RETRY_CONNECT && connects >= CONNECT_RETRIES))
			return hb_fail(err, errlen, rc, "%s (gave up after %d attempts)", last, attempt + 1);
		connects += v == LLM_RETRY_CONNECT;
		if (!wait_s(backoff_s(l, attempt++, retry_after), cancel))
			return hb_fail(err, errlen, HB_ECANCELED, "the call of the LLM at %s was "
				       "cancelled while waiting to retry (%s)", l->base_url, last);
	}
	if (rc)
		return hb_fail(err, errlen, rc, "%s", last);
	out->latency_s = clock_mono_s() - start;
	account(l, out);
	return 0;
}

bool llm_uses_text_calls(const struct llm *l)
{
	return l->text_calls;
}

bool llm_take_mode_switch(struct llm *l)
{
	bool was = l->switch_untold;

	l->switch_untold = false;
	return was;
}

void llm_totals(const struct llm *l, struct llm_totals *out)
{
	*out = l->totals;
}

void llm_totals_restore(struct llm *l, const struct llm_totals *t)
{
	l->totals = *t;
	/* a known price cannot price the stored calls of an unknown one */
	if (l->in_cost < 0)
		l->totals.cost = -1;
}
