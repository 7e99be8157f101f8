/* routes_conv_actions.c — what a client asks of a conversation: POST
 * /api/conversations/{id}/events (a user message, run or not), /run,
 * /pause, /interrupt (API.md § 2). The work goes to the conversation's
 * worker; these answer at once. */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/routes.h"
#include "server/server.h"

static int success(struct http_conn *c)
{
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
}

int route_conv_send(struct http_conn *c, json_t *body)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);
	json_t *run = json_object_get(body, "run");
	char err[HB_ERR_MAX], *text;
	int rc;

	if (!cv)
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	if (run && !json_is_boolean(run))
		return http_reply_error(c, 422, "run: expected true or false");
	if (!(text = srv_message_text(body, err, sizeof(err))))
		return http_reply_error(c, 422, "%s", err);
	if (srv_check_capacity(c, cv)) {
		free(text);
		return 0;
	}
	rc = srv_conv_post(cv, text, json_is_true(run), err, sizeof(err));
	free(text);
	return rc ? srv_reply_fail(c, rc, err) : success(c);
}

int route_conv_run(struct http_conn *c, json_t *body)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);
	char err[HB_ERR_MAX];
	int rc;

	if (!cv)
		return http_reply_error(c, 404, "Conversation not found: %s", c->params[0]);
	if (srv_conv_busy(cv))
		return http_reply_error(c, 409, "Conversation already running. Wait for completion "
					"or pause first.");
	if (srv_check_capacity(c, cv))
		return 0;
	rc = srv_conv_post(cv, NULL, true, err, sizeof(err));
	return rc ? srv_reply_fail(c, rc, err) : success(c);
}

static int pause_or_interrupt(struct http_conn *c, bool interrupt)
{
	struct srv_conv *cv = srv_conv_find(c->params[0]);

	if (!cv)
		return http_reply_error(c, 400, "Conversation not found: %s", c->params[0]);
	srv_conv_pause(cv, interrupt);
	return success(c);
}

int route_conv_pause(struct http_conn *c, json_t *body)
{
	return pause_or_interrupt(c, false);
}

int route_conv_interrupt(struct http_conn *c, json_t *body)
{
	return pause_or_interrupt(c, true);
}
