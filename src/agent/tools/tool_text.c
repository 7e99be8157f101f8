/* tool_text.c — see tool_text.h. */
#include <string.h>

#include "agent/tools/tool_text.h"
#include "common/utf8.h"

size_t text_char_offset(const char *s, size_t len, size_t n)
{
	size_t off = 0, k;

	while (n && off < len) {
		k = utf8_seq_len((const unsigned char *)s + off, len - off);
		off += k ? k : 1;
		n--;
	}
	return off;
}

size_t text_chars(const char *s, size_t len)
{
	size_t off = 0, n = 0, k;

	while (off < len) {
		k = utf8_seq_len((const unsigned char *)s + off, len - off);
		off += k ? k : 1;
		n++;
	}
	return n;
}

int text_truncate_middle(const char *s, size_t len, size_t max_chars, const char *notice,
			 struct buf *out)
{
	size_t total = text_chars(s, len), nchars = text_chars(notice, strlen(notice));
	size_t avail, head, tail, head_end, tail_start;
	int rc;

	if (total <= max_chars)
		return buf_append(out, s, len);
	if (nchars >= max_chars)
		return buf_append(out, notice, text_char_offset(notice, strlen(notice), max_chars));
	avail = max_chars - nchars;
	head = avail / 2 + avail % 2;
	tail = avail - head;
	head_end = text_char_offset(s, len, head);
	tail_start = text_char_offset(s, len, total - tail);
	if ((rc = buf_append(out, s, head_end)) || (rc = buf_append(out, notice, strlen(notice))))
		return rc;
	return buf_append(out, s + tail_start, len - tail_start);
}

size_t text_rstrip_len(const char *s, size_t len)
{
	while (len && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
		len--;
	return len;
}

int text_int_list(struct buf *out, const long *v, size_t n)
{
	size_t i;
	int rc = buf_append(out, "[", 1);

	for (i = 0; !rc && i < n; i++)
		rc = buf_printf(out, "%s%ld", i ? ", " : "", v[i]);
	return rc ? rc : buf_append(out, "]", 1);
}
