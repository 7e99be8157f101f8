/* env.h — the environments of commands: "NAME=value" string vectors
 * (common/strv.h) that can be edited by name. */
#ifndef HB_SANDBOXD_ENV_H
#define HB_SANDBOXD_ENV_H

#include "common/strv.h"

/* Sets NAME to value, replacing an earlier NAME. Returns 0 or HB_ENOMEM
 * (e unchanged). */
int env_set(struct strv *e, const char *name, const char *value);
/* Removes NAME (or, with a trailing '*', every name with that prefix). */
void env_unset(struct strv *e, const char *name);
/* The value of NAME in e, or NULL. */
const char *env_get(const struct strv *e, const char *name);
/* The value of name in a NULL-terminated "NAME=value" array, or NULL. */
const char *env_lookup(char *const *envp, const char *name);

#endif
