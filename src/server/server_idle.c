/* server_idle.c — a conversation's sandbox idle for --idle-pause is paused
 * (docker pause: its processes frozen, its memory and files kept, no CPU)
 * and resumed before the conversation's next work. Activity is a message,
 * a run (until its end), a request through the port proxy, and the bytes
 * a client sends through a tunnel (the port proxy's WebSockets, the
 * Terminal tab's shell); an open but silent tunnel is not, or a browser
 * tab left open on an app would keep its sandbox running for ever: the
 * tunnel stays open across the pause, frozen, and the next request
 * resumes it. The UI's polling (of the sandbox, of the agent's terminal
 * sessions) is not activity either.
 *
 * The loop looks every second (server_idle_scan.c); the pause itself is
 * done (here) by the conversation's worker thread, which also runs its agent, so a message
 * that comes meanwhile is taken after the pause and resumes the sandbox
 * before the agent goes on: the two never race. Bare sandboxes (POST
 * /api/sandboxes) are left alone: their client pauses them when it wants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/event.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "server/server.h"

void srv_conv_touch(struct srv_conv *cv)
{
	pthread_mutex_lock(&cv->lock);
	cv->active_us = clock_mono_us();
	pthread_mutex_unlock(&cv->lock);
}

void srv_sbx_activity(const char *sandbox_id)
{
	struct srv_conv *cv;
	struct srv_sbx e;

	if (srv_sbx_get(sandbox_id, &e) && e.conv_id[0] && (cv = srv_conv_find(e.conv_id)))
		srv_conv_touch(cv);
}

/* ConversationStateUpdateEvents of cv (each stolen), committed through a
 * store handle of this thread, then queued: what the UI shows. */
static void tell(struct srv_conv *cv, json_t *first, json_t *second)
{
	json_t *evs[2] = { first, second };
	char dir[4096], err[HB_ERR_MAX];
	struct store *s = NULL;
	size_t i;
	int rc;

	if (!(rc = store_default_dir(dir, sizeof(dir), err, sizeof(err))))
		rc = store_open(&s, dir, err, sizeof(err));
	for (i = 0; i < 2; i++)
		if (rc)
			json_decref(evs[i]);
		else if (evs[i])
			rc = srv_conv_commit(s, cv, evs[i], err, sizeof(err));
	if (rc)
		fprintf(stderr, "handbox serve: conversation %s: %s\n", cv->id, err);
	store_close(s);
}

/* The sandbox as the engine has it now, into the server's copy (the port
 * proxy and the counts read it at once). */
static int note(struct hb_runtime *rt, struct srv_conv *cv, const char *id, struct srv_sbx *e,
		char *err, size_t errlen)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = hb_sandbox_find(rt, id, &e->sb, err, errlen)))
		return rc;
	snprintf(e->conv_id, sizeof(e->conv_id), "%s", cv->id);
	srv_sbx_put(e);
	return 0;
}

/* Whether cv is still idle, and if so its sandbox shown paused from now
 * on: a request through the proxy meanwhile has it resumed after the
 * pause (503 until then) rather than reaching an app being frozen. */
static bool still_idle(struct srv_conv *cv, const char *sandbox_id)
{
	struct srv_sbx e;
	bool idle;

	pthread_mutex_lock(&cv->lock);
	idle = cv->active_us < cv->sleep_before;
	cv->sleeping = idle;
	pthread_mutex_unlock(&cv->lock);
	if (idle && srv_sbx_get(sandbox_id, &e)) {
		e.sb.state = HB_SANDBOX_PAUSED;
		srv_sbx_put(&e);
	}
	return idle;
}

void srv_idle_sleep(struct srv_conv *cv, const char *sandbox_id)
{
	struct hb_settings *set = NULL;
	struct hb_runtime *rt = NULL;
	char err[HB_ERR_MAX], why[HB_ERR_MAX];
	struct srv_sbx e;
	int rc, noted;

	/* a request may have come since the look that asked for the pause */
	if (!still_idle(cv, sandbox_id))
		return;
	if (!(rc = srv_runtime_open(&set, &rt, err, sizeof(err))))
		rc = hb_sandbox_pause(rt, sandbox_id, err, sizeof(err));
	/* the engine's state into the copy, also after a failed pause (it
	 * was shown paused above) */
	if (rt && (noted = note(rt, cv, sandbox_id, &e, why, sizeof(why))) && !rc) {
		rc = noted;
		snprintf(err, sizeof(err), "%s", why);
	}
	srv_runtime_close(set, rt);
	pthread_mutex_lock(&cv->lock);
	cv->sleeping = false;
	cv->sandbox_idle = rc == 0;
	/* a failure is tried again after another idle period, not every second */
	cv->active_us = clock_mono_us();
	pthread_mutex_unlock(&cv->lock);
	if (rc) {
		fprintf(stderr, "handbox serve: pausing the idle sandbox %s of conversation %s: "
			"%s\n", sandbox_id, cv->id, err);
		return;
	}
	fprintf(stderr, "handbox serve: sandbox %s of conversation %s paused after %ld s idle\n",
		sandbox_id, cv->id, srv.idle_pause_s);
	tell(cv, event_state_update("sandbox_paused", json_string("idle")),
	     event_state_update("sandbox_status", json_string("paused")));
}

int srv_idle_wake(struct srv_conv *cv, char *err, size_t errlen)
{
	struct hb_workspace *ws = cv->ws ? cv->ws : hb_conversation_workspace(cv->hc);
	const char *id = hb_workspace_id(ws);
	struct hb_settings *set = NULL;
	struct hb_runtime *rt = NULL;
	struct srv_sbx e;
	bool woke = false, was_idle;
	int rc;

	if (!(rc = srv_runtime_open(&set, &rt, err, errlen)) &&
	    !(rc = note(rt, cv, id, &e, err, errlen)) && e.sb.state == HB_SANDBOX_PAUSED &&
	    !(rc = hb_sandbox_resume(rt, id, err, errlen)) &&
	    !(rc = note(rt, cv, id, &e, err, errlen)))
		woke = true;
	srv_runtime_close(set, rt);
	if (rc)
		return rc;
	pthread_mutex_lock(&cv->lock);
	was_idle = cv->sandbox_idle;
	cv->sandbox_idle = false;
	pthread_mutex_unlock(&cv->lock);
	/* resumed by hb_conversation_resume() (its first work since a restart)
	 * or here: either way the UI said "paused" */
	if (woke || was_idle)
		tell(cv, event_state_update("sandbox_status", json_string("running")), NULL);
	return 0;
}
