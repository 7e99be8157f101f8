/* fdwatch.h — plain file descriptors (child pipes, PTY masters, signalfd)
 * served by the same libwebsockets loop as the sockets, so one thread
 * streams every command's output. */
#ifndef HB_NET_FDWATCH_H
#define HB_NET_FDWATCH_H

struct lws;
struct lws_vhost;

struct fdwatch {
	struct lws *wsi;
	int fd;
	/* return -1 to close the descriptor */
	int (*on_readable)(struct fdwatch *w);
	int (*on_writeable)(struct fdwatch *w);
	/* the descriptor is closed; the owner may free w now */
	void (*on_closed)(struct fdwatch *w);
	void *owner;
	int paused;          /* fdwatch_pause() state */
	int close_asked;     /* fdwatch_close() was called */
};

void fdwatch_init(struct lws_vhost *vhost);
/* Serves fd (made non-blocking) through w; fd belongs to the loop from now
 * on and is closed by it. Returns 0 or HB_EIO (fd closed). */
int fdwatch_add(struct fdwatch *w, int fd);
/* Stops or restarts reading: the back-pressure that bounds buffering.
 * When the writer hangs up while reading is paused, what it left behind
 * (at most a pipe's or terminal's buffer) is still passed to on_readable
 * before the descriptor closes. */
void fdwatch_pause(struct fdwatch *w, int paused);
void fdwatch_want_write(struct fdwatch *w);
/* Closes soon, from the loop; on_closed follows. */
void fdwatch_close(struct fdwatch *w);
/* Closes soon and forgets w at once: no callback will reach it, so its
 * owner may free it now. */
void fdwatch_detach(struct fdwatch *w);

extern const struct lws_protocols fdwatch_protocol;

#endif
