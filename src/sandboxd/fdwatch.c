/* fdwatch.c — raw descriptors adopted into the lws loop; see fdwatch.h. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "sandboxd/fdwatch.h"

static struct lws_vhost *loop_vhost;

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
	if (w->wsi)
		lws_rx_flow_control(w->wsi, paused ? 0 : 1);
}

void fdwatch_want_write(struct fdwatch *w)
{
	if (w->wsi)
		lws_callback_on_writable(w->wsi);
}

void fdwatch_close(struct fdwatch *w)
{
	if (w->wsi)
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static int fdwatch_callback(struct lws *wsi, enum lws_callback_reasons reason,
			    void *user, void *in, size_t len)
{
	struct fdwatch *w = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		return w && w->on_readable ? w->on_readable(w) : 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		return w && w->on_writeable ? w->on_writeable(w) : 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (!w)
			return 0;
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
