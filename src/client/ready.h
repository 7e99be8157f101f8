/* ready.h — waiting until a new sandbox's sandboxd answers /health. */
#ifndef HB_CLIENT_READY_H
#define HB_CLIENT_READY_H

#include <stddef.h>

#include "handbox/cancel.h"

/* Polls GET url/health (with the session key) until it answers 200, the
 * deadline passes, gone(arg) returns nonzero (the backend saw the sandbox
 * die) or cancel (may be NULL) is requested. Returns 0 when ready;
 * HB_EBUSY on timeout; HB_EIO when gone() said so; HB_ECANCELED on
 * cancellation (hb_cancel_reason(cancel) says why). */
int ready_wait(const char *url, const char *key, int timeout_ms,
	       int (*gone)(void *arg), void *arg, struct hb_cancel *cancel);

#endif
