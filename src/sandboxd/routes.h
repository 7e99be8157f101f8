/* routes.h — the table of every route sandboxd answers (routes.c) and the
 * settings main.c hands the HTTP layer with it. */
#ifndef HB_SANDBOXD_ROUTES_H
#define HB_SANDBOXD_ROUTES_H

#include "net/http.h"

extern const struct route sandboxd_routes[];

/* The HTTP layer's settings sandboxd serves with: its routes, the key
 * names of its wire (common/sandboxd_wire.h), the slow-client limits;
 * api_keys NULL-terminated (empty: no key needed). main.c and the fuzz
 * targets take the same. */
void routes_http_config(struct http_config *c, char **api_keys);

#endif
