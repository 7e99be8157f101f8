/* utf8.h — command output is bytes; JSON strings must be UTF-8. These
 * helpers turn one into the other the way Python's errors="replace" does. */
#ifndef HB_COMMON_UTF8_H
#define HB_COMMON_UTF8_H

#include <stddef.h>

struct buf;

/* Length of the next well-formed UTF-8 sequence at s (1–4), or 0 when the
 * bytes there are not one. n is how many bytes are available. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* The longest prefix of s[0..n) that does not end inside a multi-byte
 * sequence which more bytes could still complete: where to cut a stream. */
size_t utf8_cut_point(const char *s, size_t n);
/* Appends s to out with every ill-formed byte replaced by U+FFFD. */
int utf8_append_sanitized(struct buf *out, const char *s, size_t n);

#endif
