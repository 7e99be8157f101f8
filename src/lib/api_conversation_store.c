/* api_conversation_store.c — reading stored conversations: the list, one
 * conversation's row, its events (also while another process runs it:
 * the store lets readers in while one writes). */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "lib/conversation.h"

#define LIST_PAGE 100

struct list_walk {
	hb_conversation_info_fn fn;
	void *arg;
	size_t seen;
};

static void info_from_row(const struct store_conversation *row, struct hb_conversation_info *i)
{
	json_t *agent = json_object_get(json_object_get(row->stats, "usage_to_metrics"), "agent");
	json_t *usage = json_object_get(agent, "accumulated_token_usage");
	json_t *cost = json_object_get(agent, "accumulated_cost");

	*i = (struct hb_conversation_info){
		.id = row->id, .title = row->title ?: "", .status = row->status ?: "",
		.sandbox_id = row->sandbox_id ?: "",
		.model = json_string_value(json_object_get(json_object_get(row->config, "llm"),
							   "model")) ?: "",
		.created_us = row->created_us, .updated_us = row->updated_us,
		.events = row->event_count,
	};
	i->stats.llm_calls = json_integer_value(json_object_get(agent, "llm_calls"));
	i->stats.steps = i->stats.llm_calls;
	i->stats.prompt_tokens = json_integer_value(json_object_get(usage, "prompt_tokens"));
	i->stats.completion_tokens = json_integer_value(json_object_get(usage, "completion_tokens"));
	i->stats.cost = json_is_number(cost) ? json_number_value(cost) : -1;
}

static int list_one(const struct store_conversation *row, void *arg)
{
	struct list_walk *w = arg;
	struct hb_conversation_info info;

	w->seen++;
	info_from_row(row, &info);
	return w->fn(&info, w->arg);
}

int hb_conversations_list(hb_conversation_info_fn fn, void *arg, char *err, size_t errlen)
{
	struct list_walk w = { .fn = fn, .arg = arg };
	struct store *s = NULL;
	size_t offset = 0;
	int rc;

	if ((rc = conversation_store_open(&s, err, errlen)) ||
	    (rc = store_recover_orphans(s, NULL, err, errlen)))
		goto out;
	do {
		w.seen = 0;
		rc = store_conversation_list(s, NULL, offset, LIST_PAGE, list_one, &w, err, errlen);
		offset += w.seen;
	} while (rc == 0 && w.seen == LIST_PAGE);
out:
	store_close(s);
	return rc > 0 ? 0 : rc;
}

int hb_conversation_info(const char *id, hb_conversation_info_fn fn, void *arg,
			 char *err, size_t errlen)
{
	struct store_conversation row = { 0 };
	struct hb_conversation_info info;
	struct store *s = NULL;
	int rc;

	if ((rc = conversation_store_open(&s, err, errlen)) ||
	    (rc = store_recover_orphans(s, NULL, err, errlen)))
		goto out;
	rc = store_conversation_get(s, id, &row, err, errlen);
	if (rc == HB_ENOENT)
		rc = hb_fail(err, errlen, rc, "conversation \"%s\" not found", id);
	if (rc == 0) {
		info_from_row(&row, &info);
		fn(&info, arg);
	}
	store_conversation_clear(&row);
out:
	store_close(s);
	return rc;
}

struct event_walk {
	hb_event_fn fn;
	void *arg;
	int64_t count;
};

static int give_event(json_t *ev, int64_t seq, void *arg)
{
	struct event_walk *w = arg;
	char *text = json_dumps(ev, JSON_COMPACT);

	(void)seq;
	if (!text)
		return HB_ENOMEM;
	w->count++;
	w->fn(text, w->arg);
	free(text);
	return 0;
}

/* Events are walked by position in the conversation: the store's sequence
 * numbers are shared by all conversations, so "after" counts events. */
static int skip_then_give(json_t *ev, int64_t seq, void *arg)
{
	struct event_walk *w = arg;

	if (w->count < 0) {
		w->count++;
		return 0;
	}
	return give_event(ev, seq, arg);
}

int hb_conversation_events(const char *id, int64_t after, hb_event_fn fn, void *arg,
			   int64_t *count, char *err, size_t errlen)
{
	struct event_walk w = { .fn = fn, .arg = arg, .count = after > 0 ? -after : 0 };
	struct store_conversation row = { 0 };
	struct store *s = NULL;
	int rc;

	if ((rc = conversation_store_open(&s, err, errlen)))
		goto out;
	rc = store_conversation_get(s, id, &row, err, errlen);
	if (rc == HB_ENOENT)
		rc = hb_fail(err, errlen, rc, "conversation \"%s\" not found", id);
	store_conversation_clear(&row);
	if (rc == 0)
		rc = store_event_walk(s, id, 0, 0, skip_then_give, &w, err, errlen);
	if (rc == HB_ENOMEM)
		rc = hb_fail(err, errlen, rc, "out of memory");
out:
	if (count)
		*count = w.count > 0 ? w.count : 0;
	store_close(s);
	return rc;
}
