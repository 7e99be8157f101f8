/* bash.h — the OpenHands-compatible bash API: commands started with
 * /bin/sh -c in their own process group, output cut into BashOutput events
 * of at most 1 MiB, timeouts (SIGTERM to the group, SIGKILL 1 s later,
 * exit_code -1), and the /sockets/bash-events stream. */
#ifndef HB_SANDBOXD_BASH_H
#define HB_SANDBOXD_BASH_H

#include <jansson.h>

struct http_conn;
struct http_stream_ops;

void bash_init(void);

int bash_start_route(struct http_conn *c, json_t *body);
int bash_execute_route(struct http_conn *c, json_t *body);
int bash_search_route(struct http_conn *c, json_t *body);
int bash_get_event_route(struct http_conn *c, json_t *body);
int bash_clear_route(struct http_conn *c, json_t *body);
extern const struct http_stream_ops bash_events_socket;

#endif
