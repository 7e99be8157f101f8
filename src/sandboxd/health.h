/* health.h — /alive, /health, /ready, /server_info (open routes). */
#ifndef HB_SANDBOXD_HEALTH_H
#define HB_SANDBOXD_HEALTH_H

#include <jansson.h>

struct http_conn;

int health_alive(struct http_conn *c, json_t *body);
int health_ready(struct http_conn *c, json_t *body);
int health_server_info(struct http_conn *c, json_t *body);

#endif
