/* client_conn.c — see client_conn.h. */
#include "client/client_conn.h"
#include "common/hb_error.h"

int client_conn_check(const struct sandbox_conn *c, char *err, size_t errlen)
{
	const char *k;

	if (!c || !c->url || !c->url[0])
		return hb_fail(err, errlen, HB_EINVAL, "no sandbox URL given");
	for (k = c->session_api_key; k && *k; k++)
		if (*k < 0x20 || *k > 0x7e)
			return hb_fail(err, errlen, HB_EINVAL,
				       "the session key holds a control or non-ASCII character");
	return 0;
}
