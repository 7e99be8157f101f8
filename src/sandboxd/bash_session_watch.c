/* bash_session_watch.c — watchers of a bash session's terminal: the
 * scrollback and the live bytes to read-only WebSockets; see
 * bash_session_watch.h. The watchers' sockets are the loop's, like the
 * session itself, so nothing here locks. */
#include <string.h>

#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "sandboxd/bash_session_parse.h"
#include "sandboxd/bash_session_watch.h"

void bash_watch_init(struct bash_watch *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->scroll, 0);
}

/* Queues data to c, or closes c when it reads too slowly: a watcher that
 * fell behind is cut loose rather than holding output for it. */
static void send_to(struct bash_watch *w, int i, const char *data, size_t len)
{
	struct http_conn *c = w->conns[i];

	if (c->ws_out.bytes + len <= BASH_WATCH_QUEUE_MAX &&
	    http_ws_send_binary(c, data, len) == 0)
		return;
	w->conns[i] = NULL;
	c->state = NULL;
	http_ws_close(c, SANDBOXD_CLOSE_BAD_MESSAGE, "this watcher reads too slowly (1 MiB "
		      "waiting): the session went on without it; reconnect for the last 64 KiB");
}

void bash_watch_output(struct bash_watch *w, const char *data, size_t len)
{
	int i;

	if (!len)
		return;
	if (buf_append(&w->scroll, data, len))
		buf_reset(&w->scroll);
	/* trimmed in large steps, so a flood is not memmoved per read */
	else if (w->scroll.len > 2 * BASH_WATCH_SCROLLBACK)
		bash_session_tail_trim(&w->scroll, BASH_WATCH_SCROLLBACK);
	for (i = 0; i < BASH_WATCH_MAX; i++)
		if (w->conns[i])
			send_to(w, i, data, len);
}

int bash_watch_add(struct bash_watch *w, struct http_conn *c)
{
	int i;

	for (i = 0; i < BASH_WATCH_MAX && w->conns[i]; i++)
		;
	if (i == BASH_WATCH_MAX) {
		http_ws_close(c, SANDBOXD_CLOSE_BUSY, "this bash session has 8 watchers already");
		return -1;
	}
	w->conns[i] = c;
	c->state = w;
	bash_session_tail_trim(&w->scroll, BASH_WATCH_SCROLLBACK);
	if (w->scroll.len)
		send_to(w, i, w->scroll.data, w->scroll.len);
	return 0;
}

void bash_watch_forget(struct http_conn *c)
{
	struct bash_watch *w = c->state;
	int i;

	if (!w)
		return;
	for (i = 0; i < BASH_WATCH_MAX; i++)
		if (w->conns[i] == c)
			w->conns[i] = NULL;
	c->state = NULL;
}

void bash_watch_end(struct bash_watch *w, const char *why)
{
	struct http_conn *c;
	int i;

	for (i = 0; i < BASH_WATCH_MAX; i++) {
		if (!(c = w->conns[i]))
			continue;
		w->conns[i] = NULL;
		c->state = NULL;
		http_ws_close(c, SANDBOXD_CLOSE_NORMAL, why);
	}
}

void bash_watch_free(struct bash_watch *w, const char *why)
{
	bash_watch_end(w, why);
	buf_free(&w->scroll);
}
