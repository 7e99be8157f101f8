/* fuzz_util.h — what every fuzz target uses: a check that aborts (so
 * libFuzzer keeps the input) with the failed condition, and a heap copy
 * of the input for parsers that want a C string. */
#ifndef HB_FUZZ_FUZZ_UTIL_H
#define HB_FUZZ_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A NUL-terminated heap copy of n bytes: ASan sees any read past them. */
static inline char *fuzz_cstr(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
