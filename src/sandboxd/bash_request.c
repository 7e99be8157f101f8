/* bash_request.c — checking a bash command request; see bash_request.h. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/bash_request.h"

int bash_request_parse(json_t *body, struct bash_request *req, char *err,
		       size_t errlen)
{
	json_t *v;

	memset(req, 0, sizeof(*req));
	req->timeout = BASH_DEFAULT_TIMEOUT_S;
	if (!json_is_object(body))
		return hb_fail(err, errlen, HB_EINVAL,
			       "body: expected a JSON object with a \"command\" string");
	v = json_object_get(body, "command");
	if (!json_is_string(v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "command: expected a string, got %s", v ? "another type" : "nothing");
	req->command = json_string_value(v);
	v = json_object_get(body, "cwd");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return hb_fail(err, errlen, HB_EINVAL, "cwd: expected a string or null");
		req->cwd = json_string_value(v);
		if (strlen(req->cwd) >= PATH_MAX)
			return hb_fail(err, errlen, HB_EINVAL,
				       "cwd: a path of %zu bytes; at most %d are allowed",
				       strlen(req->cwd), PATH_MAX - 1);
	}
	v = json_object_get(body, "timeout");
	if (v && !json_is_null(v)) {
		if (!json_is_number(v) || !(json_number_value(v) > 0) ||
		    json_number_value(v) > SANDBOXD_TIMEOUT_MAX_S || !isfinite(json_number_value(v)))
			return hb_fail(err, errlen, HB_EINVAL,
				       "timeout: expected a number of seconds above 0 and at most %.0f",
				       SANDBOXD_TIMEOUT_MAX_S);
		req->timeout = json_number_value(v);
	}
	return 0;
}
