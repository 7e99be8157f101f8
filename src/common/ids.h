/* ids.h — UUID4 identifiers and ISO-8601 UTC timestamps, as on the wire. */
#ifndef HB_COMMON_IDS_H
#define HB_COMMON_IDS_H

#include <stdint.h>
#include <stddef.h>

#define UUID_STR_LEN 37       /* 36 characters and the NUL */
#define ISOTIME_STR_LEN 64

/* Writes a random UUID4 ("8-4-4-4-12" lower-case hex) into out. */
void uuid4_str(char out[UUID_STR_LEN]);
/* 1 when s is a UUID in the 8-4-4-4-12 form, else 0. */
int uuid_is_valid(const char *s);

/* Microseconds since the epoch, wall clock. */
int64_t now_us(void);
/* "2025-01-31T12:00:00.123456Z" */
void isotime_format(int64_t us, char out[ISOTIME_STR_LEN]);
/* "2025-01-31T12:00:00.123456": UTC without a zone suffix, the form of an
 * event's "timestamp" (API.md § 2, as the OpenHands agent-server writes
 * it). */
void isotime_format_event(int64_t us, char out[ISOTIME_STR_LEN]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]" (a space may stand for T;
 * no zone means UTC). Returns 0 or HB_EINVAL. */
int isotime_parse(const char *s, int64_t *us);

#endif
