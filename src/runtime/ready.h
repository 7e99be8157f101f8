/* ready.h — waiting until a new sandbox's sandboxd answers /health. */
#ifndef HB_READY_H
#define HB_READY_H

#include <stddef.h>

/* Polls GET url/health (with the session key) until it answers 200, the
 * deadline passes, or gone(arg) returns nonzero (the backend saw the
 * sandbox die). Returns 0 when ready; HB_EBUSY on timeout; HB_EIO when
 * gone() said so. */
int ready_wait(const char *url, const char *key, int timeout_ms,
	       int (*gone)(void *arg), void *arg);

#endif
