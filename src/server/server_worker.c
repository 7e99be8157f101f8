/* server_worker.c — one worker thread per conversation that has work: it
 * makes the sandbox and the conversation (or resumes a stored one), sends
 * the user's messages and runs the agent, all through the public API. The
 * loop posts work under the conversation's lock and never waits for a
 * worker, except at the end (srv_conv_stop_all). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/event.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "server/server.h"

/* How long the end of the server waits for a worker to pause its run and
 * close; a worker stuck in an engine call past it is left behind. */
#define JOIN_SECS 20

static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static int detached;           /* deleting workers still at work */

/* Notes an execution_status the agent announces, so that the info a
 * client asks for right after the event says the same (the row follows
 * in a transaction of its own). */
static void note_status(struct srv_conv *cv, const char *event_json)
{
	json_t *ev;
	const char *v;

	if (!strstr(event_json, "\"execution_status\"") || !(ev = json_loads(event_json, 0, NULL)))
		return;
	v = json_string_value(json_object_get(ev, "value"));
	if (v && !strcmp(json_string_value(json_object_get(ev, "key")) ?: "", "execution_status")) {
		pthread_mutex_lock(&cv->lock);
		snprintf(cv->said_status, sizeof(cv->said_status), "%s", v);
		pthread_mutex_unlock(&cv->lock);
	}
	json_decref(ev);
}

static void on_event(const char *event_json, void *arg)
{
	struct srv_conv *cv = arg;

	note_status(cv, event_json);
	srv_queue_push(cv->id, event_json);
}

/* Waits up to a second for work (every wait has a timeout: a lost wake-up
 * costs a second, never a hang). Called and returns with cv->lock held. */
static void wait_for_work(struct srv_conv *cv)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	pthread_cond_timedwait(&cv->wake, &cv->lock, &ts);
}

void srv_conv_fail(struct srv_conv *cv, const char *code, const char *detail)
{
	struct store_conversation row = { 0 };
	char dir[4096], err[HB_ERR_MAX];
	struct store *s = NULL;
	int rc;

	fprintf(stderr, "handbox serve: conversation %s: %s\n", cv->id, detail);
	if ((rc = store_default_dir(dir, sizeof(dir), err, sizeof(err))) ||
	    (rc = store_open(&s, dir, err, sizeof(err))) ||
	    (rc = srv_conv_commit(s, cv, event_conversation_error(code, detail), err,
				  sizeof(err))) ||
	    (rc = srv_conv_commit(s, cv, event_state_update("execution_status", json_string("error")),
			 err, sizeof(err))) ||
	    (rc = store_conversation_get(s, cv->id, &row, err, sizeof(err))))
		goto out;
	free(row.status);
	row.status = strdup("error");
	rc = row.status ? store_conversation_put(s, &row, err, sizeof(err)) : HB_ENOMEM;
out:
	if (rc)
		fprintf(stderr, "handbox serve: conversation %s: %s\n", cv->id, err);
	store_conversation_clear(&row);
	store_close(s);
}

/* The sandbox settings of a new conversation: the environment's, with the
 * request's memory, cpus and env over them. */
static int start_settings(const struct srv_start *st, struct hb_settings **out, char *err,
			  size_t errlen)
{
	size_t i;
	int rc;

	if ((rc = hb_settings_from_env(out, err, errlen)))
		return rc;
	if (st->memory && (rc = hb_settings_set(*out, HB_SET_MEMORY, st->memory, "sandbox.memory", err, errlen)))
		goto fail;
	if (st->cpus && (rc = hb_settings_set(*out, HB_SET_CPUS, st->cpus, "sandbox.cpus", err, errlen)))
		goto fail;
	for (i = 0; i < st->env.n; i++)
		if ((rc = hb_settings_set(*out, HB_SET_ENV, st->env.v[i], "sandbox.env", err,
					   errlen)))
			goto fail;
	return 0;
fail:
	hb_settings_free(*out);
	*out = NULL;
	return rc;
}

/* A new conversation: its sandbox, then the conversation in it (its row,
 * reserved by the POST, is taken over). */
static int make_new(struct srv_conv *cv, struct hb_workspace **ws, struct hb_conversation **hc,
		    char *err, size_t errlen)
{
	const struct srv_start *st = cv->start;
	struct hb_workspace_options wo = {
		.image = st->image, .volumes = (const char *const *)st->volumes.v,
		.keep_alive = true,
	};
	struct hb_conversation_options co = {
		.llm = { st->model, st->base_url, st->api_key },
		.on_event = on_event, .arg = cv, .max_iterations = st->max_iterations,
	};
	struct hb_conversation_settings set = {
		.id = cv->id, .native_tool_calling = st->native_tool_calling,
		.llm_timeout_s = st->timeout_s, .input_cost_per_token = st->input_cost,
		.output_cost_per_token = st->output_cost, .no_stuck_detection = st->no_stuck,
	};
	struct hb_settings *settings = NULL;
	char why[HB_ERR_MAX];
	int rc;

	if ((rc = start_settings(st, &settings, why, sizeof(why))) ||
	    (rc = hb_workspace_open_with(ws, &wo, settings, &cv->cancel, why, sizeof(why)))) {
		return hb_fail(err, errlen, rc, "the sandbox did not start: %s", why);
	}
	if ((rc = hb_conversation_open_with(hc, *ws, &co, &set, err, errlen))) {
		hb_workspace_keep_alive(*ws, false);
		hb_workspace_close(*ws);
		*ws = NULL;
	}
	return rc;
}

/* The LLM key of a resumed conversation: its own, else the settings'. The
 * stored settings are read through a handle of this thread. */
static char *resume_key(struct srv_conv *cv)
{
	json_t *llm = NULL;
	char dir[4096], err[HB_ERR_MAX], *key = NULL;
	struct store *s = NULL;

	if (cv->llm_key)
		return strdup(cv->llm_key);
	if (store_default_dir(dir, sizeof(dir), err, sizeof(err)) == 0 &&
	    store_open(&s, dir, err, sizeof(err)) == 0 &&
	    store_setting_get(s, "llm", &llm, err, sizeof(err)) == 0 &&
	    json_string_value(json_object_get(llm, "api_key")))
		key = strdup(json_string_value(json_object_get(llm, "api_key")));
	json_decref(llm);
	store_close(s);
	return key;
}

/* Makes or resumes cv's conversation when it has none; 0 when it has one. */
static int ensure(struct srv_conv *cv)
{
	struct hb_conversation_options co = { .on_event = on_event, .arg = cv };
	struct hb_workspace *ws = NULL;
	struct hb_conversation *hc = NULL;
	char err[HB_ERR_MAX], *key = NULL;
	int rc;

	if (cv->hc)
		return 0;
	pthread_mutex_lock(&cv->lock);
	cv->sandbox = SRV_SB_STARTING;
	cv->sandbox_error[0] = '\0';
	pthread_mutex_unlock(&cv->lock);
	if (cv->start) {
		rc = make_new(cv, &ws, &hc, err, sizeof(err));
	} else {
		co.llm.api_key = key = resume_key(cv);
		rc = hb_conversation_resume(&hc, cv->id, &co, err, sizeof(err));
		free(key);
	}
	pthread_mutex_lock(&cv->lock);
	cv->hc = hc;
	cv->ws = ws;
	cv->sandbox = rc ? SRV_SB_FAILED : SRV_SB_READY;
	if (rc)
		hb_fail(cv->sandbox_error, sizeof(cv->sandbox_error), rc, "%s", err);
	if (rc == 0) {
		srv_start_free(cv->start);
		cv->start = NULL;
	}
	pthread_mutex_unlock(&cv->lock);
	if (rc == 0)
		srv_sbx_kick();    /* the port proxy finds it at once */
	if (rc && rc != HB_ECANCELED)
		srv_conv_fail(cv, cv->start ? "SandboxError" : "ResumeError", err);
	return rc;
}

/* One turn of work: the messages, then the run if one was asked. */
static void work(struct srv_conv *cv, json_t *texts, bool run)
{
	char err[HB_ERR_MAX];
	json_t *t;
	size_t i;
	bool paused;

	/* a turn whose sandbox did not start kept its texts: they go first */
	if (cv->held) {
		json_array_extend(cv->held, texts);
		json_array_clear(texts);
		json_array_extend(texts, cv->held);
		json_decref(cv->held);
		cv->held = NULL;
	}
	if (ensure(cv))
		goto hold;
	/* a paused sandbox runs again before the agent goes on */
	if (srv_idle_wake(cv, err, sizeof(err))) {
		srv_conv_fail(cv, "SandboxError", err);
		goto hold;
	}
	json_array_foreach(texts, i, t)
		if (hb_conversation_send(cv->hc, json_string_value(t), err, sizeof(err)))
			fprintf(stderr, "handbox serve: conversation %s: %s\n", cv->id, err);
	pthread_mutex_lock(&cv->lock);
	paused = cv->pause_asked || cv->quit || cv->deleting;
	cv->pause_asked = false;
	pthread_mutex_unlock(&cv->lock);
	if (run && !paused && hb_conversation_run(cv->hc, err, sizeof(err)))
		fprintf(stderr, "handbox serve: conversation %s: %s\n", cv->id, err);
	goto out;
hold:
	/* acknowledged, never given to the agent: not dropped, but kept for
	 * the next message (which tries the sandbox again) */
	if (json_array_size(texts))
		cv->held = json_incref(texts);
out:
	pthread_mutex_lock(&cv->lock);
	cv->running = false;
	pthread_mutex_unlock(&cv->lock);
	/* the end of a run is activity too: the idle time counts from here */
	srv_conv_touch(cv);
}

/* A conversation read from the store but never resumed here still has
 * its sandbox (kept for it): found by the id stored with it. */
static void remove_stored_sandbox(struct srv_conv *cv, struct store *s)
{
	struct store_conversation row = { 0 };
	struct hb_workspace *ws;
	char err[HB_ERR_MAX];

	if (store_conversation_get(s, cv->id, &row, err, sizeof(err)) == 0 && row.sandbox_id &&
	    *row.sandbox_id && hb_workspace_attach(&ws, row.sandbox_id, err, sizeof(err)) == 0) {
		hb_workspace_keep_alive(ws, false);
		hb_workspace_close(ws);
	}
	store_conversation_clear(&row);
}

/* The end of a worker: the sandbox kept (the server stops) or removed
 * with the stored conversation (deleted). */
static void finish(struct srv_conv *cv)
{
	char dir[4096], err[HB_ERR_MAX];
	struct store *s = NULL;
	bool del = cv->deleting, attached = cv->hc || cv->ws;
	int rc;

	if (cv->hc && cv->ws == NULL)
		hb_conversation_keep_sandbox(cv->hc, !del);
	hb_conversation_close(cv->hc);
	if (cv->ws) {
		hb_workspace_keep_alive(cv->ws, !del);
		hb_workspace_close(cv->ws);
	}
	cv->hc = NULL;
	cv->ws = NULL;
	if (!del)
		return;
	if (store_default_dir(dir, sizeof(dir), err, sizeof(err)) ||
	    store_open(&s, dir, err, sizeof(err))) {
		fprintf(stderr, "handbox serve: deleting conversation %s: %s\n", cv->id, err);
		return;
	}
	if (!attached)
		remove_stored_sandbox(cv, s);
	rc = store_conversation_delete(s, cv->id, err, sizeof(err));
	if (rc && rc != HB_ENOENT)
		fprintf(stderr, "handbox serve: deleting conversation %s: %s\n", cv->id, err);
	store_close(s);
}

static void *worker_main(void *arg)
{
	struct srv_conv *cv = arg;
	char sandbox[sizeof(cv->sleep_sandbox)];
	json_t *texts;
	bool run, sleep;

	for (;;) {
		pthread_mutex_lock(&cv->lock);
		while (!cv->quit && !cv->deleting && !cv->run_asked && !cv->open_asked &&
		       !json_array_size(cv->inbox) && !cv->sleep_asked)
			wait_for_work(cv);
		if (cv->quit || cv->deleting) {
			pthread_mutex_unlock(&cv->lock);
			break;
		}
		/* work that came after the idle pause was asked wins over it */
		sleep = cv->sleep_asked && !cv->run_asked && !cv->open_asked &&
			!json_array_size(cv->inbox);
		cv->sleep_asked = false;
		cv->sleeping = sleep;
		memcpy(sandbox, cv->sleep_sandbox, sizeof(sandbox));
		texts = cv->inbox;
		cv->inbox = json_array();
		run = cv->run_asked;
		cv->running = run;
		cv->run_asked = false;
		cv->open_asked = false;
		pthread_mutex_unlock(&cv->lock);
		if (sleep)
			srv_idle_sleep(cv, sandbox);
		else
			work(cv, texts, run);
		json_decref(texts);
	}
	finish(cv);
	if (cv->deleting) {
		srv_conv_free(cv);
		pthread_mutex_lock(&detached_lock);
		detached--;
		pthread_mutex_unlock(&detached_lock);
	}
	return NULL;
}

/* Called with cv->lock held. */
static int start_thread(struct srv_conv *cv, char *err, size_t errlen)
{
	int rc;

	if (cv->has_thread)
		return 0;
	if ((rc = pthread_create(&cv->thread, NULL, worker_main, cv)))
		return hb_fail(err, errlen, HB_EIO, "cannot start a thread for conversation %s: %s",
			       cv->id, strerror(rc));
	cv->has_thread = true;
	return 0;
}

int srv_conv_post(struct srv_conv *cv, const char *text, bool run, char *err, size_t errlen)
{
	json_t *t = text ? json_string(text) : NULL;
	int rc = 0;

	if (text && !t)
		return hb_fail(err, errlen, HB_EINVAL, "message: expected UTF-8 text");
	pthread_mutex_lock(&cv->lock);
	/* during a run the agent takes it at its next step */
	if (t && cv->hc && cv->running)
		rc = hb_conversation_send(cv->hc, text, err, errlen);
	else if (t && json_array_append(cv->inbox, t))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (run) {
		cv->run_asked = true;
		cv->pause_asked = false;
		cv->said_status[0] = '\0';
	}
	cv->open_asked = true;
	cv->active_us = clock_mono_us();
	if (rc == 0)
		rc = start_thread(cv, err, errlen);
	pthread_cond_signal(&cv->wake);
	pthread_mutex_unlock(&cv->lock);
	json_decref(t);
	return rc;
}

bool srv_conv_sleep(struct srv_conv *cv, const char *sandbox_id, int64_t before_us)
{
	char err[HB_ERR_MAX];
	bool asked;

	pthread_mutex_lock(&cv->lock);
	asked = !cv->run_asked && !cv->running && !cv->open_asked && !cv->sleep_asked &&
		!cv->sleeping && !cv->quit && !cv->deleting && !json_array_size(cv->inbox) &&
		cv->sandbox != SRV_SB_STARTING && cv->active_us < before_us;
	if (asked) {
		snprintf(cv->sleep_sandbox, sizeof(cv->sleep_sandbox), "%s", sandbox_id);
		cv->sleep_before = before_us;
		cv->sleep_asked = true;
		if (start_thread(cv, err, sizeof(err))) {
			fprintf(stderr, "handbox serve: %s\n", err);
			cv->sleep_asked = asked = false;
		}
		pthread_cond_signal(&cv->wake);
	}
	pthread_mutex_unlock(&cv->lock);
	return asked;
}

bool srv_conv_busy(struct srv_conv *cv)
{
	bool busy;

	pthread_mutex_lock(&cv->lock);
	busy = cv->run_asked || cv->running;
	pthread_mutex_unlock(&cv->lock);
	return busy;
}

void srv_conv_pause(struct srv_conv *cv, bool interrupt)
{
	pthread_mutex_lock(&cv->lock);
	cv->run_asked = false;
	if (cv->running)
		cv->pause_asked = true;
	if (cv->hc && interrupt)
		hb_conversation_interrupt(cv->hc);
	else if (cv->hc)
		hb_conversation_pause(cv->hc);
	pthread_mutex_unlock(&cv->lock);
}

/* Called with cv->lock held: the worker is to end now. */
static void stop_locked(struct srv_conv *cv)
{
	if (cv->hc)
		hb_conversation_interrupt(cv->hc);
	hb_cancel_request(&cv->cancel, 1);
	pthread_cond_signal(&cv->wake);
}

int srv_conv_delete(struct srv_conv *cv, char *err, size_t errlen)
{
	int rc;

	srv_conv_unlink(cv);
	pthread_mutex_lock(&cv->lock);
	cv->deleting = true;
	stop_locked(cv);
	rc = start_thread(cv, err, errlen);
	if (rc == 0)
		pthread_detach(cv->thread);
	pthread_mutex_unlock(&cv->lock);
	if (rc) {
		srv_conv_free(cv);
		return rc;
	}
	pthread_mutex_lock(&detached_lock);
	detached++;
	pthread_mutex_unlock(&detached_lock);
	return 0;
}

void srv_conv_stop_all(void)
{
	struct srv_conv *cv;
	struct timespec ts;
	int left, i;

	for (cv = srv.convs; cv; cv = cv->next) {
		pthread_mutex_lock(&cv->lock);
		cv->quit = true;
		stop_locked(cv);
		pthread_mutex_unlock(&cv->lock);
	}
	while ((cv = srv.convs)) {
		srv.convs = cv->next;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += JOIN_SECS;
		if (cv->has_thread && pthread_timedjoin_np(cv->thread, NULL, &ts)) {
			fprintf(stderr, "handbox serve: conversation %s did not stop in %d s; "
				"leaving it\n", cv->id, JOIN_SECS);
			continue;
		}
		srv_conv_free(cv);
	}
	/* deletions under way finish removing their sandbox */
	for (i = 0; i < JOIN_SECS * 10; i++) {
		pthread_mutex_lock(&detached_lock);
		left = detached;
		pthread_mutex_unlock(&detached_lock);
		if (!left)
			break;
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
}
