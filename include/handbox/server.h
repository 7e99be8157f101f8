/* handbox/server.h — `handbox serve` as a library call: the app server of
 * API.md § 2 (REST and WebSocket on one port, the web UI compiled in),
 * running conversations in sandboxes of this machine. docs/serve.md
 * describes the routes, auth and what survives a restart. */
#ifndef HB_HANDBOX_SERVER_H
#define HB_HANDBOX_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <handbox/cancel.h>
#include <handbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hb_server_options {           /* all zero = defaults */
	int port;                        /* 0: 3000 */
	const char *bind;                /* NULL: 127.0.0.1 */
	const char *api_key;             /* NULL: HANDBOX_API_KEY; "" or unset: no key */
	bool insecure;                   /* allow a non-loopback bind without a key */
	const char *tls_cert, *tls_key;  /* PEM files; both or neither */
	const char *base_path;           /* NULL or "": none; else "/prefix" */
	int max_sandboxes;               /* 0: HANDBOX_MAX_SANDBOXES, else RAM / 2 GiB (>= 1) */
	/* a conversation's sandbox idle this long is paused (docker pause):
	 * "90", "15m", "2h"; "0" or "off": never. NULL: HANDBOX_IDLE_PAUSE,
	 * else 15m */
	const char *idle_pause;
	/* called once listening with the URL to open (may be NULL: printed on
	 * stderr) */
	void (*on_ready)(const char *url, void *arg);
	void *arg;
};

/* Serves until stop is requested (hb_cancel_request(), e.g. from a signal
 * handler), then pauses the running conversations (their sandboxes are
 * kept for the next start) and returns 0; or fails at start with HB_EINVAL
 * (a bad option, named), HB_EPERM (a non-loopback address without a key
 * and without insecure), HB_EIO (the port is taken, the state directory or
 * the TLS files cannot be read). */
int hb_server_run(const struct hb_server_options *o, struct hb_cancel *stop,
		  char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
