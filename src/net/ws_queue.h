/* ws_queue.h — a bounded queue of outgoing WebSocket messages, sent in
 * fragments. Used for both ends a server writes to: its own clients
 * (http.c).
 *
 * The caller owns the struct: zero it or call ws_queue_init, and call
 * ws_queue_free when done. */
#ifndef HB_NET_WS_QUEUE_H
#define HB_NET_WS_QUEUE_H

#include <stddef.h>

struct lws;
struct ws_msg;

/* The most one ws_queue_write_one sends: lws never holds more than this
 * for one socket. */
#define WS_QUEUE_CHUNK (128u << 10)

struct ws_queue {
	struct ws_msg *head, *tail;
	size_t bytes;   /* payload bytes queued, sent or not */
	size_t limit;   /* bytes may not grow past this */
};

void ws_queue_init(struct ws_queue *q, size_t limit);

/* Copies a text (binary 0) or binary message to the tail. Returns 0,
 * HB_ETOOBIG when it would take the queue past its limit, or HB_ENOMEM;
 * the queue is unchanged on error. */
int ws_queue_push(struct ws_queue *q, const void *data, size_t len, int binary);

/* Sends the next fragment of the head message (at most WS_QUEUE_CHUNK) and
 * frees the message once it is all sent. Call from the WRITEABLE callback;
 * nothing happens when the queue is empty. Returns 0, or -1 when lws_write
 * failed (close the connection). */
int ws_queue_write_one(struct ws_queue *q, struct lws *wsi);

/* Frees every queued message; the queue is empty (limit kept). */
void ws_queue_free(struct ws_queue *q);

size_t ws_queue_bytes(const struct ws_queue *q);

/* No message is queued (a queued empty message counts). */
static inline int ws_queue_empty(const struct ws_queue *q)
{
	return !q->head;
}

#endif
