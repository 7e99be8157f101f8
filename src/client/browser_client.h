/* browser_client.h — the host side of sandboxd's browser route
 * (docs/browser.md), with libcurl: whether the sandbox has a browser, and
 * one action of the agent's browser tools. */
#ifndef HB_CLIENT_BROWSER_CLIENT_H
#define HB_CLIENT_BROWSER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "client/sandbox_client.h"
#include "handbox/cancel.h"

/* What sandboxd answered to an action. */
struct browser_answer {
	int status;           /* HTTP status */
	char *text;           /* 2xx: the page as the model reads it; else the detail */
	char *url, *title;    /* 2xx: the page's ("" otherwise) */
	char *screenshot;     /* the PNG's path in the sandbox, or NULL */
};
void browser_answer_clear(struct browser_answer *a);

/* *yes: /server_info lists the browser capability. HB_EIO when sandboxd
 * does not answer. */
int browser_client_available(const struct sandbox_conn *c, bool *yes, char *err,
			     size_t errlen);

/* POSTs args (an object, borrowed; NULL: {}) to the route of action and
 * waits for the answer; cancel (may be NULL) ends the wait. 0 whenever
 * sandboxd answered (see out->status: a refused action, or a sandbox
 * without a browser, is the model's to read); HB_EPERM for a refused key,
 * HB_EIO for no answer, HB_ECANCELED. */
int browser_client_act(const struct sandbox_conn *c, const char *action, json_t *args,
		       const struct hb_cancel *cancel, struct browser_answer *out,
		       char *err, size_t errlen);

/* Fills out from a status and the JSON body (pure; for the unit tests). */
int browser_answer_parse(int status, const char *body, size_t len,
			 struct browser_answer *out, char *err, size_t errlen);

#endif
