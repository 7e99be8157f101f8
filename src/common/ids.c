/* ids.c — UUID4 and ISO-8601 timestamps; see ids.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/hb_error.h"
#include "common/ids.h"

void uuid4_str(char out[UUID_STR_LEN])
{
	unsigned char r[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
		 r[10], r[11], r[12], r[13], r[14], r[15]);
}

int uuid_is_valid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void format_utc(int64_t us, const char *zone, char out[ISOTIME_STR_LEN])
{
	time_t secs = (time_t)(us / 1000000);
	int64_t frac = us % 1000000;
	struct tm tm;

	/* floor, not C's truncation: before 1970 the fraction stays positive */
	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	snprintf(out, ISOTIME_STR_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)frac, zone);
}

void isotime_format(int64_t us, char out[ISOTIME_STR_LEN])
{
	format_utc(us, "Z", out);
}

void isotime_format_event(int64_t us, char out[ISOTIME_STR_LEN])
{
	format_utc(us, "", out);
}

static int digits(const char **p, int n, int *val)
{
	int v = 0;

	while (n--) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*val = v;
	return 0;
}

int isotime_parse(const char *s, int64_t *us)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, frac = 0, scale = 1000000, zh, zm, sign;
	int64_t t;

	memset(&tm, 0, sizeof(tm));
	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d) || (*s != 'T' && *s != ' '))
		return HB_EINVAL;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
	    *s++ != ':' || digits(&s, 2, &sec))
		return HB_EINVAL;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return HB_EINVAL;
		while (isdigit((unsigned char)*s)) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
			s++;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return HB_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (int64_t)timegm(&tm) * 1000000 + frac;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (digits(&s, 2, &zh))
			return HB_EINVAL;
		if (*s == ':')
			s++;
		if (digits(&s, 2, &zm) || zh > 23 || zm > 59)
			return HB_EINVAL;
		t -= sign * ((int64_t)zh * 3600 + zm * 60) * 1000000;
	}
	if (*s)
		return HB_EINVAL;
	*us = t;
	return 0;
}
