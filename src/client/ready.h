/* ready.h — waiting until a new sandbox's sandboxd answers /health. */
#ifndef HB_READY_H
#define HB_READY_H

#include <stddef.h>

/* Polls GET url/health (with the session key) until it answers 200, the
 * deadline passes, gone(arg) returns nonzero (the backend saw the sandbox
 * die) or ready_interrupt() was called. Returns 0 when ready; HB_EBUSY on
 * timeout; HB_EIO when gone() said so or on interruption (then
 * ready_interrupted() is the signal). */
int ready_wait(const char *url, const char *key, int timeout_ms,
	       int (*gone)(void *arg), void *arg);

/* Async-signal-safe: for a SIGINT/SIGTERM handler of a program that
 * creates sandboxes. A wait under way (or the next one) gives up within a
 * poll, so the backend removes the half-made sandbox rather than leave
 * it running with nobody to stop it. */
void ready_interrupt(int sig);
/* The signal given to ready_interrupt(), or 0. */
int ready_interrupted(void);

#endif
