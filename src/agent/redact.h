/* redact.h — hiding secrets (LLM keys, declared secrets, session keys)
 * in events before anyone sees them, and in text before the model does. */
#ifndef HB_AGENT_REDACT_H
#define HB_AGENT_REDACT_H

#include <jansson.h>

#define REDACTED "<secret-hidden>"

/* Every occurrence of each value of secrets (NULL-terminated; values
 * shorter than 4 characters are ignored: hiding "a" would hide every a)
 * replaced by REDACTED in every string of j, keys included. Returns 0 or
 * HB_ENOMEM. */
int redact_json(json_t *j, const char *const *secrets);
/* The same on a string: a new string (free() it), NULL when out of memory. */
char *redact_text(const char *s, const char *const *secrets);

#endif
