/* browser_cdp.h — a blocking client of the Chrome DevTools Protocol, for
 * the browser worker thread (browser.c) and nothing else: it finds the
 * browser's endpoint (GET /json/version), keeps one WebSocket to it, and
 * sends one command at a time, waiting for its answer. Pages are driven
 * through a flattened session (Target.attachToTarget {flatten:true}): the
 * one connection survives tabs being opened and closed.
 *
 * libwebsockets does the HTTP and WebSocket work in a context of the
 * worker's own: sandboxd's loop never waits for the browser. docs/browser.md
 * has the protocol details (no Origin header, Host must be an address). */
#ifndef HB_SANDBOXD_BROWSER_CDP_H
#define HB_SANDBOXD_BROWSER_CDP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct cdp;

/* A client for the DevTools server at host:port (numeric IPv4); nothing is
 * connected yet. NULL when out of memory. */
struct cdp *cdp_new(const char *host, int port);
void cdp_free(struct cdp *c);

/* Whether the WebSocket is open (it closes when Chromium exits). */
bool cdp_connected(const struct cdp *c);
/* Finds the browser's WebSocket URL and connects. 0, or HB_EIO with a
 * sentence (nothing listens, not a DevTools server) in err. */
int cdp_connect(struct cdp *c, int timeout_ms, char *err, size_t errlen);

/* Sends method with params (taken; NULL: {}) in session (NULL: the
 * browser's own) and waits up to timeout_ms for the answer. *result (may
 * be NULL) gets its "result" (a new reference). HB_EINVAL with the
 * browser's error message, HB_EIO when the connection broke, HB_EBUSY
 * when no answer came in time. */
int cdp_call(struct cdp *c, const char *session, const char *method, json_t *params,
	     int timeout_ms, json_t **result, char *err, size_t errlen);
/* Waits up to timeout_ms for the event method of session, dropping the
 * events that came before it. 0 when it came, HB_EBUSY when it did not, HB_EIO. */
int cdp_wait_event(struct cdp *c, const char *session, const char *method, int timeout_ms);
/* Forgets the events received so far (before an action whose events
 * matter). */
void cdp_drop_events(struct cdp *c);
/* The dialogs (alert, confirm, prompt) pages opened while commands were
 * waited for, each accepted at once: [{"type", "message"}] (a new
 * reference; the list starts again). */
json_t *cdp_take_dialogs(struct cdp *c);

#endif
