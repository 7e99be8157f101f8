/* handbox/cancel.h — cancelling a wait that the caller started.
 *
 * A long call (starting a sandbox, building an image) takes a struct
 * hb_cancel that its caller owns. Asking it to stop affects only the calls
 * that were given this token: a server cancels one sandbox's start without
 * touching the others. Zero-initialise it (= not cancelled). */
#ifndef HB_HANDBOX_CANCEL_H
#define HB_HANDBOX_CANCEL_H

#ifdef __cplusplus
extern "C" {
#endif

struct hb_cancel {
	int reason;              /* read and written atomically by the calls
				    below only: 0 go on, else why */
};

/* Asks every call watching c to give up at its next check (within about a
 * second) and clean up what it made; it then fails with HB_ECANCELED.
 * reason: nonzero, e.g. the signal that asked for it (0 is taken as -1).
 * Safe from a signal handler and from any thread; c NULL does nothing. */
void hb_cancel_request(struct hb_cancel *c, int reason);

/* 0 when c is NULL or not cancelled; else the reason given. */
int hb_cancel_reason(const struct hb_cancel *c);

#ifdef __cplusplus
}
#endif

#endif
