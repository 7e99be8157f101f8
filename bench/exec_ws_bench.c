/* exec_ws_bench.c — benchmark client for sandboxd's exec WebSocket
 * (WS /api/handbox/exec, docs/exec-websocket.md), driven by
 * bench/exec_roundtrip.py and bench/stream_throughput.py.
 *
 *   --roundtrip N   N commands, each on a new connection; p50/p99 of
 *                   connect → "exit" (after WARMUP_RUNS unmeasured runs)
 *   --stream LINE   one shell line; payload bytes of its output and MB/s
 *                   from "started" to "exit"
 *
 * Built on libwebsockets' client API and jansson, so that no WebSocket,
 * HTTP or JSON parsing is done here. The connection's rx buffer (and lws's
 * read size) is RX_BUFFER_DEFAULT, so each 64 KiB output frame arrives in
 * one callback and the client does little per byte: the server should be
 * the busy side. Usage: exec_ws_bench --help. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libwebsockets.h>

#define EXEC_PATH "/api/handbox/exec"
#define KEY_HEADER "X-Session-API-Key:"
#define WARMUP_RUNS 10
#define RUNS_MAX 1000000L
#define RX_BUFFER_DEFAULT (1u << 20)
#define RX_BUFFER_MIN 128u
#define RX_BUFFER_MAX (64u << 20)
#define SERV_BUF_MIN (16u << 10)      /* lws builds the handshake in it */
#define TEXT_MAX (64u << 10)          /* one JSON message from the server */
#define TIMEOUT_DEFAULT_S 300         /* one connection, connect → close */
#define TIMEOUT_MAX_S (7 * 24 * 3600L)
#define ARGV_MAX 256
#define REASON_MAX 123                /* a close frame's reason text */

struct bench_opts {
	const char *host;
	int port;
	const char *key;              /* "" or NULL: no key header */
	long runs;                    /* --roundtrip N; 0 when streaming */
	const char *stream;           /* --stream LINE, or NULL */
	const char *command;          /* --command LINE, or NULL */
	const char *argv[ARGV_MAX];   /* --argv WORD…, NULL-terminated */
	int argc;
	int json;
	long timeout_s;
	unsigned rx_buffer;
};

/* One connection running one command. conn_reset() prepares it for the
 * next; the start message stays, it is the same for every run. */
struct exec_conn {
	struct lws_context *ctx;
	const struct bench_opts *o;
	struct lws *wsi;
	char *start_text;             /* the start message, as built */
	unsigned char *start_msg;     /* LWS_PRE bytes, then a copy to send:
					 lws masks it in place */
	size_t start_len;
	lws_sorted_usec_list_t timer;

	int ended;                    /* the wsi is gone */
	int established;              /* the WebSocket handshake completed */
	int start_sent;
	int got_started, got_exit;
	int timed_out;
	int64_t t_connect, t_started, t_exit;  /* CLOCK_MONOTONIC, ns */
	int exit_code;
	char exit_signal[32];

	uint64_t bytes;               /* output payload, stream bytes excluded */
	int need_stream_byte;         /* the next binary byte is a stream byte */
	int in_binary;                /* inside a binary message */
	size_t text_len;              /* a text message being joined */
	char text[TEXT_MAX];

	int close_code;               /* the server's close frame, 0 if none */
	char close_reason[REASON_MAX + 1];
	char server_error[512];       /* detail of an "error" message */
	char failure[512];            /* what went wrong here first */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Records the first failure of the connection; later ones are its echoes. */
static void conn_fail(struct exec_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void conn_fail(struct exec_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->failure, sizeof(c->failure), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ messages */

/* Builds {"type":"start", "argv"|"command": …, "stdin": false} into
 * c->start_text, with room to send it in c->start_msg (main frees both).
 * Returns 0 or -1 (out of memory). */
static int start_message_build(struct exec_conn *c)
{
	const struct bench_opts *o = c->o;
	json_t *msg, *argv;
	int i, rc = -1;

	msg = json_pack("{s:s, s:b}", "type", "start", "stdin", 0);
	if (!msg)
		return -1;
	if (o->stream || o->command) {
		if (json_object_set_new(msg, "command",
					json_string(o->stream ? o->stream : o->command)))
			goto out;
	} else {
		argv = json_array();
		if (json_object_set_new(msg, "argv", argv))
			goto out;
		for (i = 0; i < o->argc; i++)
			if (json_array_append_new(argv, json_string(o->argv[i])))
				goto out;
	}
	c->start_text = json_dumps(msg, JSON_COMPACT);
	if (!c->start_text)
		goto out;
	c->start_len = strlen(c->start_text);
	c->start_msg = malloc(LWS_PRE + c->start_len);
	if (c->start_msg)
		rc = 0;
out:
	json_decref(msg);
	return rc;
}

/* A whole text message from the server: "started", "exit" or "error". */
static int text_message(struct exec_conn *c)
{
	json_error_t jerr;
	json_t *msg, *v;
	const char *type;
	int rc = -1;

	msg = json_loadb(c->text, c->text_len, 0, &jerr);
	if (!msg) {
		conn_fail(c, "the server sent a text message that is not JSON: %s", jerr.text);
		return -1;
	}
	type = json_string_value(json_object_get(msg, "type"));
	if (!type) {
		conn_fail(c, "the server sent a message without a \"type\": %.*s",
			  (int)(c->text_len > 200 ? 200 : c->text_len), c->text);
	} else if (!strcmp(type, "started")) {
		c->t_started = now_ns();
		c->got_started = 1;
		rc = 0;
	} else if (!strcmp(type, "exit")) {
		c->t_exit = now_ns();
		v = json_object_get(msg, "exit_code");
		if (!json_is_integer(v)) {
			conn_fail(c, "the server's \"exit\" message has no integer exit_code");
		} else {
			c->exit_code = (int)json_integer_value(v);
			v = json_object_get(msg, "signal");
			snprintf(c->exit_signal, sizeof(c->exit_signal), "%s",
				 json_is_string(v) ? json_string_value(v) : "");
			if (json_is_true(json_object_get(msg, "timed_out")))
				snprintf(c->exit_signal, sizeof(c->exit_signal), "timeout");
			c->got_exit = 1;
			rc = 0;
		}
	} else if (!strcmp(type, "error")) {
		v = json_object_get(msg, "detail");
		snprintf(c->server_error, sizeof(c->server_error), "%s",
			 json_is_string(v) ? json_string_value(v) : "(no detail)");
		rc = 0; /* its close frame follows */
	} else {
		rc = 0; /* a newer server's message: not ours to judge */
	}
	json_decref(msg);
	return rc;
}

/* One CLIENT_RECEIVE: a whole message or a part of one. lws hands a
 * message over in several calls when it is larger than the rx buffer or
 * the server fragmented it; lws_is_first_fragment() marks the first call
 * of a message, lws_is_final_fragment() the last. Only the first byte of
 * a binary message is the stream byte. */
static int receive(struct exec_conn *c, struct lws *wsi, const unsigned char *in,
		   size_t len)
{
	int first = lws_is_first_fragment(wsi);
	int final = lws_is_final_fragment(wsi);

	if (first) {
		c->in_binary = lws_frame_is_binary(wsi);
		c->need_stream_byte = c->in_binary;
		c->text_len = 0;
	}
	if (c->in_binary) {
		if (!c->got_started) {
			conn_fail(c, "the server sent output before \"started\"");
			return -1;
		}
		if (c->need_stream_byte && len) {
			if (in[0] != 1 && in[0] != 2) {
				conn_fail(c, "binary message with stream byte %u (expected 1 or 2)",
					  in[0]);
				return -1;
			}
			c->need_stream_byte = 0;
			len--;
		}
		c->bytes += len;
		if (final && c->need_stream_byte) {
			conn_fail(c, "the server sent an empty binary message");
			return -1;
		}
		return 0;
	}
	/* the rest of the frame is known: refuse an oversized message early */
	if (c->text_len + len + lws_remaining_packet_payload(wsi) > sizeof(c->text)) {
		conn_fail(c, "a text message from the server is over %u bytes", TEXT_MAX);
		return -1;
	}
	memcpy(c->text + c->text_len, in, len);
	c->text_len += len;
	return final ? text_message(c) : 0;
}

/* ---------------------------------------------------------- connection */

static void note_close(struct exec_conn *c, const unsigned char *in, size_t len)
{
	size_t n = len > 2 ? len - 2 : 0;

	c->close_code = len >= 2 ? (in[0] << 8) | in[1] : 1005; /* 1005: none given */
	if (n > REASON_MAX)
		n = REASON_MAX;
	if (n)
		memcpy(c->close_reason, in + 2, n);
	c->close_reason[n] = '\0';
}

static int exec_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	/* protocol-wide reasons come without our connection */
	struct exec_conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	const char *key;
	unsigned char **p;
	int status;

	if (!c)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		key = c->o->key;
		if (!key || !key[0])
			return 0;
		p = in;
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)KEY_HEADER,
						(const unsigned char *)key, (int)strlen(key),
						p, *p + len)) {
			conn_fail(c, "the session key (%zu bytes) does not fit in the handshake",
				  strlen(key));
			return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = 1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->start_sent)
			return 0;
		c->start_sent = 1;
		memcpy(c->start_msg + LWS_PRE, c->start_text, c->start_len);
		if (lws_write(wsi, c->start_msg + LWS_PRE, c->start_len, LWS_WRITE_TEXT) <
		    (int)c->start_len) {
			conn_fail(c, "cannot send the start message");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(c, wsi, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		note_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		status = (int)lws_http_client_http_response(wsi);
		conn_fail(c, "cannot open ws://%s:%d%s: %.*s%s", c->o->host, c->o->port,
			  EXEC_PATH, in ? (int)strnlen(in, len ? len : 200) : 14,
			  in ? (const char *)in : "unknown error",
			  status == 404 ? " (HTTP 404: is it sandboxd on that port?)" :
			  status ? " (an HTTP response, not a WebSocket upgrade)" :
			  " (is sandboxd listening there?)");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		c->wsi = NULL;
		c->ended = 1;
		/* a close from a timer (ours or lws's) happens before lws_service()
		 * polls: without a wake-up it would wait there for up to 30 s */
		lws_cancel_service(c->ctx);
		return 0;
	default:
		return 0;
	}
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct exec_conn *c = lws_container_of(sul, struct exec_conn, timer);

	c->timed_out = 1;
	if (c->wsi)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void conn_reset(struct exec_conn *c)
{
	c->wsi = NULL;
	c->ended = c->established = c->start_sent = c->got_started = c->got_exit = c->timed_out = 0;
	c->t_connect = c->t_started = c->t_exit = 0;
	c->exit_code = 0;
	c->exit_signal[0] = '\0';
	c->bytes = 0;
	c->need_stream_byte = c->in_binary = 0;
	c->text_len = 0;
	c->close_code = 0;
	c->close_reason[0] = c->server_error[0] = c->failure[0] = '\0';
}

/* Runs the command once: connect, start, read to "exit", until the
 * connection has ended. Returns 0 when it exited with status 0, else -1
 * with the reason in err. */
static int conn_run(struct exec_conn *c, char *err, size_t errlen)
{
	const struct bench_opts *o = c->o;
	struct lws_client_connect_info ci;
	char host_header[300];

	conn_reset(c);
	snprintf(host_header, sizeof(host_header), "%s:%d", o->host, o->port);
	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = o->host;
	ci.port = o->port;
	ci.path = EXEC_PATH;
	ci.host = host_header;
	ci.ietf_version_or_minus_one = -1;
	ci.local_protocol_name = "handbox-exec";
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;

	lws_sul_schedule(c->ctx, 0, &c->timer, on_timeout, o->timeout_s * LWS_US_PER_SEC);
	c->t_connect = now_ns();
	/* NULL: the connection failed inside the call (the error callback
	 * may or may not have said why) and the wsi is gone */
	if (!lws_client_connect_via_info(&ci)) {
		c->ended = 1;
		conn_fail(c, "cannot open ws://%s:%d%s (unknown host?)", o->host, o->port,
			  EXEC_PATH);
	}
	while (!c->ended)
		if (lws_service(c->ctx, 0) < 0) {
			conn_fail(c, "the libwebsockets event loop failed");
			break;
		}
	lws_sul_cancel(&c->timer);

	if (c->timed_out && !c->got_exit)
		snprintf(err, errlen, "no \"exit\" within %ld s (see --timeout)", o->timeout_s);
	else if (c->server_error[0])
		snprintf(err, errlen, "the server said: %s (close code %d%s%s)",
			 c->server_error, c->close_code, c->close_reason[0] ? ", " : "",
			 c->close_reason);
	else if (c->failure[0])
		snprintf(err, errlen, "%s", c->failure);
	else if (!c->got_exit && c->close_code == 4001)
		snprintf(err, errlen, "the server closed the connection with code 4001 (%s): "
			 "wrong or missing session key (-k or SESSION_API_KEY)", c->close_reason);
	else if (!c->got_exit && c->close_code)
		snprintf(err, errlen, "the server closed the connection before \"exit\": "
			 "code %d (%s)", c->close_code, c->close_reason);
	else if (!c->established)
		snprintf(err, errlen, "ws://%s:%d%s: no WebSocket handshake reply in time",
			 o->host, o->port, EXEC_PATH);
	else if (!c->got_exit)
		snprintf(err, errlen, "the connection ended before \"exit\", without a close frame");
	else if (!c->got_started)
		snprintf(err, errlen, "the server sent \"exit\" without \"started\"");
	else if (c->exit_code)
		snprintf(err, errlen, "the command exited with status %d%s%s", c->exit_code,
			 c->exit_signal[0] ? ", " : "", c->exit_signal);
	else
		return 0;
	return -1;
}

/* ------------------------------------------------------------- figures */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks, as bench/lib.py does. */
static double percentile(const double *sorted, long n, double p)
{
	double k = (double)(n - 1) * p / 100.0;
	long lo = (long)k, hi = lo + 1 < n ? lo + 1 : n - 1;

	return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - (double)lo);
}

static int roundtrip(struct exec_conn *c)
{
	const struct bench_opts *o = c->o;
	long total = o->runs + WARMUP_RUNS, i;
	double *ms, p50, p99;
	char err[1024];

	ms = calloc((size_t)o->runs, sizeof(*ms));
	if (!ms) {
		fprintf(stderr, "exec_ws_bench: out of memory for %ld timings\n", o->runs);
		return 1;
	}
	for (i = 0; i < total; i++) {
		if (conn_run(c, err, sizeof(err))) {
			fprintf(stderr, "exec_ws_bench: run %ld of %ld: %s\n", i + 1, total, err);
			free(ms);
			return 1;
		}
		if (i >= WARMUP_RUNS)
			ms[i - WARMUP_RUNS] = (double)(c->t_exit - c->t_connect) / 1e6;
	}
	qsort(ms, (size_t)o->runs, sizeof(*ms), cmp_double);
	p50 = percentile(ms, o->runs, 50);
	p99 = percentile(ms, o->runs, 99);
	if (o->json)
		printf("{\"n\": %ld, \"p50_ms\": %.6f, \"p99_ms\": %.6f}\n", o->runs, p50, p99);
	else
		printf("n %ld\np50_ms %.3f\np99_ms %.3f\n", o->runs, p50, p99);
	free(ms);
	return 0;
}

static int stream(struct exec_conn *c)
{
	char err[1024];
	double s;

	if (conn_run(c, err, sizeof(err))) {
		fprintf(stderr, "exec_ws_bench: %s: %s\n", c->o->stream, err);
		return 1;
	}
	s = (double)(c->t_exit - c->t_started) / 1e9;
	if (c->o->json)
		printf("{\"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"MBps\": %.3f}\n",
		       c->bytes, s, (double)c->bytes / s / 1e6);
	else
		printf("bytes %" PRIu64 "\nseconds %.3f\nMBps %.1f\n",
		       c->bytes, s, (double)c->bytes / s / 1e6);
	return 0;
}

/* ------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f,
"usage: exec_ws_bench [options] --roundtrip N [--argv WORD]... | [--command LINE]\n"
"       exec_ws_bench [options] --stream LINE\n"
"Benchmarks sandboxd's exec WebSocket ws://HOST:PORT" EXEC_PATH ".\n"
"  --roundtrip N    run the command N times, each on a new connection, after\n"
"                   %d warm-up runs; print n, p50_ms, p99_ms (connect to \"exit\")\n"
"  --argv WORD      one word of the command's argv (repeat for more; default: true)\n"
"  --command LINE   a shell line instead of --argv\n"
"  --stream LINE    run one shell line; print the output's payload bytes,\n"
"                   seconds and MBps (10^6 bytes/s) from \"started\" to \"exit\"\n"
"  --json           print the figures as one JSON object\n"
"  -H HOST          server address (default 127.0.0.1)\n"
"  -p PORT          server port (default 8000)\n"
"  -k KEY           session key (default $SESSION_API_KEY; none if unset)\n"
"  --timeout S      give up on a connection after S seconds (default %d)\n"
"  --rx-buffer B    client rx buffer in bytes (default %u)\n"
"  -h, --help       this text\n"
"Exit status: 0, 1 if a run failed, 2 for bad options.\n",
		WARMUP_RUNS, TIMEOUT_DEFAULT_S, RX_BUFFER_DEFAULT);
}

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "exec_ws_bench: %s \"%s\": expected a whole number from %ld to %ld\n",
			opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Returns 0, 1 after --help, or 2 for bad options (said on stderr). */
static int parse_options(struct bench_opts *o, int argc, char **argv)
{
	enum { OPT_ROUNDTRIP = 256, OPT_ARGV, OPT_COMMAND, OPT_STREAM, OPT_JSON,
	       OPT_TIMEOUT, OPT_RX_BUFFER };
	static const struct option longopts[] = {
		{ "roundtrip", required_argument, NULL, OPT_ROUNDTRIP },
		{ "argv", required_argument, NULL, OPT_ARGV },
		{ "command", required_argument, NULL, OPT_COMMAND },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "rx-buffer", required_argument, NULL, OPT_RX_BUFFER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 8000;
	o->key = getenv("SESSION_API_KEY");
	o->timeout_s = TIMEOUT_DEFAULT_S;
	o->rx_buffer = RX_BUFFER_DEFAULT;
	while ((ch = getopt_long(argc, argv, "H:p:k:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			if (parse_long("-p", optarg, 1, 65535, &v))
				return 2;
			o->port = (int)v;
			break;
		case 'k':
			o->key = optarg;
			break;
		case OPT_ROUNDTRIP:
			if (parse_long("--roundtrip", optarg, 1, RUNS_MAX, &o->runs))
				return 2;
			break;
		case OPT_ARGV:
			if (o->argc == ARGV_MAX - 1) {
				fprintf(stderr, "exec_ws_bench: more than %d --argv words\n",
					ARGV_MAX - 1);
				return 2;
			}
			o->argv[o->argc++] = optarg;
			break;
		case OPT_COMMAND:
			o->command = optarg;
			break;
		case OPT_STREAM:
			o->stream = optarg;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_long("--timeout", optarg, 1, TIMEOUT_MAX_S, &o->timeout_s))
				return 2;
			break;
		case OPT_RX_BUFFER:
			if (parse_long("--rx-buffer", optarg, RX_BUFFER_MIN, RX_BUFFER_MAX, &v))
				return 2;
			o->rx_buffer = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "exec_ws_bench: unexpected argument \"%s\" (see --help)\n",
			argv[optind]);
		return 2;
	}
	if (!o->runs == !o->stream) {
		fprintf(stderr, "exec_ws_bench: give exactly one of --roundtrip N and --stream LINE\n");
		return 2;
	}
	if (o->stream && (o->argc || o->command)) {
		fprintf(stderr, "exec_ws_bench: --argv and --command go with --roundtrip, "
			"--stream takes its own shell line\n");
		return 2;
	}
	if (o->argc && o->command) {
		fprintf(stderr, "exec_ws_bench: give --argv or --command, not both\n");
		return 2;
	}
	if (o->runs && !o->argc && !o->command)
		o->argv[o->argc++] = "true";
	return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_protocols protocols[2];
	struct bench_opts o;
	struct exec_conn *c;
	int rc;

	rc = parse_options(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;

	c = calloc(1, sizeof(*c));
	if (c)
		c->o = &o;
	if (!c || start_message_build(c)) {
		fprintf(stderr, "exec_ws_bench: out of memory\n");
		rc = 1;
		goto out;
	}

	/* lws's own messages would repeat ours (connection refused…) */
	lws_set_log_level(LLL_ERR, NULL);
	memset(protocols, 0, sizeof(protocols));
	protocols[0].name = "handbox-exec";
	protocols[0].callback = exec_callback;
	protocols[0].rx_buffer_size = o.rx_buffer;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 64;
	/* lws reads at most this much per read(), whatever the rx buffer;
	 * it also holds the handshake */
	info.pt_serv_buf_size = o.rx_buffer > SERV_BUF_MIN ? o.rx_buffer : SERV_BUF_MIN;
	c->ctx = lws_create_context(&info);
	if (!c->ctx) {
		fprintf(stderr, "exec_ws_bench: cannot create the libwebsockets context\n");
		rc = 1;
		goto out;
	}

	rc = o.runs ? roundtrip(c) : stream(c);
	lws_context_destroy(c->ctx);
out:
	if (c) {
		free(c->start_msg);
		free(c->start_text);
	}
	free(c);
	return rc;
}
