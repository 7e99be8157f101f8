/* main.c — handbox-sandboxd: the server inside every sandbox (PID 1 there).
 * Reads its settings, binds the port, then serves until SIGTERM, when it
 * stops its commands (TERM, then KILL) and exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/bash.h"
#include "sandboxd/browser.h"
#include "sandboxd/gate.h"
#include "net/fdwatch.h"
#include "net/http.h"
#include "net/proxy.h"
#include "sandboxd/reaper.h"
#include "sandboxd/routes.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/services.h"

/* lws keeps a table of every possible descriptor; with the huge soft limits
 * containers get (2^20), that table alone would cost megabytes. */
#define FD_LIMIT 16384
#define SHUTDOWN_GRACE_US (3 * 1000000LL)

extern char **environ;

static int stopping;

static void on_terminate(int sig)
{
	stopping = sig;
	lws_cancel_service(sandboxd_lws);
}

/* The session keys are copied into sandboxd_cfg; the originals would stay
 * readable in /proc/PID/environ by any command running as our uid (the
 * process runtime, or SANDBOX_USER_ID=0). Blank them, and make /proc/PID
 * root-only and ptrace-proof (PR_SET_DUMPABLE 0). */
static void hide_session_keys(void)
{
	char **e, *eq;

	for (e = environ; *e; e++) {
		if (strncmp(*e, "OH_SESSION_API_KEYS_", 20) &&
		    strncmp(*e, "SESSION_API_KEY=", 16))
			continue;
		eq = strchr(*e, '=');
		if (eq)
			memset(eq + 1, 0, strlen(eq + 1));
	}
	prctl(PR_SET_DUMPABLE, 0);
}

/* --ready-fd: the port we listen on (the kernel's pick under --port 0),
 * then EOF. Whoever started us learns the port without racing for one,
 * and an EOF with nothing before it means we never listened. */
static void report_ready(int fd, int port)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", port);

	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "handbox-sandboxd: --ready-fd %d: cannot write the port\n", fd);
	close(fd);
}

static void limit_descriptors(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FD_LIMIT) {
		rl.rlim_cur = FD_LIMIT;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Commands get SIGHUP and SIGTERM, then SIGKILL after a grace period.
 * SIGHUP because interactive shells (bash sessions) ignore SIGTERM but end,
 * with their jobs, when their terminal hangs up. As PID 1 that means every
 * process in the container; otherwise only our own children's process
 * groups (never kill(-1) on a shared host). */
static void stop_children(void)
{
	int64_t deadline = clock_mono_us() + SHUTDOWN_GRACE_US;

	reaper_signal_all(SIGHUP);
	reaper_signal_all(SIGTERM);
	while (reaper_watched_count() > 0 && clock_mono_us() < deadline) {
		reaper_collect();
		usleep(20000);
	}
	reaper_signal_all(SIGKILL);
	reaper_collect();
}

/* Binds the port. Asked for every address (0.0.0.0, what the runtime
 * passes), sandboxd listens on IPv6 too: one socket on :: that takes IPv4
 * as well (IPV6_V6ONLY off, whatever the host's default), so a sandbox on
 * an IPv6 network is reachable. A kernel without IPv6 gets IPv4 alone.
 * *dual says which it got. */
static struct lws_vhost *listen_on(struct lws_context_creation_info *info,
				   int port, int *dual)
{
	struct lws_vhost *vhost;

	info->port = port;
	*dual = !strcmp(sandboxd_cfg.host, "0.0.0.0");
	if (*dual) {
		info->iface = NULL;
		info->options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
		info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY;
		vhost = lws_create_vhost(sandboxd_lws, info);
		if (vhost)
			return vhost;
		*dual = 0;
		fprintf(stderr, "handbox-sandboxd: cannot listen on [::]:%d, IPv4 only\n", port);
		info->options &= ~(uint64_t)LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY;
	} else {
		info->iface = sandboxd_cfg.host;
	}
	info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	return lws_create_vhost(sandboxd_lws, info);
}

/* The listeners in front of VS Code and the desktop (gate.h), for the
 * groups this image has. One that cannot listen leaves that group
 * unreachable from outside, not sandboxd down. */
static void listen_gates(struct lws_context_creation_info *info)
{
	static const struct { unsigned group; int port; const char *name; } g[] = {
		{ SERVICES_VSCODE, GATE_VSCODE_PORT, "gate-vscode" },
		{ SERVICES_DESKTOP, GATE_DESKTOP_PORT, "gate-desktop" },
	};
	struct lws_vhost *vhost;
	unsigned i;
	int dual;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (!(services_present() & g[i].group))
			continue;
		info->vhost_name = g[i].name;
		vhost = listen_on(info, g[i].port, &dual);
		if (vhost)
			gate_attach(g[i].group, vhost);
		else
			fprintf(stderr, "handbox-sandboxd: cannot listen on %s:%d: %s unreachable\n",
				sandboxd_cfg.host, g[i].port, g[i].name + 5);
	}
	info->vhost_name = NULL;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	const struct lws_protocols *protocols[4];
	struct lws_vhost *vhost;
	struct http_config hcfg;
	char err[512];
	int rc, dual;

	rc = config_load(&sandboxd_cfg, argc, argv, environ, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "handbox-sandboxd: %s\n", err);
		return 2;
	}
	hide_session_keys();
	limit_descriptors();
	sandboxd_started_us = sandboxd_last_exec_us = clock_mono_us();
	routes_http_config(&hcfg, sandboxd_cfg.api_keys);
	if (http_server_init(&hcfg)) {
		fprintf(stderr, "handbox-sandboxd: bad HTTP settings\n");
		return 1;
	}

	lws_set_log_level(LLL_ERR, NULL);
	protocols[0] = &http_protocol;
	protocols[1] = &fdwatch_protocol;
	protocols[2] = &proxy_protocol;
	protocols[3] = NULL;
	memset(&info, 0, sizeof(info));
	info.port = sandboxd_cfg.port;
	info.pprotocols = protocols;
	/* IPv6 is chosen per vhost (listen_on): lws only allows it on a vhost
	 * when the context allows it too */
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	http_server_lws_info(&info);
	info.fd_limit_per_thread = FD_LIMIT;
	info.pt_serv_buf_size = 64 * 1024;
	/* lws's other waits: a body stalled between two chunks, a polite
	 * close that lingers. A client without the key is in the waiting list
	 * meanwhile (pushed out first under a flood), so this generous value
	 * only spares clients with the key on slow links. */
	info.timeout_secs = 30;

	sandboxd_lws = lws_create_context(&info);
	if (!sandboxd_lws) {
		fprintf(stderr, "handbox-sandboxd: cannot create the event loop\n");
		return 1;
	}
	vhost = listen_on(&info, sandboxd_cfg.port, &dual);
	if (!vhost) {
		fprintf(stderr, "handbox-sandboxd: cannot listen on %s:%d (is the port in use, "
			"or the address not one of this host's?)\n",
			sandboxd_cfg.host, sandboxd_cfg.port);
		lws_context_destroy(sandboxd_lws);
		return 1;
	}
	sandboxd_cfg.port = lws_get_vhost_listen_port(vhost);
	if (services_init()) {
		if (gate_init())
			fprintf(stderr, "handbox-sandboxd: no randomness for the token: "
				"VS Code and the desktop stay unreachable\n");
		else
			listen_gates(&info);
	}
	fdwatch_init(vhost);
	bash_init();
	if (reaper_init(on_terminate)) {
		fprintf(stderr, "handbox-sandboxd: cannot set up signal handling\n");
		return 1;
	}
	fprintf(stderr, "handbox-sandboxd %s listening on %s:%d%s (pid %d, commands as uid %u%s)\n",
		SANDBOXD_VERSION, sandboxd_cfg.host, sandboxd_cfg.port,
		dual ? " and [::]" : "", (int)getpid(),
		(unsigned)sandboxd_cfg.user.uid,
		sandboxd_cfg.api_keys[0] ? ", session key required" : ", no session key");
	if (sandboxd_cfg.ready_fd >= 0)
		report_ready(sandboxd_cfg.ready_fd, sandboxd_cfg.port);

	while (!stopping)
		if (lws_service(sandboxd_lws, 0) < 0)
			break;

	fprintf(stderr, "handbox-sandboxd: signal %d, stopping commands\n", stopping);
	stop_children();
	browser_shutdown();
	lws_context_destroy(sandboxd_lws);
	config_free(&sandboxd_cfg);
	return 0;
}
