/* run_render_int.h — what the two halves of the event renderer share:
 * run_render.c (messages, errors, state, the summary) and
 * run_render_tools.c (actions and their observations). Not for others. */
#ifndef HB_CLI_RUN_RENDER_INT_H
#define HB_CLI_RUN_RENDER_INT_H

#include <jansson.h>

#include "cli/run_render.h"

/* A block of output longer than this shows its head and tail only. */
#define RENDER_HEAD_LINES 25
#define RENDER_TAIL_LINES 15

/* o[key] when it is a string, else NULL. */
const char *render_str(json_t *o, const char *key);
/* The text of v: a string, or the "text" of every TextContent of an array
 * joined; malloc'd (free it), "" when none, NULL out of memory. */
char *render_content_text(json_t *v);
/* Prints text line by line, each after indent and in colour (NULL: none);
 * with cap, a long text keeps RENDER_HEAD_LINES and RENDER_TAIL_LINES. */
void render_block(struct run_render *r, const char *text, const char *indent,
		  const char *colour, bool cap);
/* One line: colour, prefix, then text made visible. */
void render_line(struct run_render *r, const char *colour, const char *prefix,
		 const char *text);

enum run_tick render_action(struct run_render *r, json_t *ev);
enum run_tick render_observation(struct run_render *r, json_t *ev);

#endif
