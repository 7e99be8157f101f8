/* server_start.h — a StartConversationRequest read (server_start.c). */
#ifndef HB_SERVER_SERVER_START_H
#define HB_SERVER_SERVER_START_H

#include <stdbool.h>

#include <jansson.h>

#include "common/ids.h"

struct srv_start;

struct srv_request {
	char id[UUID_STR_LEN];     /* "" when the request names none */
	struct srv_start *start;   /* owned; take it to keep it */
	char *text;                /* the initial message, or NULL */
	bool run;
};

/* body over settings (srv_settings_effective()); 0, or HB_EINVAL naming
 * the bad field (nothing left to clear). */
int srv_request_parse(json_t *body, json_t *settings, struct srv_request *rq, char *err,
		      size_t errlen);
void srv_request_clear(struct srv_request *rq);

#endif
