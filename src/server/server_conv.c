/* server_conv.c — the conversations this server knows: those in the
 * store when it started and those made since. A list: a server holds
 * hundreds, not millions, and every look-up is on the loop thread. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "server/server.h"

struct srv_conv *srv_conv_find(const char *id)
{
	struct srv_conv *cv;

	for (cv = srv.convs; cv && id; cv = cv->next)
		if (!strcmp(cv->id, id))
			return cv;
	return NULL;
}

struct srv_conv *srv_conv_add(const char *id)
{
	struct srv_conv *cv = calloc(1, sizeof(*cv));

	if (!cv)
		return NULL;
	if (!(cv->inbox = json_array())) {
		free(cv);
		return NULL;
	}
	snprintf(cv->id, sizeof(cv->id), "%s", id);
	cv->active_us = clock_mono_us();
	pthread_mutex_init(&cv->lock, NULL);
	pthread_cond_init(&cv->wake, NULL);
	cv->next = srv.convs;
	srv.convs = cv;
	return cv;
}

void srv_conv_unlink(struct srv_conv *cv)
{
	struct srv_conv **p;

	for (p = &srv.convs; *p; p = &(*p)->next)
		if (*p == cv) {
			*p = cv->next;
			cv->next = NULL;
			return;
		}
}

void srv_conv_free(struct srv_conv *cv)
{
	if (!cv)
		return;
	json_decref(cv->inbox);
	json_decref(cv->held);
	srv_start_free(cv->start);
	free(cv->llm_key);
	pthread_mutex_destroy(&cv->lock);
	pthread_cond_destroy(&cv->wake);
	free(cv);
}

void srv_start_free(struct srv_start *s)
{
	if (!s)
		return;
	free(s->image);
	free(s->memory);
	free(s->cpus);
	strv_free(&s->volumes);
	strv_free(&s->env);
	free(s->model);
	free(s->base_url);
	free(s->api_key);
	free(s->native_tool_calling);
	free(s);
}

/* The id of its last event: subscribers' replays are matched to the live
 * events against it (routes_socket.c). */
static int last_event(json_t *ev, int64_t seq, void *arg)
{
	snprintf(arg, UUID_STR_LEN, "%s", json_string_value(json_object_get(ev, "id")) ?: "");
	return 0;
}

static int load_one(const struct store_conversation *row, void *arg)
{
	struct store_event_query q = { .desc = true, .limit = 1 };
	struct srv_conv *cv = srv_conv_add(row->id);
	char err[HB_ERR_MAX];

	if (!cv)
		return HB_ENOMEM;
	return store_event_search(srv.store, cv->id, &q, last_event, cv->last_event_id, err,
				  sizeof(err)) == HB_ENOMEM ? HB_ENOMEM : 0;
}

int srv_conv_load_all(char *err, size_t errlen)
{
	int rc, n = 0;

	if ((rc = store_recover_orphans(srv.store, &n, err, errlen)))
		return rc;
	rc = store_conversation_list(srv.store, NULL, 0, 0, load_one, NULL, err, errlen);
	if (rc == HB_ENOMEM)
		return hb_fail(err, errlen, rc, "out of memory loading the conversations");
	return rc;
}

/* Whether cv's sandbox is starting or running (not paused). */
static bool uses_sandbox(struct srv_conv *cv)
{
	enum srv_sandbox sb;

	pthread_mutex_lock(&cv->lock);
	sb = cv->sandbox;
	pthread_mutex_unlock(&cv->lock);
	return sb == SRV_SB_STARTING || (sb == SRV_SB_READY && !srv_sbx_conv_paused(cv->id));
}

int srv_sandboxes_in_use(void)
{
	struct srv_conv *cv;
	int n = 0;

	for (cv = srv.convs; cv; cv = cv->next)
		n += uses_sandbox(cv);
	return n + srv_sbx_bare_in_use();
}

int srv_capacity_check(struct srv_conv *cv, char *err, size_t errlen)
{
	int used = 0;

	if ((cv && uses_sandbox(cv)) || (used = srv_sandboxes_in_use()) < srv.max_sandboxes)
		return 0;
	return hb_fail(err, errlen, HB_EBUSY, "%d sandboxes are running, the most this server "
		       "allows (--max-sandboxes %d): delete a conversation you no longer need "
		       "(DELETE /api/conversations/{id}), delete or pause a sandbox (DELETE "
		       "/api/sandboxes/{id}, POST /api/sandboxes/{id}/pause), or start serve "
		       "with a higher --max-sandboxes", used, srv.max_sandboxes);
}

int srv_check_capacity(struct http_conn *c, struct srv_conv *cv)
{
	char err[512];

	if (!srv_capacity_check(cv, err, sizeof(err)))
		return 0;
	http_reply_error(c, 429, "%s", err);
	return 1;
}

int srv_conv_commit(struct store *s, struct srv_conv *cv, json_t *ev, char *err, size_t errlen)
{
	char *text;
	int rc;

	if (!ev)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = store_event_append(s, cv->id, ev, NULL, err, errlen);
	if (rc == 0 && (text = json_dumps(ev, JSON_COMPACT))) {
		srv_queue_push(cv->id, text);
		free(text);
	}
	json_decref(ev);
	return rc;
}
