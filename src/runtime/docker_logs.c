/* docker_logs.c — a container's last output lines. Without a TTY the
 * engine multiplexes stdout and stderr into frames with an 8-byte header
 * (stream, 0, 0, 0, big-endian length); the payloads are joined. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "runtime/docker.h"

#define LOG_LIMIT (1u << 20)

/* Past the cap the rest is dropped: tails are small, the cap a guard. */
static int collect(const void *data, size_t len, void *arg)
{
	buf_append(arg, data, len);
	return 0;
}

int docker_container_logs(struct docker_api *api, const char *id, int tail,
			  char **out, char *err, size_t errlen)
{
	struct buf raw;
	struct docker_reply r;
	struct buf text;
	char path[256];
	size_t pos = 0;
	int rc;

	buf_init(&raw, LOG_LIMIT);
	buf_init(&text, LOG_LIMIT);
	snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&tail=%d", id, tail);
	rc = docker_api_download(api, path, collect, &raw, &r, err, errlen);
	if (rc == 0 && (r.status < 200 || r.status >= 300))
		rc = docker_fail(&r, err, errlen, "logs of %s", id);
	docker_reply_free(&r);
	while (rc == 0 && pos + 8 <= raw.len) {
		const unsigned char *h = (const unsigned char *)raw.data + pos;
		size_t n = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		if (h[0] > 2 || pos + 8 + n > raw.len)
			break;
		buf_append(&text, raw.data + pos + 8, n);
		pos += 8 + n;
	}
	buf_free(&raw);
	if (rc) {
		buf_free(&text);
		return rc;
	}
	*out = buf_steal(&text, NULL);
	if (!*out)
		*out = strdup("");
	return *out ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}
