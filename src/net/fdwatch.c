/* fdwatch.c — raw descriptors adopted into the lws loop; see fdwatch.h. */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "net/fdwatch.h"

/* a hung-up pipe holds at most its capacity (≤ 1 MiB by default limits):
 * with 64 KiB reads, 64 rounds are more than enough */
#define DRAIN_ROUNDS_MAX 64

static struct lws_vhost *loop_vhost;
/* the watch whose writeable callback is running, if any */
static struct fdwatch *in_writeable;

void fdwatch_init(struct lws_vhost *vhost)
{
	loop_vhost = vhost;
}

int fdwatch_add(struct fdwatch *w, int fd)
{
	lws_sock_file_fd_type u;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	u.filefd = (lws_filefd_type)(intptr_t)fd;
	w->fd = fd;
	w->paused = 0;
	w->close_asked = 0;
	w->wsi = lws_adopt_descriptor_vhost(loop_vhost, LWS_ADOPT_RAW_FILE_DESC,
					    u, fdwatch_protocol.name, NULL);
	if (!w->wsi) {
		close(fd);
		w->fd = -1;
		return HB_EIO;
	}
	lws_set_opaque_user_data(w->wsi, w);
	return 0;
}

void fdwatch_pause(struct fdwatch *w, int paused)
{
	w->paused = paused;
	if (w->wsi)
		lws_rx_flow_control(w->wsi, paused ? 0 : 1);
}

void fdwatch_want_write(struct fdwatch *w)
{
	if (!w->wsi)
		return;
	/* lws clears POLLOUT on a raw descriptor after its writeable callback
	 * returns, dropping a request made inside it: that one is made from
	 * a timer on the next turn of the loop (LWS_CALLBACK_TIMER below) */
	if (w == in_writeable)
		lws_set_timer_usecs(w->wsi, 1);
	else
		lws_callback_on_writable(w->wsi);
}

void fdwatch_close(struct fdwatch *w)
{
	w->close_asked = 1;
	if (w->wsi)
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void fdwatch_detach(struct fdwatch *w)
{
	if (!w->wsi)
		return;
	lws_set_opaque_user_data(w->wsi, NULL);
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	w->wsi = NULL;
	w->fd = -1;
}

/* lws closes a descriptor on POLLHUP alone, which is all poll reports for a
 * hung-up pipe that is not asked for input: while paused, the last output
 * of a command that has just ended would be dropped unread. */
static void drain_hung_up(struct fdwatch *w)
{
	int avail, i;

	for (i = 0; i < DRAIN_ROUNDS_MAX; i++) {
		if (ioctl(w->fd, FIONREAD, &avail) < 0 || avail <= 0)
			return;
		if (w->on_readable(w))
			return;
	}
}

static int fdwatch_callback(struct lws *wsi, enum lws_callback_reasons reason,
			    void *user, void *in, size_t len)
{
	struct fdwatch *w = lws_get_opaque_user_data(wsi);
	int rc;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		return w && w->on_readable ? w->on_readable(w) : 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (!w || !w->on_writeable)
			return 0;
		in_writeable = w;
		rc = w->on_writeable(w);
		in_writeable = NULL;
		return rc;
	case LWS_CALLBACK_TIMER:
		if (w)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (!w)
			return 0;
		if (w->paused && !w->close_asked && w->on_readable)
			drain_hung_up(w);
		lws_set_opaque_user_data(wsi, NULL);
		w->wsi = NULL;
		w->fd = -1;
		if (w->on_closed)
			w->on_closed(w);
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols fdwatch_protocol = {
	"handbox-fd", fdwatch_callback, 0, 0, 0, NULL, 0
};
