/* session_client.c — sandboxd's bash session routes from the host, with
 * libcurl; see session_client.h.
 *
 * A wait is a plain HTTP request that sandboxd answers when the command
 * ends or the wait passes; libcurl's progress callback (called at least
 * once a second, also while nothing arrives) is where the caller's cancel
 * token is read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/client_conn.h"
#include "client/session_client.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

/* one answer carries at most 1 MiB of output, JSON-escaped: up to 6× */
#define ANSWER_MAX (8u << 20)
#define URL_MAX (8u << 10)
/* how much longer than sandboxd's own wait a request may take */
#define MARGIN_MS 30000L
#define DETAIL_MAX 600

void session_answer_clear(struct session_answer *a)
{
	free(a->output);
	free(a->cwd);
	memset(a, 0, sizeof(*a));
}

int session_client_open(struct session_client *s, const struct sandbox_conn *c,
			char *err, size_t errlen)
{
	struct curl_slist *h;
	int rc;

	memset(s, 0, sizeof(*s));
	s->conn = c;
	buf_init(&s->url, URL_MAX);
	buf_init(&s->body, ANSWER_MAX);
	rc = client_conn_curl(c, &s->curl, &s->headers, s->curl_err, err, errlen);
	if (rc)
		return rc;
	h = curl_slist_append(s->headers, "Content-Type: application/json");
	if (!h)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	s->headers = h;
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	return 0;
}

void session_client_close(struct session_client *s)
{
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	buf_free(&s->url);
	buf_free(&s->body);
	s->curl = NULL;
	s->headers = NULL;
}

/* ---------------------------------------------------------------- requests */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct session_client *s = arg;

	if (buf_append(&s->body, data, size * n)) {
		s->body_too_big = true;
		return 0;
	}
	return size * n;
}

static int on_progress(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
		       curl_off_t uln)
{
	struct session_client *s = arg;

	return hb_cancel_reason(s->cancel) ? 1 : 0;
}

static int status_code(long status)
{
	switch (status) {
	case 401: case 403:
		return HB_EPERM;
	case 404:
		return HB_ENOENT;
	case 409: case 413: case 422: case 400:
		return HB_EINVAL;
	case 503:
		return HB_EBUSY;
	default:
		return HB_EIO;
	}
}

/* method "GET", "POST" or "DELETE" on base + SESSIONS + tail, with a JSON
 * body (POST) and a whole-request limit; what names it in messages. The
 * answer is in s->body. Returns 0 for a 2xx answer. */
static int request(struct session_client *s, const char *method, const char *tail,
		   const char *body, long timeout_ms, const char *what, char *err,
		   size_t errlen)
{
	const char *base = s->conn->url;
	size_t bl = strlen(base);
	char detail[DETAIL_MAX];
	CURLcode cc;
	long status = 0;

	while (bl && base[bl - 1] == '/')
		bl--;
	buf_reset(&s->url);
	buf_reset(&s->body);
	s->body_too_big = false;
	s->curl_err[0] = '\0';
	if (buf_printf(&s->url, "%.*s%s%s", (int)bl, base, SANDBOXD_ROUTE_SESSIONS, tail))
		return hb_fail(err, errlen, HB_ETOOBIG, "%s: the URL is too long", what);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url.data);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body ? body : "{}");
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body ? body : "{}"));
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "GET") ? method : NULL);
	}
	cc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return hb_fail(err, errlen, HB_ECANCELED, "%s: cancelled", what);
	if (s->body_too_big)
		return hb_fail(err, errlen, HB_ETOOBIG, "%s: sandboxd's answer is over %u bytes",
			       what, ANSWER_MAX);
	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
		return hb_fail(err, errlen, HB_EIO, "sandboxd does not answer at %s: %s",
			       s->conn->url, s->curl_err[0] ? s->curl_err : curl_easy_strerror(cc));
	if (cc != CURLE_OK)
		return hb_fail(err, errlen, HB_EIO, "%s: %s", what,
			       s->curl_err[0] ? s->curl_err : curl_easy_strerror(cc));
	if (status >= 200 && status < 300)
		return 0;
	if (status == 401)
		return hb_fail(err, errlen, HB_EPERM, "the sandbox refused the session key");
	client_conn_detail(&s->body, detail, sizeof(detail));
	return hb_fail(err, errlen, status_code(status), "%s: %s (HTTP %ld)", what, detail,
		       status);
}

/* "/" + id + suffix, refusing an id that would change the route */
static int id_tail(const char *id, const char *suffix, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!strchr("0123456789abcdefABCDEF-", id[i]))
			return hb_fail(err, errlen, HB_EINVAL,
				       "bash session id \"%.64s\": expected a UUID", id);
	if (!i || (size_t)snprintf(out, outlen, "/%s%s", id, suffix) >= outlen)
		return hb_fail(err, errlen, HB_EINVAL,
			       "bash session id \"%.64s\": expected a UUID", id);
	return 0;
}

/* ------------------------------------------------------------------ answers */

int session_answer_parse(const char *json, size_t len, struct session_answer *out,
			 char *err, size_t errlen)
{
	json_t *j = json_loadb(json ? json : "", len, 0, NULL);
	const char *st = json_string_value(json_object_get(j, "status"));
	json_t *output = json_object_get(j, "output");
	json_t *code = json_object_get(j, "exit_code");
	const char *cwd = json_string_value(json_object_get(j, "cwd"));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!st || !json_is_string(output) || (code && !json_is_null(code) &&
					      !json_is_integer(code))) {
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd's answer to a bash session request "
			     "has no status, output or exit code: %.200s", json ? json : "");
		goto out;
	}
	if (!strcmp(st, "completed"))
		out->status = SESSION_COMPLETED;
	else if (!strcmp(st, "running"))
		out->status = SESSION_RUNNING;
	else if (!strcmp(st, "exited"))
		out->status = SESSION_EXITED;
	else {
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd's bash session status \"%.40s\": "
			     "expected completed, running or exited", st);
		goto out;
	}
	out->has_exit_code = json_is_integer(code);
	out->exit_code = out->has_exit_code ? (int)json_integer_value(code) : 0;
	out->output_len = json_string_length(output);
	out->output = malloc(out->output_len + 1);
	out->cwd = strdup(cwd ? cwd : "");
	out->truncated = json_is_true(json_object_get(j, "truncated"));
	if (!out->output || !out->cwd) {
		session_answer_clear(out);
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(out->output, json_string_value(output), out->output_len + 1);
out:
	json_decref(j);
	return rc;
}

/* ------------------------------------------------------------------ routes */

int session_create(struct session_client *s, const char *cwd, const char *const *env,
		   int rows, int cols, char **id, char *err, size_t errlen)
{
	json_t *body = json_object(), *vars = json_object();
	const char *got;
	char *text = NULL;
	json_t *j = NULL;
	int rc = HB_ENOMEM;

	*id = NULL;
	if (!body || !vars)
		goto nomem;
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');

		if (!eq || json_object_setn_new(vars, *env, (size_t)(eq - *env),
							json_string(eq + 1)))
			goto nomem;
	}
	if ((cwd && json_object_set_new(body, "cwd", json_string(cwd))) ||
	    (json_object_size(vars) && json_object_set(body, "env", vars)) ||
	    (rows > 0 && json_object_set_new(body, "rows", json_integer(rows))) ||
	    (cols > 0 && json_object_set_new(body, "cols", json_integer(cols))) ||
	    !(text = json_dumps(body, JSON_COMPACT)))
		goto nomem;
	s->cancel = NULL;
	rc = request(s, "POST", "", text, MARGIN_MS, "start a bash session", err, errlen);
	if (rc)
		goto out;
	j = json_loadb(s->body.data ? s->body.data : "", s->body.len, 0, NULL);
	got = json_string_value(json_object_get(j, "id"));
	if (!got) {
		rc = hb_fail(err, errlen, HB_EIO, "sandboxd's new bash session has no id");
		goto out;
	}
	if (!(*id = strdup(got)))
		goto nomem;
	rc = 0;
	goto out;
nomem:
	rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
out:
	json_decref(j);
	json_decref(body);
	json_decref(vars);
	free(text);
	return rc;
}

static int check_wait(const char *what, double v, char *err, size_t errlen)
{
	if (!(v >= 0 && v <= 3600))
		return hb_fail(err, errlen, HB_EINVAL, "%s %g: expected 0 to 3600 seconds", what, v);
	return 0;
}

/* the request made, the answer parsed */
static int wait_answer(struct session_client *s, const char *method, const char *tail,
		       const char *body, double wait_s, const struct hb_cancel *cancel,
		       const char *what, struct session_answer *out, char *err, size_t errlen)
{
	int rc;

	s->cancel = cancel;
	rc = request(s, method, tail, body, (long)(wait_s * 1000) + MARGIN_MS, what, err,
		     errlen);
	s->cancel = NULL;
	if (rc)
		return rc;
	return session_answer_parse(s->body.data, s->body.len, out, err, errlen);
}

int session_run(struct session_client *s, const char *id, const char *command,
		double timeout_s, bool is_input, const struct hb_cancel *cancel,
		struct session_answer *out, char *err, size_t errlen)
{
	char tail[128];
	json_t *body;
	char *text;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_wait("bash session timeout", timeout_s, err, errlen)) ||
	    (rc = id_tail(id, "/run", tail, sizeof(tail), err, errlen)))
		return rc;
	body = json_pack("{s:s, s:f, s:b}", "command", command, "timeout", timeout_s,
			 "is_input", is_input);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return hb_fail(err, errlen, body ? HB_ENOMEM : HB_EINVAL,
			       "bash session command: not valid UTF-8, or out of memory");
	rc = wait_answer(s, "POST", tail, text, timeout_s, cancel, "run in bash session", out,
			 err, errlen);
	free(text);
	return rc;
}

int session_output(struct session_client *s, const char *id, double wait_s,
		   const struct hb_cancel *cancel, struct session_answer *out,
		   char *err, size_t errlen)
{
	char tail[160];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_wait("bash session wait", wait_s, err, errlen)) ||
	    (rc = id_tail(id, "/output", tail, sizeof(tail) - 40, err, errlen)))
		return rc;
	snprintf(tail + strlen(tail), 40, "?wait=%.3f", wait_s);
	return wait_answer(s, "GET", tail, NULL, wait_s, cancel, "read bash session output",
			   out, err, errlen);
}

int session_delete(struct session_client *s, const char *id, char *err, size_t errlen)
{
	char tail[128];
	int rc;

	if ((rc = id_tail(id, "", tail, sizeof(tail), err, errlen)))
		return rc;
	s->cancel = NULL;
	return request(s, "DELETE", tail, NULL, MARGIN_MS, "delete bash session", err, errlen);
}
