/* hb_error.c — the one helper behind every "return an error with a message". */
#include <stdarg.h>
#include <stdio.h>

#include "common/hb_error.h"

int hb_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *hb_strerror(int code)
{
	switch (code) {
	case HB_OK: return "success";
	case HB_ENOMEM: return "out of memory";
	case HB_EINVAL: return "invalid input";
	case HB_ETOOBIG: return "input too large";
	case HB_ENOENT: return "not found";
	case HB_EIO: return "input/output error";
	case HB_EPERM: return "not allowed";
	case HB_ECANCELED: return "cancelled";
	case HB_EBUSY: return "busy or timed out";
	default: return "unknown error";
	}
}
