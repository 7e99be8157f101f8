/* server.c — `handbox serve`'s start, loop and end: the options checked,
 * the store opened and its conversations listed (orphans of a killed
 * server become "paused"), the lws context set up on the shared net layer
 * (as sandboxd's main.c does), then lws_service() until the caller's
 * cancel token asks to stop; after each turn the queue of events from the
 * workers is drained to the WebSockets. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "common/parse.h"
#include "net/proxy.h"
#include "net/tls_front.h"
#include "server/routes.h"
#include "server/server.h"

#define DEFAULT_PORT 3000
#define DEFAULT_BIND "127.0.0.1"
#define MAX_SANDBOXES_LIMIT 10000
/* Long enough that a user who reads, thinks or gets a coffee between two
 * messages rarely finds the sandbox paused (a resume costs well under a
 * second anyway); short enough that what an agent left running (a dev
 * server, a watcher, a build) stops burning CPU soon after the work. */
#define IDLE_PAUSE_DEFAULT "15m"
#define IDLE_PAUSE_MAX (30L * 86400)
/* How often the loop looks at the stop token (a signal handler cannot
 * wake lws safely). */
#define STOP_POLL_US 200000
/* Slow clients: as sandboxd's (net/http.h), for a server with far fewer
 * clients. */
#define WAITING_MAX 1024
#define WAITING_GRACE_MS 200
#define HEADER_POOL (WAITING_MAX + 256)
#define HEADER_SECS 10
#define KEEPALIVE_SECS 60
#define FD_LIMIT 16384

struct server srv;

static struct hb_cancel *stop_token;
static lws_sorted_usec_list_t stop_sul;

static void stop_poll(lws_sorted_usec_list_t *sul)
{
	if (!hb_cancel_reason(stop_token))
		lws_sul_schedule(srv.lws, 0, &stop_sul, stop_poll, STOP_POLL_US);
}

static bool loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") || !strcmp(addr, "localhost");
}

/* RAM / 2 GiB, at least 1. */
static int default_max_sandboxes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	long long n = pages > 0 && size > 0 ? (long long)pages * size / (2LL << 30) : 1;

	return n < 1 ? 1 : n > MAX_SANDBOXES_LIMIT ? MAX_SANDBOXES_LIMIT : (int)n;
}

static int check_base_path(const char *p, char *err, size_t errlen)
{
	size_t n = p ? strlen(p) : 0;

	if (!n)
		return 0;
	if (p[0] != '/' || p[n - 1] == '/' || n >= sizeof(srv.base_path) - 1 ||
	    strpbrk(p, " \t\r\n?#%\"'<>\\"))
		return hb_fail(err, errlen, HB_EINVAL, "--base-path \"%s\": expected a path such as "
			       "/handbox (a leading /, no trailing /, no spaces or ?#%%)", p);
	return 0;
}

static int check_tls(const struct hb_server_options *o, char *err, size_t errlen)
{
	if (!o->tls_cert != !o->tls_key)
		return hb_fail(err, errlen, HB_EINVAL, "--tls-cert and --tls-key: expected both "
			       "(a PEM certificate and its key) or neither");
	if (o->tls_cert && access(o->tls_cert, R_OK))
		return hb_fail(err, errlen, HB_EIO, "--tls-cert \"%s\": cannot read it: %m",
			       o->tls_cert);
	if (o->tls_key && access(o->tls_key, R_OK))
		return hb_fail(err, errlen, HB_EIO, "--tls-key \"%s\": cannot read it: %m",
			       o->tls_key);
	srv.tls = o->tls_cert != NULL;
	return 0;
}

static int read_idle_pause(const struct hb_server_options *o, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_IDLE_PAUSE");
	const char *v = o->idle_pause ? o->idle_pause : env && *env ? env : IDLE_PAUSE_DEFAULT;

	return parse_duration(o->idle_pause ? "--idle-pause" : env && *env ? "HANDBOX_IDLE_PAUSE" :
			      "the default idle pause", v, IDLE_PAUSE_MAX, &srv.idle_pause_s, err,
			      errlen);
}

static int read_options(const struct hb_server_options *o, char *err, size_t errlen)
{
	const char *key = o->api_key ? o->api_key : getenv("HANDBOX_API_KEY");
	const char *max = getenv("HANDBOX_MAX_SANDBOXES");
	unsigned long n;
	int rc;

	srv.opt = *o;
	if (!srv.opt.port)
		srv.opt.port = DEFAULT_PORT;
	if (!srv.opt.bind || !*srv.opt.bind)
		srv.opt.bind = DEFAULT_BIND;
	if (srv.opt.port < 0 || srv.opt.port > 65535)
		return hb_fail(err, errlen, HB_EINVAL, "--port %d: expected 1 to 65535",
			       srv.opt.port);
	if ((rc = check_base_path(o->base_path, err, errlen)) || (rc = check_tls(o, err, errlen)))
		return rc;
	snprintf(srv.base_path, sizeof(srv.base_path), "%s", o->base_path ? o->base_path : "");
	if (key && *key && !(srv.api_keys[0] = strdup(key)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (!srv.api_keys[0] && !loopback(srv.opt.bind) && !o->insecure)
		return hb_fail(err, errlen, HB_EPERM, "--bind %s: anyone who can reach this address "
			       "could run commands in your sandboxes; give a key (--api-key or "
			       "HANDBOX_API_KEY) or say --insecure", srv.opt.bind);
	srv.max_sandboxes = o->max_sandboxes;
	if (srv.max_sandboxes < 0 || srv.max_sandboxes > MAX_SANDBOXES_LIMIT)
		return hb_fail(err, errlen, HB_EINVAL, "--max-sandboxes %d: expected 1 to %d",
			       srv.max_sandboxes, MAX_SANDBOXES_LIMIT);
	if (!srv.max_sandboxes && max && *max) {
		if ((rc = parse_uint("HANDBOX_MAX_SANDBOXES", max, MAX_SANDBOXES_LIMIT, &n, err,
				     errlen)))
			return rc;
		if (!n)
			return hb_fail(err, errlen, HB_EINVAL, "HANDBOX_MAX_SANDBOXES: \"0\": expected "
				       "1 to %d", MAX_SANDBOXES_LIMIT);
		srv.max_sandboxes = (int)n;
	}
	if (!srv.max_sandboxes)
		srv.max_sandboxes = default_max_sandboxes();
	return read_idle_pause(o, err, errlen);
}

static int http_setup(void)
{
	struct http_config h = {
		.routes = srv_routes, .api_keys = srv.api_keys,
		.key_header = SERVER_KEY_HEADER, .key_query = SERVER_KEY_QUERY,
		.key_bearer = 1, .key_cookie = SERVER_COOKIE,
		.base_path = srv.base_path[0] ? srv.base_path : NULL,
		.host_route = srv_host_route,
		.ws_close_auth = SERVER_CLOSE_AUTH, .ws_close_no_route = SERVER_CLOSE_UNKNOWN,
		.waiting_max = WAITING_MAX, .waiting_grace_ms = WAITING_GRACE_MS,
		.header_pool = HEADER_POOL, .header_secs = HEADER_SECS,
		.keepalive_secs = KEEPALIVE_SECS,
	};

	return http_server_init(&h);
}

/* Plain HTTP on the port, or with --tls-cert the TLS front there
 * (src/net/tls_front.c) and the HTTP vhost behind it listening nowhere:
 * the WebSocket tunnels need plain sockets. */
static int listen_on(int *port, char *err, size_t errlen)
{
	/* proxy_protocol: the sockets of the port proxy (routes_ports.c) and
	 * of the TLS front */
	static const struct lws_protocols *protocols[] = { &http_protocol, &proxy_protocol, NULL };
	struct lws_context_creation_info info, http_info;
	struct lws_vhost *vh;
	bool any = !strcmp(srv.opt.bind, "0.0.0.0");

	memset(&info, 0, sizeof(info));
	info.port = srv.opt.port;
	info.iface = any ? NULL : srv.opt.bind;
	info.pprotocols = protocols;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       (strchr(srv.opt.bind, ':') ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6) |
		       (srv.tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	http_server_lws_info(&info);
	info.fd_limit_per_thread = FD_LIMIT;
	info.pt_serv_buf_size = 64 * 1024;
	info.timeout_secs = 30;
	info.ssl_cert_filepath = srv.opt.tls_cert;
	info.ssl_private_key_filepath = srv.opt.tls_key;
	/* the net layer writes HTTP/1.1 itself: a browser offered h2 must not
	 * get it */
	info.alpn = "http/1.1";
	lws_set_log_level(LLL_ERR, NULL);
	if (!(srv.lws = lws_create_context(&info)))
		return hb_fail(err, errlen, HB_EIO, "cannot create the event loop");
	http_info = info;
	if (srv.tls) {
		http_info.port = CONTEXT_PORT_NO_LISTEN;
		http_info.ssl_cert_filepath = http_info.ssl_private_key_filepath = NULL;
	}
	if (!(vh = lws_create_vhost(srv.lws, &http_info)) ||
	    (srv.tls && !(vh = tls_front_listen(srv.lws, &info, vh))))
		return hb_fail(err, errlen, HB_EIO, "cannot listen on %s:%d (is the port in use, the "
			       "address not one of this host's%s?)", srv.opt.bind, srv.opt.port,
			       srv.tls ? ", or the certificate and key not a PEM pair" : "");
	*port = lws_get_vhost_listen_port(vh);
	return 0;
}

static void announce(int port)
{
	char url[512];
	const char *host = !strcmp(srv.opt.bind, "0.0.0.0") ? "localhost" : srv.opt.bind;
	bool v6 = strchr(host, ':') != NULL;

	snprintf(url, sizeof(url), "%s://%s%s%s:%d%s/", srv.tls ? "https" : "http", v6 ? "[" : "",
		 host, v6 ? "]" : "", port, srv.base_path);
	if (srv.opt.on_ready)
		srv.opt.on_ready(url, srv.opt.arg);
	else
		fprintf(stderr, "handbox serve: open %s\n", url);
	srv_llm_announce(url);
}

static void shutdown_all(void)
{
	srv_conv_stop_all();
	srv_sbx_stop();
	srv_queue_drain(srv_sockets_deliver);
	srv_jobs_stop();
	if (srv.lws)
		lws_context_destroy(srv.lws);
	srv.lws = NULL;
	srv_queue_free();
	store_close(srv.store);
	free(srv.api_keys[0]);
	memset(&srv, 0, sizeof(srv));
}

int server_run(const struct hb_server_options *o, struct hb_cancel *stop, char *err,
	       size_t errlen)
{
	char dir[4096];
	int rc, port = 0;

	memset(&srv, 0, sizeof(srv));
	stop_token = stop;
	if ((rc = read_options(o, err, errlen)) ||
	    (rc = store_default_dir(dir, sizeof(dir), err, errlen)) ||
	    (rc = store_open(&srv.store, dir, err, errlen)) ||
	    (rc = srv_conv_load_all(err, errlen)) ||
	    (rc = srv_queue_init()) ||
	    (rc = srv_sbx_start(err, errlen)))
		goto out;
	srv_collect_orphans();
	if (http_setup()) {
		rc = hb_fail(err, errlen, HB_EINVAL, "bad HTTP settings");
		goto out;
	}
	if ((rc = listen_on(&port, err, errlen)))
		goto out;
	announce(port);
	lws_sul_schedule(srv.lws, 0, &stop_sul, stop_poll, STOP_POLL_US);
	srv_idle_start();
	while (!hb_cancel_reason(stop)) {
		if (lws_service(srv.lws, 0) < 0)
			break;
		srv_queue_drain(srv_sockets_deliver);
		srv_jobs_drain();
	}
	fprintf(stderr, "handbox serve: stopping (running conversations are paused, their "
		"sandboxes kept)\n");
out:
	shutdown_all();
	return rc;
}
