/* routes_conversations.c — POST /api/conversations, GET
 * /api/conversations/search and /count, GET and DELETE
 * /api/conversations/{id} (API.md § 2). A new conversation exists at once
 * (its row reserved in the store, its info saying the sandbox is
 * starting); its worker makes the sandbox. */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/server_start.h"

#define TITLE_MAX 80
#define PAGE_MAX 100

/* The first line of the task, cut at a character boundary. */
static char *title_of(const char *text)
{
	size_t n = text ? strcspn(text, "\n") : 0;

	if (n > TITLE_MAX) {
		n = TITLE_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	return strndup(text ? text : "", n);
}

/* The row the worker's conversation takes over: what GET shows until the
 * sandbox is up. */
static int reserve(const struct srv_request *rq, char *err, size_t errlen)
{
	const struct srv_start *st = rq->start;
	struct store_conversation row = { 0 };
	json_t *volumes = json_array();
	size_t i;
	int rc;

	for (i = 0; i < st->volumes.n; i++)
		json_array_append_new(volumes, json_string(st->volumes.v[i]));
	row.id = (char *)rq->id;
	row.title = title_of(rq->text);
	row.status = "idle";
	row.config = json_pack("{s:{s:s, s:s, s:s}, s:i, s:{s:s, s:o}}",
			       "llm", "model", st->model ?: getenv("LLM_MODEL") ?: "",
			       "base_url", st->base_url ?: getenv("LLM_BASE_URL") ?: "",
			       "native_tool_calling", st->native_tool_calling,
			       "max_iterations", st->max_iterations,
			       "sandbox", "image", st->image ?: "", "volumes", volumes);
	row.stats = json_object();
	rc = row.title && row.config && row.stats ?
		store_conversation_put(srv.store, &row, err, errlen) :
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	free(row.title);
	json_decref(row.config);
	json_decref(row.stats);
	return rc;
}

static int reply_info(struct http_conn *c, struct srv_conv *cv, int status)
{
	char err[HB_ERR_MAX];
	json_t *info;
	int rc = srv_conv_info_load(cv, &info, err, sizeof(err));

	return rc ? srv_reply_fail(c, rc, err) : http_reply_json(c, status, info);
}

int route_conv_create(struct http_conn *c, json_t *body)
{
	json_t *settings = srv_settings_effective();
	struct srv_request rq;
	struct srv_conv *cv;
	char err[HB_ERR_MAX];
	int rc = srv_request_parse(body, settings, &rq, err, sizeof(err));

	json_decref(settings);
	if (rc)
		return srv_reply_fail(c, rc, err);
	if (rq.id[0] && (cv = srv_conv_find(rq.id))) {
		srv_request_clear(&rq);
		return reply_info(c, cv, 200);
	}
	if (srv_check_capacity(c, NULL)) {
		srv_request_clear(&rq);
		return 0;
	}
	if (!rq.id[0])
		uuid4_str(rq.id);
	if ((rc = reserve(&rq, err, sizeof(err))) ||
	    (!(cv = srv_conv_add(rq.id)) && (rc = hb_fail(err, sizeof(err), HB_ENOMEM,
							   "out of memory")))) {
		srv_request_clear(&rq);
		return http_reply_error(c, 500, "%s", err);
	}
	cv->start = rq.start;
	rq.start = NULL;
	cv->llm_key = cv->start->api_key ? strdup(cv->start->api_key) : NULL;
	cv->sandbox = SRV_SB_STARTING;
	rc = srv_conv_post(cv, rq.text, rq.run, err, sizeof(err));
	srv_request_clear(&rq);
	return rc ? http_reply_error(c, 500, "%s", err) : reply_info(c, cv, 201);
}

/* ------------------------------------------------------------- search */

struct found {
	json_t *info;
	int64_t created, updated;
};

struct search {
	struct found *v;
	size_t n, cap;
	const char *status;
	int (*cmp)(const void *, const void *);
};

static int by_created(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return (x->created > y->created) - (x->created < y->created);
}

static int by_created_desc(const void *a, const void *b)
{
	return by_created(b, a);
}

static int by_updated(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return (x->updated > y->updated) - (x->updated < y->updated);
}

static int by_updated_desc(const void *a, const void *b)
{
	return by_updated(b, a);
}

/* Each stored conversation this server knows, filtered by status (as
 * ConversationInfo shows it: a run asked is "running"). */
static int collect(const struct store_conversation *row, void *arg)
{
	struct search *s = arg;
	struct srv_conv *cv = srv_conv_find(row->id);
	struct found *grown;
	json_t *info;

	if (!cv)
		return 0;
	if (!(info = srv_conv_info(cv, row)))
		return HB_ENOMEM;
	if (s->status && strcmp(json_string_value(json_object_get(info, "execution_status")),
				s->status)) {
		json_decref(info);
		return 0;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		if (!(grown = realloc(s->v, s->cap * sizeof(*s->v)))) {
			json_decref(info);
			return HB_ENOMEM;
		}
		s->v = grown;
	}
	s->v[s->n++] = (struct found){ info, row->created_us, row->updated_us };
	return 0;
}

static void search_free(struct search *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		json_decref(s->v[i].info);
	free(s->v);
}

/* status and sort_order of a search or count. */
static int search_args(struct http_conn *c, struct search *s, char *status, size_t len)
{
	char order[32] = "CREATED_AT_DESC";

	memset(s, 0, sizeof(*s));
	if (http_query(c, "status", status, len) > 0)
		s->status = status;
	http_query(c, "sort_order", order, sizeof(order));
	s->cmp = !strcmp(order, "CREATED_AT") ? by_created :
		 !strcmp(order, "CREATED_AT_DESC") ? by_created_desc :
		 !strcmp(order, "UPDATED_AT") ? by_updated :
		 !strcmp(order, "UPDATED_AT_DESC") ? by_updated_desc : NULL;
	if (!s->cmp)
		return http_reply_error(c, 422, "query parameter sort_order: \"%s\": expected "
					"CREATED_AT, CREATED_AT_DESC, UPDATED_AT or UPDATED_AT_DESC",
					order) ? -1 : 1;
	return 0;
}

static int run_search(struct http_conn *c, struct search *s)
{
	char err[HB_ERR_MAX];
	int rc = store_conversation_list(srv.store, NULL, 0, 0, collect, s, err, sizeof(err));

	if (rc == HB_ENOMEM)
		hb_fail(err, sizeof(err), rc, "out of memory");
	if (rc) {
		search_free(s);
		return http_reply_error(c, 500, "%s", err) ? -1 : 1;
	}
	qsort(s->v, s->n, sizeof(*s->v), s->cmp);
	return 0;
}

int route_conv_search(struct http_conn *c, json_t *body)
{
	char status[64], page[64] = "", err[256];
	long long limit = PAGE_MAX;
	struct search s;
	json_t *items;
	size_t i = 0, end;
	int rc;

	if ((rc = search_args(c, &s, status, sizeof(status))))
		return rc < 0 ? -1 : 0;
	if (http_query_int(c, "limit", 1, PAGE_MAX, &limit, err, sizeof(err)) < 0)
		return http_reply_error(c, 422, "%s", err);
	http_query(c, "page_id", page, sizeof(page));
	if ((rc = run_search(c, &s)))
		return rc < 0 ? -1 : 0;
	/* the page starts at page_id (an unknown one: an empty page) */
	if (page[0])
		for (i = 0; i < s.n; i++)
			if (!strcmp(json_string_value(json_object_get(s.v[i].info, "id")), page))
				break;
	items = json_array();
	for (end = i; end < s.n && end < i + (size_t)limit; end++)
		json_array_append(items, s.v[end].info);
	rc = http_reply_json(c, 200, json_pack("{s:o, s:s?}", "items", items, "next_page_id",
		end < s.n ? json_string_value(json_object_get(s.v[end].info, "id")) : NULL));
	search_free(&s);
	return rc;
}

int route_conv_count(struct http_conn *c, json_t *body)
{
	char status[64];
	struct search s;
	int rc;

	if ((rc = search_args(c, &s, status, sizeof(status))) || (rc = run_search(c, &s)))
		return rc < 0 ? -1 : 0;
	rc = srv_reply_int(c, (long long)s.n);
	search_free(&s);
	return rc;
}

int route_conv_get(struct http_conn *c, json_t *body)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);

	if (!cv)
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	return reply_info(c, cv, 200);
}

int route_conv_delete(struct http_conn *c, json_t *body)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);
	char err[HB_ERR_MAX];
	int rc;

	/* 400, not 404: the reference's answer to an unknown id here */
	if (!cv)
		return http_reply_error(c, 400, "Conversation not found: %s", c->params[0]);
	srv_sockets_close(cv, 1000, "conversation deleted");
	if ((rc = srv_conv_delete(cv, err, sizeof(err))))
		return http_reply_error(c, 500, "%s", err);
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
}
