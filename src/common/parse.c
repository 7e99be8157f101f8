/* parse.c — text into numbers, sizes and addresses, with messages that
 * name the value; see parse.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/parse.h"

int parse_size(const char *what, const char *v, int64_t *bytes, char *err, size_t errlen)
{
	char *end;
	double n;
	int64_t unit = 1;

	errno = 0;
	n = strtod(v, &end);
	if (end == v || errno || n < 0 || !isfinite(n))
		goto bad;
	switch (*end) {
	case 'b': case 'B': case '\0': unit = 1; break;
	case 'k': case 'K': unit = 1LL << 10; break;
	case 'm': case 'M': unit = 1LL << 20; break;
	case 'g': case 'G': unit = 1LL << 30; break;
	case 't': case 'T': unit = 1LL << 40; break;
	default: goto bad;
	}
	if (*end && end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib"))
		goto bad;
	if (n * (double)unit > (double)INT64_MAX / 2)
		goto bad;
	*bytes = (int64_t)(n * (double)unit);
	/* n, not bytes: "0.1" is not "0" (no limit) */
	if (n > 0 && *bytes < (6LL << 20))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": at least 6m (the engine's minimum), or 0 for no limit",
			       what, v);
	return 0;
bad:
	return hb_fail(err, errlen, HB_EINVAL,
		       "%s: \"%s\": expected a size like 512m or 2g (0 = no limit)", what, v);
}

int parse_cpus(const char *what, const char *v, int64_t *nano, char *err, size_t errlen)
{
	char *end;
	double n;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	errno = 0;
	n = strtod(v, &end);
	if (end == v || *end || errno || n < 0 || !isfinite(n) || (n > 0 && n < 0.01) ||
	    (ncpu > 0 && n > (double)ncpu))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a number of CPUs from 0.01 to %ld (0 = no limit)",
			       what, v, ncpu > 0 ? ncpu : 1024L);
	*nano = (int64_t)(n * 1e9 + 0.5);      /* n >= 0: rounds to nearest */
	return 0;
}

int parse_bool(const char *what, const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected true or false", what, v);
}

int parse_uint(const char *what, const char *v, unsigned long max, unsigned long *out,
	       char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || n > max)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a whole number from 0 to %lu", what, v, max);
	*out = n;
	return 0;
}

int parse_seconds_ms(const char *what, const char *v, int *ms, char *err, size_t errlen)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (end == v || *end || errno || !(s > 0) || s > 86400)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a number of seconds from 0.001 to 86400",
			       what, v);
	*ms = (int)(s * 1000);
	if (*ms < s * 1000)     /* rounded up: 0.0001 s is not "no time" */
		(*ms)++;
	return 0;
}

int parse_duration(const char *what, const char *v, long max, long *seconds, char *err,
		   size_t errlen)
{
	static const struct { char unit; long s; } units[] = {
		{ '\0', 1 }, { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long n;
	char *end;
	size_t i;

	if (!strcasecmp(v, "off")) {
		*seconds = 0;
		return 0;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit && (!*end || !end[1]))
			break;
	if (end == v || v[0] == '-' || v[0] == '+' || errno || i == sizeof(units) / sizeof(units[0]) ||
	    n > (unsigned long)max / (unsigned long)units[i].s)
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected a duration such as 90 "
			       "(seconds), 90s, 15m, 2h or 1d, at most %ld s; 0 or off disables it",
			       what, v, max);
	*seconds = (long)n * units[i].s;
	return 0;
}

int parse_string(const char *what, const char *v, char *out, size_t outlen,
		 char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= outlen)
		return hb_fail(err, errlen, HB_ETOOBIG, "%s: \"%.60s…\": longer than %zu characters",
			       what, v, outlen - 1);
	memcpy(out, v, n + 1);
	return 0;
}

int parse_bind_address(const char *what, const char *v, char *out, size_t outlen,
		       char *err, size_t errlen)
{
	unsigned char addr[16];

	if (strlen(v) >= outlen ||
	    (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected an IP address such as 127.0.0.1 or 0.0.0.0",
			       what, v);
	snprintf(out, outlen, "%s", v);
	return 0;
}
