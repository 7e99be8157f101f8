/* handbox/conversation.h — an LLM agent working in a workspace (the
 * reference SDK's Conversation): the loop runs in this process, the
 * commands in the sandbox, and the LLM key never enters it.
 *
 * Every event (API.md § 2, one JSON object) is committed to the state
 * directory's store ($HANDBOX_STATE_DIR, default ~/.handbox) before the
 * callback sees it, with secrets (the LLM key, hb_conversation_add_secret()
 * values, session keys) replaced by "<secret-hidden>". A conversation whose
 * process died is found again by hb_conversation_resume().
 *
 * The core names and signatures below are those of API.md § 7; the rest
 * follows their style. Functions return 0 or a negative HB_E… code with a
 * message in err. */
#ifndef HB_HANDBOX_CONVERSATION_H
#define HB_HANDBOX_CONVERSATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <handbox/workspace.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hb_conversation;

struct hb_llm { const char *model, *base_url, *api_key; };          /* NULL fields: LLM_MODEL, LLM_BASE_URL, LLM_API_KEY */
typedef void (*hb_event_fn)(const char *event_json, void *arg);       /* one event as in § 2, borrowed */
struct hb_conversation_options { struct hb_llm llm; hb_event_fn on_event; void *arg; int max_iterations; };

/* A new conversation working in ws (which must outlive it). opt may be
 * NULL (LLM_* from the environment, 500 iterations). Also read from the
 * environment: LLM_NATIVE_TOOL_CALLING, LLM_TIMEOUT. */
int  hb_conversation_open(struct hb_conversation **out, struct hb_workspace *ws,
                          const struct hb_conversation_options *opt, char *err, size_t errlen);
/* A user message; during hb_conversation_run() (from another thread) it is
 * taken at the next step. A finished or stuck conversation runs again
 * only with a new message. */
int  hb_conversation_send(struct hb_conversation *c, const char *text, char *err, size_t errlen);
/* Runs the agent until it finishes, fails, is stuck, reaches
 * max_iterations or is paused. Returns 0 whatever the outcome (see
 * hb_conversation_status()), or HB_E… when handbox itself failed (the
 * store). An LLM that refuses the key or cannot be reached, or a sandbox
 * that is gone, ends the run with status "error" and the message in err. */
int  hb_conversation_run(struct hb_conversation *c, char *err, size_t errlen);   /* until finished/error/stuck/paused */
const char *hb_conversation_id(const struct hb_conversation *c);
const char *hb_conversation_status(const struct hb_conversation *c);           /* "finished", … */
double hb_conversation_cost(const struct hb_conversation *c);                   /* accumulated, USD; < 0 unknown */
/* Frees c. A running conversation must be paused and its run returned
 * first. The workspace stays open. */
void hb_conversation_close(struct hb_conversation *c);

/* ------------------------------------------------------- beyond § 7 */

/* What a server sets beyond struct hb_conversation_options; all zero = as
 * hb_conversation_open(). */
struct hb_conversation_settings {
	const char *id;                  /* NULL: a new UUID4; else this UUID. A stored
					    conversation with this id that never had
					    an agent (one the caller reserved, maybe
					    with errors or state changes of its own)
					    is taken over, its title kept; one with
					    an agent's events is refused (HB_EINVAL:
					    hb_conversation_resume() continues it) */
	const char *native_tool_calling; /* "auto", "true", "false"; NULL:
					    LLM_NATIVE_TOOL_CALLING, else auto */
	double llm_timeout_s;            /* per LLM call; 0: LLM_TIMEOUT, else 300 */
	double input_cost_per_token;     /* USD; both 0: LLM_*_COST_PER_TOKEN, else */
	double output_cost_per_token;    /* the built-in price table */
	bool no_stuck_detection;
};
/* hb_conversation_open() with settings (may be NULL). On failure a row it
 * took over, or refused, stays (the caller reserved it); one it made is
 * removed. */
int  hb_conversation_open_with(struct hb_conversation **out, struct hb_workspace *ws,
                               const struct hb_conversation_options *opt,
                               const struct hb_conversation_settings *set,
                               char *err, size_t errlen);

/* Asks a running conversation to stop between steps (status "paused").
 * Safe from another thread and from a signal handler. */
void hb_conversation_pause(struct hb_conversation *c);
/* As pause, and also cancels an LLM call or a command in flight. Safe
 * from another thread and from a signal handler. */
void hb_conversation_interrupt(struct hb_conversation *c);
/* value is never sent to the sandbox and is hidden in every event and
 * observation; name is what it is shown as. */
int  hb_conversation_add_secret(struct hb_conversation *c, const char *name, const char *value,
                                char *err, size_t errlen);

struct hb_conversation_stats {
	int64_t steps;              /* the agent's iterations: LLM answers it acted on */
	int64_t llm_calls;          /* LLM answers, retries not counted */
	int64_t prompt_tokens;
	int64_t completion_tokens;
	double cost;                /* USD; < 0 unknown */
};
void hb_conversation_stats(const struct hb_conversation *c, struct hb_conversation_stats *out);
/* The conversation's workspace (the one given to open, or the one resume
 * attached to). */
struct hb_workspace *hb_conversation_workspace(const struct hb_conversation *c);

/* Continues stored conversation id: its sandbox is attached again (found by
 * its label; made anew with the stored settings when it is gone), its
 * history read back; one that was running (its process died), paused or
 * in error is "paused", and hb_conversation_run() goes on from there. opt's non-NULL LLM fields override the stored ones (the key is never
 * stored: it comes from opt or LLM_API_KEY). The conversation owns that
 * workspace: hb_conversation_close() closes it (removed unless kept). */
int  hb_conversation_resume(struct hb_conversation **out, const char *id,
                            const struct hb_conversation_options *opt, char *err, size_t errlen);
/* Leave (true) or remove (false, the default for resumed conversations)
 * the sandbox of a conversation that owns its workspace at close. */
void hb_conversation_keep_sandbox(struct hb_conversation *c, bool keep);

/* -------------------------------------------- on a handbox serve */

/* A new conversation on a running `handbox serve` at server_url
 * ("http://127.0.0.1:3000"; the server's --base-path after the port;
 * https:// with the system's CAs, or those of the file SSL_CERT_FILE
 * names): the reference SDK's RemoteConversation. The agent and its
 * sandbox are the server's; the calls above work on it unchanged, so a
 * program can swap hb_conversation_open() for this one:
 *
 *   send      POST /api/conversations/{id}/events
 *   run       POST …/run, then the events (WS /sockets/events/{id}) until
 *             the server says the run is over; returns as a local run does
 *             (the reason of an "error" or "stuck" in err). A run another
 *             client started is followed to its end.
 *   status, cost, stats   what the events' state updates say
 *   pause, interrupt      POST …/pause, …/interrupt, made by the thread in
 *             hb_conversation_run(); the calls themselves only write to a
 *             pipe, so they stay safe from another thread and a signal
 *             handler
 *   close     disconnects; the conversation stays on the server
 *
 * on_event gets every stored event (API.md § 2) once and in order, on the
 * thread running hb_conversation_run(), also when the connection drops in
 * between (it is made again for up to 15 s; then the run fails with
 * HB_EIO, and another hb_conversation_run() goes on following). The
 * socket's own "full_state" snapshot is not an event and is not passed.
 *
 * api_key is the server's (--api-key); NULL: HANDBOX_API_KEY, none when
 * unset. opt->llm goes into the request's agent.llm, its NULL fields from
 * LLM_MODEL, LLM_BASE_URL, LLM_API_KEY, else the server's settings; the
 * key is never logged. Errors: HB_EIO naming the URL when the server does
 * not answer, HB_EPERM when it refuses the key, HB_EBUSY with the server's
 * sentence at its --max-sandboxes (429), HB_EINVAL for a request it
 * refuses (422, naming the field). hb_conversation_workspace() is NULL,
 * hb_conversation_add_secret() is refused (HB_EINVAL), and
 * hb_conversation_keep_sandbox() does nothing. */
int  hb_conversation_open_remote(struct hb_conversation **out, const char *server_url,
                                 const char *api_key, const struct hb_conversation_options *opt,
                                 char *err, size_t errlen);
/* The conversation id that exists on the server (HB_ENOENT when it does
 * not), as hb_conversation_open_remote() gives it. on_event gets the
 * events from now on; those before are GET …/events/search's. opt's llm
 * and max_iterations are not used (the server has them). */
int  hb_conversation_attach_remote(struct hb_conversation **out, const char *server_url,
                                   const char *api_key, const char *id,
                                   const struct hb_conversation_options *opt,
                                   char *err, size_t errlen);

/* ------------------------------------------------------ the store */

/* A stored conversation, as hb_conversations_list() and
 * hb_conversation_info() give it. Strings are borrowed for the call. */
struct hb_conversation_info {
	const char *id;
	const char *title;
	const char *status;
	const char *sandbox_id;     /* "" when none */
	const char *model;
	int64_t created_us, updated_us; /* wall clock, microseconds */
	int64_t events;
	struct hb_conversation_stats stats;
};
typedef int (*hb_conversation_info_fn)(const struct hb_conversation_info *info, void *arg);

/* Stored conversations, newest first; fn returns non-zero to stop. Those
 * whose process died while running are shown "paused". */
int  hb_conversations_list(hb_conversation_info_fn fn, void *arg, char *err, size_t errlen);
/* One (HB_ENOENT when unknown): fn is called once. */
int  hb_conversation_info(const char *id, hb_conversation_info_fn fn, void *arg,
                          char *err, size_t errlen);
/* Its events, in order, from the (after+1)th on; *count (may be NULL) gets
 * how many were given, so a follower can ask again for the next ones. */
int  hb_conversation_events(const char *id, int64_t after, hb_event_fn fn, void *arg,
                            int64_t *count, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
