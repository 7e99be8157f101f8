/* env_name.h — what an environment variable's name may be: the check that
 * sandboxd applies to the "env" of exec runs and bash sessions, and the
 * CLI to --env. */
#ifndef HB_COMMON_ENV_NAME_H
#define HB_COMMON_ENV_NAME_H

#include <stdbool.h>

/* true when name is ASCII letters, digits and '_', not empty and not
 * starting with a digit. */
bool env_name_valid(const char *name);

/* true when kv is NAME=VALUE (any value, maybe empty) with a valid NAME. */
bool env_assignment_valid(const char *kv);

#endif
