/* docker_logs.c — a container's last output lines. Without a TTY the
 * engine multiplexes stdout and stderr into frames with an 8-byte header
 * (stream, 0, 0, 0, big-endian length); the payloads are joined. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "engine/docker_logs.h"

#define LOG_LIMIT (1u << 20)

struct collected {
	struct buf raw;
	bool full;
};

/* Past the cap the rest is dropped, all of it: a later, smaller chunk
 * appended after a dropped one would be read as a frame header. Tails
 * are small; the cap is a guard. */
static int collect(const void *data, size_t len, void *arg)
{
	struct collected *c = arg;

	if (!c->full && buf_append(&c->raw, data, len))
		c->full = true;
	return 0;
}

int docker_container_logs(struct docker_api *api, const char *container, int tail,
			  char **out, char *err, size_t errlen)
{
	struct collected c = { .full = false };
	struct docker_reply r;
	struct buf text;
	char path[256];
	size_t pos = 0;
	int rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&tail=%d",
			     container, tail) >= sizeof(path))
		return hb_fail(err, errlen, HB_ETOOBIG, "container name too long: %s", container);
	buf_init(&c.raw, LOG_LIMIT);
	buf_init(&text, LOG_LIMIT);
	rc = docker_api_download(api, path, collect, &c, &r, err, errlen);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = docker_fail(&r, err, errlen, "cannot read the logs of %s", container);
	docker_reply_free(&r);
	while (rc == 0 && pos + 8 <= c.raw.len) {
		const unsigned char *h = (const unsigned char *)c.raw.data + pos;
		size_t n = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		if (h[0] > 2 || pos + 8 + n > c.raw.len)
			break;
		/* text holds no more than raw: this cannot pass the cap */
		if (buf_append(&text, c.raw.data + pos + 8, n)) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			break;
		}
		pos += 8 + n;
	}
	buf_free(&c.raw);
	if (rc) {
		buf_free(&text);
		return rc;
	}
	*out = buf_steal(&text, NULL);
	if (!*out)
		*out = strdup("");
	return *out ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}
