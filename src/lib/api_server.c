/* api_server.c — <handbox/server.h>: `handbox serve` (src/server) behind
 * the public API, so the CLI reaches it as it reaches everything else. */
#include "common/hb_error.h"
#include "handbox/server.h"
#include "server/server.h"

int hb_server_run(const struct hb_server_options *o, struct hb_cancel *stop, char *err,
		  size_t errlen)
{
	static const struct hb_server_options defaults;

	if (!stop)
		return hb_fail(err, errlen, HB_EINVAL, "hb_server_run: expected a stop token");
	return server_run(o ? o : &defaults, stop, err, errlen);
}
