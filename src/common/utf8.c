/* utf8.c — UTF-8 validation and repair; see utf8.h.
 *
 * One rule serves all three functions: how many bytes at s form the start
 * of a well-formed sequence (Unicode's "maximal subpart"). A complete one is
 * a character; an incomplete one at the end of the data may still be
 * completed by the next read; anywhere else it is replaced by a single
 * U+FFFD, as Python's errors="replace" does. */
#include "common/buf.h"
#include "common/utf8.h"

/* Bytes of s[0..n) that begin a well-formed sequence (0 when s[0] cannot
 * begin one); *need is the length of the whole sequence. */
static size_t valid_prefix(const unsigned char *s, size_t n, size_t *need)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t i;

	*need = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		*need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		*need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		*need = 4;
	else
		return 0;
	/* overlongs, surrogates and code points past U+10FFFF are ruled out
	 * by the range of the second byte */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < *need && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t need;

	if (!n)
		return 0;
	return valid_prefix(s, n, &need) == need ? need : 0;
}

size_t utf8_cut_point(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t back, start, need;

	/* look at most 3 bytes back for the lead byte of a sequence */
	for (back = 1; back <= 3 && back <= n; back++) {
		start = n - back;
		if (u[start] >= 0x80 && u[start] <= 0xbf)
			continue;
		return valid_prefix(u + start, back, &need) == back && back < need ?
			start : n;
	}
	return n;
}

int utf8_append_sanitized(struct buf *out, const char *s, size_t n)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, len, need;
	int rc;

	while (i < n) {
		len = valid_prefix(u + i, n - i, &need);
		if (len == need) {
			i += len;
			continue;
		}
		rc = buf_append(out, s + run, i - run);
		if (!rc)
			rc = buf_append(out, replacement, 3);
		if (rc)
			return rc;
		i += len ? len : 1;
		run = i;
	}
	return buf_append(out, s + run, n - run);
}
