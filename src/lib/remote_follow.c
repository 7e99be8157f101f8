/* remote_follow.c — a run of a conversation on `handbox serve`, followed
 * from this thread: the events WebSocket (/sockets/events/{id}, one
 * libwebsockets client context per run), the stored events read back
 * over REST to fill what the socket did not carry, and the run's end.
 *
 * Every event reaches the program once and in order, also across a
 * dropped connection, by this rule: the socket is opened without a replay
 * and, once its first frame (the full state) says it is subscribed, the
 * stored events after the last one handed out are read page by page
 * (GET …/events/search?page_id=, which pages in store order, so no clock
 * is trusted); the socket's events are then handed out, those already
 * handed out skipped by id. A connection that drops is made again the
 * same way, for up to RECONNECT_FOR_S.
 *
 * The run has ended when the server's ConversationInfo no longer says
 * "running" (it does from the moment a run is asked until the agent has
 * stopped and every event is stored): asked at once when an event
 * announces an ending status, and whenever the socket has been quiet for
 * QUIET_US (a run with nothing to do announces nothing). The events the
 * socket has not brought by then are read from the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "client/ws_target.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "common/serve_wire.h"
#include "lib/remote.h"

#define RX_BUFFER (64u << 10)
#define MESSAGE_MAX (16u << 20)       /* one event (the server queues 8 MiB a client) */
#define CONNECT_TIMEOUT_S 20
#define PING_AFTER_S 30               /* a quiet connection is pinged ... */
#define HANGUP_AFTER_S 90             /* ... and dropped when nothing answers */
#define QUIET_US 2000000              /* no event for this long: is the run over? */
#define END_CHECK_FIRST_US 50000      /* after an ending status: soon, then doubling */
#define RECONNECT_FOR_S 15            /* a server gone this long fails the run */
#define RETRY_FIRST_US 250000
#define RETRY_MAX_US 2000000
#define REASON_MAX 123
#define PATH_LEN 256

struct follow {
	struct remote *r;
	struct ws_target t;
	struct lws_context *ctx;
	struct lws *ws;               /* NULL once gone */
	lws_sorted_usec_list_t timer; /* the next look at the run's end */
	int64_t check_every_us;

	bool connected;               /* a connection is being made or is up */
	bool established, got_state, caught_up;
	bool run_posted, ending, check_due;
	int wake;                     /* 1: pause asked, 2: interrupt asked */
	json_t *pending;              /* the socket's events before the catch-up */
	struct buf text;              /* a message being joined */

	int http_status, close_code;
	char close_reason[REASON_MAX + 1];
	char conn_error[REMOTE_DETAIL_MAX];
	int fail_code;                /* a failure that ends the run */
	char failure[REMOTE_DETAIL_MAX];
};

static int follow_fail(struct follow *f, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The first failure wins; returns -1 for lws callbacks. */
static int follow_fail(struct follow *f, int code, const char *fmt, ...)
{
	va_list ap;

	if (f->fail_code)
		return -1;
	f->fail_code = code;
	va_start(ap, fmt);
	vsnprintf(f->failure, sizeof(f->failure), fmt, ap);
	va_end(ap);
	return -1;
}

static void on_timer(lws_sorted_usec_list_t *sul)
{
	struct follow *f = lws_container_of(sul, struct follow, timer);

	f->check_due = true;
}

static void check_in(struct follow *f, int64_t us)
{
	lws_sul_schedule(f->ctx, 0, &f->timer, on_timer, us);
}

/* ------------------------------------------------------------ events */

/* One event: handed out, or kept until the catch-up when it is early. */
static int got_event(struct follow *f, json_t *ev)
{
	char err[REMOTE_DETAIL_MAX];
	const char *status;

	if (!f->caught_up)
		return json_array_append(f->pending, ev) ?
			follow_fail(f, HB_ENOMEM, "out of memory") : 0;
	if (remote_deliver(f->r, ev, err, sizeof(err)))
		return follow_fail(f, HB_EIO, "%s", err);
	status = json_string_value(json_object_get(ev, "value"));
	if (strcmp(json_string_value(json_object_get(ev, "kind")) ?: "",
		   "ConversationStateUpdateEvent") ||
	    strcmp(json_string_value(json_object_get(ev, "key")) ?: "", "execution_status") ||
	    !status)
		return 0;
	/* an ending status: ask the server soon whether the run is over */
	f->ending = remote_status_ends_run(status);
	if (f->ending) {
		f->check_every_us = END_CHECK_FIRST_US;
		f->check_due = true;
	}
	return 0;
}

/* A whole text message from the socket. */
static int got_message(struct follow *f)
{
	json_t *m = json_loadb(f->text.data, f->text.len, 0, NULL);
	const char *key;
	int rc = 0;

	buf_reset(&f->text);
	if (!json_is_object(m)) {
		json_decref(m);
		return follow_fail(f, HB_EIO, "handbox serve at %s sent a frame that is not a JSON "
				   "event on %s", f->r->url, f->t.path);
	}
	key = json_string_value(json_object_get(m, "key"));
	if (!f->got_state && key && !strcmp(key, "full_state")) {
		/* the connection's own snapshot, not a stored event: it says
		 * the subscription is in place, and the state */
		pthread_mutex_lock(&f->r->lock);
		remote_state_track(&f->r->st, m);
		pthread_mutex_unlock(&f->r->lock);
		f->got_state = true;
	} else if (json_object_get(m, "kind")) {
		rc = got_event(f, m);
	}
	json_decref(m);
	return rc;
}

static int receive(struct follow *f, struct lws *wsi, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi))
		buf_reset(&f->text);
	if (buf_append(&f->text, in, len))
		return follow_fail(f, HB_ETOOBIG, "handbox serve at %s sent an event over %u bytes",
				   f->r->url, MESSAGE_MAX);
	if (!f->ending && f->run_posted)
		check_in(f, QUIET_US);
	return lws_is_final_fragment(wsi) ? got_message(f) : 0;
}

/* ---------------------------------------------------------- callbacks */

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		       void *in, size_t len)
{
	struct follow *f = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	unsigned char **p = in;
	const char *key;
	size_t n;

	if (!f)
		return 0;
	key = f->r->key;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (key && lws_add_http_header_by_name(wsi, (const unsigned char *)
						       SERVER_KEY_HEADER ":",
						       (const unsigned char *)key,
						       (int)strlen(key), p, *p + len))
			return follow_fail(f, HB_EINVAL, "the API key (%zu bytes) is too long",
					   strlen(key));
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		f->established = true;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(f, wsi, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		f->close_code = len >= 2 ? (((unsigned char *)in)[0] << 8) |
			((unsigned char *)in)[1] : 1005;
		n = len > 2 ? len - 2 : 0;
		n = n > REASON_MAX ? REASON_MAX : n;
		memcpy(f->close_reason, (char *)in + 2, n);
		f->close_reason[n] = '\0';
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		f->http_status = (int)lws_http_client_http_response(wsi);
		snprintf(f->conn_error, sizeof(f->conn_error), "%.*s",
			 in ? (int)strnlen(in, len ? len : 200) : 0, in ? (const char *)in : "");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		f->ws = NULL;
		f->connected = false;
		return 0;
	default:
		return 0;
	}
}

/* The wake pipe: pause and interrupt from other threads or a signal
 * handler. */
static int wake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			 void *in, size_t len)
{
	struct follow *f = lws_context_user(lws_get_context(wsi));
	char b[64];
	ssize_t n, i;

	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	while ((n = read(lws_get_socket_fd(wsi), b, sizeof(b))) > 0)
		for (i = 0; i < n; i++)
			f->wake |= b[i] == 'i' ? 2 : 1;
	return 0;
}

/* ---------------------------------------------------------- the socket */

static int context_create(struct follow *f, char *err, size_t errlen)
{
	static const struct lws_protocols protocols[] = {
		{ "handbox-events", ws_callback, 0, RX_BUFFER, 0, NULL, 0 },
		{ "handbox-wake", wake_callback, 0, 0, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	lws_sock_file_fd_type u;
	int fd;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = f;
	info.fd_limit_per_thread = 8;
	info.timeout_secs = CONNECT_TIMEOUT_S;
	if (f->t.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* as remote_call(): SSL_CERT_FILE, when set, names the CAs */
	if (getenv("SSL_CERT_FILE") && *getenv("SSL_CERT_FILE"))
		info.client_ssl_ca_filepath = getenv("SSL_CERT_FILE");
	/* its own messages (connection refused…) would repeat ours */
	lws_set_log_level(LLL_ERR, NULL);
	if (!(f->ctx = lws_create_context(&info)))
		return hb_fail(err, errlen, HB_ENOMEM, "cannot create a libwebsockets context");
	/* lws closes what it adopts: a copy of the pipe's end */
	if ((fd = fcntl(f->r->wake[0], F_DUPFD_CLOEXEC, 3)) < 0)
		return hb_fail(err, errlen, HB_EIO, "cannot copy a descriptor: %s", strerror(errno));
	u.filefd = (lws_filefd_type)(intptr_t)fd;
	if (!lws_adopt_descriptor_vhost(lws_get_vhost_by_name(f->ctx, "default"),
					LWS_ADOPT_RAW_FILE_DESC, u, "handbox-wake", NULL)) {
		close(fd);
		return hb_fail(err, errlen, HB_EIO, "cannot watch the conversation's wake pipe");
	}
	return 0;
}

/* A new connection; what the last one left is forgotten. */
static void connect_ws(struct follow *f)
{
	static const lws_retry_bo_t idle = {
		.secs_since_valid_ping = PING_AFTER_S,
		.secs_since_valid_hangup = HANGUP_AFTER_S,
	};
	struct lws_client_connect_info ci;

	f->established = f->got_state = f->caught_up = f->check_due = false;
	f->http_status = f->close_code = 0;
	f->close_reason[0] = f->conn_error[0] = '\0';
	json_array_clear(f->pending);
	buf_reset(&f->text);
	memset(&ci, 0, sizeof(ci));
	ci.context = f->ctx;
	ci.address = f->t.host;
	ci.port = f->t.port;
	ci.path = f->t.path;
	ci.host = f->t.host_header;
	ci.origin = f->t.host_header;
	ci.ssl_connection = f->t.tls ? LCCSCF_USE_SSL : 0;
	ci.ietf_version_or_minus_one = -1;
	ci.local_protocol_name = "handbox-events";
	ci.retry_and_idle_policy = &idle;
	ci.pwsi = &f->ws;
	ci.opaque_user_data = f;
	f->connected = true;
	/* the server's first frame is due at once: without it by then, the
	 * run fails (the timer is set again once it has come) */
	check_in(f, CONNECT_TIMEOUT_S * 1000000LL);
	/* NULL: it failed inside the call, and the wsi is gone */
	if (!lws_client_connect_via_info(&ci)) {
		f->connected = false;
		f->ws = NULL;
	}
}

/* Why the connection ended, when that ends the run; 0 when it is worth
 * another try. */
static int lost_for_good(struct follow *f, char *err, size_t errlen)
{
	struct remote *r = f->r;

	if (f->close_code == SERVER_CLOSE_AUTH || f->http_status == 401)
		return hb_fail(err, errlen, HB_EPERM, "handbox serve at %s refused the API key "
			       "on %s: give the key it was started with (--api-key or "
			       "HANDBOX_API_KEY)", r->url, f->t.path);
	if (f->close_code == SERVER_CLOSE_UNKNOWN || f->http_status == 404)
		return hb_fail(err, errlen, HB_ENOENT, "handbox serve at %s has no conversation "
			       "%s (deleted?)", r->url, r->id);
	if (f->close_code == SERVER_CLOSE_BUSY)
		return hb_fail(err, errlen, HB_EBUSY, "handbox serve at %s: %s", r->url,
			       f->close_reason[0] ? f->close_reason : "too many subscribers");
	return 0;
}

/* What the last attempt said, for the message when the server is gone. */
static void last_words(struct follow *f, char *out, size_t outlen)
{
	if (f->close_code)
		snprintf(out, outlen, "the events socket closed (code %d%s%s)", f->close_code,
			 f->close_reason[0] ? ", " : "", f->close_reason);
	else if (f->conn_error[0])
		snprintf(out, outlen, "%s", f->conn_error);
	else if (f->http_status)
		snprintf(out, outlen, "HTTP %d to %s", f->http_status, f->t.path);
	else
		snprintf(out, outlen, "the connection broke");
}

/* ------------------------------------------------------------ the run */

/* POST …/run, …/pause or …/interrupt. */
static int post_action(struct follow *f, const char *action, long *status, char *err,
		       size_t errlen)
{
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s/%s", SERVER_ROUTE_CONVERSATIONS, f->r->id, action);
	return remote_call(f->r, "POST", path, NULL, status, NULL, err, errlen);
}

/* The first catch-up of a connection; then the run is asked, once. */
static int caught_up(struct follow *f, long *status, char *err, size_t errlen)
{
	json_t *ev;
	size_t i;
	int rc;

	if ((rc = remote_catch_up(f->r, err, errlen)))
		return rc;
	f->caught_up = true;
	json_array_foreach(f->pending, i, ev)
		if (got_event(f, ev))
			return hb_fail(err, errlen, f->fail_code, "%s", f->failure);
	json_array_clear(f->pending);
	/* connected again: the run may have ended while we were away */
	if (f->run_posted) {
		f->check_due = true;
		return 0;
	}
	rc = post_action(f, "run", status, err, errlen);
	/* 409: it runs already (another client asked): followed all the same */
	if (rc && *status != 409)
		return rc;
	f->run_posted = true;
	/* an ending status read back before the run was asked is the last
	 * run's */
	f->ending = f->check_due = false;
	f->check_every_us = QUIET_US;
	check_in(f, QUIET_US);
	return 0;
}

/* Whether the run is over; if so, the events not yet handed out are. */
static int check_end(struct follow *f, bool *done, long *status, char *err, size_t errlen)
{
	struct remote *r = f->r;
	char path[PATH_LEN];
	json_t *info;
	const char *st;
	int rc;

	f->check_due = false;
	snprintf(path, sizeof(path), "%s/%s", SERVER_ROUTE_CONVERSATIONS, r->id);
	if ((rc = remote_call(r, "GET", path, NULL, status, &info, err, errlen)))
		return rc;
	st = json_string_value(json_object_get(info, "execution_status"));
	if (st && strcmp(st, "running")) {
		rc = remote_catch_up(r, err, errlen);
		pthread_mutex_lock(&r->lock);
		__atomic_store_n(&r->st.status, remote_status_name(st), __ATOMIC_RELEASE);
		remote_stats_read(json_object_get(info, "stats"), &r->st.stats);
		pthread_mutex_unlock(&r->lock);
		*done = rc == 0;
	} else {
		if (f->ending && f->check_every_us < QUIET_US)
			f->check_every_us *= 2;
		check_in(f, f->ending ? f->check_every_us : QUIET_US);
	}
	json_decref(info);
	return rc;
}

/* One turn of work after lws_service(): what the callbacks asked for.
 * *status is the HTTP status of a request that failed (0: no answer). */
static int step(struct follow *f, bool *done, long *status, char *err, size_t errlen)
{
	int rc;

	*status = -1;
	if (f->fail_code)
		return hb_fail(err, errlen, f->fail_code, "%s", f->failure);
	if (f->check_due && f->established && !f->got_state)
		return hb_fail(err, errlen, HB_EIO, "handbox serve at %s sent nothing on %s in %d s: "
			       "is it handbox serve?", f->r->url, f->t.path, CONNECT_TIMEOUT_S);
	if (f->got_state && !f->caught_up && (rc = caught_up(f, status, err, errlen)))
		return rc;
	if (f->wake && f->run_posted) {
		rc = post_action(f, f->wake & 2 ? "interrupt" : "pause", status, err, errlen);
		f->wake = 0;
		if (rc)
			return rc;
	}
	if (f->check_due && f->run_posted && f->caught_up)
		return check_end(f, done, status, err, errlen);
	return 0;
}

/* The connection is gone (or a request got no answer): wait a little and
 * connect again, or give up when the server stays away. */
static int reconnect(struct follow *f, int64_t *lost_at, int *tries, char *err, size_t errlen)
{
	char why[REMOTE_DETAIL_MAX];
	int64_t wait = RETRY_FIRST_US << (*tries < 3 ? *tries : 3);
	int rc;

	if ((rc = lost_for_good(f, err, errlen)))
		return rc;
	if (!*lost_at)
		*lost_at = clock_mono_us();
	if (clock_mono_us() - *lost_at > RECONNECT_FOR_S * 1000000LL) {
		last_words(f, why, sizeof(why));
		return hb_fail(err, errlen, HB_EIO, "handbox serve at %s stopped answering during "
			       "the run and was not back within %d s (%s); the run may go on "
			       "there: hb_conversation_run() follows it again", f->r->url,
			       RECONNECT_FOR_S, why);
	}
	if (f->ws)
		lws_set_timeout(f->ws, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	clock_sleep_us(wait < RETRY_MAX_US ? wait : RETRY_MAX_US);
	(*tries)++;
	connect_ws(f);
	return 0;
}

int remote_follow_run(struct remote *r, char *err, size_t errlen)
{
	struct follow f = { .r = r };
	char route[PATH_LEN], drain[64];
	int64_t lost_at = 0;
	bool done = false;
	long status;
	int rc, tries = 0;

	/* a pause or interrupt asked before this run belongs to the last one */
	while (read(r->wake[0], drain, sizeof(drain)) > 0)
		;
	snprintf(route, sizeof(route), "%s%s", SERVER_ROUTE_EVENTS_SOCKET, r->id);
	buf_init(&f.text, MESSAGE_MAX);
	if (!(f.pending = json_array()))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = ws_target_parse(r->url, route, "server URL", &f.t, err, errlen)) ||
	    (rc = context_create(&f, err, errlen)))
		goto out;
	connect_ws(&f);
	while (!done) {
		if (!f.connected) {
			rc = reconnect(&f, &lost_at, &tries, err, errlen);
		} else if (lws_service(f.ctx, 0) < 0) {
			rc = hb_fail(err, errlen, HB_EIO, "the libwebsockets event loop failed");
		} else if ((rc = step(&f, &done, &status, err, errlen)) && status == 0) {
			/* a request with no answer: the server is away, as when
			 * the socket drops */
			snprintf(f.conn_error, sizeof(f.conn_error), "%s", err);
			rc = reconnect(&f, &lost_at, &tries, err, errlen);
		}
		if (rc)
			break;
		if (f.caught_up) {
			lost_at = 0;
			tries = 0;
		}
	}
out:
	if (f.ctx) {
		lws_sul_cancel(&f.timer);
		lws_context_destroy(f.ctx);
	}
	ws_target_free(&f.t);
	json_decref(f.pending);
	buf_free(&f.text);
	return rc;
}
