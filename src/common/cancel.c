/* cancel.c — <handbox/cancel.h>. The token is a plain int in the public
 * struct (so the header is C89 and C++ alike) read and written with the
 * compiler's lock-free atomics: safe from a signal handler and across
 * threads. */
#include "handbox/cancel.h"

void hb_cancel_request(struct hb_cancel *c, int reason)
{
	if (c)
		__atomic_store_n(&c->reason, reason ? reason : -1, __ATOMIC_SEQ_CST);
}

int hb_cancel_reason(const struct hb_cancel *c)
{
	return c ? __atomic_load_n(&c->reason, __ATOMIC_SEQ_CST) : 0;
}
