/* hb_error.h — result codes shared by every handbox module.
 *
 * Functions return 0 or a negative HB_E… code; when there is more to say they
 * also write a human message into an error buffer the caller provides. */
#ifndef HB_ERROR_H
#define HB_ERROR_H

#include <stddef.h>

enum hb_result {
	HB_OK = 0,
	HB_ENOMEM = -1,    /* allocation failed */
	HB_EINVAL = -2,    /* malformed or out-of-range input */
	HB_ETOOBIG = -3,   /* input larger than its cap */
	HB_ENOENT = -4,    /* no such thing */
	HB_EIO = -5,       /* a system call failed; errno-based message given */
	HB_EPERM = -6,     /* not allowed */
	HB_EBUSY = -8,     /* temporarily unable; try later */
};

/* Formats into err (when err is not NULL) and returns code, so callers can
 * write `return hb_fail(err, errlen, HB_EINVAL, "...", ...);`. */
int hb_fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
