/* run_render.h — conversation events (API.md § 2) as a person wants to
 * read them: the task, the agent's thoughts and commands, their output,
 * file edits as diffs, errors in red. Pure: event JSON text in, text out
 * to a FILE*; used by `handbox run` and `handbox conversations events`. */
#ifndef HB_CLI_RUN_RENDER_H
#define HB_CLI_RUN_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <handbox/conversation.h>

struct run_render {
	FILE *out;
	bool color;
	/* the last execution_status shown: a repeat is not news */
	char status[32];
};

/* What the event means for the "thinking…" line: the agent now waits for
 * the LLM (after the run starts, an observation, an error it must read),
 * or it stopped waiting (an action, its message, the end). */
enum run_tick { RUN_TICK_KEEP, RUN_TICK_START, RUN_TICK_STOP };

void run_render_init(struct run_render *r, FILE *out, bool color);
/* Prints one event (any text: a malformed one gets one dim line). */
enum run_tick run_render_event(struct run_render *r, const char *event_json);
/* The line at the end of a run, e.g.
 * "finished · 7 steps · 12,345 ↑ 678 ↓ tokens · $0.0123 · 41.2s". */
void run_render_summary(FILE *out, bool color, const char *status,
			const struct hb_conversation_stats *st, double elapsed_s);

#endif
