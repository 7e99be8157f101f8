/* routes_events.c — a conversation's stored events: GET
 * /api/conversations/{id}/events/search, /events/count and
 * /events/{event_id} (API.md § 2), read from the store (what was
 * committed is what is answered, also while the agent runs). */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"

#define PAGE_MAX SERVER_EVENTS_PAGE_MAX

struct args {
	struct store_event_query q;
	char kind[64], source[32], body[1024], page[64];
};

static int time_arg(struct http_conn *c, const char *name, int64_t *out, char *err,
		    size_t errlen)
{
	char v[64];

	if (http_query(c, name, v, sizeof(v)) < 0)
		return 0;
	if (isotime_parse(v, out))
		return hb_fail(err, errlen, HB_EINVAL, "query parameter %s: \"%s\": expected "
			       "ISO-8601 (2026-06-16T05:39:18.809928)", name, v);
	return 0;
}

/* The filters of search and count; 0 or HB_EINVAL naming the argument. */
static int read_args(struct http_conn *c, struct args *a, char *err, size_t errlen)
{
	char order[32] = "TIMESTAMP";
	long long limit = PAGE_MAX;
	int rc;

	memset(a, 0, sizeof(*a));
	if (http_query(c, "kind", a->kind, sizeof(a->kind)) > 0)
		a->q.kind = a->kind;
	if (http_query(c, "source", a->source, sizeof(a->source)) > 0)
		a->q.source = a->source;
	if (http_query(c, "body", a->body, sizeof(a->body)) > 0)
		a->q.body = a->body;
	if (http_query(c, "page_id", a->page, sizeof(a->page)) > 0)
		a->q.page_id = a->page;
	http_query(c, "sort_order", order, sizeof(order));
	if (strcmp(order, "TIMESTAMP") && strcmp(order, "TIMESTAMP_DESC"))
		return hb_fail(err, errlen, HB_EINVAL, "query parameter sort_order: \"%s\": "
			       "expected TIMESTAMP or TIMESTAMP_DESC", order);
	a->q.desc = !strcmp(order, "TIMESTAMP_DESC");
	if ((rc = http_query_int(c, "limit", 1, PAGE_MAX, &limit, err, errlen)) < 0 ||
	    (rc = time_arg(c, "timestamp__gte", &a->q.ts_gte_us, err, errlen)) ||
	    (rc = time_arg(c, "timestamp__lt", &a->q.ts_lt_us, err, errlen)))
		return rc;
	a->q.limit = (size_t)limit;
	return 0;
}

static int add_event(json_t *ev, int64_t seq, void *arg)
{
	return json_array_append(arg, ev) ? HB_ENOMEM : 0;
}

int route_events_search(struct http_conn *c, json_t *body)
{
	json_t *items, *next = NULL;
	char err[HB_ERR_MAX];
	struct args a;
	int rc;

	if (!srv_conv_find(c->params[0]))
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	if ((rc = read_args(c, &a, err, sizeof(err))))
		return http_reply_error(c, 422, "%s", err);
	/* one more than the page: its id is the next page's start */
	a.q.limit++;
	items = json_array();
	rc = store_event_search(srv.store, c->params[0], &a.q, add_event, items, err, sizeof(err));
	if (rc) {
		json_decref(items);
		/* the conversation is known: an unknown event is the page_id */
		return rc == HB_ENOENT ? http_reply_error(c, 400, "page_id: %s", err) :
			http_reply_error(c, 500, "%s", err);
	}
	if (json_array_size(items) == a.q.limit) {
		next = json_incref(json_object_get(json_array_get(items, a.q.limit - 1), "id"));
		json_array_remove(items, a.q.limit - 1);
	}
	return http_reply_json(c, 200, json_pack("{s:o, s:o}", "items", items, "next_page_id",
						 next ? next : json_null()));
}

int route_events_count(struct http_conn *c, json_t *body)
{
	char err[HB_ERR_MAX];
	struct args a;
	int64_t n;
	int rc;

	if (!srv_conv_find(c->params[0]))
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	if ((rc = read_args(c, &a, err, sizeof(err))))
		return http_reply_error(c, 422, "%s", err);
	if ((rc = store_event_count(srv.store, c->params[0], &a.q, &n, err, sizeof(err))))
		return srv_reply_fail(c, rc, err);
	return srv_reply_int(c, (long long)n);
}

int route_events_get(struct http_conn *c, json_t *body)
{
	char err[HB_ERR_MAX];
	json_t *ev;
	int rc;

	if (!srv_conv_find(c->params[0]))
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	if ((rc = store_event_get(srv.store, c->params[0], c->params[1], &ev, err, sizeof(err))))
		return srv_reply_fail(c, rc, err);
	return http_reply_json(c, 200, ev);
}
