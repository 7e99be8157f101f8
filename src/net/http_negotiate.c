/* http_negotiate.c — Accept-Encoding and If-None-Match (see the header).
 * Written to the RFC's grammar rather than with strstr(): "gzip;q=0" must
 * refuse gzip, and "x-gzip2" must not be taken for it. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "net/http_negotiate.h"

#define OWS " \t"

/* The q-value of one element's parameters (the text after its coding),
 * in thousandths: 1000 when there is none, -1 when it is malformed. */
static int element_q(const char *p, const char *end)
{
	int q = 1000, scale = 100, n = 0;

	while (p < end) {
		p += strspn(p, OWS ";");
		if (p >= end)
			break;
		if (end - p < 2 || tolower((unsigned char)p[0]) != 'q' || p[1] != '=') {
			/* another parameter: skip it */
			while (p < end && *p != ';')
				p++;
			continue;
		}
		p += 2;
		if (p >= end || (*p != '0' && *p != '1'))
			return -1;
		q = (*p++ - '0') * 1000;
		if (p < end && *p == '.')
			for (p++; p < end && isdigit((unsigned char)*p) && n < 3; p++, n++, scale /= 10)
				q += (*p - '0') * scale;
		p += strspn(p, OWS);
		if (q > 1000 || (p < end && *p != ';'))
			return -1;
	}
	return q;
}

int http_accepts_coding(const char *accept_encoding, const char *coding)
{
	const char *p = accept_encoding, *end, *name_end;
	int named = -1, star = -1, q;
	size_t n;

	if (!p)
		return 0;
	while (*p) {
		p += strspn(p, OWS ",");
		if (!*p)
			break;
		end = p + strcspn(p, ",");
		name_end = p + strcspn(p, OWS ";,");
		n = (size_t)(name_end - p);
		/* an unreadable q-value refuses rather than guesses */
		if ((q = element_q(name_end, end)) < 0)
			q = 0;
		if ((n == strlen(coding) && !strncasecmp(p, coding, n)) ||
		    (!strcasecmp(coding, "gzip") && n == 6 && !strncasecmp(p, "x-gzip", 6)))
			named = q > named ? q : named;
		else if (n == 1 && *p == '*')
			star = q;
		p = end;
	}
	if (named >= 0)
		return named > 0;
	return star > 0;
}

int http_etag_listed(const char *if_none_match, const char *etag)
{
	const char *p = if_none_match, *close;
	size_t n = strlen(etag);

	if (!p)
		return 0;
	while (*p) {
		p += strspn(p, OWS ",");
		if (*p == '*')
			return 1;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (*p != '"' || !(close = strchr(p + 1, '"')))
			return 0;
		if ((size_t)(close + 1 - p) == n && !memcmp(p, etag, n))
			return 1;
		p = close + 1;
	}
	return 0;
}
