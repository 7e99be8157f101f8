/* strv.c — arrays of strings; see strv.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "common/strv.h"

/* Room for one more string and the NULL after it. */
static int strv_grow(struct strv *s)
{
	char **nv;
	size_t ncap;

	if (s->n + 2 <= s->cap)
		return 0;
	ncap = s->cap ? s->cap * 2 : 16;
	nv = realloc(s->v, ncap * sizeof(*nv));
	if (!nv)
		return HB_ENOMEM;
	s->v = nv;
	s->cap = ncap;
	return 0;
}

int strv_take(struct strv *s, char *str)
{
	if (strv_grow(s))
		return HB_ENOMEM;
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

int strv_add(struct strv *s, const char *str)
{
	char *copy = strdup(str);

	if (!copy)
		return HB_ENOMEM;
	if (strv_take(s, copy)) {
		free(copy);
		return HB_ENOMEM;
	}
	return 0;
}

int strv_addf(struct strv *s, const char *fmt, ...)
{
	char *str = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return HB_ENOMEM;
	rc = strv_take(s, str);
	if (rc)
		free(str);
	return rc;
}

int strv_copy(struct strv *dst, char *const *src)
{
	memset(dst, 0, sizeof(*dst));
	if (strv_grow(dst))
		return HB_ENOMEM;
	dst->v[0] = NULL;
	for (; src && *src; src++) {
		if (strv_add(dst, *src)) {
			strv_free(dst);
			return HB_ENOMEM;
		}
	}
	return 0;
}

int strv_has(const struct strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_unique(struct strv *s)
{
	size_t i, j = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (!strcmp(s->v[i], s->v[j]))
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
	s->v[s->n] = NULL;
}

int strv_join(const struct strv *s, struct buf *b)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++)
		if ((rc = buf_printf(b, "%s\n", s->v[i])) < 0)
			return rc;
	return 0;
}

void strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
