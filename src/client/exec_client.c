/* exec_client.c — sandbox_exec(): one command run in a sandbox through
 * sandboxd's exec WebSocket (docs/exec-websocket.md), seen from the host:
 * its output written to our stdout and stderr as it comes, our stdin, our
 * terminal's size and our signals passed on. docs/sandbox-client.md says
 * how it behaves.
 *
 * One libwebsockets client context per call runs everything on this
 * thread: the WebSocket, a duplicate of our stdin and a signalfd, both
 * adopted as raw descriptors. Memory is bounded whatever either side
 * does: output is written out before the next frame is read (a slow
 * stdout slows the sandbox's command through TCP), a text message is
 * capped, at most one chunk of stdin is read ahead of the socket, and
 * signals and resizes waiting to be sent are flags, not a queue. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "client/client_conn.h"
#include "client/sandbox_client.h"
#include "client/term.h"
#include "client/ws_target.h"
#include "common/buf.h"
#include "common/fdio.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

#define RX_BUFFER (2 * SANDBOXD_EXEC_FRAME_MAX) /* an output frame in one callback */
#define TEXT_MAX (64u << 10)         /* one JSON message from sandboxd */
#define STDIN_CHUNK (64u << 10)      /* read ahead of the socket at most */
#define CONNECT_TIMEOUT_S 20         /* TCP connect and WebSocket handshake */
#define PING_AFTER_S 30              /* a quiet connection is pinged ... */
#define HANGUP_AFTER_S 90            /* ... and dropped when nothing answers */
#define SIGINT_GIVE_UP 3             /* the 3rd SIGINT closes the connection */
#define DETAIL_MAX 1024
#define REASON_MAX 123               /* a close frame's reason text */

struct exec_client {
	const struct sandbox_conn *conn;
	const struct hb_exec_options *o;
	struct hb_exec_status *res;
	struct lws_context *ctx;
	struct lws *ws;              /* the WebSocket; NULL once it is gone */
	struct lws *in_wsi;          /* our stdin's duplicate, while read */
	struct lws *sig_wsi;         /* the signalfd */
	int ended;                   /* the WebSocket is gone */

	unsigned char *start;        /* LWS_PRE bytes, then the start message */
	size_t start_len;
	bool start_sent;

	/* stdin: one chunk read ahead at most */
	unsigned char in_chunk[LWS_PRE + STDIN_CHUNK];
	size_t in_len;
	bool in_eof;                 /* read to the end: "eof" follows the chunk */
	bool eof_sent;
	bool in_hup;                 /* lws dropped the duplicate on hang-up */

	uint64_t sig_pending;        /* bit n - 1: forward signal n */
	bool resize_pending;
	unsigned short rows, cols;
	int sigints;
	bool gave_up;                /* SIGINT_GIVE_UP SIGINTs: we closed */

	bool established, got_started, got_exit;
	bool in_binary, need_stream; /* inside a binary message */
	int out_fd;                  /* where its bytes go: 1 or 2 */
	bool broken_pipe;            /* our stdout or stderr reader has gone */
	struct buf text;             /* a text message being joined */

	int http_status;             /* a refused upgrade's HTTP status */
	int close_code;
	char close_reason[REASON_MAX + 1];
	char server_error[DETAIL_MAX];  /* an "error" message's detail */
	int fail_code;               /* what went wrong here first */
	char failure[DETAIL_MAX];
};

/* Records the first failure here; later ones are its echoes. Returns -1
 * for callbacks to return (lws then closes the connection). */
static int client_fail(struct exec_client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int client_fail(struct exec_client *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->fail_code)
		return -1;
	c->fail_code = code;
	va_start(ap, fmt);
	vsnprintf(c->failure, sizeof(c->failure), fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------- the start message */

static int start_add_env(json_t *msg, const char *const *env, char *err,
			 size_t errlen)
{
	json_t *obj = json_object();
	const char *eq;
	char name[256];
	size_t n;

	if (!obj || json_object_set_new(msg, "env", obj))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	for (; *env; env++) {
		eq = strchr(*env, '=');
		n = eq ? (size_t)(eq - *env) : 0;
		if (!eq || !n || n >= sizeof(name))
			return hb_fail(err, errlen, HB_EINVAL,
				       "environment \"%s\": expected NAME=VALUE", *env);
		memcpy(name, *env, n);
		name[n] = '\0';
		if (json_object_set_new(obj, name, json_string(eq + 1)))
			return hb_fail(err, errlen, HB_EINVAL,
				       "environment \"%s\": the value is not UTF-8 text", *env);
	}
	return 0;
}

/* {"type":"start", …} as docs/exec-websocket.md describes it, into
 * c->start (LWS_PRE bytes of room in front; freed by the caller). */
static int start_build(struct exec_client *c, char *err, size_t errlen)
{
	const struct hb_exec_options *o = c->o;
	json_t *msg, *argv, *pty;
	char *text = NULL;
	int rc = HB_ENOMEM;
	size_t i;

	if (!o->argv == !o->command || (o->argv && !o->argv[0]))
		return hb_fail(err, errlen, HB_EINVAL,
			       "exec: give a command: an argv or a shell line, not both");
	if (o->timeout_s < 0 || isnan(o->timeout_s) || o->timeout_s > SANDBOXD_TIMEOUT_MAX_S)
		return hb_fail(err, errlen, HB_EINVAL,
			       "timeout %g: expected seconds above 0 and at most %.0f (0: none)",
			       o->timeout_s, SANDBOXD_TIMEOUT_MAX_S);
	if (o->cwd && o->cwd[0] != '/')
		return hb_fail(err, errlen, HB_EINVAL,
			       "working directory \"%s\": expected an absolute path", o->cwd);
	msg = json_pack("{s:s, s:b}", "type", "start", "stdin", o->forward_stdin);
	if (!msg)
		return hb_fail(err, errlen, rc, "out of memory");
	if (o->argv) {
		argv = json_array();
		if (json_object_set_new(msg, "argv", argv))
			goto nomem;
		for (i = 0; o->argv[i]; i++) {
			if (json_array_append_new(argv, json_string(o->argv[i]))) {
				rc = hb_fail(err, errlen, HB_EINVAL,
					     "argument %zu of the command is not UTF-8 text", i);
				goto out;
			}
		}
	} else if (json_object_set_new(msg, "command", json_string(o->command))) {
		rc = hb_fail(err, errlen, HB_EINVAL, "the command is not UTF-8 text");
		goto out;
	}
	if ((o->cwd && json_object_set_new(msg, "cwd", json_string(o->cwd))) ||
	    (o->user && json_object_set_new(msg, "user", json_string(o->user)))) {
		rc = hb_fail(err, errlen, HB_EINVAL,
			     "the working directory or user is not UTF-8 text");
		goto out;
	}
	if (o->env && (rc = start_add_env(msg, o->env, err, errlen)))
		goto out;
	if (o->pty) {
		/* without a terminal of ours, sandboxd's 24×80 */
		if (term_size(&c->rows, &c->cols))
			pty = json_pack("{s:i, s:i}", "rows", c->rows, "cols", c->cols);
		else
			pty = json_true();
		if (json_object_set_new(msg, "pty", pty))
			goto nomem;
	}
	if (o->timeout_s > 0 && json_object_set_new(msg, "timeout", json_real(o->timeout_s)))
		goto nomem;
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		goto nomem;
	c->start_len = strlen(text);
	c->start = malloc(LWS_PRE + c->start_len);
	if (!c->start)
		goto nomem;
	memcpy(c->start + LWS_PRE, text, c->start_len);
	rc = 0;
	goto out;
nomem:
	rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
out:
	free(text);
	json_decref(msg);
	return rc;
}

/* ------------------------------------------------------------ sending */

static void want_write(struct exec_client *c)
{
	if (c->ws && c->established)
		lws_callback_on_writable(c->ws);
}

/* Sends msg (taken over) as one text message. */
static int send_json(struct exec_client *c, struct lws *wsi, json_t *msg)
{
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	unsigned char *frame = NULL;
	size_t len;
	int rc = -1;

	json_decref(msg);
	if (text) {
		len = strlen(text);
		frame = malloc(LWS_PRE + len);
	}
	if (!frame) {
		client_fail(c, HB_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(frame + LWS_PRE, text, len);
	if (lws_write(wsi, frame + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
		client_fail(c, HB_EIO, "cannot send to sandboxd at %s", c->conn->url);
	else
		rc = 0;
out:
	free(frame);
	free(text);
	return rc;
}

static void stdin_read_direct(struct exec_client *c);

/* One message per writeable callback, in this order: start, signals, a
 * resize, stdin, eof. */
static int send_next(struct exec_client *c, struct lws *wsi)
{
	int sig, rc = 0;

	if (!c->start_sent) {
		c->start_sent = true;
		if (lws_write(wsi, c->start + LWS_PRE, c->start_len, LWS_WRITE_TEXT) <
		    (int)c->start_len)
			return client_fail(c, HB_EIO, "cannot send to sandboxd at %s",
					   c->conn->url);
	} else if (c->gave_up) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	} else if (c->sig_pending) {
		sig = __builtin_ctzll(c->sig_pending) + 1;
		c->sig_pending &= ~(1ULL << (sig - 1));
		rc = send_json(c, wsi, json_pack("{s:s, s:i}", "type", "signal", "signal", sig));
	} else if (c->resize_pending) {
		c->resize_pending = false;
		rc = send_json(c, wsi, json_pack("{s:s, s:i, s:i}", "type", "resize",
						 "rows", c->rows, "cols", c->cols));
	} else if (c->in_len) {
		if (lws_write(wsi, c->in_chunk + LWS_PRE, c->in_len, LWS_WRITE_BINARY) <
		    (int)c->in_len)
			return client_fail(c, HB_EIO, "cannot send stdin to sandboxd at %s",
					   c->conn->url);
		c->in_len = 0;
		/* lws holds what the socket did not take, and calls again only
		 * once it has gone: reading on now keeps one chunk ahead */
		if (c->in_wsi)
			lws_rx_flow_control(c->in_wsi, 1);
		else if (c->in_hup)
			stdin_read_direct(c);
	} else if (c->in_eof && !c->eof_sent) {
		c->eof_sent = true;
		rc = send_json(c, wsi, json_pack("{s:s}", "type", "eof"));
	}
	if (rc)
		return -1;
	if (c->gave_up || c->sig_pending || c->resize_pending || c->in_len ||
	    (c->in_eof && !c->eof_sent))
		lws_callback_on_writable(wsi);
	return 0;
}

/* -------------------------------------------------------------- stdin */

/* What a read of stdin gave: a chunk to send, or the end. */
static void stdin_got(struct exec_client *c, ssize_t n)
{
	if (n > 0)
		c->in_len = (size_t)n;
	else
		c->in_eof = true;
	want_write(c);
}

/* lws closes a descriptor on POLLHUP (a pipe whose writer has gone, even
 * with bytes left in it): the rest is read from fd 0 itself, which a hung
 * up pipe or terminal answers at once. */
static void stdin_read_direct(struct exec_client *c)
{
	ssize_t n;

	if (c->in_len || c->in_eof)
		return;
	do
		n = read(STDIN_FILENO, c->in_chunk + LWS_PRE, STDIN_CHUNK);
	while (n < 0 && errno == EINTR);
	stdin_got(c, n);
}

static int stdin_readable(struct exec_client *c, struct lws *wsi)
{
	ssize_t n;

	if (c->in_len || c->got_exit) {
		lws_rx_flow_control(wsi, 0);
		return 0;
	}
	n = read(lws_get_socket_fd(wsi), c->in_chunk + LWS_PRE, STDIN_CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	stdin_got(c, n);
	if (n <= 0)
		return -1;  /* the end (or a read error, taken as the end) */
	lws_rx_flow_control(wsi, 0);
	return 0;
}

/* ------------------------------------------------------------ signals */

/* The signals sent on to the command, SIGWINCH (our size) and SIGPIPE. */
static void signals_set(sigset_t *set)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(set, fwd[i]);
	sigaddset(set, SIGWINCH);
	/* a reader of our stdout that goes away: EPIPE, not death */
	sigaddset(set, SIGPIPE);
}

static int signals_readable(struct exec_client *c, struct lws *wsi)
{
	struct signalfd_siginfo si;
	ssize_t n;
	int sig;

	while ((n = read(lws_get_socket_fd(wsi), &si, sizeof(si))) == sizeof(si)) {
		sig = (int)si.ssi_signo;
		if (sig == SIGWINCH) {
			if (c->o->pty && term_size(&c->rows, &c->cols))
				c->resize_pending = true;
		} else if (sig != SIGPIPE && sig >= 1 && sig <= 64) {
			c->sig_pending |= 1ULL << (sig - 1);
			/* a command that ignores SIGINT: Ctrl-C thrice gets us
			 * out, and closing the socket kills it */
			if (sig == SIGINT && ++c->sigints >= SIGINT_GIVE_UP)
				c->gave_up = true;
		}
	}
	if (c->gave_up && (!c->ws || !c->established)) {
		if (c->ws)
			lws_set_timeout(c->ws, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return 0;
	}
	want_write(c);
	return 0;
}

/* ----------------------------------------------------------- receiving */

static int write_output(struct exec_client *c, const unsigned char *data, size_t len)
{
	int e;

	if (c->broken_pipe || !len)
		return 0;
	if (c->o->output)
		e = c->o->output(c->o->output_arg, c->out_fd, data, len) ? EPIPE : 0;
	else
		e = fd_write_all(c->out_fd, data, len) ? errno : 0;
	if (!e)
		return 0;
	if (e == EPIPE) {
		/* as a local command would die of SIGPIPE: the connection
		 * closes, which kills the sandbox's command */
		c->broken_pipe = true;
		return -1;
	}
	return client_fail(c, HB_EIO, "cannot write the command's output to %s: %s",
			   c->out_fd == 2 ? "stderr" : "stdout", strerror(e));
}

static void step(struct exec_client *c, enum hb_exec_step s)
{
	if (c->o->on_step)
		c->o->on_step(c->o->step_arg, s);
}

static void copy_string(char *out, size_t outlen, json_t *v)
{
	snprintf(out, outlen, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int text_message(struct exec_client *c)
{
	struct hb_exec_status *res = c->res;
	json_error_t jerr;
	const char *type;
	json_t *m, *v;
	int rc = 0;

	m = json_loadb(c->text.data, c->text.len, 0, &jerr);
	type = m ? json_string_value(json_object_get(m, "type")) : NULL;
	if (!type) {
		rc = client_fail(c, HB_EIO, "sandboxd at %s sent a message that is not "
				 "an exec protocol message (%s)", c->conn->url,
				 m ? "no \"type\"" : jerr.text);
	} else if (!strcmp(type, "started")) {
		c->got_started = true;
		step(c, HB_EXEC_STARTED);
	} else if (!strcmp(type, "exit")) {
		v = json_object_get(m, "exit_code");
		if (!json_is_integer(v)) {
			rc = client_fail(c, HB_EIO, "sandboxd at %s sent an \"exit\" message "
					 "without an exit_code", c->conn->url);
		} else {
			c->got_exit = true;
			step(c, HB_EXEC_EXITED);
			res->exit_code = (int)json_integer_value(v);
			copy_string(res->signal, sizeof(res->signal), json_object_get(m, "signal"));
			res->timed_out = json_is_true(json_object_get(m, "timed_out"));
			res->oom_killed = json_is_true(json_object_get(m, "oom_killed"));
		}
	} else if (!strcmp(type, "error")) {
		v = json_object_get(m, "detail");
		copy_string(c->server_error, sizeof(c->server_error), v);
		if (!c->server_error[0])
			snprintf(c->server_error, sizeof(c->server_error), "(no detail)");
	}
	/* any other type is a newer sandboxd's: not ours to judge */
	json_decref(m);
	buf_reset(&c->text);
	return rc;
}

/* A whole message or a part of one (lws hands a message over in several
 * calls when it is larger than the rx buffer or was fragmented); only the
 * first byte of a binary message is its stream. */
static int receive(struct exec_client *c, struct lws *wsi, const unsigned char *in,
		   size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		c->in_binary = lws_frame_is_binary(wsi);
		c->need_stream = c->in_binary;
		buf_reset(&c->text);
	}
	if (!c->in_binary) {
		if (buf_append(&c->text, in, len))
			return client_fail(c, HB_ETOOBIG, "sandboxd at %s sent a message "
					   "over %u bytes", c->conn->url, TEXT_MAX);
		return lws_is_final_fragment(wsi) ? text_message(c) : 0;
	}
	if (c->need_stream && len) {
		if (in[0] != 1 && in[0] != 2)
			return client_fail(c, HB_EIO, "sandboxd at %s sent output of stream %u "
					   "(expected 1 or 2)", c->conn->url, in[0]);
		c->out_fd = in[0];
		c->need_stream = false;
		in++;
		len--;
	}
	return write_output(c, in, len);
}

/* ---------------------------------------------------------- callbacks */

static void note_close(struct exec_client *c, const unsigned char *in, size_t len)
{
	size_t n = len > 2 ? len - 2 : 0;

	c->close_code = len >= 2 ? (in[0] << 8) | in[1] : 1005; /* 1005: none given */
	if (n > REASON_MAX)
		n = REASON_MAX;
	memcpy(c->close_reason, in + 2, n);
	c->close_reason[n] = '\0';
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	/* only the WebSocket carries c: lws also tells protocols[0] of
	 * other descriptors' creation and destruction */
	struct exec_client *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	const char *key;
	unsigned char **p;

	if (!c)
		return 0;
	key = c->conn->session_api_key;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!key || !key[0])
			return 0;
		p = in;
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)SANDBOXD_KEY_HEADER ":",
						(const unsigned char *)key, (int)strlen(key),
						p, *p + len))
			return client_fail(c, HB_EINVAL, "the session key (%zu bytes) is too long",
					   strlen(key));
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = true;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return send_next(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(c, wsi, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		note_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c->http_status = (int)lws_http_client_http_response(wsi);
		if (!c->failure[0] && in)
			snprintf(c->failure, sizeof(c->failure), "%.*s",
				 (int)strnlen(in, len ? len : 200), (const char *)in);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		c->ws = NULL;
		c->ended = 1;
		/* a close from a timer happens outside poll(): wake it */
		lws_cancel_service(c->ctx);
		return 0;
	default:
		return 0;
	}
}

static int fd_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct exec_client *c = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (wsi == c->sig_wsi)
			return signals_readable(c, wsi);
		if (wsi == c->in_wsi)
			return stdin_readable(c, wsi);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (wsi == c->sig_wsi)
			c->sig_wsi = NULL;
		if (wsi == c->in_wsi) {
			c->in_wsi = NULL;
			/* not when the context goes: the command has ended */
			if (!c->in_eof && !c->ended) {
				c->in_hup = true;
				stdin_read_direct(c);
			}
		}
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------- the run */

static struct lws *adopt(struct exec_client *c, int fd)
{
	lws_sock_file_fd_type u;
	struct lws *wsi;

	u.filefd = (lws_filefd_type)(intptr_t)fd;
	wsi = lws_adopt_descriptor_vhost(lws_get_vhost_by_name(c->ctx, "default"),
					 LWS_ADOPT_RAW_FILE_DESC, u, "handbox-exec-fd", NULL);
	if (!wsi)
		close(fd);
	return wsi;
}

static int context_create(struct exec_client *c, bool tls, char *err, size_t errlen)
{
	static const struct lws_protocols protocols[] = {
		{ "handbox-exec", ws_callback, 0, RX_BUFFER, 0, NULL, 0 },
		{ "handbox-exec-fd", fd_callback, 0, 0, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 },
	};
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = c;
	info.fd_limit_per_thread = 16;
	info.pt_serv_buf_size = RX_BUFFER;
	info.timeout_secs = CONNECT_TIMEOUT_S;
	if (tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* its own messages (connection refused…) would repeat ours */
	lws_set_log_level(LLL_ERR, NULL);
	c->ctx = lws_create_context(&info);
	if (!c->ctx)
		return hb_fail(err, errlen, HB_ENOMEM, "cannot create a libwebsockets context");
	return 0;
}

static int connect_ws(struct exec_client *c, const struct ws_target *t)
{
	static const lws_retry_bo_t idle = {
		.secs_since_valid_ping = PING_AFTER_S,
		.secs_since_valid_hangup = HANGUP_AFTER_S,
	};
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = t->host;
	ci.port = t->port;
	ci.path = t->path;
	ci.host = t->host_header;
	ci.origin = t->host_header;
	ci.ssl_connection = t->tls ? LCCSCF_USE_SSL : 0;
	ci.ietf_version_or_minus_one = -1;
	ci.local_protocol_name = "handbox-exec";
	ci.retry_and_idle_policy = &idle;
	ci.pwsi = &c->ws;
	ci.opaque_user_data = c;
	step(c, HB_EXEC_CONNECTING);
	/* NULL: it failed inside the call, and the wsi is gone */
	if (!lws_client_connect_via_info(&ci)) {
		c->ended = 1;
		return -1;
	}
	return 0;
}

/* The outcome, once the connection has ended. */
static int outcome(struct exec_client *c, char *err, size_t errlen)
{
	const char *url = c->conn->url, *d = c->server_error;
	struct hb_exec_status *res = c->res;

	if (c->broken_pipe) {
		res->exit_code = 128 + SIGPIPE;
		snprintf(res->signal, sizeof(res->signal), "SIGPIPE");
		res->timed_out = res->oom_killed = false;
		return 0;
	}
	if (c->got_exit)
		return 0;
	if (c->fail_code)
		return hb_fail(err, errlen, c->fail_code, "%s", c->failure);
	if (c->gave_up)
		return hb_fail(err, errlen, HB_EIO, "interrupted: the command did not end after "
			       "%d SIGINTs, so the connection was closed (which kills it)",
			       SIGINT_GIVE_UP);
	if (d[0]) {
		switch (c->close_code) {
		case SANDBOXD_CLOSE_BAD_MESSAGE:
			return hb_fail(err, errlen, HB_EINVAL, "sandboxd refused the command: %s",
				       d);
		case SANDBOXD_CLOSE_BUSY:
			return hb_fail(err, errlen, HB_EBUSY, "sandboxd is busy: %s", d);
		case SANDBOXD_CLOSE_FAILED:
			if (strstr(c->close_reason, "did not start"))
				return hb_fail(err, errlen, strstr(d, "No such file") ? HB_ENOENT :
					       strstr(d, "ermission denied") ? HB_EPERM : HB_EIO,
					       "the command did not start: %s", d);
			/* fall through */
		default:
			return hb_fail(err, errlen, HB_EIO, "sandboxd failed: %s", d);
		}
	}
	if (c->close_code == SANDBOXD_CLOSE_AUTH)
		return hb_fail(err, errlen, HB_EPERM, "the sandbox refused the session key");
	if (c->close_code)
		return hb_fail(err, errlen, HB_EIO, "sandboxd at %s closed the connection before "
			       "the command ended (code %d%s%s)", url, c->close_code,
			       c->close_reason[0] ? ", " : "", c->close_reason);
	if (c->http_status == 401 || c->http_status == 403)
		return hb_fail(err, errlen, HB_EPERM, "the sandbox refused the session key "
			       "(HTTP %d)", c->http_status);
	if (c->http_status)
		return hb_fail(err, errlen, HB_EIO, "%s answers HTTP %d to %s, not a WebSocket: "
			       "is it sandboxd?", url, c->http_status, SANDBOXD_ROUTE_EXEC);
	if (!c->established)
		return hb_fail(err, errlen, HB_EIO, "sandboxd does not answer at %s%s%s", url,
			       c->failure[0] ? ": " : "", c->failure);
	return hb_fail(err, errlen, HB_EIO, "the connection to sandboxd at %s broke before "
		       "the command ended", url);
}

/* Pending blocked signals would reach us once unblocked: they were meant
 * for the command, and are dropped. */
static void signals_drain(const sigset_t *set)
{
	static const struct timespec zero = { 0, 0 };

	while (sigtimedwait(set, NULL, &zero) > 0)
		;
}

int sandbox_exec(const struct sandbox_conn *conn, const struct hb_exec_options *o,
		 struct hb_exec_status *res, char *err, size_t errlen)
{
	struct term_state term = { .raw = false };
	struct exec_client *c;
	struct ws_target t;
	sigset_t set, old;
	int rc, sfd, in_flags = -1, in_dup;
	bool masked = false;

	memset(res, 0, sizeof(*res));
	rc = client_conn_check(conn, err, errlen);
	if (rc)
		return rc;
	rc = ws_target_parse(conn->url, SANDBOXD_ROUTE_EXEC, "sandbox URL", &t, err,
			     errlen);
	if (rc)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c) {
		ws_target_free(&t);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	c->conn = conn;
	c->o = o;
	c->res = res;
	c->out_fd = 1;
	buf_init(&c->text, TEXT_MAX);
	if ((rc = start_build(c, err, errlen)) ||
	    (rc = context_create(c, t.tls, err, errlen)))
		goto out;

	signals_set(&set);
	if (!o->output) {
		pthread_sigmask(SIG_BLOCK, &set, &old);
		masked = true;
		sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (sfd < 0 || !(c->sig_wsi = adopt(c, sfd))) {
			rc = hb_fail(err, errlen, HB_EIO, "cannot watch signals: %s",
				     strerror(errno));
			goto out;
		}
	}
	if (o->forward_stdin) {
		/* lws makes what it adopts non-blocking, which is the open
		 * file a terminal shares with our shell: restored below */
		in_flags = fcntl(STDIN_FILENO, F_GETFL);
		in_dup = in_flags < 0 ? -1 : fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		if (in_dup < 0 || !(c->in_wsi = adopt(c, in_dup)))
			c->in_eof = true; /* no stdin: the command reads its end */
		/* raw: keys (Ctrl-C too) go to the sandbox's terminal */
		if (o->pty && (errno = term_raw_begin(&term, STDIN_FILENO))) {
			rc = hb_fail(err, errlen, HB_EIO, "cannot put the terminal in raw mode: %s",
				     strerror(errno));
			goto out;
		}
	}
	if (connect_ws(c, &t) == 0)
		while (!c->ended)
			if (lws_service(c->ctx, 0) < 0) {
				client_fail(c, HB_EIO, "the libwebsockets event loop failed");
				break;
			}
	rc = outcome(c, err, errlen);
out:
	term_raw_end(&term);
	if (c->ctx)
		lws_context_destroy(c->ctx);
	if (in_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, in_flags);
	if (masked) {
		signals_drain(&set);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	buf_free(&c->text);
	free(c->start);
	free(c);
	ws_target_free(&t);
	return rc;
}
