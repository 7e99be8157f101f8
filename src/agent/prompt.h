/* prompt.h — the agent's system prompt (ours, in our words). */
#ifndef HB_AGENT_PROMPT_H
#define HB_AGENT_PROMPT_H

#include <stdbool.h>

/* The system prompt for an agent working in working_dir, with a word on
 * the browser tools when it has them; a new string (free() it); NULL when
 * out of memory. */
char *prompt_system(const char *working_dir, bool browser);

#endif
