/* agent.h — one conversation's agent loop (API.md § 2): it asks the LLM,
 * runs the tools it calls in the sandbox, and hands every event to its
 * caller through a callback. It never stores anything itself (the caller
 * commits an event before showing it) and never touches a runtime
 * backend: the sandbox is reached through sandboxd's URL only.
 *
 * Threads: agent_run() runs on one thread; agent_send(), agent_pause() and
 * agent_interrupt() may be called from any other (the last two from a
 * signal handler too). */
#ifndef HB_AGENT_AGENT_H
#define HB_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/llm.h"
#include "agent/tools/tools.h"

/* Called with each new event (borrowed; it has id, timestamp, source and
 * kind, and secrets already hidden). A non-zero return (the store failed)
 * ends the run with that code; the event counts as not emitted. */
typedef int (*agent_event_fn)(json_t *event, void *arg, char *err, size_t errlen);

/* The strings of the config are copied or used only during agent_open(). */
struct agent_config {
	struct llm_config llm;
	struct tool_env tools;
	int max_iterations;            /* 0: 500 */
	bool no_stuck_detection;
	const char *const *secrets;    /* NULL-terminated values to hide, may be NULL */
	size_t condense_events;        /* history budget in events; 0: 120 */
	agent_event_fn on_event;
	void *arg;
};

struct agent;

/* A new agent. history (borrowed, may be NULL): the stored events of a
 * conversation being resumed, replayed into the agent's view without being
 * emitted again. A new conversation (no history) emits its
 * SystemPromptEvent at the first run. */
int agent_open(struct agent **out, const struct agent_config *cfg, json_t *history,
	       char *err, size_t errlen);
void agent_close(struct agent *a);

/* A user message. During agent_run() it is queued, taken at the start of
 * the next step (or, sent after the last one, emitted when the run ends);
 * otherwise it is emitted at once (with the system prompt first for a new
 * conversation), and a finished or stuck conversation becomes idle. */
int agent_send(struct agent *a, const char *text, char *err, size_t errlen);

/* Runs steps until finished, error, stuck or paused (or nothing to do).
 * Returns 0 then, whatever the status; HB_E… only when an event could not
 * be emitted (the callback failed). An LLM failure is status "error", its
 * message in err as well. */
int agent_run(struct agent *a, char *err, size_t errlen);

/* Hides value in every event and observation from now on (copied). Not
 * while agent_run() runs. */
int agent_add_secret(struct agent *a, const char *value, char *err, size_t errlen);

/* Stop between steps. Async-signal-safe. */
void agent_pause(struct agent *a);
/* Stop now: cancels the LLM call or the command in flight. Async-signal-safe. */
void agent_interrupt(struct agent *a);

/* "idle", "running", "paused", "finished", "error", "stuck" */
const char *agent_status(const struct agent *a);

struct agent_stats {
	int64_t steps;                 /* LLM answers (iterations), over all runs */
	struct llm_totals llm;
	char model[128];
};
void agent_stats(const struct agent *a, struct agent_stats *out);
/* The "stats" object of ConversationInfo (API.md § 2), a new reference. */
json_t *agent_stats_json(const struct agent *a);

#endif
