/* server_queue.c — events from the worker threads to the loop. A worker
 * pushes each event once the store has committed it and wakes the loop
 * with lws_cancel_service(); the loop drains the queue after each
 * lws_service() and hands the events to the conversation's subscribers in
 * the order they were committed (one worker per conversation pushes in
 * commit order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "server/server.h"

struct item {
	struct item *next;
	char conv_id[UUID_STR_LEN];
	char event_id[UUID_STR_LEN];
	char text[];
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct item *head, *tail;

int srv_queue_init(void)
{
	head = tail = NULL;
	return 0;
}

void srv_queue_free(void)
{
	struct item *it;

	pthread_mutex_lock(&queue_lock);
	while ((it = head)) {
		head = it->next;
		free(it);
	}
	tail = NULL;
	pthread_mutex_unlock(&queue_lock);
}

void srv_queue_push(const char *conv_id, const char *event_json)
{
	size_t len = strlen(event_json);
	struct item *it = malloc(sizeof(*it) + len + 1);
	json_t *ev;

	if (!it) {
		/* the event is stored; a subscriber finds it on its next replay */
		fprintf(stderr, "handbox serve: out of memory: an event of %s not sent live\n",
			conv_id);
		return;
	}
	it->next = NULL;
	snprintf(it->conv_id, sizeof(it->conv_id), "%s", conv_id);
	ev = json_loads(event_json, 0, NULL);
	snprintf(it->event_id, sizeof(it->event_id), "%s",
		 json_string_value(json_object_get(ev, "id")) ?: "");
	json_decref(ev);
	memcpy(it->text, event_json, len + 1);
	pthread_mutex_lock(&queue_lock);
	if (tail)
		tail->next = it;
	else
		head = it;
	tail = it;
	pthread_mutex_unlock(&queue_lock);
	if (srv.lws)
		lws_cancel_service(srv.lws);
}

void srv_queue_drain(srv_deliver_fn deliver)
{
	struct item *list, *it;

	pthread_mutex_lock(&queue_lock);
	list = head;
	head = tail = NULL;
	pthread_mutex_unlock(&queue_lock);
	while ((it = list)) {
		list = it->next;
		deliver(it->conv_id, it->event_id, it->text);
		free(it);
	}
}
