/* buf.h — a growable byte buffer that carries its own size cap.
 *
 * Every buffer that grows from network or child-process input is a struct
 * buf with a limit, so no input can make a process grow without bound. */
#ifndef HB_COMMON_BUF_H
#define HB_COMMON_BUF_H

#include <stddef.h>

struct buf {
	char *data;   /* NUL-terminated when len > 0 (one spare byte kept) */
	size_t len;
	size_t cap;
	size_t limit; /* 0 = no cap */
};

/* An empty buffer that refuses to grow past limit bytes. */
void buf_init(struct buf *b, size_t limit);
/* Appends; returns 0, HB_ETOOBIG past the cap (nothing appended), HB_ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* Frees the storage; the buffer may be used again (empty, same limit). */
void buf_free(struct buf *b);
/* Hands the storage to the caller (free() it); the buffer becomes empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
