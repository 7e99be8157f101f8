/* browser_cdp.c — the blocking DevTools client of the browser worker; see
 * browser_cdp.h.
 *
 * Blocking, because an action is a sequence of commands that each depend
 * on the last answer (a rectangle, then a click there); written as straight
 * code on a thread of its own it reads as the sequence it is. The context
 * is the worker's: lws_service() runs only there, woken at least every
 * TICK_MS by a timer so that deadlines hold while the browser is silent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "sandboxd/browser_cdp.h"

/* A viewport screenshot of a busy page is a few MB of base64 PNG. */
#define MSG_MAX (32u << 20)
#define HTTP_MAX (64u << 10)
/* Events nobody waits for (Page.frameNavigated…) are dropped past this. */
#define INBOX_MAX 512
#define TICK_MS 20
/* lws keeps a table indexed by descriptor number: as high as sandboxd's
 * own limit (main.c), since a busy sandboxd hands this thread high ones. */
#define FD_LIMIT 16384

struct cdp {
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	struct lws *wsi;            /* the HTTP request, then the WebSocket */
	char host[64];
	int port;
	bool http_done;             /* the /json/version request ended */
	int http_status;
	bool open;                  /* the WebSocket is established */
	bool ws_done;               /* the WebSocket attempt or connection ended */
	char failure[200];          /* lws's reason for a failed connection */
	struct buf http;            /* the /json/version answer */
	struct buf rx;              /* the message being received */
	bool rx_too_big;
	json_t *inbox;              /* messages received and not yet taken */
	json_t *outbox;             /* message texts to send, in order */
	unsigned char *frame;       /* LWS_PRE + the one being sent */
	json_t *dialogs;            /* what dialogs said since cdp_take_dialogs() */
	long next_id;
};

static void on_tick(lws_sorted_usec_list_t *sul)
{
	struct cdp *c = lws_container_of(sul, struct cdp, tick);

	lws_sul_schedule(c->ctx, 0, &c->tick, on_tick, TICK_MS * LWS_US_PER_MS);
}

/* ------------------------------------------------------------ callbacks */

static int on_ws_receive(struct cdp *c, struct lws *wsi, const void *in, size_t len)
{
	json_t *msg;

	if (!c->rx_too_big && buf_append(&c->rx, in, len))
		c->rx_too_big = true;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	msg = c->rx_too_big ? NULL : json_loadb(c->rx.data, c->rx.len, 0, NULL);
	if (c->rx_too_big)
		fprintf(stderr, "handbox-sandboxd: browser: a DevTools message over %u bytes "
			"was dropped\n", MSG_MAX);
	buf_reset(&c->rx);
	c->rx_too_big = false;
	if (!json_is_object(msg)) {
		json_decref(msg);
		return 0;
	}
	if (json_array_size(c->inbox) >= INBOX_MAX)
		json_array_remove(c->inbox, 0);
	json_array_append_new(c->inbox, msg);
	return 0;
}

static int on_ws_writeable(struct cdp *c, struct lws *wsi)
{
	const char *text = json_string_value(json_array_get(c->outbox, 0));
	size_t len = text ? strlen(text) : 0;

	if (!text)
		return 0;
	free(c->frame);
	if (!(c->frame = malloc(LWS_PRE + len)))
		return -1;
	memcpy(c->frame + LWS_PRE, text, len);
	json_array_remove(c->outbox, 0);
	if (lws_write(wsi, c->frame + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
		return -1;
	if (json_array_size(c->outbox))
		lws_callback_on_writable(wsi);
	return 0;
}

static int on_http_read(struct cdp *c, struct lws *wsi)
{
	char buffer[4096 + LWS_PRE];
	char *p = buffer + LWS_PRE;
	int n = (int)sizeof(buffer) - LWS_PRE;

	return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		    void *in, size_t len)
{
	struct cdp *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;

	if (!c)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		c->http_status = (int)lws_http_client_http_response(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		return on_http_read(c, wsi);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return buf_append(&c->http, in, len) ? -1 : 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		c->http_done = true;
		return -1;     /* one request: close it */
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->open = true;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_ws_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_ws_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(c->failure, sizeof(c->failure), "%.*s",
			 in ? (int)strnlen(in, len ? len : 150) : 0, in ? (const char *)in : "");
		c->http_done = c->ws_done = true;
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c->wsi == wsi) {
			c->wsi = NULL;
			c->open = false;
			c->http_done = c->ws_done = true;
		}
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ life */

struct cdp *cdp_new(const char *host, int port)
{
	static const struct lws_protocols protocols[] = {
		{ "handbox-cdp", callback, 0, 64 * 1024, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;
	struct cdp *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	buf_init(&c->http, HTTP_MAX);
	buf_init(&c->rx, MSG_MAX);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = FD_LIMIT;
	info.timeout_secs = 10;
	c->inbox = json_array();
	c->outbox = json_array();
	c->dialogs = json_array();
	c->ctx = c->inbox && c->outbox && c->dialogs ? lws_create_context(&info) : NULL;
	if (!c->ctx) {
		cdp_free(c);
		return NULL;
	}
	lws_sul_schedule(c->ctx, 0, &c->tick, on_tick, TICK_MS * LWS_US_PER_MS);
	return c;
}

void cdp_free(struct cdp *c)
{
	if (!c)
		return;
	if (c->ctx)
		lws_context_destroy(c->ctx);
	buf_free(&c->http);
	buf_free(&c->rx);
	json_decref(c->inbox);
	json_decref(c->outbox);
	json_decref(c->dialogs);
	free(c->frame);
	free(c);
}

bool cdp_connected(const struct cdp *c)
{
	return c->wsi && c->open;
}

/* Services the context until *flag is set or the deadline passes. */
static void serve_until(struct cdp *c, const bool *flag, int64_t deadline_us)
{
	while (!*flag && clock_mono_us() < deadline_us)
		if (lws_service(c->ctx, TICK_MS) < 0)
			break;
}

static struct lws *client_connect(struct cdp *c, const char *path, const char *method)
{
	struct lws_client_connect_info ci;
	char hostport[80];

	snprintf(hostport, sizeof(hostport), "%s:%d", c->host, c->port);
	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = c->host;
	ci.port = c->port;
	ci.path = path;
	/* Chromium refuses a Host that is not an address or localhost, and
	 * any Origin but its own: send none */
	ci.host = hostport;
	ci.method = method;
	ci.ietf_version_or_minus_one = -1;
	ci.local_protocol_name = "handbox-cdp";
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	return lws_client_connect_via_info(&ci);
}

/* The path of the browser's WebSocket, from GET /json/version. */
static int browser_path(struct cdp *c, int64_t deadline_us, char *path, size_t pathlen,
			char *err, size_t errlen)
{
	const char *url, *slash;
	json_t *v;
	int rc = 0;

	buf_reset(&c->http);
	c->http_done = false;
	c->http_status = 0;
	c->failure[0] = '\0';
	if (!client_connect(c, "/json/version", "GET"))
		return hb_fail(err, errlen, HB_EIO, "cannot connect to %s:%d", c->host, c->port);
	serve_until(c, &c->http_done, deadline_us);
	if (!c->http_done || c->http_status != 200) {
		if (c->wsi)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		return hb_fail(err, errlen, HB_EIO, "nothing answers on %s:%d%s%s", c->host,
			       c->port, c->failure[0] ? ": " : "", c->failure[0] ? c->failure :
			       c->http_status ? " as a DevTools server" : " in time");
	}
	v = json_loadb(c->http.data, c->http.len, 0, NULL);
	url = json_string_value(json_object_get(v, "webSocketDebuggerUrl"));
	slash = url && !strncmp(url, "ws://", 5) ? strchr(url + 5, '/') : NULL;
	if (!slash || strlen(slash) >= pathlen)
		rc = hb_fail(err, errlen, HB_EIO, "%s:%d/json/version: no webSocketDebuggerUrl "
			     "(not a DevTools server?)", c->host, c->port);
	else
		snprintf(path, pathlen, "%s", slash);
	json_decref(v);
	return rc;
}

int cdp_connect(struct cdp *c, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;
	char path[256];
	int rc;

	if (cdp_connected(c))
		return 0;
	if ((rc = browser_path(c, deadline, path, sizeof(path), err, errlen)))
		return rc;
	c->open = c->ws_done = false;
	c->failure[0] = '\0';
	json_array_clear(c->inbox);
	json_array_clear(c->outbox);
	if (!client_connect(c, path, NULL))
		return hb_fail(err, errlen, HB_EIO, "cannot connect to ws://%s:%d%s", c->host,
			       c->port, path);
	while (!c->open && !c->ws_done && clock_mono_us() < deadline)
		if (lws_service(c->ctx, TICK_MS) < 0)
			break;
	if (!c->open)
		return hb_fail(err, errlen, HB_EIO, "the DevTools WebSocket ws://%s:%d%s did not "
			       "open%s%s", c->host, c->port, path, c->failure[0] ? ": " : "",
			       c->failure);
	return 0;
}

/* ------------------------------------------------------------ messages */

/* Queues {"id", "method", "params", "sessionId"?}; its id, or 0. */
static long send_message(struct cdp *c, const char *session, const char *method,
			 json_t *params)
{
	long id = ++c->next_id;
	json_t *msg = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method", method,
				"params", params ? params : json_object());
	char *text;

	if (msg && session)
		json_object_set_new(msg, "sessionId", json_string(session));
	text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (!text || json_array_append_new(c->outbox, json_string(text))) {
		free(text);
		return 0;
	}
	free(text);
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
	return id;
}

/* A page's alert(), confirm() or prompt() stops its scripts until it is
 * answered, and every later command with them: each is accepted as soon
 * as it is seen, and what it said kept for the model. */
static void answer_dialogs(struct cdp *c)
{
	const char *method;
	json_t *m, *p;
	size_t i;

	json_array_foreach(c->inbox, i, m) {
		method = json_string_value(json_object_get(m, "method"));
		if (!method || strcmp(method, "Page.javascriptDialogOpening"))
			continue;
		p = json_object_get(m, "params");
		json_array_append_new(c->dialogs, json_pack("{s:s, s:s}", "type",
			json_string_value(json_object_get(p, "type")) ?: "alert", "message",
			json_string_value(json_object_get(p, "message")) ?: ""));
		/* its answer is dropped as a stale one (take_answer) */
		send_message(c, json_string_value(json_object_get(m, "sessionId")),
			     "Page.handleJavaScriptDialog", json_pack("{s:b}", "accept", 1));
		json_array_remove(c->inbox, i--);
	}
}

json_t *cdp_take_dialogs(struct cdp *c)
{
	json_t *d = c->dialogs;

	c->dialogs = json_array();
	return d;
}

/* The message of the inbox with this id, taken out (NULL: not there). */
static json_t *take_answer(struct cdp *c, long id)
{
	json_t *m;
	size_t i;

	json_array_foreach(c->inbox, i, m) {
		json_t *mid = json_object_get(m, "id");

		if (!json_is_integer(mid))
			continue;
		json_incref(m);
		json_array_remove(c->inbox, i);
		if (json_integer_value(mid) == id)
			return m;
		/* the late answer of a call that timed out */
		json_decref(m);
		i--;
	}
	return NULL;
}

int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params,
	     int timeout_ms, json_t **result, char *err, size_t errlen)
{
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;
	json_t *answer = NULL, *e;
	long id;
	int rc = 0;

	if (result)
		*result = NULL;
	if (!cdp_connected(c)) {
		json_decref(params);
		return hb_fail(err, errlen, HB_EIO, "the browser's DevTools connection is closed");
	}
	if (!(id = send_message(c, session, method, params)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	while (!(answer = take_answer(c, id)) && cdp_connected(c) && clock_mono_us() < deadline) {
		if (lws_service(c->ctx, TICK_MS) < 0)
			break;
		answer_dialogs(c);
	}
	if (!answer)
		return hb_fail(err, errlen, cdp_connected(c) ? HB_EBUSY : HB_EIO,
			       cdp_connected(c) ? "%s: no answer from the browser within %d ms" :
			       "%s: the browser closed the DevTools connection", method,
			       timeout_ms);
	if ((e = json_object_get(answer, "error")))
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: %s", method,
			     json_string_value(json_object_get(e, "message")) ?: "refused");
	else if (result)
		*result = json_incref(json_object_get(answer, "result"));
	json_decref(answer);
	return rc;
}

static bool take_event(struct cdp *c, const char *session, const char *method)
{
	json_t *m;
	size_t i;

	json_array_foreach(c->inbox, i, m) {
		const char *s = json_string_value(json_object_get(m, "sessionId"));
		const char *name = json_string_value(json_object_get(m, "method"));

		if (!name || strcmp(name, method) ||
		    (session && (!s || strcmp(s, session))))
			continue;
		/* it and everything before it */
		while (i-- > 0)
			json_array_remove(c->inbox, 0);
		json_array_remove(c->inbox, 0);
		return true;
	}
	return false;
}

int cdp_wait_event(struct cdp *c, const char *session, const char *method, int timeout_ms)
{
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;

	for (;;) {
		answer_dialogs(c);
		if (take_event(c, session, method))
			return 0;
		if (!cdp_connected(c))
			return HB_EIO;
		if (clock_mono_us() >= deadline)
			return HB_EBUSY;
		if (lws_service(c->ctx, TICK_MS) < 0)
			return HB_EIO;
	}
}

void cdp_drop_events(struct cdp *c)
{
	answer_dialogs(c);
	json_array_clear(c->inbox);
}
