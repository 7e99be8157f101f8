/* server.h — what the files of `handbox serve` share: the server's state,
 * the conversations it knows (the registry), their worker threads, the
 * queue that carries events from those threads to the loop, and the
 * helpers of the route files.
 *
 * Threads: the libwebsockets loop owns every socket, the registry, the
 * subscribers and srv->store. Each conversation that has work gets one
 * worker thread, which makes its sandbox and runs its agent through the
 * public API (<handbox/…>); what the loop and a worker share lives under
 * the conversation's lock. Events go from the worker (after the store has
 * committed them) through the queue (server_queue.c) and
 * lws_cancel_service() to the loop, which writes them to WebSockets. */
#ifndef HB_SERVER_SERVER_H
#define HB_SERVER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/ids.h"
#include "common/serve_wire.h"
#include "common/strv.h"
#include "handbox/conversation.h"
#include "handbox/sandbox.h"
#include "handbox/server.h"
#include "net/http.h"
#include "net/proxy.h"
#include "store/store.h"

#define SERVER_COOKIE "handbox_session"
/* the cookie lasts 30 days; logging in again renews it */
#define SERVER_COOKIE_MAX_AGE (30 * 24 * 3600)
#define SERVER_MESSAGE_MAX (256u << 10)  /* one user message's text */

struct lws_context;

enum srv_sandbox { SRV_SB_NONE, SRV_SB_STARTING, SRV_SB_READY, SRV_SB_FAILED };

/* How a new conversation is made (POST /api/conversations); every string
 * owned. */
struct srv_start {
	char *image, *memory, *cpus;
	struct strv volumes, env;
	char *model, *base_url, *api_key, *native_tool_calling;
	double timeout_s, input_cost, output_cost;
	int max_iterations;
	bool no_stuck;
};
void srv_start_free(struct srv_start *s);

struct srv_sub;

struct srv_conv {
	char id[UUID_STR_LEN];
	struct srv_conv *next;
	/* loop thread only */
	char last_event_id[UUID_STR_LEN]; /* the last event given to subscribers */
	struct srv_sub *subs;
	unsigned nsubs;
	/* under lock: shared with the worker */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct hb_conversation *hc;       /* NULL until made or resumed */
	struct hb_workspace *ws;          /* the sandbox of a new one (ours to
					     close); NULL for resumed ones (the
					     conversation owns theirs) */
	struct hb_cancel cancel;          /* stops a sandbox start */
	enum srv_sandbox sandbox;
	char sandbox_error[512];
	json_t *inbox;                    /* texts to send */
	json_t *held;                     /* the worker's: texts of a turn whose
					     sandbox did not start, sent first
					     at the next turn (NULL: none) */
	bool open_asked;                  /* make or resume it now */
	bool run_asked, running, pause_asked, quit, deleting, has_thread;
	char said_status[24];             /* the agent's last execution_status
					     event since the last run was asked
					     ("": none yet); the row is written
					     after the event is delivered */
	pthread_t thread;
	struct srv_start *start;          /* a new one's recipe; NULL once made, and
					     for stored ones (resumed) */
	char *llm_key;                    /* its LLM key when not the settings' */
	/* idle sandboxes (server_idle.c), under lock */
	int64_t active_us;                /* last activity, CLOCK_MONOTONIC */
	int64_t sleep_before;             /* the pause holds if none since */
	bool sleep_asked, sleeping;       /* its worker is to pause / pauses it */
	char sleep_sandbox[HB_SANDBOX_ID_LEN + 1];
	bool sandbox_idle;                /* paused for being idle (not asked) */
};

struct server {
	struct hb_server_options opt;
	char base_path[256];
	char *api_keys[2];
	bool tls;
	int max_sandboxes;
	long idle_pause_s;                 /* 0: never */
	struct store *store;               /* loop thread only */
	struct srv_conv *convs;            /* the registry, loop thread only */
	struct lws_context *lws;
};
extern struct server srv;

/* ---------------------------------------------- server_conv.c: registry */
struct srv_conv *srv_conv_find(const char *id);
/* A new entry in the registry (NULL when out of memory). */
struct srv_conv *srv_conv_add(const char *id);
/* Takes cv out of the registry (it is not freed). */
void srv_conv_unlink(struct srv_conv *cv);
void srv_conv_free(struct srv_conv *cv);
/* Every stored conversation (after recovering orphans: running → paused). */
int srv_conv_load_all(char *err, size_t errlen);
/* Sandboxes this server has running or is making (paused ones do not
 * count: they use no CPU, and a resume is checked again). */
int srv_sandboxes_in_use(void);
/* 0, or HB_EBUSY saying what to stop when cv (NULL: a new one) would
 * need one more sandbox than --max-sandboxes allows (never evicts). */
int srv_capacity_check(struct srv_conv *cv, char *err, size_t errlen);
/* As srv_capacity_check(), answering 429 then (returns 1). */
int srv_check_capacity(struct http_conn *c, struct srv_conv *cv);

/* ------------------------------------- server_orphans.c: at start */
/* Removes the sandboxes whose owner is gone (hb_sandbox_gc), saying what it
 * did on stderr; an engine that cannot be asked is only reported. */
void srv_collect_orphans(void);

/* ---------------------------------------- server_worker.c: the workers */
/* Queues text (may be NULL) and, when run, a run; starts the worker,
 * which makes (or resumes) the conversation if it has none. */
int srv_conv_post(struct srv_conv *cv, const char *text, bool run, char *err, size_t errlen);
/* Whether a run is asked or going on. */
bool srv_conv_busy(struct srv_conv *cv);
void srv_conv_pause(struct srv_conv *cv, bool interrupt);
/* Out of the registry now; its worker removes the sandbox and the stored
 * conversation, then frees it. */
int srv_conv_delete(struct srv_conv *cv, char *err, size_t errlen);
/* At the end: every run interrupted, every worker told to quit and joined
 * (sandboxes kept), every entry freed. */
void srv_conv_stop_all(void);
/* The worker's own events (the sandbox failed): committed, then queued. */
void srv_conv_fail(struct srv_conv *cv, const char *code, const char *detail);
/* server_conv.c: ev (stolen) committed to s as cv's event, then queued to its
 * subscribers; any thread with its own store handle. */
int srv_conv_commit(struct store *s, struct srv_conv *cv, json_t *ev, char *err, size_t errlen);
/* Asks cv's worker to pause sandbox_id when cv is not busy and had no
 * activity since before_us (CLOCK_MONOTONIC); whether it was asked. */
bool srv_conv_sleep(struct srv_conv *cv, const char *sandbox_id, int64_t before_us);

/* ---------------------- server_idle_scan.c: the look for idle sandboxes */
/* Loop thread: looks every second for conversations' sandboxes idle for
 * --idle-pause and has their workers pause them (nothing when it is 0). */
void srv_idle_start(void);

/* ------------------------------------ server_idle.c: idle sandboxes */
/* Activity of cv now (a message, a run, a request through the port
 * proxy): its idle time starts again. Any thread. */
void srv_conv_touch(struct srv_conv *cv);
/* Loop thread: the client of a tunnel to sandbox_id sent bytes (a user
 * typing in a shell, an app's page talking to it): activity of its
 * conversation. */
void srv_sbx_activity(const char *sandbox_id);
/* Worker: pauses cv's sandbox_id, tells its subscribers. */
void srv_idle_sleep(struct srv_conv *cv, const char *sandbox_id);
/* Worker, before cv's work: resumes its sandbox when paused (by the idle
 * rule or by a request); 0, or HB_E… with err. */
int srv_idle_wake(struct srv_conv *cv, char *err, size_t errlen);

/* ----------------------------------------- server_queue.c: to the loop */
int srv_queue_init(void);
void srv_queue_free(void);
/* Any thread: an event of conversation id, committed (copied). */
void srv_queue_push(const char *conv_id, const char *event_json);
/* Loop thread: hands each queued event, in commit order, to deliver. */
typedef void (*srv_deliver_fn)(const char *conv_id, const char *event_id, const char *text);
void srv_queue_drain(srv_deliver_fn deliver);

/* ----------------------------------------- server_jobs.c: slow requests */
/* Work for one request: fills *reply (a new reference) or returns HB_E…
 * with err; runs on a thread of its own, arg is the job's (decref'd after). */
typedef int (*srv_job_fn)(json_t *arg, json_t **reply, char *err, size_t errlen);
/* Runs fn(arg) off the loop and answers c with its reply (status: 200,
 * or 201 for what it made) or its error (srv_reply_fail) once done,
 * unless c went away. Takes arg. */
int srv_job_start(struct http_conn *c, srv_job_fn fn, json_t *arg, int status);
/* Loop thread: answers the jobs that are done. */
void srv_jobs_drain(void);
/* At the end: jobs still running are left to free themselves. */
void srv_jobs_stop(void);

/* ---------------------------------------- routes_socket.c: subscribers */
/* An event of conversation conv_id to its subscribers (srv_queue_drain's
 * deliver); nothing when the conversation is gone. */
void srv_sockets_deliver(const char *conv_id, const char *event_id, const char *text);
/* Closes cv's subscribers (it is deleted). */
void srv_sockets_close(struct srv_conv *cv, int code, const char *reason);

/* ------------------------------------------- server_info.c: JSON views */
/* ConversationInfo of API.md § 2 (a new reference; NULL when out of
 * memory). */
json_t *srv_conv_info(struct srv_conv *cv, const struct store_conversation *row);
/* ConversationInfo from the store, 0 or HB_ENOENT/… with err. */
int srv_conv_info_load(struct srv_conv *cv, json_t **out, char *err, size_t errlen);
/* "****" + the last 4 characters; null for none. */
json_t *srv_mask_key(const char *key);
/* The text of a message {role, content: "..." | [{type:"text",text}]}:
 * a new string, or NULL with err naming what is wrong. */
char *srv_message_text(json_t *msg, char *err, size_t errlen);

/* ------------------------------------- server_settings.c: the settings */
/* The stored settings over the environment's: {"llm":{…},"sandbox":{…}}
 * with the key in clear (never send it: srv_settings_public()). */
json_t *srv_settings_effective(void);
json_t *srv_settings_public(void);
/* POST /api/settings: merges body into the stored settings; HB_EINVAL
 * naming the field. */
int srv_settings_merge(json_t *body, char *err, size_t errlen);

/* --------------------------- server_llm_note.c: the LLM line at start */
/* Prints which LLM new conversations will use: the configured one, else
 * (found on a thread, never blocking the loop) the local servers. url:
 * the one to open, ending in "/". */
void srv_llm_announce(const char *url);

/* ------------------------------------------ routes*.c: the route table */
extern const struct route srv_routes[];
/* A bare integer (the /count routes). */
int srv_reply_int(struct http_conn *c, long long n);
/* The reply for a failed call: 404 (HB_ENOENT), 422 (HB_EINVAL), 500. */
int srv_reply_fail(struct http_conn *c, int rc, const char *err);

/* ------------------------- server_sandboxes.c: this server's sandboxes */
/* One sandbox as the loop knows it: conv_id is its conversation's id, ""
 * for a bare one (POST /api/sandboxes). */
struct srv_sbx {
	struct hb_sandbox sb;
	char conv_id[UUID_STR_LEN];
	int64_t put_us;     /* CLOCK_MONOTONIC of srv_sbx_put(); 0: listed */
};
/* Loop thread, at the start: reads the bare ones' ids, starts the thread
 * that lists the sandboxes from the engine every few seconds. */
int srv_sbx_start(char *err, size_t errlen);
void srv_sbx_stop(void);
/* Asks for a listing now (a conversation's sandbox has started). */
void srv_sbx_kick(void);
/* Any thread but the loop: lists them from the engine now (blocks). */
int srv_sbx_refresh(char *err, size_t errlen);
/* Any thread: the copy of sandbox id (exact id); false when it is not
 * this server's (or not listed yet). */
bool srv_sbx_get(const char *id, struct srv_sbx *out);
/* e as it is now (a route or a worker changed it): kept over a listing
 * that began before. */
void srv_sbx_put(const struct srv_sbx *e);
void srv_sbx_drop(const char *id);
/* A malloc'd copy of all of them (free it); their count. */
size_t srv_sbx_snapshot(struct srv_sbx **out);
/* Bare sandboxes made or being made and not paused (they count against
 * --max-sandboxes). */
int srv_sbx_bare_in_use(void);
/* Whether conversation conv_id's sandbox is listed as paused. */
bool srv_sbx_conv_paused(const char *conv_id);
void srv_sbx_creating(int delta);
/* Adds or removes a bare sandbox's id, kept in the store (blocks). */
int srv_sbx_bare_set(const char *id, bool add, char *err, size_t errlen);
/* The environment's settings and their runtime, for one blocking call;
 * close both with srv_runtime_close(). */
int srv_runtime_open(struct hb_settings **s, struct hb_runtime **rt, char *err,
		     size_t errlen);
void srv_runtime_close(struct hb_settings *s, struct hb_runtime *rt);

/* ------------------------ server_sbx_target.c: a relay to a sandboxd */
/* Where a relay to sandbox c->params[0] goes, for proxy_http_start() and
 * proxy_tunnel_start(): its sandboxd, the upstream path prefix + "/" +
 * path, with the sandbox's key and a first-byte wait of timeout_s
 * (X-Handbox-Proxy-Timeout, for sandboxd's port proxy); serve's own key,
 * cookie and query argument are left out. HB_ENOENT (404) or HB_EBUSY
 * (409, not running) with a sentence. a may live on the caller's stack. */
struct srv_sbx_target {
	struct proxy_target t;
	char ip[16], host[64], prefix[48], extra[256], name[128], refused[160];
	char id[HB_SANDBOX_ID_LEN + 1];   /* the bytes a client sends through a
					     tunnel are its activity */
};
int srv_sbx_target(struct srv_sbx_target *a, struct http_conn *c, const char *prefix,
		   const char *path, int timeout_s, char *err, size_t errlen);

/* ------------------------------------ server_sbx_view.c: sandbox JSON */
/* Where this request's client finds the sub-domains: scheme ("http") and
 * the name after "{port}-{id}." ("localhost:3000"), from its Host (or
 * X-Forwarded-Host/-Proto). */
void srv_sub_base(struct http_conn *c, char *scheme, size_t slen, char *suffix, size_t sfxlen);
/* Sandbox JSON of API.md § 2; listening may be NULL (not asked, or not
 * running). A new reference, NULL when out of memory. */
json_t *srv_sbx_view(const struct srv_sbx *e, json_t *listening, const char *scheme,
		     const char *suffix);
/* The ports listening inside a running sandbox, from its sandboxd
 * (blocks, at most a few seconds): a new array of {port, address,
 * command}, or NULL with err. */
json_t *srv_sbx_listening(const struct hb_sandbox *sb, char *err, size_t errlen);

/* ------------------------------------------------------- server.c */
int server_run(const struct hb_server_options *o, struct hb_cancel *stop, char *err,
	       size_t errlen);

#endif
