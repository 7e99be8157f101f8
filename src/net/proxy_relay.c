/* proxy_relay.c — the raw sockets of the proxy's relays; see
 * proxy_relay.h. Upstream sockets are connected here (no name lookup:
 * sandboxd is static and NSS-free) and adopted into the lws loop as raw
 * sockets, as is a client's socket taken for a WebSocket tunnel. Bytes are
 * written with send() straight from the relay's bounded buffers, so lws
 * never buffers a partial write of its own. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "net/proxy_relay.h"

int proxy_connect(const char *ip, int port, int *done)
{
	struct sockaddr_in sa;
	int fd, e;

	*done = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		*done = 1;
		return fd;
	}
	if (errno == EINPROGRESS)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int proxy_adopt(struct lws_vhost *vh, int fd, struct proxy_end *e)
{
	lws_adopt_desc_t ad;

	memset(&ad, 0, sizeof(ad));
	ad.vh = vh;
	ad.type = LWS_ADOPT_SOCKET;
	ad.fd.sockfd = fd;
	ad.vh_prot_name = proxy_protocol.name;
	ad.opaque = e;
	e->wsi = lws_adopt_descriptor_vhost_via_info(&ad); /* closes fd on failure */
	return e->wsi ? 0 : -1;
}

void proxy_end_rx(struct proxy_end *e, int on)
{
	if (!e->wsi || e->rx_paused == !on)
		return;
	lws_rx_flow_control(e->wsi, on);
	e->rx_paused = !on;
}

void proxy_end_kill(struct proxy_end *e)
{
	if (e->wsi)
		lws_set_timeout(e->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int proxy_end_connected(struct proxy_end *e)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(lws_get_socket_fd(e->wsi), SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr)
		return -1;
	return 0;
}

int proxy_end_send(struct proxy_end *e, struct buf *b)
{
	ssize_t n;

	if (!b->len)
		return 0;
	n = send(lws_get_socket_fd(e->wsi), b->data,
		 b->len < RELAY_SEND_MAX ? b->len : RELAY_SEND_MAX, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	buf_consume(b, (size_t)n);
	return 0;
}

/* Every proxied socket's reasons. A callback for a wsi that is not (or no
 * longer) its end's is one that lws issues while adoption is still
 * failing: the end never took it. */
static int proxy_callback(struct lws *wsi, enum lws_callback_reasons reason,
			  void *user, void *in, size_t len)
{
	struct proxy_end *e;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX:
		e = lws_get_opaque_user_data(wsi);
		return e && e->wsi == wsi ? e->ops->rx(e, in, len) : -1;
	case LWS_CALLBACK_RAW_WRITEABLE:
		e = lws_get_opaque_user_data(wsi);
		return e && e->wsi == wsi ? e->ops->writeable(e) : -1;
	case LWS_CALLBACK_RAW_CLOSE:
		e = lws_get_opaque_user_data(wsi);
		lws_set_opaque_user_data(wsi, NULL);
		if (e && e->wsi == wsi) {
			e->wsi = NULL;
			e->rx_paused = 0;
			e->ops->closed(e);
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols proxy_protocol = {
	"handbox-proxy", proxy_callback, 0, 0, 0, NULL, 0
};
