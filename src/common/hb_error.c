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
