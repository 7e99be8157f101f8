/* server_jobs.c — requests whose answer takes blocking work (probing this
 * host's LLM servers, a test call to an LLM): the work runs on a thread
 * of its own, and its answer goes back to the loop, which replies unless
 * the client went away meanwhile. The list of jobs is the loop's; only a
 * job's "done" crosses threads, under the lock. */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "server/server.h"

struct srv_job {
	struct srv_job *next;
	struct http_conn *c;            /* loop: NULL once the client has gone */
	srv_job_fn fn;
	json_t *arg;
	int status;                     /* of a reply */
	/* under jobs_lock */
	bool done, abandoned;
	int rc;
	json_t *reply;
	char err[HB_ERR_MAX];
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct srv_job *jobs;

static void job_free(struct srv_job *j)
{
	json_decref(j->arg);
	json_decref(j->reply);
	free(j);
}

static void *job_thread(void *p)
{
	struct srv_job *j = p;
	json_t *reply = NULL;
	char err[HB_ERR_MAX] = "";
	int rc = j->fn(j->arg, &reply, err, sizeof(err));
	bool abandoned;

	pthread_mutex_lock(&jobs_lock);
	j->rc = rc;
	j->reply = reply;
	memcpy(j->err, err, sizeof(err));
	j->done = true;
	abandoned = j->abandoned;
	pthread_mutex_unlock(&jobs_lock);
	if (abandoned)
		job_free(j);          /* the server stopped: nobody waits */
	else
		lws_cancel_service(srv.lws);
	return NULL;
}

static void job_gone(struct http_conn *c)
{
	struct srv_job *j = http_take(c);

	if (j)
		j->c = NULL;
}

int srv_job_start(struct http_conn *c, srv_job_fn fn, json_t *arg, int status)
{
	struct srv_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t t;
	int failed;

	if (!j) {
		json_decref(arg);
		return http_reply_error(c, 500, "out of memory");
	}
	j->c = c;
	j->fn = fn;
	j->arg = arg;
	j->status = status;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	failed = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	if (failed) {
		job_free(j);
		return http_reply_error(c, 503, "cannot start a thread for this request; try again");
	}
	j->next = jobs;
	jobs = j;
	http_defer(c, j, job_gone);
	return 0;
}

static void answer(struct srv_job *j)
{
	struct http_conn *c = j->c;

	if (!c)
		return;
	http_take(c);
	if (j->rc)
		srv_reply_fail(c, j->rc, j->err);
	else
		http_reply_json(c, j->status, json_incref(j->reply));
}

void srv_jobs_drain(void)
{
	struct srv_job **p = &jobs, *j;
	bool done;

	while ((j = *p)) {
		pthread_mutex_lock(&jobs_lock);
		done = j->done;
		pthread_mutex_unlock(&jobs_lock);
		if (!done) {
			p = &j->next;
			continue;
		}
		*p = j->next;
		answer(j);
		job_free(j);
	}
}

void srv_jobs_stop(void)
{
	struct srv_job *j, *next;

	srv_jobs_drain();
	for (j = jobs; j; j = next) {
		next = j->next;
		if (j->c)
			http_take(j->c);
		pthread_mutex_lock(&jobs_lock);
		if (j->done) {
			pthread_mutex_unlock(&jobs_lock);
			job_free(j);
			continue;
		}
		j->abandoned = true;   /* its thread frees it */
		pthread_mutex_unlock(&jobs_lock);
	}
	jobs = NULL;
}
