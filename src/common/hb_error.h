/* hb_error.h — result codes shared by every handbox module (the public
 * ones of <handbox/error.h>) and the helper that returns one with a
 * message. */
#ifndef HB_COMMON_HB_ERROR_H
#define HB_COMMON_HB_ERROR_H

#include <stddef.h>

#include "handbox/error.h"

/* Formats into err (when err is not NULL) and returns code, so callers can
 * write `return hb_fail(err, errlen, HB_EINVAL, "...", ...);`. */
int hb_fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
