/* image_util.h — what the image_* files share and nothing else needs:
 * a growable array of strings (struct strv), progress lines, the clock,
 * and a few file helpers. Internal to the image build; see image_build.h
 * for the API. */
#ifndef HB_IMAGE_UTIL_H
#define HB_IMAGE_UTIL_H

#include <stddef.h>

#include "common/buf.h"
#include "image/image_build.h"

/* A growable, NULL-terminated array of strings, each malloc'd; a zeroed
 * struct is an empty one, strv_free() makes it empty again. */
struct strv {
	char **v;
	size_t n, cap;
};

/* Appends a copy of str (or of the formatted string); 0 or HB_ENOMEM. */
int strv_add(struct strv *s, const char *str);
int strv_addf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 1 when s holds str. */
int strv_has(const struct strv *s, const char *str);
/* Sorts s and drops repeated strings. */
void strv_sort_unique(struct strv *s);
/* Every string of s followed by a newline, appended to b. */
int strv_join(const struct strv *s, struct buf *b);
void strv_free(struct strv *s);

/* One progress line to p's callback, if there is one; a line longer than
 * 1 KiB is cut. */
void image_say(const struct image_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Seconds on the monotonic clock. */
double image_now(void);

/* write(2) until all of data is written; -1 with errno set otherwise. */
int image_write_all(int fd, const void *data, size_t len);

/* Reads path into b (NUL-terminated when not empty; b->data is NULL for an
 * empty file), failing past limit bytes. On success the caller frees b
 * with buf_free(); on failure b holds nothing. */
int image_file_read(const char *path, struct buf *b, size_t limit);

/* mkdir -p, mode 0755; -1 with errno set on failure. */
int image_mkdir_p(const char *path);

/* The executable name found in $PATH, into out; 0 when found. */
int image_find_in_path(const char *name, char *out, size_t outlen);

/* 1 when s ends with suffix. */
int image_ends_with(const char *s, const char *suffix);

/* Closes *fd when it is open and sets it to -1. */
void image_close_fd(int *fd);

#endif
