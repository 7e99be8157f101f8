/* exec_ws_bench.c — benchmark client for sandboxd's exec WebSocket
 * (WS /api/handbox/exec, docs/exec-websocket.md), driven by
 * bench/exec_roundtrip.py and bench/stream_throughput.py.
 *
 *   --roundtrip N   N commands, each on a new connection; p50/p99 of
 *                   connect → "exit" (after WARMUP_RUNS unmeasured runs)
 *   --stream LINE   one shell line; payload bytes of its output and MB/s
 *                   from "started" to "exit"
 *
 * The runs go through src/client's sandbox_exec(), the client the CLI and
 * the SDK use, so the figures are those of the real client: its on_step
 * hook marks the moments timed, and its output sink counts the output
 * instead of writing it. Usage: exec_ws_bench --help. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/sandbox_client.h"
#include "common/sandboxd_wire.h"

#define WARMUP_RUNS 10
#define RUNS_MAX 1000000L
#define ARGV_MAX 256
#define URL_MAX 300

struct bench_opts {
	const char *host;
	int port;
	const char *key;              /* "" or NULL: no key header */
	long runs;                    /* --roundtrip N; 0 when streaming */
	const char *stream;           /* --stream LINE, or NULL */
	const char *command;          /* --command LINE, or NULL */
	char *argv[ARGV_MAX];         /* --argv WORD…, NULL-terminated */
	int argc;
	int json;
	long timeout_s;               /* 0: none */
};

/* What one run saw, from the client's hooks. */
struct run_marks {
	int64_t t_connect, t_started, t_exit;  /* CLOCK_MONOTONIC, ns */
	uint64_t bytes;                        /* output payload */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_step(void *arg, enum hb_exec_step step)
{
	struct run_marks *m = arg;

	switch (step) {
	case HB_EXEC_CONNECTING:
		m->t_connect = now_ns();
		break;
	case HB_EXEC_STARTED:
		m->t_started = now_ns();
		break;
	case HB_EXEC_EXITED:
		m->t_exit = now_ns();
		break;
	}
}

/* The output is counted, not kept: the server should be the busy side. */
static int count_output(void *arg, int fd, const void *data, size_t len)
{
	((struct run_marks *)arg)->bytes += len;
	return 0;
}

/* Runs the command once. Returns 0 when it exited with status 0, else -1
 * with the reason in err. */
static int run_once(const struct bench_opts *o, struct run_marks *m, char *err,
		    size_t errlen)
{
	char url[URL_MAX];
	struct sandbox_conn conn = { url, o->key };
	struct hb_exec_options eo = {
		.argv = o->argc ? o->argv : NULL,
		.command = o->stream ? o->stream : o->command,
		.timeout_s = (double)o->timeout_s,
		.output = count_output, .output_arg = m,
		.on_step = on_step, .step_arg = m,
	};
	struct hb_exec_status res;

	memset(m, 0, sizeof(*m));
	snprintf(url, sizeof(url), "http://%s:%d", o->host, o->port);
	if (sandbox_exec(&conn, &eo, &res, err, errlen))
		return -1;
	if (res.timed_out)
		snprintf(err, errlen, "no \"exit\" within %ld s (see --timeout)", o->timeout_s);
	else if (!m->t_started)
		snprintf(err, errlen, "the server sent \"exit\" without \"started\"");
	else if (res.exit_code)
		snprintf(err, errlen, "the command exited with status %d%s%s", res.exit_code,
			 res.signal[0] ? ", " : "", res.signal);
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

static int roundtrip(const struct bench_opts *o)
{
	long total = o->runs + WARMUP_RUNS, i;
	struct run_marks m;
	double *ms, p50, p99;
	char err[1024];

	ms = calloc((size_t)o->runs, sizeof(*ms));
	if (!ms) {
		fprintf(stderr, "exec_ws_bench: out of memory for %ld timings\n", o->runs);
		return 1;
	}
	for (i = 0; i < total; i++) {
		if (run_once(o, &m, err, sizeof(err))) {
			fprintf(stderr, "exec_ws_bench: run %ld of %ld: %s\n", i + 1, total, err);
			free(ms);
			return 1;
		}
		if (i >= WARMUP_RUNS)
			ms[i - WARMUP_RUNS] = (double)(m.t_exit - m.t_connect) / 1e6;
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

static int stream(const struct bench_opts *o)
{
	struct run_marks m;
	char err[1024];
	double s;

	if (run_once(o, &m, err, sizeof(err))) {
		fprintf(stderr, "exec_ws_bench: %s: %s\n", o->stream, err);
		return 1;
	}
	s = (double)(m.t_exit - m.t_started) / 1e9;
	if (o->json)
		printf("{\"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"MBps\": %.3f}\n",
		       m.bytes, s, (double)m.bytes / s / 1e6);
	else
		printf("bytes %" PRIu64 "\nseconds %.3f\nMBps %.1f\n",
		       m.bytes, s, (double)m.bytes / s / 1e6);
	return 0;
}

/* ------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f,
"usage: exec_ws_bench [options] --roundtrip N [--argv WORD]... | [--command LINE]\n"
"       exec_ws_bench [options] --stream LINE\n"
"Benchmarks sandboxd's exec WebSocket ws://HOST:PORT" SANDBOXD_ROUTE_EXEC ".\n"
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
"  --timeout S      sandboxd ends a command still running after S seconds\n"
"                   (default: no limit)\n"
"  -h, --help       this text\n"
"Exit status: 0, 1 if a run failed, 2 for bad options.\n",
		WARMUP_RUNS);
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
	       OPT_TIMEOUT };
	static const struct option longopts[] = {
		{ "roundtrip", required_argument, NULL, OPT_ROUNDTRIP },
		{ "argv", required_argument, NULL, OPT_ARGV },
		{ "command", required_argument, NULL, OPT_COMMAND },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int ch;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 8000;
	o->key = getenv("SESSION_API_KEY");
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
			if (parse_long("--timeout", optarg, 1, (long)SANDBOXD_TIMEOUT_MAX_S,
				       &o->timeout_s))
				return 2;
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

int main(int argc, char **argv)
{
	struct bench_opts o;
	int rc;

	rc = parse_options(&o, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	return o.runs ? roundtrip(&o) : stream(&o);
}
