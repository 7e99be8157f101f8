/* cmd_serve.c — `handbox serve`: the app server (API.md § 2,
 * docs/serve.md) through the public hb_server_run(); Ctrl-C or SIGTERM
 * stops it (running conversations are paused, their sandboxes kept). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handbox/handbox.h>

#include "cli/cli.h"
#include "common/parse.h"

static const char serve_usage[] =
	"usage: handbox serve [OPTIONS]\n"
	"\n"
	"The app server: the web UI and the conversation API (REST and WebSocket on\n"
	"one port). Each conversation gets its own sandbox; its agent runs here.\n"
	"\n"
	"  --port N            port to listen on (default 3000)\n"
	"  --bind ADDR         address to listen on (default 127.0.0.1)\n"
	"  --api-key K         every /api route and WebSocket needs K (also\n"
	"                      HANDBOX_API_KEY): header X-Session-API-Key, Bearer,\n"
	"                      or the cookie POST /api/login sets\n"
	"  --insecure          allow a non-loopback --bind without a key\n"
	"  --tls-cert F        serve HTTPS with this PEM certificate…\n"
	"  --tls-key F         …and its key\n"
	"  --base-path /P      also answer every route under /P (behind a proxy)\n"
	"  --max-sandboxes N   sandboxes at once (HANDBOX_MAX_SANDBOXES; default: RAM / 2 GiB);\n"
	"                      more are refused with 429, never evicted\n"
	"  --idle-pause T      pause a conversation's sandbox idle for T (90, 90s, 15m,\n"
	"                      2h; HANDBOX_IDLE_PAUSE; default 15m; 0 or off: never):\n"
	"                      memory kept, no CPU; the next message or request to one\n"
	"                      of its ports resumes it\n"
	"\n"
	"LLM defaults come from POST /api/settings or LLM_MODEL, LLM_BASE_URL,\n"
	"LLM_API_KEY; sandbox settings from SANDBOX_* (docs/run.md); state from\n"
	"HANDBOX_STATE_DIR (default ~/.handbox). At start it prints the URL to open\n"
	"and the LLM it will use, or the local servers it found (LM Studio, Ollama,\n"
	"llama.cpp, vLLM, and HANDBOX_LLM_PRESETS=\"Name=http://host:port/v1,...\").\n"
	"docs/serve.md has the routes.\n";

enum { OPT_PORT = 1000, OPT_BIND, OPT_KEY, OPT_INSECURE, OPT_CERT, OPT_TLSKEY, OPT_BASE,
       OPT_MAX, OPT_IDLE, OPT_HELP };

static const struct option serve_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "api-key", required_argument, NULL, OPT_KEY },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "tls-cert", required_argument, NULL, OPT_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLSKEY },
	{ "base-path", required_argument, NULL, OPT_BASE },
	{ "max-sandboxes", required_argument, NULL, OPT_MAX },
	{ "idle-pause", required_argument, NULL, OPT_IDLE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static struct hb_cancel stop;

static void stop_on_signal(int sig)
{
	hb_cancel_request(&stop, sig);
}

/* One flag into o; 0, 1 for --help, or 2 (message in err). */
static int take(struct hb_server_options *o, int opt, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	switch (opt) {
	case OPT_PORT:
	case OPT_MAX:
		if (parse_uint(opt == OPT_PORT ? "--port" : "--max-sandboxes", v,
			       opt == OPT_PORT ? 65535 : 10000, &n, err, errlen) || n == 0) {
			snprintf(err, errlen, "%s \"%s\": expected 1 to %d",
				 opt == OPT_PORT ? "--port" : "--max-sandboxes", v,
				 opt == OPT_PORT ? 65535 : 10000);
			return 2;
		}
		*(opt == OPT_PORT ? &o->port : &o->max_sandboxes) = (int)n;
		return 0;
	case OPT_BIND: o->bind = v; return 0;
	case OPT_KEY: o->api_key = v; return 0;
	case OPT_INSECURE: o->insecure = true; return 0;
	case OPT_CERT: o->tls_cert = v; return 0;
	case OPT_TLSKEY: o->tls_key = v; return 0;
	case OPT_BASE: o->base_path = v; return 0;
	case OPT_IDLE: o->idle_pause = v; return 0;     /* checked by hb_server_run() */
	case OPT_HELP: return 1;
	default:
		snprintf(err, errlen, "unknown option (see handbox serve --help)");
		return 2;
	}
}

static void on_ready(const char *url, void *arg)
{
	fprintf(stderr, "handbox serve: listening; open %s\n", url);
}

int cmd_serve(int argc, char **argv)
{
	struct hb_server_options o = { .on_ready = on_ready };
	char err[HB_ERR_MAX];
	int opt, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", serve_options, NULL)) != -1) {
		if ((rc = take(&o, opt == 'h' ? OPT_HELP : opt, optarg, err, sizeof(err))) == 1) {
			fputs(serve_usage, stdout);
			return 0;
		}
		if (rc) {
			cli_error("%s", err);
			return 2;
		}
	}
	if (optind < argc) {
		cli_error("serve: unexpected argument \"%s\" (see handbox serve --help)",
			  argv[optind]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	cli_catch_signals(stop_on_signal);
	if ((rc = hb_server_run(&o, &stop, err, sizeof(err)))) {
		cli_error("%s", err);
		return rc == HB_EINVAL || rc == HB_EPERM ? 2 : 1;
	}
	return 0;
}
