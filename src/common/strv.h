/* strv.h — a growable, NULL-terminated array of malloc'd strings: the
 * argument and package lists of the image builder, and (through
 * sandboxd/env.h) the environments of sandboxd's commands.
 *
 * A zeroed struct is an empty one (v may then be NULL); strv_free() makes
 * it empty again. */
#ifndef HB_COMMON_STRV_H
#define HB_COMMON_STRV_H

#include <stddef.h>

struct buf;

struct strv {
	char **v;      /* NULL-terminated once anything was added or copied */
	size_t n, cap;
};

/* Appends a copy of str (or of the formatted string); 0 or HB_ENOMEM. */
int strv_add(struct strv *s, const char *str);
int strv_addf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends str itself, which s then owns (and frees); 0 or HB_ENOMEM, when
 * the caller still owns str. */
int strv_take(struct strv *s, char *str);
/* Makes dst (whatever it held is not freed) a copy of the NULL-terminated
 * src (may be NULL); dst->v is an array even when src is empty, so it can
 * be passed as an argv or envp. Returns 0 or HB_ENOMEM (dst empty). */
int strv_copy(struct strv *dst, char *const *src);
/* 1 when s holds str. */
int strv_has(const struct strv *s, const char *str);
/* Sorts s and drops repeated strings. */
void strv_sort_unique(struct strv *s);
/* Every string of s followed by a newline, appended to b. */
int strv_join(const struct strv *s, struct buf *b);
void strv_free(struct strv *s);

#endif
