/* docker_api.c — HTTP to the Docker engine's unix socket with libcurl.
 * One curl handle per struct docker_api, so consecutive calls reuse the
 * connection. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "engine/docker_api.h"

#define REPLY_LIMIT (64u << 20)
/* Creating, stopping or removing a container is bounded by the engine
 * (stop waits for the container's own grace period); this only stops a
 * wedged engine from hanging us forever. */
#define CALL_TIMEOUT_S 300L
#define CONNECT_TIMEOUT_MS 5000L

struct docker_api {
	CURL *curl;
	char socket[1024];
};

struct transfer {
	struct buf body;
	CURL *curl;
	int (*sink)(const void *data, size_t len, void *arg);
	void *sink_arg;
	int sink_failed;
	int fd;           /* upload source, or -1 */
};

/* libcurl's global set-up, once per process even when two threads open
 * their first engine at the same time (an app server's workers): libcurl
 * 7.88 makes it thread-safe only where built with atomics
 * (CURL_VERSION_THREADSAFE), so it is not left to chance. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int docker_api_open(struct docker_api **out, const char *docker_host,
		    char *err, size_t errlen)
{
	struct docker_api *api;
	const char *sock = DOCKER_DEFAULT_SOCKET;

	if (docker_host && *docker_host) {
		if (strncmp(docker_host, "unix://", 7) || docker_host[7] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "DOCKER_HOST: \"%s\": expected unix:///path/to/docker.sock "
				       "(TCP engines are not supported)", docker_host);
		sock = docker_host + 7;
	}
	if (strlen(sock) >= sizeof(api->socket))
		return hb_fail(err, errlen, HB_EINVAL,
			       "DOCKER_HOST: \"%s\": socket path longer than %zu bytes",
			       docker_host, sizeof(api->socket) - 1);
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return hb_fail(err, errlen, HB_EIO, "cannot initialise libcurl");
	api = calloc(1, sizeof(*api));
	if (!api || !(api->curl = curl_easy_init())) {
		free(api);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	snprintf(api->socket, sizeof(api->socket), "%s", sock);
	*out = api;
	return 0;
}

void docker_api_close(struct docker_api *api)
{
	if (!api)
		return;
	curl_easy_cleanup(api->curl);
	free(api);
}

const char *docker_api_socket(const struct docker_api *api)
{
	return api->socket;
}

void docker_reply_free(struct docker_reply *r)
{
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *docker_reply_message(const struct docker_reply *r)
{
	static __thread char fallback[32];
	const char *m = json_string_value(json_object_get(r->json, "message"));

	if (m && *m)
		return m;
	if (r->body && *r->body)
		return r->body;
	snprintf(fallback, sizeof(fallback), "HTTP %ld", r->status);
	return fallback;
}

/* An engine message is one line; a proxy's HTML page is cut short. */
#define MESSAGE_MAX 400

int docker_fail(const struct docker_reply *r, char *err, size_t errlen,
		const char *fmt, ...)
{
	char prefix[512];
	const char *msg = docker_reply_message(r);
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	if (n > MESSAGE_MAX)
		n = MESSAGE_MAX;
	if (err)
		snprintf(err, errlen, "%s: %.*s", prefix, (int)n, msg);
	return r->status == 404 ? HB_ENOENT : r->status == 409 ? HB_EBUSY : HB_EIO;
}

char *docker_escape(struct docker_api *api, const char *s)
{
	char *c = curl_easy_escape(api->curl, s, 0);
	char *out = c ? strdup(c) : NULL;

	curl_free(c);
	return out;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	long status = 0;

	size *= n;
	if (t->sink) {
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			if (t->sink(data, size, t->sink_arg)) {
				t->sink_failed = 1;
				return 0;
			}
			return size;
		}
	}
	return buf_append(&t->body, data, size) ? 0 : size;
}

static size_t on_upload(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	ssize_t got;

	do
		got = read(t->fd, data, size * n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

/* The sentence for a socket that does not answer: the usual causes are
 * that dockerd is not running, or that we may not use its socket. */
static int unreachable(const struct docker_api *api, CURLcode cc,
		       char *err, size_t errlen)
{
	struct stat st;

	if (stat(api->socket, &st) != 0)
		return hb_fail(err, errlen, HB_EIO,
			       "no Docker engine answers at %s (no such socket): is dockerd running?",
			       api->socket);
	if (access(api->socket, R_OK | W_OK) != 0)
		return hb_fail(err, errlen, HB_EPERM,
			       "permission denied on %s: run as root or join the socket's group (docker)",
			       api->socket);
	if (cc == CURLE_COULDNT_CONNECT)
		return hb_fail(err, errlen, HB_EIO,
			       "no Docker engine answers at %s: is dockerd running?", api->socket);
	return hb_fail(err, errlen, HB_EIO, "the Docker engine at %s: %s",
		       api->socket, curl_easy_strerror(cc));
}

static int perform(struct docker_api *api, const char *method, const char *path,
		   struct curl_slist *headers, struct transfer *t,
		   struct docker_reply *out, char *err, size_t errlen)
{
	char url[4096];
	CURLcode cc;
	int rc = 0;

	if (snprintf(url, sizeof(url), "http://docker/" DOCKER_API_VERSION "%s", path)
	    >= (int)sizeof(url)) {
		rc = hb_fail(err, errlen, HB_ETOOBIG, "Docker API path too long");
		goto out;
	}
	curl_easy_setopt(api->curl, CURLOPT_UNIX_SOCKET_PATH, api->socket);
	curl_easy_setopt(api->curl, CURLOPT_URL, url);
	curl_easy_setopt(api->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(api->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(api->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(api->curl, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(api->curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(api->curl, CURLOPT_NOSIGNAL, 1L);
	t->curl = api->curl;
	cc = curl_easy_perform(api->curl);
	if (cc == CURLE_WRITE_ERROR && t->sink_failed) {
		rc = hb_fail(err, errlen, HB_EIO, "could not store what the engine sent");
	} else if (cc == CURLE_WRITE_ERROR) {
		rc = hb_fail(err, errlen, HB_ETOOBIG,
			     "the Docker engine's reply to %s %s is over %u MiB",
			     method, path, REPLY_LIMIT >> 20);
	} else if (cc != CURLE_OK) {
		rc = unreachable(api, cc, err, errlen);
	} else {
		curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &out->status);
		out->body = buf_steal(&t->body, &out->len);
		if (!out->body && !(out->body = strdup("")))
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		else if (out->len)
			out->json = json_loadb(out->body, out->len, 0, NULL);
	}
out:
	buf_free(&t->body);
	/* every option set for this request goes, the POSTFIELDS pointer
	 * (freed by our caller) first of all */
	curl_easy_reset(api->curl);
	return rc;
}

/* A header list of one line; NULL when out of memory. */
static struct curl_slist *content_type(const char *type)
{
	char line[64];

	snprintf(line, sizeof(line), "Content-Type: %s", type);
	return curl_slist_append(NULL, line);
}

int docker_api_call(struct docker_api *api, const char *method, const char *path,
		    json_t *body, struct docker_reply *out, char *err, size_t errlen)
{
	struct transfer t = { .fd = -1 };
	struct curl_slist *h = NULL;
	char *text = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&t.body, REPLY_LIMIT);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		h = content_type("application/json");
		if (!text || !h) {
			free(text);
			curl_slist_free_all(h);
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		}
		curl_easy_setopt(api->curl, CURLOPT_POSTFIELDS, text);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(api->curl, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(api->curl, CURLOPT_TIMEOUT, CALL_TIMEOUT_S);
	rc = perform(api, method, path, h, &t, out, err, errlen);
	curl_slist_free_all(h);
	free(text);
	return rc;
}

/* Long transfers have no overall limit but must keep moving. */
static void stall_limit(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 600L);
}

int docker_api_upload_fd(struct docker_api *api, const char *method,
			 const char *path, int fd, struct docker_reply *out,
			 char *err, size_t errlen)
{
	struct transfer t = { .fd = fd };
	struct curl_slist *h;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&t.body, REPLY_LIMIT);
	if (!(h = content_type("application/x-tar")))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	curl_easy_setopt(api->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(api->curl, CURLOPT_READFUNCTION, on_upload);
	curl_easy_setopt(api->curl, CURLOPT_READDATA, &t);
	stall_limit(api->curl);
	rc = perform(api, method, path, h, &t, out, err, errlen);
	curl_slist_free_all(h);
	return rc;
}

int docker_api_download(struct docker_api *api, const char *path,
			int (*sink)(const void *data, size_t len, void *arg),
			void *arg, struct docker_reply *out,
			char *err, size_t errlen)
{
	struct transfer t = { .fd = -1, .sink = sink, .sink_arg = arg };

	memset(out, 0, sizeof(*out));
	buf_init(&t.body, REPLY_LIMIT);
	stall_limit(api->curl);
	return perform(api, "GET", path, NULL, &t, out, err, errlen);
}
