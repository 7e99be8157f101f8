/* exec_ws.c — WS /api/handbox/exec, one command streamed over one
 * WebSocket; see exec_ws.h, and docs/exec-websocket.md for the protocol.
 *
 * Output: each read from the command (up to 64 KiB) leaves as one binary
 * frame, a stream byte and then the bytes as read: no escaping, no per-byte
 * work. The WebSocket send queue is the only buffer between the command and
 * the client. Once OUTPUT_HIGH_WATER bytes wait in it the command's output
 * is paused, so its pipe fills and it blocks in write(); output resumes when
 * the queue has drained. A run therefore holds at most
 * OUTPUT_HIGH_WATER plus one read of output however slowly its client
 * reads, which keeps a hundred streaming commands within a few tens of MB;
 * the kernel's socket buffers keep the pipe full meanwhile, so the low
 * mark costs no throughput.
 *
 * Input: stdin bytes go to the command's stdin queue (child.c, 1 MiB). What
 * does not fit waits in stdin_pending and the socket is not read until the
 * command has taken it, so a client that sends faster than the command
 * reads is slowed down by TCP instead of being refused. */
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/env_name.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "common/utf8.h"
#include "sandboxd/bash_request.h"
#include "sandboxd/cgroup.h"
#include "sandboxd/child.h"
#include "sandboxd/exec_ws.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

#define MAX_RUNS 1024
#define START_WINDOW_US (30 * 1000000LL)  /* connect → "start" */
#define OUTPUT_HIGH_WATER (256u << 10)    /* pause output past this many queued */
#define TERM_GRACE_MS 2000                /* timeout: SIGTERM, then SIGKILL */
#define PTY_EOF "\x04"                    /* VEOF, Ctrl-D */

struct exec_run {
	struct child ch;             /* first: child_abandon() frees the run */
	struct http_conn *conn;      /* NULL once the client is gone */
	int started;                 /* child_start() forked a process */
	int finished;                /* on_done() has run */
	int closing;                 /* "exit" or "error" sent; the socket closes */
	int pty;
	int stdin_open;              /* the client may still send stdin */
	int eof_received;
	int eof_pending;             /* close stdin once stdin_pending is out */
	int output_paused;
	int rx_paused;               /* the socket is not read (stdin backed up) */
	int timed_out;
	int oom_known;               /* oom_before was read at the start */
	unsigned long long oom_before; /* the cgroup's OOM kills before it */
	struct buf stdin_pending;    /* stdin the command's queue could not take */
	size_t stdin_off;            /* bytes of stdin_pending already passed on */
	lws_sorted_usec_list_t start_sul, timeout_sul;
};

static unsigned nruns;

/* ---------------------------------------------------------------- signals */

static const struct {
	int num;
	const char *name;
} signal_names[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
	{ SIGSTKFLT, "STKFLT" }, { SIGCHLD, "CHLD" }, { SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" }, { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" }, { SIGIO, "IO" }, { SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
	/* other spellings: accepted, never printed (the first entry wins) */
	{ SIGIOT, "IOT" }, { SIGPOLL, "POLL" }, { SIGCHLD, "CLD" },
};

int exec_ws_signal_parse(const char *name)
{
	char *end;
	long n;
	size_t i;

	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	if (*name >= '0' && *name <= '9') {
		n = strtol(name, &end, 10);
		return *end || n < 1 || n > EXEC_WS_SIGNAL_MAX ? 0 : (int)n;
	}
	for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (!strcasecmp(name, signal_names[i].name))
			return signal_names[i].num;
	return 0;
}

void exec_ws_signal_name(int sig, char out[16])
{
	size_t i;

	for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (signal_names[i].num == sig) {
			snprintf(out, 16, "SIG%s", signal_names[i].name);
			return;
		}
	}
	snprintf(out, 16, "SIG%d", sig);
}

/* --------------------------------------------------------------- messages */

/* Sends {"type":"error","detail":…} and closes with code; the command, if
 * any, is killed (on_close lets it go when the socket is gone). detail may
 * hold cut or foreign bytes: it is made valid UTF-8 first. */
static int run_fail(struct exec_run *s, int code, const char *reason,
			const char *detail)
{
	struct buf clean;
	json_t *j = NULL;

	if (s->closing)
		return 0;
	s->closing = 1;
	buf_init(&clean, 0);
	if (!utf8_append_sanitized(&clean, detail, strlen(detail)))
		j = json_pack("{s:s, s:s%}", "type", "error", "detail",
			      clean.data ? clean.data : "", clean.len);
	buf_free(&clean);
	http_ws_send_json(s->conn, j);
	http_ws_close(s->conn, code, reason);
	if (s->started && !s->finished)
		child_signal(&s->ch, SIGKILL);
	return 0;
}

static int bad_message(struct exec_run *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_message(struct exec_run *s, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return run_fail(s, SANDBOXD_CLOSE_BAD_MESSAGE, "bad message", detail);
}

/* The value a client gave, as JSON and cut short, for error messages. */
static const char *given(json_t *v, char *out, size_t outlen)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	if (!s)
		snprintf(out, outlen, "nothing");
	else if (strlen(s) < outlen)
		snprintf(out, outlen, "%s", s);
	else
		snprintf(out, outlen, "%.*s…", (int)outlen - 4, s);
	free(s);
	return out;
}

/* ----------------------------------------------------------------- output */

static void on_output(struct child *ch, int stream, const char *data, size_t len)
{
	static char frame[1 + SANDBOXD_EXEC_FRAME_MAX];
	struct exec_run *s = (struct exec_run *)ch;
	size_t n;
	int rc;

	if (s->closing)
		return;
	while (len) {
		n = len < SANDBOXD_EXEC_FRAME_MAX ? len : SANDBOXD_EXEC_FRAME_MAX;
		frame[0] = (char)stream;
		memcpy(frame + 1, data, n);
		rc = http_ws_send_binary(s->conn, frame, n + 1);
		if (rc) {
			/* output is paused long before the queue is full, so
			 * this is memory running out */
			run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error",
				     "cannot queue the command's output: out of memory");
			return;
		}
		data += n;
		len -= n;
	}
	if (!s->output_paused && ws_queue_bytes(&s->conn->ws_out) >= OUTPUT_HIGH_WATER) {
		s->output_paused = 1;
		child_pause_output(ch, 1);
	}
}

static int run_writeable(struct http_conn *c)
{
	struct exec_run *s = c->state;

	/* called once the send queue is empty */
	if (s && s->output_paused && !s->finished) {
		s->output_paused = 0;
		child_pause_output(&s->ch, 0);
	}
	return 0;
}

static void on_done(struct child *ch)
{
	struct exec_run *s = (struct exec_run *)ch;
	int status = ch->status, sig = 0, code, oom;
	unsigned long long oom_after;
	char name[16];
	json_t *j;

	s->finished = 1;
	lws_sul_cancel(&s->timeout_sul);
	if (s->closing)
		return;
	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		code = 128 + sig;
		exec_ws_signal_name(sig, name);
	} else {
		code = WEXITSTATUS(status);
	}
	/* the kernel's OOM killer sends SIGKILL; a kill counted in the
	 * sandbox's cgroup while the command ran is taken to be its death */
	oom = sig == SIGKILL && s->oom_known && !cgroup_oom_kills(&oom_after) &&
	      oom_after > s->oom_before;
	j = json_pack("{s:s, s:i, s:o, s:b, s:b}", "type", "exit", "exit_code", code,
		      "signal", sig ? json_string(name) : json_null(),
		      "timed_out", s->timed_out, "oom_killed", oom);
	if (http_ws_send_json(s->conn, j)) {
		run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error",
			     "cannot send the exit status: out of memory");
		return;
	}
	s->closing = 1;
	http_ws_close(s->conn, SANDBOXD_CLOSE_NORMAL, "");
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct exec_run *s = (struct exec_run *)
		((char *)sul - offsetof(struct exec_run, timeout_sul));

	s->timed_out = 1;
	child_terminate(&s->ch, TERM_GRACE_MS);
}

/* ------------------------------------------------------------------ stdin */

static void rx_pause(struct exec_run *s, int paused)
{
	if (s->rx_paused == paused || !s->conn)
		return;
	s->rx_paused = paused;
	lws_rx_flow_control(s->conn->wsi, !paused);
}

/* Passes as much of data as the command's stdin queue takes into *taken.
 * A command that closed its stdin (or ended) takes everything: nobody will
 * ever read those bytes. Returns 0 or HB_ENOMEM. */
static int stdin_give(struct exec_run *s, const char *data, size_t len,
		      size_t *taken)
{
	struct child *ch = &s->ch;
	size_t room = ch->stdin_buf.limit - ch->stdin_buf.len;
	int rc;

	if (len > room)
		len = room;
	*taken = len;
	rc = len ? child_write_stdin(ch, data, len) : 0;
	return rc == HB_ENOMEM ? rc : 0;
}

static void stdin_drop_pending(struct exec_run *s)
{
	buf_free(&s->stdin_pending);
	s->stdin_off = 0;
}

/* The command's stdin queue is empty or closed: hand over what waits. */
static void on_stdin_ready(struct child *ch)
{
	struct exec_run *s = (struct exec_run *)ch;
	size_t left = s->stdin_pending.len - s->stdin_off, n = 0;

	if (!ch->in_w.wsi) {
		left = 0; /* stdin is closed: what waits can never be read */
	} else if (left) {
		if (stdin_give(s, s->stdin_pending.data + s->stdin_off, left, &n)) {
			run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error",
				     "cannot pass stdin to the command: out of memory");
			return;
		}
		left -= n;
	}
	if (left) {
		s->stdin_off += n;
		return;
	}
	stdin_drop_pending(s);
	if (s->eof_pending) {
		s->eof_pending = 0;
		child_close_stdin(ch);
	}
	rx_pause(s, 0);
}

static int stdin_send(struct exec_run *s, const char *data, size_t len)
{
	size_t n;

	if (!s->stdin_open)
		return bad_message(s, "stdin: %s", s->eof_received ?
				   "stdin was closed by an earlier \"eof\"" :
				   "the start message asked for no stdin (\"stdin\": false)");
	if (!s->stdin_pending.len) {
		if (stdin_give(s, data, len, &n))
			return run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error",
					    "cannot pass stdin to the command: out of memory");
		data += n;
		len -= n;
	}
	if (!len)
		return 0;
	if (buf_append(&s->stdin_pending, data, len))
		return run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error",
				    "cannot hold stdin for the command: out of memory");
	rx_pause(s, 1);
	return 0;
}

static int stdin_eof(struct exec_run *s)
{
	if (!s->stdin_open)
		return bad_message(s, "eof: %s", s->eof_received ?
				   "stdin is closed already" :
				   "the start message asked for no stdin (\"stdin\": false)");
	/* closing a terminal would hang the command up: a terminal's
	 * end-of-file is its EOF character */
	if (s->pty)
		return stdin_send(s, PTY_EOF, 1);
	s->stdin_open = 0;
	s->eof_received = 1;
	if (s->stdin_pending.len)
		s->eof_pending = 1;
	else
		child_close_stdin(&s->ch);
	return 0;
}

/* ------------------------------------------------------------------ start */

void exec_ws_start_free(struct exec_ws_start *r)
{
	free(r->argv);
	strv_free(&r->env);
}

static int parse_argv(json_t *m, struct exec_ws_start *r, char *err,
		      size_t errlen)
{
	static const char *const sh[] = { "/bin/sh", "-c" };
	json_t *argv = json_object_get(m, "argv"), *cmd = json_object_get(m, "command"), *v;
	char shown[80];
	size_t i, n;

	if (argv && cmd)
		return hb_fail(err, errlen, HB_EINVAL,
			       "start: give \"argv\" or \"command\", not both");
	if (cmd) {
		if (!json_is_string(cmd))
			return hb_fail(err, errlen, HB_EINVAL,
				       "command: %s: expected a string (a shell line run with /bin/sh -c)",
				       given(cmd, shown, sizeof(shown)));
		r->argv = calloc(4, sizeof(*r->argv));
		if (!r->argv)
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		r->argv[0] = sh[0];
		r->argv[1] = sh[1];
		r->argv[2] = json_string_value(cmd);
		return 0;
	}
	if (!argv)
		return hb_fail(err, errlen, HB_EINVAL,
			       "start: expected \"argv\" (an array of strings) or \"command\" (a shell line)");
	if (!json_is_array(argv) || !json_array_size(argv))
		return hb_fail(err, errlen, HB_EINVAL,
			       "argv: %s: expected a non-empty array of strings",
			       given(argv, shown, sizeof(shown)));
	n = json_array_size(argv);
	r->argv = calloc(n + 1, sizeof(*r->argv));
	if (!r->argv)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	json_array_foreach(argv, i, v) {
		if (!json_is_string(v))
			return hb_fail(err, errlen, HB_EINVAL, "argv[%zu]: %s: expected a string",
				       i, given(v, shown, sizeof(shown)));
		r->argv[i] = json_string_value(v);
	}
	if (!r->argv[0][0])
		return hb_fail(err, errlen, HB_EINVAL,
			       "argv[0]: expected a program name or path, got \"\"");
	return 0;
}

/* "root", a uid (number or decimal string), or absent: the sandbox user.
 * Only a sandboxd running as root can run commands as someone else. */
static int parse_user(json_t *v, struct exec_ws_start *r, char *err,
		      size_t errlen)
{
	char shown[80];
	unsigned uid;

	r->user = sandboxd_cfg.user;
	r->switch_user = sandboxd_cfg.switch_user;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v) && !strcmp(json_string_value(v), "root")) {
		uid = 0;
	} else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		   json_integer_value(v) <= 2147483647) {
		uid = (unsigned)json_integer_value(v);
	} else if (!json_is_string(v) ||
		   config_parse_uid("user", json_string_value(v), &uid, NULL, 0)) {
		return hb_fail(err, errlen, HB_EINVAL,
			       "user: %s: expected \"root\" or a numeric uid from 0 to 2147483647",
			       given(v, shown, sizeof(shown)));
	}
	if (uid == sandboxd_cfg.user.uid)
		return 0;
	if (geteuid() != 0)
		return hb_fail(err, errlen, HB_EPERM,
			       "user: %u: sandboxd does not run as root, so commands run as uid %u only",
			       uid, (unsigned)sandboxd_cfg.user.uid);
	users_lookup(sandboxd_cfg.passwd_path, uid, &r->user);
	r->switch_user = uid != 0;
	if (env_set(&r->env, "HOME", r->user.home) ||
	    env_set(&r->env, "USER", r->user.name) ||
	    env_set(&r->env, "LOGNAME", r->user.name))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return 0;
}

/* Client variables over the sandbox's; a null value removes one. */
static int parse_env(json_t *v, struct exec_ws_start *r, char *err,
		     size_t errlen)
{
	const char *name;
	char shown[80];
	json_t *val;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "env: %s: expected an object of \"NAME\": \"value\" pairs",
			       given(v, shown, sizeof(shown)));
	json_object_foreach(v, name, val) {
		if (!env_name_valid(name))
			return hb_fail(err, errlen, HB_EINVAL,
				       "env: \"%s\": expected a variable name (letters, digits and _, not starting with a digit)",
				       name);
		if (json_is_null(val)) {
			env_unset(&r->env, name);
			continue;
		}
		if (!json_is_string(val))
			return hb_fail(err, errlen, HB_EINVAL,
				       "env.%s: %s: expected a string (or null to unset it)", name,
				       given(val, shown, sizeof(shown)));
		if (env_set(&r->env, name, json_string_value(val)))
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_dimension(json_t *pty, const char *name, unsigned short def,
			   unsigned short *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(pty, name);
	char shown[80];

	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65535)
		return hb_fail(err, errlen, HB_EINVAL,
			       "pty.%s: %s: expected an integer from 1 to 65535", name,
			       given(v, shown, sizeof(shown)));
	*out = (unsigned short)json_integer_value(v);
	return 0;
}

static int parse_pty(json_t *v, struct exec_ws_start *r, char *err,
		     size_t errlen)
{
	char shown[80];
	int rc;

	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	r->pty = 1;
	r->rows = 24;
	r->cols = 80;
	if (json_is_true(v))
		return 0;
	if (!json_is_object(v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "pty: %s: expected an object {\"rows\": R, \"cols\": C}, true or false",
			       given(v, shown, sizeof(shown)));
	rc = parse_dimension(v, "rows", 24, &r->rows, err, errlen);
	if (!rc)
		rc = parse_dimension(v, "cols", 80, &r->cols, err, errlen);
	return rc;
}

int exec_ws_start_parse(json_t *m, struct exec_ws_start *r, char *err,
			size_t errlen)
{
	static const char *const known[] = { "type", "argv", "command", "cwd",
		"env", "user", "pty", "stdin", "timeout", NULL };
	const char *key;
	const char *const *k;
	char shown[80];
	json_t *v;
	double t;
	int rc;

	memset(r, 0, sizeof(*r));
	r->want_stdin = 1;
	json_object_foreach(m, key, v) {
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return hb_fail(err, errlen, HB_EINVAL,
				       "start: \"%s\": unknown field (known: argv, command, cwd, env, user, pty, stdin, timeout)",
				       key);
	}
	if ((rc = parse_argv(m, r, err, errlen)))
		return rc;
	v = json_object_get(m, "cwd");
	r->cwd = sandboxd_cfg.workdir;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_value(v)[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "cwd: %s: expected an absolute path",
				       given(v, shown, sizeof(shown)));
		r->cwd = json_string_value(v);
	}
	if (strv_copy(&r->env, sandboxd_cfg.child_env.v))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	/* user before env: the client's variables win over the user's HOME */
	if ((rc = parse_user(json_object_get(m, "user"), r, err, errlen)) ||
	    (rc = parse_env(json_object_get(m, "env"), r, err, errlen)) ||
	    (rc = parse_pty(json_object_get(m, "pty"), r, err, errlen)))
		return rc;
	/* on a terminal TERM defaults to xterm-256color unless the request's
	 * env names it (sandboxd's own TERM describes no terminal of ours) */
	if (r->pty && !json_object_get(json_object_get(m, "env"), "TERM") &&
	    env_set(&r->env, "TERM", "xterm-256color"))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	v = json_object_get(m, "stdin");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return hb_fail(err, errlen, HB_EINVAL, "stdin: %s: expected true or false",
				       given(v, shown, sizeof(shown)));
		r->want_stdin = json_is_true(v);
	}
	v = json_object_get(m, "timeout");
	if (v && !json_is_null(v)) {
		t = json_is_number(v) ? json_number_value(v) : -1;
		if (!(t > 0) || !isfinite(t) || t > SANDBOXD_TIMEOUT_MAX_S)
			return hb_fail(err, errlen, HB_EINVAL,
				       "timeout: %s: expected a number of seconds above 0 and at most %.0f, or null",
				       given(v, shown, sizeof(shown)), SANDBOXD_TIMEOUT_MAX_S);
		r->timeout = t;
	}
	return 0;
}

static int run_start(struct exec_run *s, json_t *m)
{
	struct exec_ws_start r;
	struct proc_spec spec;
	char err[1024];
	int rc;

	rc = exec_ws_start_parse(m, &r, err, sizeof(err));
	if (rc) {
		exec_ws_start_free(&r);
		return run_fail(s, SANDBOXD_CLOSE_BAD_MESSAGE, "bad start message", err);
	}
	memset(&spec, 0, sizeof(spec));
	spec.argv = r.argv;
	spec.cwd = r.cwd;
	spec.envp = r.env.v;
	spec.uid = r.user.uid;
	spec.gid = r.user.gid;
	spec.switch_user = r.switch_user;
	spec.pty = r.pty;
	spec.rows = r.rows;
	spec.cols = r.cols;
	spec.want_stdin = r.want_stdin;
	s->ch.on_output = on_output;
	s->ch.on_done = on_done;
	s->ch.on_stdin_ready = on_stdin_ready;
	s->oom_known = !cgroup_oom_kills(&s->oom_before);
	rc = child_start(&s->ch, &spec, err, sizeof(err));
	exec_ws_start_free(&r);
	lws_sul_cancel(&s->start_sul);
	/* a process that was forked is known to the reaper through s->ch:
	 * only child_abandon() may let that memory go */
	s->started = s->ch.pid > 0;
	if (rc)
		return run_fail(s, SANDBOXD_CLOSE_FAILED, "command did not start", err);
	s->pty = r.pty;
	s->stdin_open = r.want_stdin;
	if (r.timeout > 0)
		lws_sul_schedule(sandboxd_lws, 0, &s->timeout_sul, on_timeout,
				 (lws_usec_t)(r.timeout * 1e6));
	if (http_ws_send_json(s->conn, json_pack("{s:s, s:i}", "type", "started",
					    "pid", (int)s->ch.pid)))
		return run_fail(s, SANDBOXD_CLOSE_FAILED, "internal error", "out of memory");
	return 0;
}

/* ------------------------------------------------- messages while running */

static int get_dimension(json_t *m, const char *name, unsigned short *out,
			 char *err, size_t errlen)
{
	json_t *v = json_object_get(m, name);
	char shown[80];

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65535)
		return hb_fail(err, errlen, HB_EINVAL,
			       "resize: %s: %s: expected an integer from 1 to 65535", name,
			       given(v, shown, sizeof(shown)));
	*out = (unsigned short)json_integer_value(v);
	return 0;
}

static int get_signal(json_t *m, int *sig, char *err, size_t errlen)
{
	json_t *v = json_object_get(m, "signal");
	char shown[80];
	json_int_t n;

	*sig = 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		*sig = n >= 1 && n <= EXEC_WS_SIGNAL_MAX ? (int)n : 0;
	} else if (json_is_string(v)) {
		*sig = exec_ws_signal_parse(json_string_value(v));
	}
	if (!*sig)
		return hb_fail(err, errlen, HB_EINVAL,
			       "signal: %s: expected a name such as \"SIGINT\" or \"INT\", or a number from 1 to %d",
			       given(v, shown, sizeof(shown)), EXEC_WS_SIGNAL_MAX);
	return 0;
}

int exec_ws_control_parse(json_t *m, const char *type, struct exec_ws_control *ctl,
			  char *err, size_t errlen)
{
	char shown[80];
	json_t *v;

	memset(ctl, 0, sizeof(*ctl));
	if (!strcmp(type, "stdin")) {
		ctl->kind = EXEC_WS_STDIN;
		v = json_object_get(m, "data");
		if (!json_is_string(v))
			return hb_fail(err, errlen, HB_EINVAL, "stdin: data: %s: expected a string",
				       given(v, shown, sizeof(shown)));
		ctl->data = json_string_value(v);
		ctl->len = json_string_length(v);
		return 0;
	}
	if (!strcmp(type, "eof")) {
		ctl->kind = EXEC_WS_EOF;
		return 0;
	}
	if (!strcmp(type, "resize")) {
		ctl->kind = EXEC_WS_RESIZE;
		if (get_dimension(m, "rows", &ctl->rows, err, errlen))
			return HB_EINVAL;
		return get_dimension(m, "cols", &ctl->cols, err, errlen);
	}
	if (!strcmp(type, "signal")) {
		ctl->kind = EXEC_WS_SIGNAL;
		return get_signal(m, &ctl->signal, err, errlen);
	}
	return hb_fail(err, errlen, HB_EINVAL,
		       "type: \"%s\": expected start, stdin, eof, resize or signal", type);
}

/* A checked message to a running command. */
static int run_control(struct exec_run *s, const struct exec_ws_control *ctl)
{
	switch (ctl->kind) {
	case EXEC_WS_STDIN:
		return stdin_send(s, ctl->data, ctl->len);
	case EXEC_WS_EOF:
		return stdin_eof(s);
	case EXEC_WS_RESIZE:
		/* without a terminal there is no size: ignored, so that a
		 * terminal client can send it whatever it started */
		if (s->pty)
			child_resize(&s->ch, ctl->rows, ctl->cols);
		return 0;
	case EXEC_WS_SIGNAL:
		child_signal(&s->ch, ctl->signal);
		return 0;
	}
	return 0;
}

static int run_message(struct http_conn *c, const char *data, size_t len,
			   int binary)
{
	struct exec_run *s = c->state;
	struct exec_ws_control ctl;
	json_error_t jerr;
	char shown[80], err[1024];
	const char *type;
	json_t *m;
	int rc;

	if (!s || s->closing)
		return 0;
	if (binary) {
		if (!s->started)
			return bad_message(s, "expected a \"start\" message before stdin");
		return stdin_send(s, data, len);
	}
	m = json_loadb(data, len, 0, &jerr);
	if (!m)
		return bad_message(s, "message: not valid JSON (%s); text messages are JSON objects with a \"type\"",
				   jerr.text);
	if (!json_is_object(m)) {
		json_decref(m);
		return bad_message(s, "message: expected a JSON object with a \"type\"");
	}
	type = json_string_value(json_object_get(m, "type"));
	if (!type)
		rc = bad_message(s, "message: type: %s: expected a string",
				 given(json_object_get(m, "type"), shown, sizeof(shown)));
	else if (!strcmp(type, "auth"))
		rc = 0; /* a redundant first-frame auth */
	else if (!s->started && strcmp(type, "start"))
		rc = bad_message(s, "%s: expected a \"start\" message first", type);
	else if (!strcmp(type, "start"))
		rc = s->started ? bad_message(s, "start: the command has started already") :
			run_start(s, m);
	else if (s->finished)
		rc = 0; /* the exit status is on its way */
	else if (exec_ws_control_parse(m, type, &ctl, err, sizeof(err)))
		rc = bad_message(s, "%s", err);
	else
		rc = run_control(s, &ctl);
	json_decref(m);
	return rc;
}

/* ------------------------------------------------------------- life cycle */

static void on_start_window(lws_sorted_usec_list_t *sul)
{
	struct exec_run *s = (struct exec_run *)
		((char *)sul - offsetof(struct exec_run, start_sul));

	bad_message(s, "no \"start\" message within %lld s of connecting",
		    START_WINDOW_US / 1000000);
}

static int run_open(struct http_conn *c)
{
	struct exec_run *s;

	if (nruns >= MAX_RUNS) {
		/* the wire's words (docs/exec-websocket.md): clients match them */
		http_ws_send_json(c, json_pack("{s:s, s:s}", "type", "error", "detail",
					  "too many exec sessions are open; try again later"));
		http_ws_close(c, SANDBOXD_CLOSE_BUSY, "too many exec sessions");
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		http_ws_close(c, SANDBOXD_CLOSE_FAILED, "out of memory");
		return 0;
	}
	s->conn = c;
	buf_init(&s->stdin_pending, 0);
	c->state = s;
	nruns++;
	lws_sul_schedule(sandboxd_lws, 0, &s->start_sul, on_start_window,
			 START_WINDOW_US);
	return 0;
}

/* The client is gone (or the socket closed after "exit"): a command still
 * running is killed with its whole process group. */
static void run_close(struct http_conn *c)
{
	struct exec_run *s = c->state;

	if (!s)
		return;
	c->state = NULL;
	nruns--;
	lws_sul_cancel(&s->start_sul);
	lws_sul_cancel(&s->timeout_sul);
	stdin_drop_pending(s);
	s->conn = NULL;
	if (!s->started) {
		free(s);
		return;
	}
	/* child_abandon() spares a group whose leader has exited; but until
	 * its output closes, a background process of the command still runs
	 * in that group (and keeps its id from being reused) */
	if (s->ch.exited && !s->ch.done)
		proc_signal_group(s->ch.pid, SIGKILL);
	child_abandon(&s->ch);
}

const struct http_stream_ops exec_ws_socket = {
	.on_request = run_open,
	.on_writeable = run_writeable,
	.on_ws_message = run_message,
	.on_close = run_close,
};
