/* bash_session_watch.h — the read-only watchers of a bash session's
 * terminal: WS /api/handbox/sessions/{id}/watch (docs/bash-sessions.md).
 * A watcher gets the session's recent output (the last
 * BASH_WATCH_SCROLLBACK bytes), then every byte the terminal prints, as
 * binary messages. It types nothing: the session stays the agent's.
 *
 * A watcher never slows the session down: what it has not read yet is
 * queued up to BASH_WATCH_QUEUE_MAX bytes, and past that it is closed
 * (1008, saying why; reconnecting gets the scrollback). The session owns
 * one struct bash_watch; bash_session.c feeds it. */
#ifndef HB_SANDBOXD_BASH_SESSION_WATCH_H
#define HB_SANDBOXD_BASH_SESSION_WATCH_H

#include <stddef.h>

#include "common/buf.h"

struct http_conn;

#define BASH_WATCH_SCROLLBACK (64u << 10)
#define BASH_WATCH_MAX 8               /* watchers of one session */
#define BASH_WATCH_QUEUE_MAX (1u << 20)

struct bash_watch {
	struct buf scroll;              /* the newest output, for a new watcher */
	struct http_conn *conns[BASH_WATCH_MAX];
};

void bash_watch_init(struct bash_watch *w);
/* Terminal bytes: kept in the scrollback and sent to every watcher (one
 * that has too much waiting is closed). */
void bash_watch_output(struct bash_watch *w, const char *data, size_t len);
/* c (a WebSocket, authenticated) watches w from now on: the scrollback is
 * queued to it. Returns 0, or -1 when w has BASH_WATCH_MAX watchers
 * (c is closed with 1013). */
int bash_watch_add(struct bash_watch *w, struct http_conn *c);
/* c's socket is going away (the route's on_close). */
void bash_watch_forget(struct http_conn *c);
/* Closes every watcher (1000, reason why: a string that lives on, since
 * the close frame is sent later): the shell has exited or the session is
 * gone. The scrollback stays for later watchers. */
void bash_watch_end(struct bash_watch *w, const char *why);
/* Ends the watchers (as bash_watch_end) and frees the scrollback. */
void bash_watch_free(struct bash_watch *w, const char *why);

#endif
