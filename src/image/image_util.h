/* image_util.h — what the image_* files share and nothing else needs:
 * progress lines, the clock and a few file helpers (the string vectors
 * they build lists with are common/strv.h). Internal to the image build;
 * see image_build.h for the API. */
#ifndef HB_IMAGE_IMAGE_UTIL_H
#define HB_IMAGE_IMAGE_UTIL_H

#include <stddef.h>

#include "common/buf.h"
#include "common/strv.h"
#include "image/image_build.h"

/* One progress line to p's callback, if there is one; a line longer than
 * 1 KiB is cut. */
void image_say(const struct image_job *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads path into b (NUL-terminated when not empty; b->data is NULL for an
 * empty file), failing past limit bytes. On success the caller frees b
 * with buf_free(); on failure b holds nothing. */
int image_file_read(const char *path, struct buf *b, size_t limit);

/* mkdir -p, mode 0755; -1 with errno set on failure. */
int image_mkdir_p(const char *path);

/* 1 when s ends with suffix. */
int image_ends_with(const char *s, const char *suffix);

/* Closes *fd when it is open and sets it to -1. */
void image_close_fd(int *fd);

#endif
