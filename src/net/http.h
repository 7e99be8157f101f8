/* http.h — an HTTP and WebSocket server layer: routing, API-key auth,
 * bounded request bodies, JSON replies and bounded WebSocket send queues.
 * It knows no program's routes: sandboxd (and later `handbox serve`)
 * passes its route table and its auth policy in struct http_config.
 *
 * libwebsockets owns the sockets; this layer turns its callbacks into
 * per-route handlers. One struct http_conn lives per connection (lws
 * allocates it; it is reused across keep-alive requests and reset between
 * them). Handlers never block: slow work answers later with http_reply_*(). */
#ifndef HB_NET_HTTP_H
#define HB_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/buf.h"
#include "net/ws_queue.h"

struct lws;
struct lws_context;
struct lws_context_creation_info;
struct lws_vhost;
struct http_conn;

#define HTTP_MAX_PARAMS 4
#define HTTP_JSON_BODY_LIMIT (8u << 20)   /* cap on a buffered JSON body */
#define WS_QUEUE_LIMIT (8u << 20)         /* cap on bytes queued to one socket */
#define HTTP_HEADER_DATA_MAX 16384        /* cap on all request headers */

enum http_method {
	HTTP_ANY = 0, HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_PATCH,
	HTTP_HEAD, HTTP_OPTIONS,
};

enum route_flags {
	ROUTE_OPEN = 1 << 0, /* no API key needed (WebSockets too: the handler checks) */
	ROUTE_WS = 1 << 1,   /* a WebSocket endpoint */
	/* the key may also come as the key_query argument of a plain HTTP
	 * request (a link that hands a browser its key: the handler is to
	 * set a cookie and redirect without it) */
	ROUTE_KEY_QUERY = 1 << 2,
};

/* A handler that takes the request body as it streams in, or a WebSocket.
 * Every callback may be NULL. Return 0 to go on, -1 to drop the connection. */
struct http_stream_ops {
	/* headers are in; the body (if any) follows through on_body */
	int (*on_request)(struct http_conn *c);
	int (*on_body)(struct http_conn *c, const char *data, size_t len);
	int (*on_body_end)(struct http_conn *c);
	/* the socket can take more; write with http_write_body() */
	int (*on_writeable)(struct http_conn *c);
	/* WebSocket: a whole message (fragments are joined, capped) */
	int (*on_ws_message)(struct http_conn *c, const char *data, size_t len,
			     int binary);
	/* the connection or request is gone; free handler state */
	void (*on_close)(struct http_conn *c);
	/* WebSocket routes: the client's upgrade request, before lws answers
	 * it, with its headers and query readable through c (a scratch
	 * connection: keep no pointer to it). Called only when the request
	 * shows a valid key in the header or the query (or none is needed);
	 * otherwise lws's handshake goes on (first-frame auth, or the close
	 * for a wrong key). Return 1 after http_take_socket(): the connection
	 * is the handler's; 0: lws answers the upgrade itself and the other
	 * callbacks follow as for any WebSocket; -1: drop the connection. */
	int (*on_upgrade)(struct http_conn *c);
};

/* A buffered JSON request: body is the parsed object (NULL when the request
 * had no body). The handler replies now or later with http_reply_*(). */
typedef int (*http_json_fn)(struct http_conn *c, json_t *body);

struct route {
	enum http_method method;
	/* "/api/bash/bash_events/{}" — {} matches one segment, a final
	 * "{**}" matches the rest of the path (possibly empty) */
	const char *pattern;
	unsigned flags;
	http_json_fn json;
	const struct http_stream_ops *stream;
};

struct http_conn {
	struct lws *wsi;
	const struct route *route;
	enum http_method method;
	char path[2048];
	char *params[HTTP_MAX_PARAMS];
	char param_store[2048];
	int nparams;

	struct buf body;        /* JSON body, or a WebSocket message */
	int close_after_reply;
	/* the request's end was handled (lws also reports the end of an
	 * empty body, "Content-Length: 0", which on_http already took as
	 * none: a deferred handler must not be called twice) */
	int body_ended;
	int replying;           /* http_reply_* has queued the whole answer */
	struct buf out;         /* bytes still to send (headers + body) */
	size_t out_off;

	/* WebSocket */
	int is_ws;
	int ws_authed;
	struct buf ws_query;    /* the handshake's query, kept; see http_query */
	uint64_t ws_auth_deadline_us;
	struct ws_queue ws_out;  /* messages to the client (WS_QUEUE_LIMIT) */
	int ws_close_code;
	const char *ws_close_reason;
	/* the close frame the peer sent, for on_close: 1005 when it had no
	 * code, 0 when none came */
	int ws_peer_close_code;
	char ws_peer_close_reason[124];

	void *state;            /* the handler's own per-request state */
	/* set by a JSON handler that answers later: called if the request
	 * ends first (client gone), so the handler forgets c */
	void (*on_finish)(struct http_conn *c);
};

/* What a program serves, and how a client shows its key. */
struct http_config {
	/* the first route that matches a request's path answers it; the
	 * table ends with a NULL pattern and outlives the server */
	const struct route *routes;
	char **api_keys;        /* NULL-terminated; empty = no auth */
	/* the request header that carries a key ("X-Session-API-Key"; any
	 * case, no colon) */
	const char *key_header;
	/* the query argument that may carry a key on a WebSocket handshake,
	 * and the field of the first-frame auth message
	 * {"type":"auth", "<key_query>": KEY} */
	const char *key_query;
	/* also take "Authorization: Bearer KEY" */
	int key_bearer;
	/* NULL, or a cookie whose value may carry the key (a browser's
	 * session, set by a login route) */
	const char *key_cookie;
	/* NULL, or "/prefix": a path under it is routed as the rest of it
	 * ("/prefix/x" as "/x", "/prefix" as "/"); other paths as they are */
	const char *base_path;
	/* NULL, or a map from a request's Host to the path it is routed as:
	 * returns 1 with that path in out (the sub-domain proxy of `handbox
	 * serve`: Host "8011-{id}.localhost" and "/x" route as
	 * "/api/sandboxes/{id}/ports/8011/x"; base_path does not apply), 0
	 * for the path as it came, -1 with a sentence in err (answered 422,
	 * or a WebSocket closed with 1008) */
	int (*host_route)(struct http_conn *c, const char *path, char *out, size_t outlen,
			  char *err, size_t errlen);
	int ws_close_auth;      /* close code: missing or wrong key */
	int ws_close_no_route;  /* close code: no WebSocket route at the path */

	/* Slow clients (see "waiting connections" in http.c). A connection
	 * waits while it has no request being served for a valid key: just
	 * accepted, between keep-alive requests, sending the body of an
	 * unauthenticated request, or a WebSocket before its key. At most
	 * waiting_max wait at once: a new one closes the one that has waited
	 * longest. */
	unsigned waiting_max;
	/* ... unless the longest waiting one started less than this long ago:
	 * then the new one is closed instead. A client's request comes right
	 * after its connection; it is given this long, whatever the churn. */
	unsigned waiting_grace_ms;
	/* lws header tables: each waiting connection that has started a
	 * request holds one, and so does every request in progress; a
	 * connection that finds none left stalls. At least waiting_max. */
	unsigned header_pool;
	/* a request's headers must be in this long after the connection
	 * opened (or, on keep-alive, after the request's first byte) */
	int header_secs;
	/* a keep-alive connection is closed after this long without a request */
	int keepalive_secs;
};

/* Copies cfg (its pointers must outlive the server); one per process.
 * Returns 0, or HB_EINVAL when routes or a key name is missing, the
 * header name is over 62 bytes, or the slow-client limits are zero or
 * header_pool is below waiting_max. */
int http_server_init(const struct http_config *cfg);
/* Sets the lws context and vhost options that carry cfg's limits (header
 * tables and their size, the header and keep-alive timeouts); the caller
 * fills in the rest. */
void http_server_lws_info(struct lws_context_creation_info *info);

/* lws glue, used by main.c: the protocol serving every route. */
extern const struct lws_protocols http_protocol;

/* Query argument by name, URL-decoded, into out. Returns its length, or -1
 * when absent or longer than outlen - 1. */
int http_query(struct http_conn *c, const char *name, char *out, size_t outlen);
/* A request header (lower-case name with a trailing colon, "x-foo:"). */
int http_header(struct http_conn *c, const char *name, char *out, size_t outlen);
/* A cookie's value by name, from the Cookie header(s). Returns its length,
 * or -1 when absent or longer than outlen - 1. */
int http_cookie(struct http_conn *c, const char *name, char *out, size_t outlen);
/* Whether key is one of the configured keys (constant time). */
int http_key_is_valid(const char *key);
/* Whether c may pass a route that needs the key: no key is configured,
 * or a valid one came (header, Bearer, cookie; not the query). An open
 * route uses it to answer differently to a stranger. */
int http_request_authed(struct http_conn *c);

/* Replies. The body is copied; the connection stays open for keep-alive.
 * reply_json takes ownership of j (decref'd). To a HEAD (which a GET
 * route with a JSON handler answers too) only the headers go; a 304 has
 * neither body nor Content-Length. */
int http_reply(struct http_conn *c, int status, const char *content_type,
	       const char *body, size_t len);
/* As http_reply, with extra_headers ("Name: value\r\n"…, may be NULL). */
int http_reply_headers(struct http_conn *c, int status, const char *content_type,
		       const char *extra_headers, const char *body, size_t len);
int http_reply_json(struct http_conn *c, int status, json_t *j);
/* {"detail": msg} — the reference's error shape */
int http_reply_error(struct http_conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Deferred answers. http_defer: the handler answers c later and keeps state
 * in it; on_gone is called if the request ends first (the client went
 * away), so the handler forgets c (it may call http_take to get state).
 * http_take: detaches before answering — returns state and clears both, so
 * on_gone is no longer called. */
void http_defer(struct http_conn *c, void *state,
		void (*on_gone)(struct http_conn *c));
void *http_take(struct http_conn *c);

/* Streaming replies: send the status line and headers (content_length -1 =
 * unknown: the connection closes at the end), then http_write_body() from
 * on_writeable until done. extra_headers: NULL or "Name: value\r\n…". */
int http_begin_stream(struct http_conn *c, int status,
		      const char *content_type, int64_t content_length,
		      const char *extra_headers);
/* Writes len bytes (at most http_write_max() at a time) to the body; final
 * ends the response. Returns 0 or -1 (drop the connection). */
int http_write_body(struct http_conn *c, const char *data, size_t len,
		    int final);
size_t http_write_max(void);
/* Asks for on_writeable to be called when the socket can take more. */
void http_want_write(struct http_conn *c);

/* From on_upgrade: takes the client's socket away from libwebsockets
 * (lws keeps a dead stand-in under the same number, which it closes)
 * and returns it, or -1 with errno set: EPROTONOSUPPORT when lws
 * terminates TLS on it (the bytes are lws's to decrypt). Needs lws's own
 * poll loop, which watches descriptor numbers, not open files. */
int http_take_socket(struct http_conn *c);

/* WebSocket sends: queued, bounded by WS_QUEUE_LIMIT. Returns 0, or
 * HB_ETOOBIG when the peer reads too slowly (nothing queued). */
int http_ws_send_text(struct http_conn *c, const char *data, size_t len);
int http_ws_send_binary(struct http_conn *c, const char *data, size_t len);
/* Serializes and sends j (takes ownership). */
int http_ws_send_json(struct http_conn *c, json_t *j);
/* Bytes the queue can still take. */
size_t http_ws_room(const struct http_conn *c);
/* Sends everything queued, then closes with code and reason. */
void http_ws_close(struct http_conn *c, int code, const char *reason);

/* Parses an integer in [min, max] from a query argument; writes a 422-style
 * message naming the argument when it is not one. Returns 0, 1 when absent
 * (value untouched), or HB_EINVAL. */
int http_query_int(struct http_conn *c, const char *name, long long min,
		   long long max, long long *value, char *err, size_t errlen);

/* Used by tests and the fuzzer: match path against a route pattern,
 * filling params. Returns 1 on a match. */
int http_route_match(const char *pattern, const char *path, char *store,
		size_t storelen, char **params, int *nparams);

#endif
