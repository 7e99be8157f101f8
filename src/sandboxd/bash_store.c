/* bash_store.c — in-memory bash events and their search; see bash_store.h. */
#include <stdlib.h>
#include <string.h>

#include "sandboxd/bash_store.h"

void bash_store_init(struct bash_store *s, size_t max_events, size_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	s->max_events = max_events;
	s->max_bytes = max_bytes;
}

static size_t event_bytes(const struct bash_event *e)
{
	return sizeof(*e) + e->out_len + e->err_len +
	       (e->command ? strlen(e->command) : 0) + (e->cwd ? strlen(e->cwd) : 0);
}

static void event_free(struct bash_event *e)
{
	free(e->command);
	free(e->cwd);
	free(e->out);
	free(e->err);
	free(e);
}

static void unlink_event(struct bash_store *s, struct bash_event *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	s->count--;
	s->bytes -= event_bytes(e);
}

static void evict(struct bash_store *s)
{
	struct bash_event *e;

	while (s->head && s->head != s->tail &&
	       ((s->max_events && s->count > s->max_events) ||
		(s->max_bytes && s->bytes > s->max_bytes))) {
		e = s->head;
		unlink_event(s, e);
		if (s->on_drop)
			s->on_drop(s->on_drop_arg, e);
		event_free(e);
	}
}

static struct bash_event *append(struct bash_store *s, struct bash_event *e)
{
	int64_t now = now_us();

	uuid4_str(e->id);
	e->ts = now > s->last_ts ? now : s->last_ts + 1;
	s->last_ts = e->ts;
	e->prev = s->tail;
	if (s->tail)
		s->tail->next = e;
	else
		s->head = e;
	s->tail = e;
	s->count++;
	s->bytes += event_bytes(e);
	evict(s);
	return e;
}

static char *dup_n(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

struct bash_event *bash_store_add_command(struct bash_store *s,
					  const char *command, const char *cwd,
					  double timeout)
{
	struct bash_event *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = BASH_COMMAND;
	e->command = strdup(command);
	e->cwd = cwd ? strdup(cwd) : NULL;
	e->timeout = timeout;
	if (!e->command || (cwd && !e->cwd)) {
		event_free(e);
		return NULL;
	}
	return append(s, e);
}

struct bash_event *bash_store_add_output(struct bash_store *s,
					 const char *command_id, int order,
					 const char *out, size_t out_len,
					 const char *err, size_t err_len,
					 int has_exit, int exit_code)
{
	struct bash_event *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = BASH_OUTPUT;
	strcpy(e->command_id, command_id);
	e->order = order;
	e->has_exit = has_exit;
	e->exit_code = exit_code;
	if (out && !(e->out = dup_n(out, out_len)))
		goto oom;
	if (err && !(e->err = dup_n(err, err_len)))
		goto oom;
	e->out_len = out ? out_len : 0;
	e->err_len = err ? err_len : 0;
	return append(s, e);
oom:
	event_free(e);
	return NULL;
}

struct bash_event *bash_store_find(struct bash_store *s, const char *id)
{
	struct bash_event *e;

	for (e = s->head; e; e = e->next)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

size_t bash_store_clear(struct bash_store *s)
{
	size_t n = s->count;
	struct bash_event *e, *next;

	for (e = s->head; e; e = next) {
		next = e->next;
		event_free(e);
	}
	s->head = s->tail = NULL;
	s->count = s->bytes = 0;
	return n;
}

void bash_store_free(struct bash_store *s)
{
	bash_store_clear(s);
}

static json_t *nullable_string(const char *p, size_t n)
{
	return p ? json_stringn_nocheck(p, n) : json_null();
}

json_t *bash_store_event_json(const struct bash_event *e)
{
	char ts[ISOTIME_STR_LEN];
	json_t *j;

	isotime_format(e->ts, ts);
	if (e->kind == BASH_COMMAND)
		return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}",
				 "kind", "BashCommand", "id", e->id, "timestamp", ts,
				 "command", e->command,
				 "cwd", e->cwd ? json_string(e->cwd) : json_null(),
				 /* the reference's timeout is an int: keep whole
				  * seconds integral on the wire */
				 "timeout", e->timeout == (double)(json_int_t)e->timeout ?
					 json_integer((json_int_t)e->timeout) :
					 json_real(e->timeout));
	j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o}",
		      "kind", "BashOutput", "id", e->id, "timestamp", ts,
		      "command_id", e->command_id, "order", e->order,
		      "exit_code", e->has_exit ? json_integer(e->exit_code) : json_null(),
		      "stdout", nullable_string(e->out, e->out_len),
		      "stderr", nullable_string(e->err, e->err_len));
	/* only then: the reference's events have no such field */
	if (j && e->dropped &&
	    json_object_set_new(j, "dropped_bytes", json_integer((json_int_t)e->dropped))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int matches(const struct bash_event *e, const struct bash_query *q)
{
	if (q->kind && e->kind != q->kind)
		return 0;
	/* like the reference, a command_id filter only ever matches outputs */
	if (q->command_id && (e->kind != BASH_OUTPUT || strcmp(e->command_id, q->command_id)))
		return 0;
	if (q->has_gte && e->ts < q->gte)
		return 0;
	if (q->has_lt && e->ts >= q->lt)
		return 0;
	return 1;
}

json_t *bash_store_search(struct bash_store *s, const struct bash_query *q)
{
	struct bash_event *e, *start = NULL;
	json_t *items = json_array(), *next = json_null(), *ev;
	int taken = 0;

	/* A page id that is no longer there restarts from the first match,
	 * as in the reference. */
	if (q->page_id) {
		for (e = q->desc ? s->tail : s->head; e; e = q->desc ? e->prev : e->next)
			if (!strcmp(e->id, q->page_id) && matches(e, q)) {
				start = e;
				break;
			}
	}
	for (e = start ? start : q->desc ? s->tail : s->head; e;
	     e = q->desc ? e->prev : e->next) {
		if (!matches(e, q))
			continue;
		if (taken == q->limit) {
			json_decref(next);
			next = json_string(e->id);
			break;
		}
		taken++;
		if (q->has_order_gt && e->kind == BASH_OUTPUT && e->order <= q->order_gt)
			continue;
		ev = bash_store_event_json(e);
		if (ev)
			json_array_append_new(items, ev);
	}
	return json_pack("{s:o, s:o}", "items", items, "next_page_id", next);
}
