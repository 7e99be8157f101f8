/* stuck.h — noticing an agent that goes round in circles (API.md § 2's
 * "stuck" status), from the events since the user's last message. */
#ifndef HB_AGENT_STUCK_H
#define HB_AGENT_STUCK_H

#include <jansson.h>

/* NULL when the agent makes progress, else a sentence saying which
 * pattern it repeats:
 *  - the same action with the same observation 4 times in a row;
 *  - the same action failing 4 times in a row (more than 3);
 *  - 3 agent messages in a row with nothing else between;
 *  - two actions alternating (A B A B A B) over the last 6 steps, with the
 *    same observations each time. */
const char *stuck_check(json_t *events);

#endif
