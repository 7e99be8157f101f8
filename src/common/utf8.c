/* utf8.c — UTF-8 validation and repair; see utf8.h. */
#include "common/buf.h"
#include "common/utf8.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlongs, surrogates and code points past U+10FFFF */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

size_t utf8_cut_point(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t back, start, need;

	/* look at most 3 bytes back for the lead byte of a sequence */
	for (back = 1; back <= 3 && back <= n; back++) {
		start = n - back;
		if ((u[start] & 0xc0) == 0x80)
			continue;
		if (u[start] >= 0xc2 && u[start] <= 0xdf)
			need = 2;
		else if (u[start] >= 0xe0 && u[start] <= 0xef)
			need = 3;
		else if (u[start] >= 0xf0 && u[start] <= 0xf4)
			need = 4;
		else
			return n;
		return back < need ? start : n;
	}
	return n;
}

int utf8_append_sanitized(struct buf *out, const char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	int rc;

	while (i < n) {
		len = utf8_seq_len(u + i, n - i);
		if (len) {
			i += len;
			continue;
		}
		rc = buf_append(out, s + run, i - run);
		if (!rc)
			rc = buf_append(out, replacement, 3);
		if (rc)
			return rc;
		i++;
		run = i;
	}
	return buf_append(out, s + run, n - run);
}
