/* env.h — environment vectors for commands (envp arrays we can edit). */
#ifndef HB_SANDBOXD_ENV_H
#define HB_SANDBOXD_ENV_H

#include <stddef.h>

struct envv {
	char **v;   /* NULL-terminated "NAME=value" strings, owned */
	size_t n, cap;
};

/* Copies src (may be NULL). Returns 0 or HB_ENOMEM. */
int envv_copy(struct envv *dst, char *const *src);
/* Sets NAME to value, replacing an earlier NAME. */
int envv_set(struct envv *e, const char *name, const char *value);
/* Removes NAME (or, with a trailing '*', every name with that prefix). */
void envv_unset(struct envv *e, const char *name);
const char *envv_get(const struct envv *e, const char *name);
/* The value of name in a NULL-terminated "NAME=value" array, or NULL. */
const char *env_lookup(char *const *envp, const char *name);
void envv_free(struct envv *e);
/* 1 when name is a valid variable name (letters, digits, '_', not a digit
 * first), else 0. */
int env_name_valid(const char *name);

#endif
