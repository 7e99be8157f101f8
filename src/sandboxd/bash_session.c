/* bash_session.c — persistent bash sessions: the shells, their commands and the
 * /api/handbox/sessions routes; see bash_session.h and docs/bash-sessions.md.
 *
 * A session is one of: starting (bash is up, the init line not yet done),
 * idle (at its prompt), running (a command typed, its status record not yet
 * back) or exited (the shell is gone). One HTTP request at a time may wait
 * on a session: the command's end, the shell's exit or its own timeout
 * answers it, whichever comes first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/env_name.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "common/proc_stat.h"
#include "common/sandboxd_wire.h"
#include "common/utf8.h"
#include "sandboxd/child.h"
#include "sandboxd/env.h"
#include "sandboxd/files.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/bash_session.h"
#include "sandboxd/bash_session_parse.h"
#include "sandboxd/bash_session_watch.h"

#define MAX_SESSIONS 32
#define OUTPUT_KEEP (1u << 20)       /* the most one answer returns */
#define STARTUP_KEEP 4096u           /* start-up noise kept for errors */
#define COMMAND_MAX (1u << 20)
#define HELD_MAX (1u << 20)          /* input typed before a command starts */
#define RECORDS_MAX (64u << 10)
#define DEFAULT_TIMEOUT_S 10.0
#define MAX_TIMEOUT_S 3600.0
#define START_TIMEOUT_US (10 * 1000000LL)
#define DEFAULT_ROWS 24
#define DEFAULT_COLS 200
#define MAX_DIM 1000
#define DRAIN_READS 32               /* bounds a drain against a flood */
#define KEY_RECHECK_US (100 * 1000)  /* see pass_key_signal_on() */

enum session_state { ST_STARTING, ST_IDLE, ST_RUNNING, ST_EXITED };

static const char *const state_names[] = { "starting", "idle", "running", "exited" };

struct bash_session {
	struct bash_session *next;
	char id[UUID_STR_LEN];
	char created_at[ISOTIME_STR_LEN];
	struct child *ch;            /* NULL once the shell is gone */
	pid_t pid;
	enum session_state state;
	unsigned long seq;           /* number of the last command typed */
	/* the shell has taken that command's trigger line off the terminal;
	 * until then input waits in held, since an interrupt key would make
	 * the terminal discard the trigger line and the command never end */
	int started;
	struct buf held;
	int held_signal;             /* of a C-c, C-\ or C-z in held */
	int key_signal;              /* of the last one typed for the command */
	lws_sorted_usec_list_t key_sul;
	int exit_code, has_exit_code;
	char *cwd;                   /* from the last status record */
	unsigned short rows, cols;

	struct buf out;              /* printed since the last answer */
	int truncated;               /* out lost its oldest bytes */
	struct bash_session_records records; /* status bytes not parsed yet */
	struct fdwatch status_w;     /* read end of the status pipe */
	struct fdwatch cmd_w;        /* write end of the command pipe */
	/* our copy of the command pipe's read end: what a command interrupted
	 * before bash read it leaves behind is drained through it. It shares
	 * its file description with the shell's, so it stays blocking and is
	 * only read as far as FIONREAD says. */
	int cmd_read_fd;
	struct buf cmd_text;         /* command bytes not yet in the pipe */
	int open_fds;                /* status_w and cmd_w not yet closed */
	int deleted;

	struct bash_watch watch;     /* WS …/watch: the terminal, read-only */

	struct http_conn *waiter;    /* the request waiting for an answer */
	int waiter_creates;          /* it is the POST that starts the session */
	lws_sorted_usec_list_t wait_sul;
};

static struct bash_session *sessions;
static unsigned nsessions;

/* ------------------------------------------------------------- lookups */

static struct bash_session *find(const char *id)
{
	struct bash_session *s;

	for (s = sessions; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

static void unlink_session(struct bash_session *s)
{
	struct bash_session **pp;

	for (pp = &sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			nsessions--;
			return;
		}
	}
}

static void maybe_free(struct bash_session *s)
{
	if (!s->deleted || s->ch || s->open_fds)
		return;
	lws_sul_cancel(&s->wait_sul);
	lws_sul_cancel(&s->key_sul);
	bash_watch_free(&s->watch, "the bash session was deleted");
	buf_free(&s->out);
	bash_session_records_free(&s->records);
	buf_free(&s->cmd_text);
	buf_free(&s->held);
	free(s->cwd);
	free(s);
}

/* ------------------------------------------------------------- answers */

/* The cwd the answers report: for a running command, the shell's current
 * directory as the system sees it (the last reported one when that cannot
 * be read), else the shell's $PWD at its last prompt. */
static json_t *cwd_json(struct bash_session *s)
{
	char link[64], path[PATH_MAX];
	ssize_t n = 0;

	if (s->state == ST_RUNNING) {
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)s->pid);
		n = readlink(link, path, sizeof(path));
	}
	if (n > 0 && (size_t)n < sizeof(path))
		return files_json_string(path, (size_t)n);
	return files_json_string(s->cwd ? s->cwd : "", s->cwd ? strlen(s->cwd) : 0);
}

static json_t *exit_code_json(const struct bash_session *s)
{
	return s->has_exit_code ? json_integer(s->exit_code) : json_null();
}

static json_t *session_json(struct bash_session *s)
{
	return json_pack("{s:s, s:i, s:s, s:o, s:o, s:s, s:i, s:i}",
			 "id", s->id, "pid", (int)s->pid,
			 "status", state_names[s->state],
			 "cwd", cwd_json(s),
			 "exit_code", exit_code_json(s),
			 "created_at", s->created_at,
			 "rows", (int)s->rows, "cols", (int)s->cols);
}

/* What a run or an output request answers; takes the pending output. */
static json_t *result_json(struct bash_session *s)
{
	struct buf clean;
	const char *status;
	json_t *j;

	if (bash_session_tail_trim(&s->out, OUTPUT_KEEP))
		s->truncated = 1;
	buf_init(&clean, 0);
	if (s->out.len && utf8_append_sanitized(&clean, s->out.data, s->out.len)) {
		buf_free(&clean);
		return NULL;
	}
	status = s->state == ST_RUNNING ? "running" :
		 s->state == ST_EXITED ? "exited" : "completed";
	j = json_pack("{s:s, s:o, s:s#, s:o, s:b}",
		      "status", status,
		      "exit_code", s->state == ST_RUNNING ? json_null() : exit_code_json(s),
		      "output", clean.data ? clean.data : "", clean.len,
		      "cwd", cwd_json(s),
		      "truncated", s->truncated);
	buf_free(&clean);
	buf_reset(&s->out);
	s->truncated = 0;
	return j;
}

static void destroy(struct bash_session *s);

/* The request waiting on s ended before its answer (the client went
 * away). When that was the POST creating s, s is destroyed: nobody knows
 * its id, so nobody would ever delete it. The start timeout is never
 * cancelled here: it is what ends a shell that hangs on start. */
static void forget_waiter(struct http_conn *c)
{
	struct bash_session *s = http_take(c);

	if (!s || s->waiter != c)
		return;
	s->waiter = NULL;
	if (s->waiter_creates) {
		s->waiter_creates = 0;
		destroy(s);
		return;
	}
	if (s->state != ST_STARTING)
		lws_sul_cancel(&s->wait_sul);
}

static struct http_conn *take_waiter(struct bash_session *s)
{
	struct http_conn *c = s->waiter;

	if (!c)
		return NULL;
	s->waiter = NULL;
	s->waiter_creates = 0;
	lws_sul_cancel(&s->wait_sul);
	http_take(c);
	return c;
}

/* Answers the waiting run or output request with the session as it is. */
static void answer_waiter(struct bash_session *s)
{
	struct http_conn *c;

	if (s->waiter_creates)
		return;
	c = take_waiter(s);
	if (c)
		http_reply_json(c, 200, result_json(s));
}

static void on_wait_timeout(lws_sorted_usec_list_t *sul);

/* Makes c wait on s for at most timeout_s seconds; a request already
 * waiting is answered now (the newest asker gets what follows). */
static void set_waiter(struct bash_session *s, struct http_conn *c, double timeout_s)
{
	answer_waiter(s);
	s->waiter = c;
	s->waiter_creates = 0;
	http_defer(c, s, forget_waiter);
	lws_sul_schedule(sandboxd_lws, 0, &s->wait_sul, on_wait_timeout,
			 (lws_usec_t)(timeout_s * 1e6));
}

/* ------------------------------------------------------------ teardown */

/* SIGKILL to every process of the shell's session: jobs run in process
 * groups of their own, which killing the shell's group would miss. */
static void kill_session_processes(pid_t sid)
{
	struct proc_stat *procs;
	size_t n, i;

	proc_signal_group(sid, SIGKILL);
	if (proc_stat_scan(&procs, &n))
		return;
	for (i = 0; i < n; i++)
		if (procs[i].sid == sid)
			kill(procs[i].pid, SIGKILL);
	free(procs);
}

static void close_pipes(struct bash_session *s)
{
	fdwatch_close(&s->status_w);
	fdwatch_close(&s->cmd_w);
	if (s->cmd_read_fd >= 0)
		close(s->cmd_read_fd);
	s->cmd_read_fd = -1;
}

/* Unlists s, ends its shell and everything the shell started (a shell
 * that has exited is not looked for: its pid may belong to another now),
 * and frees s once its descriptors are closed. */
static void destroy(struct bash_session *s)
{
	unlink_session(s);
	s->deleted = 1;
	bash_watch_end(&s->watch, "the bash session was deleted");
	if (s->ch) {
		if (!s->ch->exited)
			kill_session_processes(s->pid);
		child_abandon(s->ch);
		s->ch = NULL;
	}
	close_pipes(s);
	maybe_free(s);
}

/* The POST that creates s fails: it is answered and s goes. */
static void fail_start(struct bash_session *s, const char *why)
{
	struct http_conn *c = s->waiter_creates ? take_waiter(s) : NULL;
	struct buf clean;

	buf_init(&clean, 0);
	if (s->out.len)
		utf8_append_sanitized(&clean, s->out.data, s->out.len);
	if (c)
		http_reply_error(c, 500, "bash session %s: %s%s%s", s->id, why,
				 clean.len ? "; it printed: " : "", clean.len ? clean.data : "");
	buf_free(&clean);
	destroy(s);
}

static void on_wait_timeout(lws_sorted_usec_list_t *sul)
{
	struct bash_session *s = (struct bash_session *)((char *)sul -
					       offsetof(struct bash_session, wait_sul));

	if (s->state == ST_STARTING) {
		fail_start(s, "bash did not become ready within 10 s");
		return;
	}
	answer_waiter(s);
}

/* ------------------------------------------------------- shell traffic */

static void add_output(struct bash_session *s, const char *data, size_t len)
{
	size_t keep = s->state == ST_STARTING ? STARTUP_KEEP : OUTPUT_KEEP;

	/* the set-up line's noise is no one's to watch */
	if (s->state != ST_STARTING)
		bash_watch_output(&s->watch, data, len);
	if (buf_append(&s->out, data, len)) {
		buf_reset(&s->out);
		s->truncated = 1;
		return;
	}
	/* trimmed in large steps, so a flood is not memmoved per read */
	if (s->out.len > 2 * keep && bash_session_tail_trim(&s->out, keep))
		s->truncated = 1;
}

static void on_child_output(struct child *ch, int stream, const char *data, size_t len)
{
	add_output(ch->owner, data, len);
}

/* Reads what the terminal holds now. A status record is written after the
 * command's output, and a PTY read flushes the kernel's pending input
 * first, so after this the output before the record is all in. */
static void drain_terminal(struct bash_session *s)
{
	static char chunk[CHILD_READ_CHUNK];
	ssize_t n;
	int i;

	if (!s->ch || s->ch->out_w.fd < 0)
		return;
	for (i = 0; i < DRAIN_READS; i++) {
		n = read(s->ch->out_w.fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		add_output(s, chunk, (size_t)n);
	}
}

/* A command interrupted before bash read its text (C-c at the wrong
 * moment) leaves it in the pipe, where the next trigger would find it. */
static void drop_command_leftover(struct bash_session *s)
{
	char chunk[4096];
	int avail;
	ssize_t n;

	buf_reset(&s->cmd_text);
	while (s->cmd_read_fd >= 0 && ioctl(s->cmd_read_fd, FIONREAD, &avail) == 0 &&
	       avail > 0) {
		n = read(s->cmd_read_fd, chunk,
			 (size_t)avail < sizeof(chunk) ? (size_t)avail : sizeof(chunk));
		if (n <= 0)
			break;
	}
}

static void set_cwd(struct bash_session *s, const char *cwd, size_t len)
{
	char *copy = strndup(cwd, len);

	if (!copy)
		return;
	free(s->cwd);
	s->cwd = copy;
}

/* The process group of a job that holds the terminal, or 0 when the
 * shell has it. */
static pid_t terminal_job(struct bash_session *s)
{
	pid_t fg;

	if (!s->ch || s->ch->out_w.fd < 0)
		return 0;
	fg = tcgetpgrp(s->ch->out_w.fd);
	return fg > 0 && fg != s->pid ? fg : 0;
}

/* A key's signal can reach bash itself in the instant it starts a job:
 * bash then goes back to its prompt (and reports the command ended) while
 * the job keeps the terminal, and reads nothing more until the job ends.
 * The key was meant for the job, which gets the signal: now, or when it
 * has taken the terminal a moment later, or at the next key (see
 * send_input()). No command of ours runs meanwhile: a job holding the
 * terminal then is that one. */
static void pass_key_signal_on(struct bash_session *s)
{
	pid_t job = s->key_signal ? terminal_job(s) : 0;

	if (job && (s->state == ST_IDLE || (s->state == ST_RUNNING && !s->started)))
		kill(-job, s->key_signal);
}

static void on_key_recheck(lws_sorted_usec_list_t *sul)
{
	pass_key_signal_on((struct bash_session *)((char *)sul -
					      offsetof(struct bash_session, key_sul)));
}

static void on_record(struct bash_session *s, const struct bash_session_record *rec)
{
	struct http_conn *c;

	if (rec->kind == BASH_SESSION_STARTED) {
		if (s->state != ST_RUNNING || rec->seq != s->seq || s->started)
			return;
		/* from now on a job holding the terminal is this command's */
		s->started = 1;
		s->key_signal = s->held_signal;
		s->held_signal = 0;
		lws_sul_cancel(&s->key_sul);
		if (s->held.len && s->ch)
			child_write_stdin(s->ch, s->held.data, s->held.len);
		buf_free(&s->held);
		return;
	}
	if (rec->cwd_len)
		set_cwd(s, rec->cwd, rec->cwd_len);
	if (s->state == ST_STARTING && rec->seq == 0) {
		drain_terminal(s);
		buf_reset(&s->out);
		s->truncated = 0;
		s->state = ST_IDLE;
		c = take_waiter(s);
		if (c)
			http_reply_json(c, 201, session_json(s));
		return;
	}
	/* records of other numbers come from lines typed while no command of
	 * ours ran (input the last command left unread): not an answer */
	if (s->state != ST_RUNNING || rec->seq != s->seq)
		return;
	drain_terminal(s);
	drop_command_leftover(s);
	buf_free(&s->held);
	s->state = ST_IDLE;
	s->exit_code = rec->exit_code;
	s->has_exit_code = 1;
	if (s->key_signal) {
		pass_key_signal_on(s);
		lws_sul_schedule(sandboxd_lws, 0, &s->key_sul, on_key_recheck, KEY_RECHECK_US);
	}
	answer_waiter(s);
}

static void record_arrived(void *arg, const struct bash_session_record *rec)
{
	on_record(arg, rec);
}

static int on_status_readable(struct fdwatch *w)
{
	struct bash_session *s = w->owner;
	char chunk[4096];
	ssize_t n = read(w->fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1; /* the shell and all it started are gone */
	bash_session_records_feed(&s->records, chunk, (size_t)n, record_arrived, s);
	return 0;
}

static int on_cmd_writeable(struct fdwatch *w)
{
	struct bash_session *s = w->owner;
	ssize_t n;

	if (!s->cmd_text.len)
		return 0;
	n = write(w->fd, s->cmd_text.data, s->cmd_text.len);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	if (n > 0)
		buf_consume(&s->cmd_text, (size_t)n);
	if (s->cmd_text.len)
		fdwatch_want_write(w);
	return 0;
}

static void on_pipe_closed(struct fdwatch *w)
{
	struct bash_session *s = w->owner;

	s->open_fds--;
	maybe_free(s);
}

static void on_child_done(struct child *ch)
{
	struct bash_session *s = ch->owner;
	char why[96];
	int code = child_exit_code(ch);

	free(ch);
	s->ch = NULL;
	if (s->state == ST_STARTING) {
		snprintf(why, sizeof(why), "bash exited while starting, exit code %d", code);
		fail_start(s, why);
		return;
	}
	drop_command_leftover(s);
	s->state = ST_EXITED;
	s->exit_code = code;
	s->has_exit_code = 1;
	answer_waiter(s);
	close_pipes(s);
	bash_watch_end(&s->watch, "the shell exited");
}

/* Serves fd through w; fd is the loop's from now on, closed by it even
 * when this fails. */
static int watch_pipe(struct bash_session *s, struct fdwatch *w, int fd, int input)
{
	w->owner = s;
	w->on_readable = input ? on_status_readable : NULL;
	w->on_writeable = input ? NULL : on_cmd_writeable;
	w->on_closed = on_pipe_closed;
	if (fdwatch_add(w, fd))
		return HB_EIO;
	s->open_fds++;
	return 0;
}

/* Puts the terminal back the way commands are typed into it: a command
 * that set it raw, or `stty echo`, must not change how the next one is
 * read or what it shows. */
static void reset_terminal(struct bash_session *s)
{
	struct termios tio;
	int fd = s->ch ? s->ch->out_w.fd : -1;

	if (fd < 0 || tcgetattr(fd, &tio) < 0)
		return;
	if (!(tio.c_lflag & ECHO) && !(tio.c_oflag & ONLCR) &&
	    (tio.c_lflag & (ICANON | ISIG)) == (ICANON | ISIG))
		return;
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tio.c_lflag |= ICANON | ISIG;
	tio.c_oflag &= ~(tcflag_t)ONLCR;
	tcsetattr(fd, TCSANOW, &tio);
}

/* ----------------------------------------------------------- requests */

struct create_request {
	const char *cwd;
	json_t *env;
	long long rows, cols;
};

static int parse_dim(json_t *body, const char *name, long long *v, char *err,
		     size_t errlen)
{
	json_t *j = json_object_get(body, name);

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 1 || json_integer_value(j) > MAX_DIM)
		return hb_fail(err, errlen, HB_EINVAL, "%s: expected a whole number from 1 to %d",
			       name, MAX_DIM);
	*v = json_integer_value(j);
	return 0;
}

static int parse_create(json_t *body, struct create_request *req, char *err,
			size_t errlen)
{
	const char *name;
	json_t *v, *value;

	memset(req, 0, sizeof(*req));
	req->cwd = sandboxd_cfg.workdir;
	req->rows = DEFAULT_ROWS;
	req->cols = DEFAULT_COLS;
	if (!body)
		return 0;
	if (!json_is_object(body))
		return hb_fail(err, errlen, HB_EINVAL,
			       "body: expected a JSON object with optional cwd, env, rows and cols");
	v = json_object_get(body, "cwd");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_value(v)[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL, "cwd: expected an absolute path");
		req->cwd = json_string_value(v);
	}
	v = json_object_get(body, "env");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			return hb_fail(err, errlen, HB_EINVAL,
				       "env: expected an object of variable names to string values");
		json_object_foreach(v, name, value) {
			if (!env_name_valid(name))
				return hb_fail(err, errlen, HB_EINVAL,
					       "env: \"%.100s\": expected a variable name (letters, digits and _, not starting with a digit)",
					       name);
			if (!json_is_string(value))
				return hb_fail(err, errlen, HB_EINVAL,
					       "env.%.100s: expected a string", name);
		}
		req->env = v;
	}
	if (parse_dim(body, "rows", &req->rows, err, errlen) ||
	    parse_dim(body, "cols", &req->cols, err, errlen))
		return HB_EINVAL;
	return 0;
}

/* The shell's environment: sandboxd's for commands, no pager (a pager
 * waits for keys nobody types) and a terminal type that asks programs for
 * plain output, then what the request sets. */
static int build_env(const struct create_request *req, struct strv *env)
{
	const char *name;
	json_t *v;
	int rc;

	rc = strv_copy(env, sandboxd_cfg.child_env.v);
	if (rc)
		return rc;
	rc = env_set(env, "TERM", "dumb");
	rc = rc ? rc : env_set(env, "PAGER", "cat");
	rc = rc ? rc : env_set(env, "GIT_PAGER", "cat");
	if (req->env)
		json_object_foreach(req->env, name, v)
			if (!rc)
				rc = env_set(env, name, json_string_value(v));
	if (rc)
		strv_free(env);
	return rc;
}

/* Makes room for one more session: an exited one goes first. */
static int make_room(void)
{
	struct bash_session *s, *oldest = NULL;

	if (nsessions < MAX_SESSIONS)
		return 0;
	for (s = sessions; s; s = s->next)
		if (s->state == ST_EXITED)
			oldest = s; /* the list is newest first */
	if (!oldest)
		return HB_EBUSY;
	destroy(oldest);
	return 0;
}

/* Starts the shell of s. Returns 0, or an HB_E… code with a message. */
static int start_shell(struct bash_session *s, const struct create_request *req,
		       char *err, size_t errlen)
{
	static const char *const argv[] = {
		"bash", "--noprofile", "--norc", "--noediting", "-i", NULL
	};
	int cmdp[2] = { -1, -1 }, stp[2] = { -1, -1 }, extra[2], rc;
	struct proc_spec spec;
	struct strv env;

	if (build_env(req, &env))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (pipe2(cmdp, O_CLOEXEC) < 0 || pipe2(stp, O_CLOEXEC) < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	s->ch = calloc(1, sizeof(*s->ch));
	if (!s->ch) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	s->ch->on_output = on_child_output;
	s->ch->on_done = on_child_done;
	s->ch->owner = s;
	extra[0] = cmdp[0];
	extra[1] = stp[1];
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.cwd = req->cwd;
	spec.envp = env.v;
	spec.uid = sandboxd_cfg.user.uid;
	spec.gid = sandboxd_cfg.user.gid;
	spec.switch_user = sandboxd_cfg.switch_user;
	spec.pty = 1;
	spec.pty_noecho = 1;
	spec.rows = (unsigned short)req->rows;
	spec.cols = (unsigned short)req->cols;
	spec.extra_fds = extra;
	spec.n_extra_fds = 2;
	rc = child_start(s->ch, &spec, err, errlen);
	if (rc) {
		free(s->ch);
		s->ch = NULL;
		goto out;
	}
	s->pid = s->ch->pid;
	s->cmd_read_fd = cmdp[0];
	cmdp[0] = -1;
	/* watch_pipe() owns the descriptor it is given, failing or not */
	rc = watch_pipe(s, &s->status_w, stp[0], 1);
	stp[0] = -1;
	if (!rc) {
		rc = watch_pipe(s, &s->cmd_w, cmdp[1], 0);
		cmdp[1] = -1;
	}
	if (!rc)
		rc = child_write_stdin(s->ch, bash_session_init_line, strlen(bash_session_init_line));
	if (rc)
		rc = hb_fail(err, errlen, HB_ENOMEM, "cannot follow the shell: out of resources");
out:
	if (cmdp[0] >= 0)
		close(cmdp[0]);
	if (cmdp[1] >= 0)
		close(cmdp[1]);
	if (stp[0] >= 0)
		close(stp[0]);
	if (stp[1] >= 0)
		close(stp[1]);
	strv_free(&env);
	return rc;
}

int bash_session_create_route(struct http_conn *c, json_t *body)
{
	struct create_request req;
	struct bash_session *s;
	char err[512];
	int rc;

	if (parse_create(body, &req, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	if (make_room())
		return http_reply_error(c, 503, "%d bash sessions are open; delete one first",
					MAX_SESSIONS);
	s = calloc(1, sizeof(*s));
	if (!s)
		return http_reply_error(c, 500, "out of memory");
	uuid4_str(s->id);
	isotime_format(now_us(), s->created_at);
	s->state = ST_STARTING;
	s->cmd_read_fd = -1;
	s->rows = (unsigned short)req.rows;
	s->cols = (unsigned short)req.cols;
	s->cwd = strdup(req.cwd);
	buf_init(&s->out, 0);
	bash_watch_init(&s->watch);
	bash_session_records_init(&s->records, RECORDS_MAX);
	buf_init(&s->cmd_text, COMMAND_MAX + 1);
	buf_init(&s->held, HELD_MAX);
	s->next = sessions;
	sessions = s;
	nsessions++;
	rc = start_shell(s, &req, err, sizeof(err));
	if (rc) {
		destroy(s);
		if (rc == HB_ENOENT)
			return http_reply_error(c, 422, "cwd: %s", err);
		return http_reply_error(c, 500, "cannot start bash: %s", err);
	}
	/* answered when the init line's record arrives */
	s->waiter = c;
	s->waiter_creates = 1;
	http_defer(c, s, forget_waiter);
	lws_sul_schedule(sandboxd_lws, 0, &s->wait_sul, on_wait_timeout, START_TIMEOUT_US);
	return 0;
}

int bash_session_list_route(struct http_conn *c, json_t *body)
{
	json_t *list = json_array();
	struct bash_session *s;

	for (s = sessions; s && list; s = s->next)
		json_array_append_new(list, session_json(s));
	return http_reply_json(c, 200, list);
}

static struct bash_session *find_or_404(struct http_conn *c)
{
	struct bash_session *s = find(c->params[0]);

	if (!s)
		http_reply_error(c, 404, "bash session \"%.100s\" not found", c->params[0]);
	return s;
}

int bash_session_get_route(struct http_conn *c, json_t *body)
{
	struct bash_session *s = find_or_404(c);

	return s ? http_reply_json(c, 200, session_json(s)) : 0;
}

int bash_session_delete_route(struct http_conn *c, json_t *body)
{
	struct bash_session *s = find_or_404(c);
	struct http_conn *w;

	if (!s)
		return 0;
	if (s->waiter_creates) {
		w = take_waiter(s);
		if (w)
			http_reply_error(w, 500, "bash session %s was deleted while starting", s->id);
	} else if (s->waiter) {
		/* the waiting request learns the shell is gone */
		s->state = ST_EXITED;
		s->has_exit_code = 0;
		answer_waiter(s);
	}
	destroy(s);
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
}

/* A timeout in seconds from body[name]: 0 to MAX_TIMEOUT_S, def when
 * absent or null. */
static int parse_seconds(json_t *body, const char *name, double def, double *v,
			 char *err, size_t errlen)
{
	json_t *j = body ? json_object_get(body, name) : NULL;

	*v = def;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_number(j) || !(json_number_value(j) >= 0) ||
	    json_number_value(j) > MAX_TIMEOUT_S)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: expected a number of seconds from 0 to %.0f", name, MAX_TIMEOUT_S);
	*v = json_number_value(j);
	return 0;
}

/* Waits (or answers now when timeout_s is 0) for the session's next
 * news: the end of the command or of the shell. */
static int wait_or_answer(struct bash_session *s, struct http_conn *c, double timeout_s)
{
	if (s->state != ST_RUNNING || timeout_s <= 0) {
		answer_waiter(s);
		return http_reply_json(c, 200, result_json(s));
	}
	set_waiter(s, c, timeout_s);
	return 0;
}

static int refuse_unready(struct http_conn *c, struct bash_session *s)
{
	if (s->state == ST_STARTING)
		return http_reply_error(c, 409, "bash session %s is still starting", s->id);
	return http_reply_error(c, 409,
				"bash session %s has exited (exit code %d); delete it and create a new one",
				s->id, s->exit_code);
}

static int start_command(struct http_conn *c, struct bash_session *s, const char *text,
			 size_t len, double timeout_s)
{
	char line[256];
	int n = bash_session_trigger_line(line, sizeof(line), s->seq + 1);

	if (len > COMMAND_MAX)
		return http_reply_error(c, 413, "command: %zu bytes is over the %u-byte limit",
					len, COMMAND_MAX);
	if (memchr(text, '\0', len))
		return http_reply_error(c, 422, "command: must not contain NUL characters");
	drop_command_leftover(s);
	if (n < 0 || buf_append(&s->cmd_text, text, len) ||
	    buf_append(&s->cmd_text, "", 1)) {
		buf_reset(&s->cmd_text);
		return http_reply_error(c, 500, "out of memory");
	}
	reset_terminal(s);
	if (child_write_stdin(s->ch, line, (size_t)n)) {
		buf_reset(&s->cmd_text);
		return http_reply_error(c, 503,
					"bash session %s: the terminal's input queue is full", s->id);
	}
	fdwatch_want_write(&s->cmd_w);
	/* the command goes through a pipe, not the terminal: watchers see it
	 * only as shown here */
	bash_watch_output(&s->watch, "$ ", 2);
	bash_watch_output(&s->watch, text, len);
	bash_watch_output(&s->watch, "\n", 1);
	s->seq++;
	s->started = 0;
	s->held_signal = 0;
	buf_free(&s->held);
	s->state = ST_RUNNING;
	s->has_exit_code = 0;
	/* output from before belongs to no command of this answer */
	buf_reset(&s->out);
	s->truncated = 0;
	return wait_or_answer(s, c, timeout_s);
}

static int send_input(struct http_conn *c, struct bash_session *s, const char *text,
		      size_t len, double timeout_s)
{
	struct buf bytes;
	unsigned char key;
	int rc, sig = 0;
	pid_t job;

	buf_init(&bytes, 0);
	if (len && strlen(text) == len && bash_session_key_byte(text, &key))
		sig = key == 0x03 ? SIGINT : key == 0x1c ? SIGQUIT : key == 0x1a ? SIGTSTP : 0;
	if (sig && !s->started && (job = terminal_job(s))) {
		/* the shell has not read this command because a job from the
		 * last one holds the terminal (see pass_key_signal_on): the key
		 * is for that job, and typed it would make the terminal discard
		 * the waiting trigger line */
		kill(-job, sig);
	} else if (len) {
		rc = bash_session_input_bytes(text, len, &bytes);
		if (!rc && s->started) {
			rc = child_write_stdin(s->ch, bytes.data, bytes.len);
			if (!rc && sig)
				s->key_signal = sig;
		} else if (!rc) {
			rc = buf_append(&s->held, bytes.data, bytes.len);
			if (!rc && sig)
				s->held_signal = sig;
		}
		buf_free(&bytes);
		if (rc == HB_ETOOBIG)
			return http_reply_error(c, 413,
						"command: input of %zu bytes does not fit the terminal's 1 MiB input queue",
						len);
		if (rc)
			return http_reply_error(c, 500, "out of memory");
	}
	return wait_or_answer(s, c, timeout_s);
}

int bash_session_run_route(struct http_conn *c, json_t *body)
{
	struct bash_session *s = find_or_404(c);
	const char *text;
	json_t *cmd, *input;
	double timeout_s;
	char err[256];
	size_t len;

	if (!s)
		return 0;
	if (!json_is_object(body))
		return http_reply_error(c, 422,
					"body: expected a JSON object with a \"command\" string");
	cmd = json_object_get(body, "command");
	if (!json_is_string(cmd))
		return http_reply_error(c, 422, "command: expected a string");
	input = json_object_get(body, "is_input");
	if (input && !json_is_boolean(input) && !json_is_null(input))
		return http_reply_error(c, 422, "is_input: expected true or false");
	if (parse_seconds(body, "timeout", DEFAULT_TIMEOUT_S, &timeout_s, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	if (s->state == ST_STARTING || s->state == ST_EXITED || !s->ch)
		return refuse_unready(c, s);
	text = json_string_value(cmd);
	len = json_string_length(cmd);

	if (s->state == ST_RUNNING) {
		if (len && !json_is_true(input))
			return http_reply_error(c, 409,
						"a command is still running in bash session %s: send input to it with "
						"is_input true (\"C-c\" interrupts it), or wait for it with an empty "
						"command or the output route", s->id);
		return send_input(c, s, text, len, timeout_s);
	}
	if (json_is_true(input))
		return http_reply_error(c, 409,
					"no command is running in bash session %s to take input; "
					"send it as a command (is_input false)", s->id);
	return start_command(c, s, text, len, timeout_s);
}

int bash_session_output_route(struct http_conn *c, json_t *body)
{
	struct bash_session *s = find_or_404(c);
	double wait_s = 0;
	char v[64], err[256], *end;

	if (!s)
		return 0;
	if (body && !json_is_object(body))
		return http_reply_error(c, 422, "body: expected a JSON object with an optional \"wait\"");
	if (parse_seconds(body, "wait", 0, &wait_s, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	if (!body && http_query(c, "wait", v, sizeof(v)) >= 0) {
		wait_s = strtod(v, &end);
		if (!*v || *end || !(wait_s >= 0) || wait_s > MAX_TIMEOUT_S)
			return http_reply_error(c, 422,
						"query parameter wait: \"%s\": expected a number of seconds from 0 to %.0f",
						v, MAX_TIMEOUT_S);
	}
	if (s->state == ST_STARTING)
		return refuse_unready(c, s);
	return wait_or_answer(s, c, wait_s);
}

/* ------------------------------------------------------------- watchers */

static int watch_open(struct http_conn *c)
{
	struct bash_session *s = find(c->params[0]);

	if (!s) {
		http_ws_close(c, SANDBOXD_CLOSE_NO_ROUTE, "bash session not found");
		return 0;
	}
	if (bash_watch_add(&s->watch, c) == 0 && s->state == ST_EXITED)
		bash_watch_end(&s->watch, "the shell exited");
	return 0;
}

const struct http_stream_ops bash_session_watch_socket = {
	.on_request = watch_open,
	.on_close = bash_watch_forget,
};
