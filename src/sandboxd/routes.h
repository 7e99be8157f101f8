/* routes.h — the table of every route sandboxd answers (routes.c), which
 * main.c hands to the HTTP layer. */
#ifndef HB_SANDBOXD_ROUTES_H
#define HB_SANDBOXD_ROUTES_H

#include "net/http.h"

extern const struct route sandboxd_routes[];

#endif
