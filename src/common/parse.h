/* parse.h — values given as text (environment variables, flags, form
 * fields) into numbers, sizes and addresses. Each parser names the value
 * in its message: `what` is the variable or flag ("--memory"), and the
 * message says what was expected. */
#ifndef HB_COMMON_PARSE_H
#define HB_COMMON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "512m", "2g", "1.5G", "0" (no limit): bytes; at least 6m unless 0. */
int parse_size(const char *what, const char *v, int64_t *bytes, char *err, size_t errlen);
/* "1.5": nano-CPUs, from 0.01 to this machine's CPUs (0 = no limit). */
int parse_cpus(const char *what, const char *v, int64_t *nano, char *err, size_t errlen);
/* 1/true/yes/on, 0/false/no/off/"". */
int parse_bool(const char *what, const char *v, bool *out, char *err, size_t errlen);
/* A decimal number from 0 to max. */
int parse_uint(const char *what, const char *v, unsigned long max, unsigned long *out,
	       char *err, size_t errlen);
/* Seconds from 0.001 to 86400, into milliseconds (rounded up). */
int parse_seconds_ms(const char *what, const char *v, int *ms, char *err, size_t errlen);
/* A span of whole seconds, minutes, hours or days ("90", "90s", "15m",
 * "2h", "1d"), at most max seconds; "0" and "off" are 0 (disabled). */
int parse_duration(const char *what, const char *v, long max, long *seconds, char *err,
		   size_t errlen);
/* An IPv4 or IPv6 address. */
int parse_bind_address(const char *what, const char *v, char *out, size_t outlen,
		       char *err, size_t errlen);
/* v into out whole, or HB_ETOOBIG naming what: an image, socket or path
 * cut short would name another one. */
int parse_string(const char *what, const char *v, char *out, size_t outlen,
		 char *err, size_t errlen);

#endif
