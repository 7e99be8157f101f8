/* bash.c — the OpenHands bash routes and their command runs; see bash.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/utf8.h"
#include "sandboxd/bash.h"
#include "sandboxd/bash_request.h"
#include "sandboxd/bash_store.h"
#include "sandboxd/cgroup.h"
#include "sandboxd/child.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

#define OUTPUT_CHUNK (1u << 20)        /* the reference's MAX_CONTENT_CHAR_LENGTH */
#define STORE_MAX_EVENTS 20000
/* Output kept in sandboxd (PID 1: if it is OOM-killed the sandbox dies):
 * an eighth of the sandbox's memory limit, between these bounds. An
 * eighth because the bytes kept are not all it costs: answering a search
 * serializes up to the whole store (the JSON objects, then the text, then
 * the reply buffer), so the peak is about three times the store; and the
 * commands need the memory more than their old output does. 200 MiB
 * keeps 25 MiB; no limit (or above 2 GiB) keeps the old 256 MiB. */
#define STORE_MAX_BYTES (256u << 20)
#define STORE_MIN_BYTES (4u << 20)
#define STORE_LIMIT_SHARE 8
#define MAX_RUNNING 1024
#define MAX_SUBSCRIBERS 64
#define TERM_GRACE_MS 1000

struct waiter {
	struct waiter *next;
	struct http_conn *conn;
};

struct bash_run {
	struct child ch;                /* first: child_abandon() frees it */
	struct bash_run *next;
	char id[UUID_STR_LEN];
	struct buf out, err;            /* output not yet emitted */
	int order;
	int timed_out;
	unsigned long long dropped;     /* output bytes the store let go */
	lws_sorted_usec_list_t timeout_sul;
	struct waiter *waiters;         /* execute_bash_command requests */
};

static struct bash_store store;
static struct bash_run *runs;
static unsigned nruns;
static struct http_conn *subscribers[MAX_SUBSCRIBERS];

static size_t store_budget(void)
{
	unsigned long long limit;

	if (cgroup_memory_limit(&limit) || limit / STORE_LIMIT_SHARE >= STORE_MAX_BYTES)
		return STORE_MAX_BYTES;
	if (limit / STORE_LIMIT_SHARE <= STORE_MIN_BYTES)
		return STORE_MIN_BYTES;
	return (size_t)(limit / STORE_LIMIT_SHARE);
}

/* The store let an output event go: if its command still runs, its next
 * events say how much of its output is gone. */
static void on_store_drop(void *arg, const struct bash_event *e)
{
	struct bash_run *r;

	if (e->kind != BASH_OUTPUT)
		return;
	for (r = runs; r; r = r->next)
		if (!strcmp(r->id, e->command_id)) {
			r->dropped += e->out_len + e->err_len;
			return;
		}
}

void bash_init(void)
{
	bash_store_init(&store, STORE_MAX_EVENTS, store_budget());
	store.on_drop = on_store_drop;
	fprintf(stderr, "handbox-sandboxd: keeping at most %zu MiB of bash output\n",
		store.max_bytes >> 20);
}

/* ---------------------------------------------------------- publishing */

static void publish(struct bash_event *e)
{
	int i;

	for (i = 0; i < MAX_SUBSCRIBERS; i++) {
		if (!subscribers[i])
			continue;
		if (http_ws_send_json(subscribers[i], bash_store_event_json(e)) == HB_ETOOBIG)
			http_ws_close(subscribers[i], 1008, "bash events read too slowly");
	}
}

/* Emits a BashOutput from the pending bytes of one stream (stream 0: both
 * streams and the exit code, the run's last event). */
static void emit(struct bash_run *r, struct buf *from, int final, int exit_code)
{
	struct buf clean_out, clean_err;
	struct bash_event *e;
	size_t cut;

	buf_init(&clean_out, 0);
	buf_init(&clean_err, 0);
	/* the last event is what execute_bash_command answers: it says, in
	 * the output a reader sees and in a field, what is missing */
	if (final && r->dropped)
		buf_printf(&clean_out, "[handbox: %llu bytes of this command's earlier output "
			   "were dropped: the sandbox keeps at most %zu MiB of output, "
			   "from its memory limit]\n", r->dropped, store.max_bytes >> 20);
	if (final) {
		if (r->out.len)
			utf8_append_sanitized(&clean_out, r->out.data, r->out.len);
		if (r->err.len)
			utf8_append_sanitized(&clean_err, r->err.data, r->err.len);
		buf_reset(&r->out);
		buf_reset(&r->err);
	} else {
		cut = utf8_cut_point(from->data, OUTPUT_CHUNK);
		utf8_append_sanitized(from == &r->out ? &clean_out : &clean_err,
				      from->data, cut);
		buf_consume(from, cut);
	}
	e = bash_store_add_output(&store, r->id, r->order++,
				  clean_out.data, clean_out.len,
				  clean_err.data, clean_err.len, final, exit_code);
	buf_free(&clean_out);
	buf_free(&clean_err);
	if (e) {
		e->dropped = r->dropped;
		publish(e);
	}
}

static void on_output(struct child *ch, int stream, const char *data, size_t len)
{
	struct bash_run *r = (struct bash_run *)ch;
	struct buf *b = stream == CHILD_STDERR ? &r->err : &r->out;

	buf_append(b, data, len);
	while (b->len > OUTPUT_CHUNK)
		emit(r, b, 0, 0);
}

static void unlink_run(struct bash_run *r)
{
	struct bash_run **pp;

	for (pp = &runs; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			nruns--;
			return;
		}
	}
}

static void answer_waiters(struct bash_run *r, struct bash_event *last)
{
	struct waiter *w, *next;

	for (w = r->waiters; w; w = next) {
		next = w->next;
		http_take(w->conn);
		if (last)
			http_reply_json(w->conn, 200, bash_store_event_json(last));
		else
			http_reply_error(w->conn, 500, "the command's result was dropped: out of memory");
		free(w);
	}
	r->waiters = NULL;
}

static void on_done(struct child *ch)
{
	struct bash_run *r = (struct bash_run *)ch;
	int code = r->timed_out ? -1 : child_exit_code(ch);

	lws_sul_cancel(&r->timeout_sul);
	emit(r, NULL, 1, code);
	answer_waiters(r, store.tail && !strcmp(store.tail->command_id, r->id) ?
			  store.tail : NULL);
	unlink_run(r);
	buf_free(&r->out);
	buf_free(&r->err);
	free(r);
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct bash_run *r = (struct bash_run *)((char *)sul -
						 offsetof(struct bash_run, timeout_sul));

	r->timed_out = 1;
	child_terminate(&r->ch, TERM_GRACE_MS);
}

/* ------------------------------------------------------------ requests */

/* Starts a run and records its BashCommand. A command that cannot start
 * (missing cwd…) still gets its events: an error BashOutput with exit
 * code -1, as in the reference. */
static struct bash_event *start_run(const struct bash_request *req,
				    struct bash_run **out_run, int *status,
				    char *err, size_t errlen)
{
	const char *argv[] = { "/bin/sh", "-c", req->command, NULL };
	const char *cwd = req->cwd ? req->cwd : sandboxd_cfg.workdir;
	struct proc_spec spec;
	struct bash_event *cmd, *e;
	struct bash_run *r;
	char why[512];

	*out_run = NULL;
	/* 400 and this detail, as every sandboxd route given a relative path */
	if (req->cwd && req->cwd[0] != '/') {
		*status = 400;
		hb_fail(err, errlen, HB_EINVAL, "cwd: \"%s\": Path must be absolute", req->cwd);
		return NULL;
	}
	if (nruns >= MAX_RUNNING) {
		*status = 503;
		hb_fail(err, errlen, HB_EBUSY, "%u commands are running already; wait for one to end",
			nruns);
		return NULL;
	}
	cmd = bash_store_add_command(&store, req->command, cwd, req->timeout);
	r = calloc(1, sizeof(*r));
	if (!cmd || !r) {
		free(r);
		*status = 500;
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return NULL;
	}
	publish(cmd);
	strcpy(r->id, cmd->id);
	buf_init(&r->out, 0);
	buf_init(&r->err, 0);
	r->ch.on_output = on_output;
	r->ch.on_done = on_done;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.cwd = cwd;
	spec.envp = sandboxd_cfg.child_env.v;
	spec.uid = sandboxd_cfg.user.uid;
	spec.gid = sandboxd_cfg.user.gid;
	spec.switch_user = sandboxd_cfg.switch_user;
	if (child_start(&r->ch, &spec, why, sizeof(why))) {
		e = bash_store_add_output(&store, cmd->id, 0, NULL, 0, why, strlen(why), 1, -1);
		if (e)
			publish(e);
		free(r);
		return cmd;
	}
	r->next = runs;
	runs = r;
	nruns++;
	lws_sul_schedule(sandboxd_lws, 0, &r->timeout_sul, on_timeout,
			 (lws_usec_t)(req->timeout * 1e6));
	*out_run = r;
	return cmd;
}

/* Parses a request body and starts its run. On failure c has been answered
 * and NULL comes back; *r is NULL when the command could not start (its
 * error output is then the newest event). */
static struct bash_event *start_requested(struct http_conn *c, json_t *body,
					  struct bash_run **r)
{
	struct bash_request req;
	struct bash_event *cmd;
	char err[512];
	int status;

	if (bash_request_parse(body, &req, err, sizeof(err))) {
		http_reply_error(c, 422, "%s", err);
		return NULL;
	}
	cmd = start_run(&req, r, &status, err, sizeof(err));
	if (!cmd)
		http_reply_error(c, status, "%s", err);
	return cmd;
}

int bash_start_route(struct http_conn *c, json_t *body)
{
	struct bash_event *cmd;
	struct bash_run *r;

	cmd = start_requested(c, body, &r);
	return cmd ? http_reply_json(c, 200, bash_store_event_json(cmd)) : 0;
}

/* r lives while it has waiters: on_done answers them before freeing it */
static void forget_waiter(struct http_conn *c)
{
	struct bash_run *r = http_take(c);
	struct waiter **pp, *w;

	if (!r)
		return;
	for (pp = &r->waiters; (w = *pp); pp = &w->next) {
		if (w->conn == c) {
			*pp = w->next;
			free(w);
			return;
		}
	}
}

int bash_execute_route(struct http_conn *c, json_t *body)
{
	struct bash_run *r;
	struct waiter *w;

	if (!start_requested(c, body, &r))
		return 0;
	if (!r) /* it could not start: its error output is the answer */
		return http_reply_json(c, 200, bash_store_event_json(store.tail));
	w = calloc(1, sizeof(*w));
	if (!w)
		return http_reply_error(c, 500, "out of memory");
	w->conn = c;
	w->next = r->waiters;
	r->waiters = w;
	http_defer(c, r, forget_waiter);
	return 0;
}

static int query_time(struct http_conn *c, const char *name, int *has,
		      int64_t *us, char *err, size_t errlen)
{
	char v[64];

	if (http_query(c, name, v, sizeof(v)) < 0)
		return 0;
	if (isotime_parse(v, us))
		return hb_fail(err, errlen, HB_EINVAL,
			       "query parameter %s: \"%s\": expected an ISO-8601 time such as 2025-01-31T12:00:00Z",
			       name, v);
	*has = 1;
	return 0;
}

int bash_search_route(struct http_conn *c, json_t *body)
{
	char kind[32], cmd_id[64], sort[32], page[64], err[256];
	struct bash_query q;
	long long limit = 100;

	memset(&q, 0, sizeof(q));
	if (http_query(c, "kind__eq", kind, sizeof(kind)) >= 0) {
		if (!strcmp(kind, "BashCommand"))
			q.kind = BASH_COMMAND;
		else if (!strcmp(kind, "BashOutput"))
			q.kind = BASH_OUTPUT;
		else
			return http_reply_error(c, 422, "query parameter kind__eq: \"%s\": expected BashCommand or BashOutput", kind);
	}
	if (http_query(c, "command_id__eq", cmd_id, sizeof(cmd_id)) >= 0) {
		if (!uuid_is_valid(cmd_id))
			return http_reply_error(c, 422, "query parameter command_id__eq: \"%s\": expected a UUID", cmd_id);
		q.command_id = cmd_id;
	}
	if (http_query(c, "sort_order", sort, sizeof(sort)) >= 0) {
		if (!strcmp(sort, "TIMESTAMP_DESC"))
			q.desc = 1;
		else if (strcmp(sort, "TIMESTAMP"))
			return http_reply_error(c, 422, "query parameter sort_order: \"%s\": expected TIMESTAMP or TIMESTAMP_DESC", sort);
	}
	if (http_query(c, "page_id", page, sizeof(page)) >= 0)
		q.page_id = page;
	if (http_query_int(c, "limit", 1, 100, &limit, err, sizeof(err)) < 0 ||
	    http_query_int(c, "order__gt", -2147483648LL, 2147483647LL, &q.order_gt,
			   err, sizeof(err)) < 0 ||
	    query_time(c, "timestamp__gte", &q.has_gte, &q.gte, err, sizeof(err)) ||
	    query_time(c, "timestamp__lt", &q.has_lt, &q.lt, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	q.has_order_gt = http_query(c, "order__gt", sort, sizeof(sort)) >= 0;
	q.limit = (int)limit;
	return http_reply_json(c, 200, bash_store_search(&store, &q));
}

int bash_get_event_route(struct http_conn *c, json_t *body)
{
	struct bash_event *e = bash_store_find(&store, c->params[0]);

	if (!e)
		return http_reply_error(c, 404, "Not Found");
	return http_reply_json(c, 200, bash_store_event_json(e));
}

int bash_clear_route(struct http_conn *c, json_t *body)
{
	return http_reply_json(c, 200, json_pack("{s:I}", "cleared_count",
						 (json_int_t)bash_store_clear(&store)));
}

/* ------------------------------------------- WS /sockets/bash-events */

static int socket_open(struct http_conn *c)
{
	char mode[16];
	struct bash_event *e;
	int i;

	for (i = 0; i < MAX_SUBSCRIBERS && subscribers[i]; i++)
		;
	if (i == MAX_SUBSCRIBERS) {
		http_ws_close(c, 1013, "too many bash-events subscribers");
		return 0;
	}
	subscribers[i] = c;
	if ((http_query(c, "resend_mode", mode, sizeof(mode)) >= 0 && !strcmp(mode, "all")) ||
	    (http_query(c, "resend_all", mode, sizeof(mode)) >= 0 && !strcmp(mode, "true")))
		for (e = store.head; e; e = e->next)
			if (http_ws_send_json(c, bash_store_event_json(e)) == HB_ETOOBIG) {
				http_ws_close(c, 1008, "history larger than the send queue");
				break;
			}
	return 0;
}

static int socket_message(struct http_conn *c, const char *data, size_t len,
			  int binary)
{
	json_t *body = json_loadb(data, len, 0, NULL);
	struct bash_request req;
	struct bash_run *r;
	char err[512];
	int status;

	if (json_is_object(body) && json_is_string(json_object_get(body, "type")) &&
	    !strcmp(json_string_value(json_object_get(body, "type")), "auth")) {
		json_decref(body); /* a redundant auth frame */
		return 0;
	}
	if (!body)
		hb_fail(err, sizeof(err), HB_EINVAL, "message is not valid JSON");
	if (!body || bash_request_parse(body, &req, err, sizeof(err)) ||
	    !start_run(&req, &r, &status, err, sizeof(err)))
		http_ws_send_json(c, json_pack("{s:s, s:s, s:s}", "kind", "BashError",
					  "code", "BadRequest", "detail", err));
	json_decref(body);
	return 0;
}

static void socket_close(struct http_conn *c)
{
	int i;

	for (i = 0; i < MAX_SUBSCRIBERS; i++)
		if (subscribers[i] == c)
			subscribers[i] = NULL;
}

const struct http_stream_ops bash_events_socket = {
	.on_request = socket_open,
	.on_ws_message = socket_message,
	.on_close = socket_close,
};
