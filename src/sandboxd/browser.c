/* browser.c — the browser route and its worker thread; see browser.h.
 *
 * The route defers its answer and queues the job; the worker runs jobs in
 * order (one browser, one page: two actions at once would fight over it),
 * puts them on the done list and writes to an eventfd that the loop
 * watches. Only the loop touches a job's connection; a client that went
 * away meanwhile leaves a job without one, whose answer is dropped. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/path_search.h"
#include "net/fdwatch.h"
#include "net/http.h"
#include "sandboxd/browser.h"
#include "sandboxd/services.h"

/* Actions waiting past this answer 503 at once: a model calls one at a
 * time, so a long queue means clients that do not wait for answers. */
#define QUEUE_MAX 16
#define JOIN_WAIT_S 2

struct job {
	struct job *next;
	struct http_conn *conn;   /* the loop's; NULL once the client is gone */
	/* not queued yet: the desktop is starting (only the loop sees it) */
	int starting;
	struct services_wait desktop;
	char action[32];
	json_t *args;
	int status;
	json_t *answer;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct job *todo, *done;   /* todo in order; done in any order */
static int queued;
static bool stop;
static bool started;
static pthread_t worker;
static int done_fd = -1;
static struct fdwatch done_watch;

bool browser_installed(void)
{
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome",
					     "google-chrome-stable" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!path_search_exec(names[i], path, sizeof(path)))
			return true;
	return false;
}

static void job_free(struct job *j)
{
	json_decref(j->args);
	json_decref(j->answer);
	free(j);
}

/* ------------------------------------------------------------ worker */

static void *work(void *arg)
{
	struct job *j, **tail;
	uint64_t one = 1;

	browser_act_init();
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!todo && !stop)
			pthread_cond_wait(&wake, &lock);
		if (stop)
			break;
		j = todo;
		todo = j->next;
		pthread_mutex_unlock(&lock);

		j->status = browser_act(j->action, j->args, &j->answer);

		pthread_mutex_lock(&lock);
		queued--;
		for (tail = &done; *tail; tail = &(*tail)->next)
			;
		j->next = NULL;
		*tail = j;
		if (write(done_fd, &one, sizeof(one)) < 0)
			perror("handbox-sandboxd: browser: eventfd");
	}
	pthread_mutex_unlock(&lock);
	browser_act_free();
	return NULL;
}

/* ------------------------------------------------------------ the loop */

static int on_done(struct fdwatch *w)
{
	struct job *list, *j;
	uint64_t n;

	if (read(done_fd, &n, sizeof(n)) < 0)
		return 0;
	pthread_mutex_lock(&lock);
	list = done;
	done = NULL;
	pthread_mutex_unlock(&lock);
	while ((j = list)) {
		list = j->next;
		if (j->conn) {
			http_take(j->conn);
			http_reply_json(j->conn, j->status, j->answer);
			j->answer = NULL;
		}
		job_free(j);
	}
	return 0;
}

/* The client went away before the answer: the job runs on, unanswered;
 * one still waiting for the desktop is dropped. */
static void on_gone(struct http_conn *c)
{
	struct job *j = http_take(c);

	if (!j)
		return;
	j->conn = NULL;
	if (j->starting) {
		services_wait_cancel(&j->desktop);
		job_free(j);
	}
}

static int start(char *err, size_t errlen)
{
	int fd;

	if (started)
		return 0;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make an eventfd: %m");
		return -1;
	}
	memset(&done_watch, 0, sizeof(done_watch));
	done_watch.on_readable = on_done;
	/* fdwatch owns fd from here (closes it on failure too) */
	if (fdwatch_add(&done_watch, fd)) {
		snprintf(err, errlen, "cannot watch the eventfd");
		return -1;
	}
	done_fd = fd;
	if (pthread_create(&worker, NULL, work, NULL)) {
		snprintf(err, errlen, "cannot start the browser thread");
		return -1;
	}
	started = true;
	return 0;
}

/* Hands j to the worker, or answers 503 when too many wait. */
static void enqueue(struct job *j)
{
	struct job **tail;

	pthread_mutex_lock(&lock);
	if (queued >= QUEUE_MAX) {
		pthread_mutex_unlock(&lock);
		http_take(j->conn);
		http_reply_error(j->conn, 503, "browser: %d actions are already waiting",
				 QUEUE_MAX);
		job_free(j);
		return;
	}
	for (tail = &todo; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	queued++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

static void on_desktop(struct services_wait *w, int ok)
{
	struct job *j = (struct job *)((char *)w - offsetof(struct job, desktop));

	j->starting = 0;
	if (ok) {
		enqueue(j);
		return;
	}
	http_take(j->conn);
	http_reply_error(j->conn, 503, "the desktop's browser did not start: "
			 "GET /api/handbox/services says why");
	job_free(j);
}

int browser_route(struct http_conn *c, json_t *body)
{
	const char *action = c->params[0];
	struct job *j;
	char err[128];

	if (!browser_action_known(action))
		return http_reply_error(c, 404, "browser action \"%.40s\": expected navigate, "
					"click, type, get_state, get_content, scroll or go_back",
					action);
	if (body && !json_is_object(body))
		return http_reply_error(c, 422, "browser %s: the body must be a JSON object",
					action);
	if (!browser_installed())
		return http_reply_error(c, 503, "%s", BROWSER_MISSING);
	if (start(err, sizeof(err)))
		return http_reply_error(c, 500, "browser: %s", err);
	if (!(j = calloc(1, sizeof(*j))))
		return http_reply_error(c, 500, "out of memory");
	snprintf(j->action, sizeof(j->action), "%s", action);
	/* a copy of its own: the loop frees body while the worker reads */
	j->args = body ? json_deep_copy(body) : json_object();
	j->conn = c;
	http_defer(c, j, on_gone);
	/* the desktop's Chromium starts on demand (services.h): the first
	 * action waits for it */
	if ((services_present() & SERVICES_DESKTOP) && !services_ready(SERVICES_DESKTOP)) {
		j->starting = 1;
		services_wait(&j->desktop, SERVICES_DESKTOP, on_desktop);
		return 0;
	}
	enqueue(j);
	return 0;
}

void browser_shutdown(void)
{
	struct timespec until;
	struct job *j;

	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stop = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	/* an action waits up to seconds for a page: the process exits
	 * without it rather than hold up a `docker stop` */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += JOIN_WAIT_S;
	if (pthread_timedjoin_np(worker, NULL, &until))
		return;
	started = false;
	while ((j = todo)) {
		todo = j->next;
		job_free(j);
	}
	while ((j = done)) {
		done = j->next;
		job_free(j);
	}
}
