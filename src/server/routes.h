/* routes.h — the handlers of `handbox serve`'s routes, one file per
 * group; the table is in routes.c. */
#ifndef HB_SERVER_ROUTES_H
#define HB_SERVER_ROUTES_H

#include "net/http.h"

/* routes_conversations.c: create, search, count, get, delete */
int route_conv_create(struct http_conn *c, json_t *body);
int route_conv_search(struct http_conn *c, json_t *body);
int route_conv_count(struct http_conn *c, json_t *body);
int route_conv_get(struct http_conn *c, json_t *body);
int route_conv_delete(struct http_conn *c, json_t *body);
/* routes_conv_actions.c: a message, run, pause, interrupt */
int route_conv_send(struct http_conn *c, json_t *body);
int route_conv_run(struct http_conn *c, json_t *body);
int route_conv_pause(struct http_conn *c, json_t *body);
int route_conv_interrupt(struct http_conn *c, json_t *body);
/* routes_events.c: the stored events */
int route_events_search(struct http_conn *c, json_t *body);
int route_events_count(struct http_conn *c, json_t *body);
int route_events_get(struct http_conn *c, json_t *body);
/* routes_socket.c: WS /sockets/events/{id} */
extern const struct http_stream_ops route_socket_ops;
/* routes_settings.c: settings, login */
int route_settings_get(struct http_conn *c, json_t *body);
int route_settings_post(struct http_conn *c, json_t *body);
/* routes_llm.c */
int route_llm_presets(struct http_conn *c, json_t *body);
int route_llm_test(struct http_conn *c, json_t *body);
int route_login(struct http_conn *c, json_t *body);
/* routes_sandboxes.c: /api/sandboxes */
int route_sbx_list(struct http_conn *c, json_t *body);
int route_sbx_create(struct http_conn *c, json_t *body);
int route_sbx_get(struct http_conn *c, json_t *body);
int route_sbx_delete(struct http_conn *c, json_t *body);
int route_sbx_pause(struct http_conn *c, json_t *body);
int route_sbx_resume(struct http_conn *c, json_t *body);
/* routes_ports.c: the port proxy, by path and by sub-domain */
extern const struct http_stream_ops route_ports_http_ops;
extern const struct http_stream_ops route_ports_ws_ops;
extern const struct http_stream_ops route_ports_slash_ops;
int route_ports_open_link(struct http_conn *c, json_t *body);
/* routes_sandboxd.c: the UI's routes of a sandbox's sandboxd */
extern const struct http_stream_ops route_sandboxd_http_ops;
extern const struct http_stream_ops route_sandboxd_ws_ops;
/* http_config.host_route: Host "{port}-{id}.localhost" routes as
 * /api/sandboxes/{id}/ports/{port}/… */
int srv_host_route(struct http_conn *c, const char *path, char *out, size_t outlen,
		   char *err, size_t errlen);
/* routes_web.c: the UI, its assets, /health */
int route_health(struct http_conn *c, json_t *body);
int route_web_index(struct http_conn *c, json_t *body);
int route_web_asset(struct http_conn *c, json_t *body);

#endif
