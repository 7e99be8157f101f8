/* routes_socket.c — WS /sockets/events/{id} (API.md § 2): first the
 * conversation's whole state (a ConversationStateUpdateEvent "full_state"),
 * then the stored events if asked (resend_mode=all, or since
 * after_timestamp; legacy resend_all=true), then every new event as it is
 * committed. A frame holding a user message sends it and runs the agent.
 *
 * A replay read from the store may already hold events that are still on
 * their way through the queue: the subscriber skips live events up to the
 * last one it was replayed (sub->skip_until), so none comes twice. */
#include <stdlib.h>
#include <string.h>

#include "agent/event.h"
#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"

struct srv_sub {
	struct http_conn *c;
	struct srv_conv *cv;             /* NULL once the conversation is deleted */
	struct srv_sub *next;
	char skip_until[UUID_STR_LEN];   /* live events up to this one were replayed */
};

struct replay {
	struct http_conn *c;
	int64_t after_us;                /* only events after this; -1: all */
	char last[UUID_STR_LEN];         /* the last event of the conversation read */
	int failed;
};

static int replay_one(json_t *ev, int64_t seq, void *arg)
{
	struct replay *r = arg;
	const char *ts = json_string_value(json_object_get(ev, "timestamp"));
	int64_t us = 0;

	snprintf(r->last, sizeof(r->last), "%s", json_string_value(json_object_get(ev, "id")) ?: "");
	if (r->failed || (r->after_us >= 0 && ts && !isotime_parse(ts, &us) && us <= r->after_us))
		return 0;
	r->failed = http_ws_send_json(r->c, json_incref(ev)) != 0;
	return 0;
}

/* Which replay the query asks: -2 none, -1 all, else after that time;
 * HB_EINVAL (the socket is closed saying why) for a bad after_timestamp. */
static int replay_wanted(struct http_conn *c, int64_t *after)
{
	char mode[16] = "", all[8] = "", ts[64] = "";

	http_query(c, "resend_mode", mode, sizeof(mode));
	http_query(c, "resend_all", all, sizeof(all));
	*after = -2;
	if (!strcmp(mode, "all") || !strcasecmp(all, "true"))
		*after = -1;
	else if (!strcmp(mode, "since")) {
		if (http_query(c, "after_timestamp", ts, sizeof(ts)) < 0 || isotime_parse(ts, after)) {
			http_ws_close(c, 1008, "resend_mode=since needs after_timestamp=ISO-8601");
			return HB_EINVAL;
		}
	}
	return 0;
}

static int send_state(struct http_conn *c, struct srv_conv *cv)
{
	char err[HB_ERR_MAX];
	json_t *info;
	int rc = srv_conv_info_load(cv, &info, err, sizeof(err));

	if (rc)
		return rc;
	return http_ws_send_json(c, event_state_update("full_state", info));
}

/* The stored events asked for, and where live events take over. */
static int replay(struct http_conn *c, struct srv_sub *sub, int64_t after)
{
	struct replay r = { .c = c, .after_us = after };
	char err[HB_ERR_MAX];
	int rc;

	/* events already queued go to the other subscribers first: after this,
	 * cv->last_event_id is the last event handed out live */
	srv_queue_drain(srv_sockets_deliver);
	rc = store_event_walk(srv.store, sub->cv->id, 0, 0, replay_one, &r, err, sizeof(err));
	if (rc || r.failed) {
		http_ws_close(c, 1009, "the replay is over the socket's queue: read older events "
			      "with GET /api/conversations/{id}/events/search");
		return HB_ETOOBIG;
	}
	if (r.last[0] && strcmp(r.last, sub->cv->last_event_id))
		snprintf(sub->skip_until, sizeof(sub->skip_until), "%s", r.last);
	return 0;
}

static int on_open(struct http_conn *c)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);
	struct srv_sub *sub;
	int64_t after;

	if (!cv) {
		http_ws_close(c, SERVER_CLOSE_UNKNOWN, "Conversation not found");
		return 0;
	}
	if (cv->nsubs >= SERVER_SUBSCRIBERS_MAX) {
		http_ws_close(c, SERVER_CLOSE_BUSY, "too many subscribers to this conversation");
		return 0;
	}
	if (replay_wanted(c, &after))
		return 0;
	if (!(sub = calloc(1, sizeof(*sub))))
		return -1;
	sub->c = c;
	sub->cv = cv;
	c->state = sub;
	if (send_state(c, cv) || (after > -2 && replay(c, sub, after))) {
		http_ws_close(c, 1011, "cannot read the conversation");
		return 0;
	}
	sub->next = cv->subs;
	cv->subs = sub;
	cv->nsubs++;
	return 0;
}

/* A client frame: {role, content} sends a message and runs. */
static int on_message(struct http_conn *c, const char *data, size_t len, int binary)
{
	struct srv_sub *sub = c->state;
	char err[HB_ERR_MAX], *text = NULL;
	json_t *msg;
	int rc;

	if (!sub || !sub->cv)
		return 0;
	msg = json_loadb(data, len, 0, NULL);
	/* a late auth frame is harmless */
	if (json_is_object(msg) && json_object_get(msg, "type") && !json_object_get(msg, "role")) {
		json_decref(msg);
		return 0;
	}
	if (!msg)
		rc = hb_fail(err, sizeof(err), HB_EINVAL, "frame is not JSON; expected a message "
			     "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"...\"}]}");
	else if (!(text = srv_message_text(msg, err, sizeof(err))))
		rc = HB_EINVAL;
	else if (!(rc = srv_capacity_check(sub->cv, err, sizeof(err))))
		rc = srv_conv_post(sub->cv, text, true, err, sizeof(err));
	free(text);
	json_decref(msg);
	if (rc == 0)
		return 0;
	/* not an event (no "kind"): the client's mistake, said on its socket */
	return http_ws_send_json(c, json_pack("{s:s}", "detail", err)) ? -1 : 0;
}

static void on_gone(struct http_conn *c)
{
	struct srv_sub *sub = c->state, **p;

	if (!sub)
		return;
	if (sub->cv)
		for (p = &sub->cv->subs; *p; p = &(*p)->next)
			if (*p == sub) {
				*p = sub->next;
				sub->cv->nsubs--;
				break;
			}
	c->state = NULL;
	free(sub);
}

const struct http_stream_ops route_socket_ops = {
	.on_request = on_open,
	.on_ws_message = on_message,
	.on_close = on_gone,
};

void srv_sockets_deliver(const char *conv_id, const char *event_id, const char *text)
{
	struct srv_conv *cv = srv_conv_find(conv_id);
	struct srv_sub *sub;

	/* gone: deleted while its last events were on their way */
	if (!cv)
		return;
	snprintf(cv->last_event_id, sizeof(cv->last_event_id), "%s", event_id);
	for (sub = cv->subs; sub; sub = sub->next) {
		if (sub->skip_until[0]) {
			if (!strcmp(sub->skip_until, event_id))
				sub->skip_until[0] = '\0';
			continue;
		}
		if (http_ws_send_text(sub->c, text, strlen(text)))
			http_ws_close(sub->c, 1008, "the client reads events too slowly");
	}
}

void srv_sockets_close(struct srv_conv *cv, int code, const char *reason)
{
	struct srv_sub *sub;

	while ((sub = cv->subs)) {
		cv->subs = sub->next;
		sub->cv = NULL;
		http_ws_close(sub->c, code, reason);
	}
	cv->nsubs = 0;
}
