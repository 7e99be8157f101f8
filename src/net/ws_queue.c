/* ws_queue.c — the fragmenting WebSocket send queue; see ws_queue.h. */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "net/ws_queue.h"

struct ws_msg {
	struct ws_msg *next;
	size_t len, off;
	int binary;
	unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

void ws_queue_init(struct ws_queue *q, size_t limit)
{
	q->head = q->tail = NULL;
	q->bytes = 0;
	q->limit = limit;
}

int ws_queue_push(struct ws_queue *q, const void *data, size_t len, int binary)
{
	struct ws_msg *m;

	if (q->bytes + len > q->limit)
		return HB_ETOOBIG;
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m)
		return HB_ENOMEM;
	m->next = NULL;
	m->len = len;
	m->off = 0;
	m->binary = binary;
	if (len)
		memcpy(m->data + LWS_PRE, data, len);
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += len;
	return 0;
}

int ws_queue_write_one(struct ws_queue *q, struct lws *wsi)
{
	struct ws_msg *m = q->head;
	size_t n;
	int flags;

	if (!m)
		return 0;
	n = m->len - m->off;
	if (n > WS_QUEUE_CHUNK)
		n = WS_QUEUE_CHUNK;
	flags = lws_write_ws_flags(m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT,
				   m->off == 0, m->off + n == m->len);
	if (lws_write(wsi, m->data + LWS_PRE + m->off, n,
		      (enum lws_write_protocol)flags) < (int)n)
		return -1;
	m->off += n;
	if (m->off == m->len) {
		q->head = m->next;
		if (!q->head)
			q->tail = NULL;
		q->bytes -= m->len;
		free(m);
	}
	return 0;
}

void ws_queue_free(struct ws_queue *q)
{
	struct ws_msg *m, *next;

	for (m = q->head; m; m = next) {
		next = m->next;
		free(m);
	}
	q->head = q->tail = NULL;
	q->bytes = 0;
}

size_t ws_queue_bytes(const struct ws_queue *q)
{
	return q->bytes;
}
