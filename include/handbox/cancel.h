/* handbox/cancel.h — cancelling a wait that the caller started.
 *
 * A long call (starting a sandbox, building an image) takes a struct
 * hb_cancel that its caller owns. Asking it to stop affects only the calls
 * that were given this token: a server cancels one sandbox's start without
 * touching the others. Zero-initialise it (= not cancelled). */
#ifndef HB_HANDBOX_CANCEL_H
#define HB_HANDBOX_CANCEL_H

#include <stdatomic.h>

struct hb_cancel {
	atomic_int reason;       /* 0: go on; else why (e.g. a signal number) */
};

/* Asks every call watching c to give up at its next check (within about a
 * second) and clean up what it made. reason: nonzero, e.g. the signal that
 * asked for it. Safe from a signal handler and from any thread. */
static inline void hb_cancel_request(struct hb_cancel *c, int reason)
{
	atomic_store(&c->reason, reason ? reason : -1);
}

/* 0 when c is NULL or not cancelled; else the reason given. */
static inline int hb_cancel_reason(struct hb_cancel *c)
{
	return c ? atomic_load(&c->reason) : 0;
}

#endif
