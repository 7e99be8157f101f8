/* serve_wire.h — what both ends of `handbox serve`'s API spell the same
 * way: the server (src/server) and the SDK's client of it (src/lib's
 * remote conversations). API.md § 2 and docs/serve.md describe the
 * routes; changing a value here changes the wire. */
#ifndef HB_COMMON_SERVE_WIRE_H
#define HB_COMMON_SERVE_WIRE_H

/* The request header that carries the API key, and the query argument a
 * WebSocket handshake may carry it in. */
#define SERVER_KEY_HEADER "X-Session-API-Key"
#define SERVER_KEY_QUERY "session_api_key"

#define SERVER_ROUTE_CONVERSATIONS "/api/conversations"
#define SERVER_ROUTE_EVENTS_SOCKET "/sockets/events/"          /* + id; WebSocket */

/* WebSocket close codes of the events socket */
#define SERVER_CLOSE_AUTH 4001        /* a missing or wrong key */
#define SERVER_CLOSE_UNKNOWN 4004     /* no such conversation (or sandbox) */
#define SERVER_CLOSE_BUSY 1013        /* too many subscribers */
#define SERVER_SUBSCRIBERS_MAX 32

/* the most events one page of GET …/events/search holds */
#define SERVER_EVENTS_PAGE_MAX 100

#endif
