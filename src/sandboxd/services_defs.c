/* services_defs.c — the command lines of VS Code and the desktop, as
 * measured in the research for issue 11 (docs/vscode-desktop.md says why
 * each flag is there). */
#include <stddef.h>
#include <unistd.h>

#include "sandboxd/services.h"
#include "sandboxd/services_defs.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* code-server has no connection token: it runs without auth on loopback
 * and sandboxd's listener on 8001 checks the token in front of it, and
 * the Origin of WebSockets (gate.c), then presents them with code-server's
 * own address as Origin: trusted here, since code-server would compare it
 * with X-Forwarded-Host, the address the browser used. */
static const char *const vscode_argv[] = {
	"/usr/local/bin/code-server", "--auth", "none",
	"--bind-addr", "127.0.0.1:" STR(SERVICES_VSCODE_PORT),
	"--trusted-origins", "127.0.0.1:" STR(SERVICES_VSCODE_PORT),
	"--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
	"--disable-getting-started-override", "--disable-proxy",
	"--ignore-last-opened", NULL,
};

/* X server and VNC server in one process; -localhost: only websockify
 * reaches the VNC port; -AcceptSetDesktopSize: noVNC's resize=remote. */
static const char *const xvnc_argv[] = {
	"/usr/bin/Xtigervnc", SERVICES_DISPLAY, "-geometry", "1280x800", "-depth", "24",
	"-rfbport", STR(SERVICES_VNC_PORT), "-localhost", "-SecurityTypes", "None",
	"-AlwaysShared", "-AcceptSetDesktopSize", "-nolisten", "tcp", NULL,
};

static const char *const wm_argv[] = {
	"/usr/bin/matchbox-window-manager", "-use_titlebar", "no", NULL,
};

/* noVNC's pages and its WebSocket-to-VNC bridge on loopback; sandboxd's
 * listener on 8002 is in front of it */
static const char *const websockify_argv[] = {
	"/usr/bin/websockify", "--web", "/usr/share/novnc",
	"127.0.0.1:" STR(SERVICES_NOVNC_PORT), "127.0.0.1:" STR(SERVICES_VNC_PORT), NULL,
};

/* --no-sandbox: Chromium's own sandbox cannot start in a container as a
 * user (no user namespaces under Docker's seccomp profile, no setuid
 * helper); the container is the sandbox. A profile other than the
 * default: Chromium refuses remote debugging on the default one. */
static const char *const chromium_argv[] = {
	"/usr/bin/chromium", "--no-sandbox", "--test-type", "--disable-dev-shm-usage",
	"--disable-gpu", "--no-first-run", "--no-default-browser-check",
	"--user-data-dir=/tmp/handbox-chromium",
	"--remote-debugging-address=127.0.0.1",
	"--remote-debugging-port=" STR(SERVICES_CDP_PORT),
	"--start-maximized", "about:blank", NULL,
};

const struct service_def services_defs[SERVICES_COUNT] = {
	/* code-server listens before its routes exist: /healthz says when */
	[SERVICE_VSCODE] = { .name = "vscode", .group = SERVICES_VSCODE, .argv = vscode_argv,
			     .arg_workdir = 1, .need = -1, .probe_port = SERVICES_VSCODE_PORT,
			     .probe_http = "/healthz", .port = SERVICES_VSCODE_PORT },
	[SERVICE_XVNC] = { .name = "xvnc", .group = SERVICES_DESKTOP, .argv = xvnc_argv,
			   .need = -1, .probe_path = "/tmp/.X11-unix/X1", .port = SERVICES_VNC_PORT },
	[SERVICE_WM] = { .name = "wm", .group = SERVICES_DESKTOP, .argv = wm_argv, .display = 1,
			 .need = SERVICE_XVNC },
	[SERVICE_WEBSOCKIFY] = { .name = "websockify", .group = SERVICES_DESKTOP,
				 .argv = websockify_argv, .need = SERVICE_XVNC,
				 .probe_port = SERVICES_NOVNC_PORT, .port = SERVICES_NOVNC_PORT },
	[SERVICE_CHROMIUM] = { .name = "chromium", .group = SERVICES_DESKTOP,
			       .argv = chromium_argv, .display = 1, .need = SERVICE_XVNC,
			       .probe_port = SERVICES_CDP_PORT, .port = SERVICES_CDP_PORT },
};

int services_defs_installed(unsigned group, const char **missing)
{
	unsigned i;

	if (group == SERVICES_DESKTOP && access("/usr/share/novnc/vnc.html", R_OK)) {
		*missing = "/usr/share/novnc/vnc.html";
		return 0;
	}
	for (i = 0; i < SERVICES_COUNT; i++) {
		if (services_defs[i].group == group &&
		    access(services_defs[i].argv[0], X_OK)) {
			*missing = services_defs[i].argv[0];
			return 0;
		}
	}
	return 1;
}
