/* state_dir.c — the state directory's path; see state_dir.h. */
#include <stdio.h>
#include <stdlib.h>

#include "common/hb_error.h"
#include "common/state_dir.h"

int state_dir_path(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *dir = getenv("HANDBOX_STATE_DIR");
	const char *home = getenv("HOME");
	int n;

	if (dir && *dir) {
		if (dir[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "HANDBOX_STATE_DIR: \"%s\": expected an absolute path", dir);
		n = snprintf(out, outlen, "%s", dir);
	} else {
		if (!home || home[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "HOME is not set to an absolute path: set HANDBOX_STATE_DIR");
		n = snprintf(out, outlen, "%s/.handbox", home);
	}
	if (n < 0 || (size_t)n >= outlen)
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	return 0;
}
