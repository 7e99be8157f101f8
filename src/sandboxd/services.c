/* services.c — the supervisor of VS Code and the desktop; see services.h.
 *
 * Each service moves through these states on the event loop:
 *   stopped  — never asked for;
 *   waiting  — asked for; starts once the service it needs answers;
 *   starting — running, not answering yet (probed every TICK_US);
 *   running  — answering;
 *   backoff  — its process ended; started again after a delay;
 *   failed   — given up on: SERVICES_GIVE_UP fast failures in a row, or
 *              it could not be started at all.
 * A run is a fast failure when it ends within FAST_RUN_US of its start;
 * the delay doubles with each one in a row (BACKOFF_US, 2×, 4×, …). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/strv.h"
#include "net/http.h"
#include "sandboxd/child.h"
#include "sandboxd/env.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/services.h"
#include "sandboxd/services_defs.h"

#define TICK_US (100 * 1000)
#define READY_TIMEOUT_US (60 * 1000000LL)
#define FAST_RUN_US (10 * 1000000LL)
#define BACKOFF_US (250 * 1000)
#define STOP_GRACE_MS 2000

enum state { STOPPED, WAITING, STARTING, RUNNING, BACKOFF, FAILED };

static const char *const state_names[] = {
	"stopped", "waiting", "starting", "running", "backoff", "failed",
};

struct service {
	const struct service_def *def;
	enum state state;
	struct child *ch;          /* the current run, or NULL */
	pid_t pid;                 /* of the current or last run */
	int64_t started_us;
	int64_t deadline_us;       /* starting: answer by then */
	int restarts;              /* runs after the first */
	int fast_failures;         /* in a row */
	int answered;              /* the current or last run answered */
	int last_exit, has_exit;
	char detail[512];          /* why it failed, for the listing */
	struct buf log;
	lws_sorted_usec_list_t tick;
};

static struct service services[SERVICES_COUNT];
static unsigned present;

static void tick(lws_sorted_usec_list_t *sul);

static struct service *from_tick(lws_sorted_usec_list_t *sul)
{
	return (struct service *)((char *)sul - offsetof(struct service, tick));
}

static void schedule(struct service *s, lws_usec_t us)
{
	lws_sul_schedule(sandboxd_lws, 0, &s->tick, tick, us);
}

/* Keeps the last SERVICES_LOG_LIMIT bytes. */
static void log_append(struct service *s, const char *data, size_t len)
{
	if (len > SERVICES_LOG_LIMIT) {
		data += len - SERVICES_LOG_LIMIT;
		len = SERVICES_LOG_LIMIT;
	}
	if (s->log.len + len > SERVICES_LOG_LIMIT)
		buf_consume(&s->log, s->log.len + len - SERVICES_LOG_LIMIT);
	buf_append(&s->log, data, len);
}

/* A line of sandboxd's own about the service: in its log, and on
 * sandboxd's stderr (the container's log). */
static void __attribute__((format(printf, 2, 3)))
log_note(struct service *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	fprintf(stderr, "handbox-sandboxd: %s: %s", s->def->name, line);
	log_append(s, "[handbox] ", 10);
	log_append(s, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

/* Whether the service accepts connections now. A unix socket answers
 * connect() at once; a TCP one on loopback says EINPROGRESS and has its
 * answer (accepted, or refused) within microseconds: PROBE_WAIT_MS bounds
 * the wait, should it not. */
#define PROBE_WAIT_MS 100

static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, PROBE_WAIT_MS) == 1;
}

/* d->probe_http on a connected socket: a 200 to a GET of it. Listening
 * is not enough for code-server, which opens its port before its routes
 * exist (a request then gets 404). Answered in a millisecond once up;
 * PROBE_WAIT_MS bounds the wait (the loop waits meanwhile, only while a
 * service starts). */
static int http_ok(int fd, const char *path)
{
	char req[256], status[13];
	ssize_t n, got = 0;
	int len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);

	if (write(fd, req, (size_t)len) != len)
		return 0;
	while (got < 12 && wait_for(fd, POLLIN)) {
		n = read(fd, status + got, (size_t)(12 - got));
		if (n <= 0)
			return 0;
		got += n;
	}
	status[got] = '\0';
	return got == 12 && !strncmp(status, "HTTP/1.", 7) && !strcmp(status + 9, "200");
}

static int answers(const struct service_def *d)
{
	struct sockaddr_in in;
	struct sockaddr_un un;
	socklen_t len = sizeof(int);
	int fd, rc, soerr = 0;

	if (!d->probe_port && !d->probe_path)
		return 1;
	fd = socket(d->probe_port ? AF_INET : AF_UNIX,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (d->probe_port) {
		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_port = htons((uint16_t)d->probe_port);
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&in, sizeof(in));
	} else {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", d->probe_path);
		rc = connect(fd, (struct sockaddr *)&un, sizeof(un));
	}
	if (rc < 0 && errno == EINPROGRESS)
		rc = wait_for(fd, POLLOUT) &&
		     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) && !soerr ? 0 : -1;
	if (rc == 0 && d->probe_http)
		rc = http_ok(fd, d->probe_http) ? 0 : -1;
	close(fd);
	return rc == 0;
}

/* ------------------------------------------------------------ runs */

static void on_output(struct child *ch, int stream, const char *data, size_t len)
{
	log_append(ch->owner, data, len);
}

static void fail(struct service *s, const char *why)
{
	s->state = FAILED;
	snprintf(s->detail, sizeof(s->detail), "%s", why);
	log_note(s, "failed: %s\n", why);
}

/* The run has ended and its output is drained. Whatever it left in its
 * process group goes too (code-server's file watcher outlives it by
 * seconds), then it is started again unless it keeps failing. */
static void on_done(struct child *ch)
{
	struct service *s = ch->owner;
	char why[160];
	int64_t ran = clock_mono_us() - s->started_us;

	proc_signal_group(s->pid, SIGKILL);
	s->last_exit = child_exit_code(ch);
	s->has_exit = 1;
	free(ch);
	s->ch = NULL;
	log_note(s, "exited with code %d\n", s->last_exit);
	/* a run that never answered is no success, however long it ran */
	s->fast_failures = ran < FAST_RUN_US || !s->answered ? s->fast_failures + 1 : 0;
	if (s->fast_failures >= SERVICES_GIVE_UP) {
		snprintf(why, sizeof(why), "ended %d times in a row within %lld s of its start "
			 "or before it answered (last exit code %d)", s->fast_failures,
			 (long long)(FAST_RUN_US / 1000000), s->last_exit);
		fail(s, why);
		return;
	}
	s->state = BACKOFF;
	schedule(s, (lws_usec_t)BACKOFF_US << (s->fast_failures ? s->fast_failures - 1 : 0));
}

static int spawn(struct service *s)
{
	const struct service_def *d = s->def;
	struct proc_spec spec;
	struct strv argv = { 0 }, env = { 0 };
	char err[512];
	int64_t last_exec;
	unsigned i;
	int rc;

	for (i = 0, rc = 0; d->argv[i] && !rc; i++)
		rc = strv_add(&argv, d->argv[i]);
	if (!rc && d->arg_workdir)
		rc = strv_add(&argv, sandboxd_cfg.workdir);
	if (!rc)
		rc = strv_copy(&env, sandboxd_cfg.child_env.v);
	if (!rc && d->display)
		rc = env_set(&env, "DISPLAY", SERVICES_DISPLAY);
	s->ch = rc ? NULL : calloc(1, sizeof(*s->ch));
	if (!s->ch) {
		snprintf(err, sizeof(err), "cannot start %s: out of memory", d->argv[0]);
		goto out;
	}
	s->ch->owner = s;
	s->ch->on_output = on_output;
	s->ch->on_done = on_done;
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv.v;
	spec.cwd = "/";
	spec.envp = env.v;
	spec.uid = sandboxd_cfg.user.uid;
	spec.gid = sandboxd_cfg.user.gid;
	spec.switch_user = sandboxd_cfg.switch_user;
	/* a service is no command: /server_info's idle_time stays the agent's */
	last_exec = sandboxd_last_exec_us;
	rc = child_start(s->ch, &spec, err, sizeof(err));
	sandboxd_last_exec_us = last_exec;
	if (rc) {
		free(s->ch);
		s->ch = NULL;
	}
out:
	strv_free(&argv);
	strv_free(&env);
	if (!s->ch) {
		fail(s, err);
		return -1;
	}
	s->pid = s->ch->pid;
	s->started_us = clock_mono_us();
	s->deadline_us = s->started_us + READY_TIMEOUT_US;
	s->state = STARTING;
	s->answered = 0;
	log_note(s, "started as pid %d\n", (int)s->pid);
	return 0;
}

/* ------------------------------------------------------- the machine */

static void tick(lws_sorted_usec_list_t *sul)
{
	struct service *s = from_tick(sul);
	const struct service_def *d = s->def;

	switch (s->state) {
	case BACKOFF:
		s->restarts++;
		s->state = WAITING;
		/* fall through */
	case WAITING:
		if (d->need >= 0 && services[d->need].state != RUNNING) {
			if (services[d->need].state == FAILED) {
				fail(s, "what it needs has failed");
				return;
			}
			schedule(s, TICK_US);
			return;
		}
		if (spawn(s))
			return;
		/* fall through */
	case STARTING:
		if (answers(d)) {
			s->state = RUNNING;
			s->answered = 1;
			s->detail[0] = '\0';
			log_note(s, "answers after %d ms\n", (int)((clock_mono_us() - s->started_us) / 1000));
			return;
		}
		if (clock_mono_us() > s->deadline_us) {
			/* on_done() counts it as a failure and goes on */
			log_note(s, "does not answer after %d s: stopping it\n", (int)(READY_TIMEOUT_US / 1000000));
			child_terminate(s->ch, STOP_GRACE_MS);
			return;
		}
		schedule(s, TICK_US);
		return;
	default:
		return;
	}
}

void services_want(unsigned mask, int again_failed)
{
	struct service *s;
	unsigned i;

	for (i = 0; i < SERVICES_COUNT; i++) {
		s = &services[i];
		if (!(s->def->group & mask & present))
			continue;
		if (s->state == STOPPED || (s->state == FAILED && again_failed)) {
			s->state = WAITING;
			s->fast_failures = 0;
			s->detail[0] = '\0';
			schedule(s, 0);
		}
	}
}

int services_own_port(int port)
{
	unsigned i;

	for (i = 0; port > 0 && i < SERVICES_COUNT; i++)
		if (services[i].ch && services[i].def->port == port)
			return 1;
	return 0;
}

int services_ready(unsigned mask)
{
	unsigned i;
	int any = 0;

	for (i = 0; i < SERVICES_COUNT; i++) {
		if (!(services[i].def->group & mask & present))
			continue;
		if (services[i].state != RUNNING)
			return 0;
		any = 1;
	}
	return any;
}

int services_failed(unsigned mask)
{
	unsigned i;

	for (i = 0; i < SERVICES_COUNT; i++)
		if ((services[i].def->group & mask & present) && services[i].state == FAILED)
			return 1;
	return 0;
}

static void wait_tick(lws_sorted_usec_list_t *sul)
{
	struct services_wait *w = (struct services_wait *)
		((char *)sul - offsetof(struct services_wait, sul));

	if (services_ready(w->mask))
		w->fn(w, 1);
	else if (services_failed(w->mask) || clock_mono_us() > w->deadline_us)
		w->fn(w, 0);
	else
		lws_sul_schedule(sandboxd_lws, 0, &w->sul, wait_tick, TICK_US);
}

void services_wait(struct services_wait *w, unsigned mask,
		   void (*fn)(struct services_wait *w, int ok))
{
	memset(&w->sul, 0, sizeof(w->sul));
	w->mask = mask;
	w->fn = fn;
	w->deadline_us = clock_mono_us() + SERVICES_WAIT_S * 1000000LL;
	services_want(mask, 0);
	wait_tick(&w->sul);
}

void services_wait_cancel(struct services_wait *w)
{
	lws_sul_cancel(&w->sul);
}

/* ------------------------------------------------------------ set-up */

static unsigned read_features(void)
{
	char words[256], *w, *save;
	unsigned mask = 0;
	ssize_t n;
	int fd = open(SERVICES_FEATURES_FILE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, words, sizeof(words) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	words[n] = '\0';
	for (w = strtok_r(words, " \t\r\n,", &save); w; w = strtok_r(NULL, " \t\r\n,", &save)) {
		if (!strcmp(w, "vscode"))
			mask |= SERVICES_VSCODE;
		else if (!strcmp(w, "desktop"))
			mask |= SERVICES_DESKTOP;
	}
	return mask;
}

unsigned services_init(void)
{
	static const struct { unsigned group; const char *name; } groups[] = {
		{ SERVICES_VSCODE, "vscode" }, { SERVICES_DESKTOP, "desktop" },
	};
	const char *missing;
	unsigned i, declared = read_features();

	present = 0;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (!(declared & groups[i].group))
			continue;
		if (services_defs_installed(groups[i].group, &missing))
			present |= groups[i].group;
		else
			fprintf(stderr, "handbox-sandboxd: %s lists \"%s\" but %s is missing: "
				"no %s in this sandbox\n", SERVICES_FEATURES_FILE,
				groups[i].name, missing, groups[i].name);
	}
	for (i = 0; i < SERVICES_COUNT; i++) {
		services[i].def = &services_defs[i];
		buf_init(&services[i].log, SERVICES_LOG_LIMIT);
	}
	return present;
}

unsigned services_present(void)
{
	return present;
}

/* ------------------------------------------------------------ routes */

static json_t *service_json(const struct service *s)
{
	int alive = s->state == STARTING || s->state == RUNNING;

	return json_pack("{s:s, s:s, s:s, s:o, s:i, s:o, s:o}",
		"name", s->def->name,
		"group", s->def->group == SERVICES_VSCODE ? "vscode" : "desktop",
		"state", state_names[s->state],
		"pid", alive ? json_integer(s->pid) : json_null(),
		"restarts", s->restarts,
		"last_exit_code", s->has_exit ? json_integer(s->last_exit) : json_null(),
		"detail", s->detail[0] ? json_string(s->detail) : json_null());
}

int services_list_route(struct http_conn *c, json_t *body)
{
	json_t *list = json_array();
	unsigned i;

	for (i = 0; list && i < SERVICES_COUNT; i++)
		if (services[i].def->group & present)
			json_array_append_new(list, service_json(&services[i]));
	return http_reply_json(c, 200, list);
}

int services_log_route(struct http_conn *c, json_t *body)
{
	unsigned i;

	for (i = 0; i < SERVICES_COUNT; i++) {
		if (strcmp(services[i].def->name, c->params[0]) ||
		    !(services[i].def->group & present))
			continue;
		return http_reply(c, 200, "text/plain; charset=utf-8",
				  services[i].log.data ? services[i].log.data : "",
				  services[i].log.len);
	}
	return http_reply_error(c, 404, "service \"%s\": this sandbox runs %s", c->params[0],
				!present ? "none (its image has no VS Code or desktop)" :
				present == SERVICES_VSCODE ? "vscode" :
				present == SERVICES_DESKTOP ? "xvnc, wm, websockify, chromium" :
				"vscode, xvnc, wm, websockify, chromium");
}
