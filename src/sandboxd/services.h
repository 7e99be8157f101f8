/* services.h — the long-running programs sandboxd keeps up in an image
 * that has them: VS Code in the browser (code-server) and the desktop
 * (Xtigervnc, the window manager, websockify serving noVNC, Chromium for
 * the agent's browser). docs/vscode-desktop.md has the why of each choice.
 *
 * A group starts on demand (services_want()), not with sandboxd: idle, the
 * desktop and VS Code together hold ~290 MiB, which most sandboxes never
 * use, and they answer within about 2 s of being asked. A service that
 * dies is started again after a back-off; after SERVICES_GIVE_UP runs in a
 * row that each ended within seconds, it is left failed (and says why in
 * GET /api/handbox/services) until someone asks for it again. Their output
 * is kept, the last SERVICES_LOG_LIMIT bytes each, for
 * GET /api/handbox/services/{name}/log. */
#ifndef HB_SANDBOXD_SERVICES_H
#define HB_SANDBOXD_SERVICES_H

#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>

struct http_conn;

/* Groups, as a bit mask: what the image has and what a caller wants. */
#define SERVICES_VSCODE 1u
#define SERVICES_DESKTOP 2u

#define SERVICES_GIVE_UP 5
#define SERVICES_LOG_LIMIT (64u << 10)

/* Where the image declares its groups (one word per group, "vscode"
 * "desktop", spaces or lines); see docs/images.md. */
#define SERVICES_FEATURES_FILE "/etc/handbox/features"

/* Loopback ports behind sandboxd's own listeners on 8001 and 8002, and the
 * browser's DevTools port (src/sandboxd/browser*.c drives it). */
#define SERVICES_VSCODE_PORT 18001
#define SERVICES_NOVNC_PORT 18002
#define SERVICES_VNC_PORT 5901
#define SERVICES_CDP_PORT 9222

/* Finds which groups this image has: named in SERVICES_FEATURES_FILE and
 * with their programs in place (a group whose program is missing is left
 * out with a line on stderr). Starts nothing. Returns the mask. */
unsigned services_init(void);
/* The mask services_init() found. */
unsigned services_present(void);
/* 1 when a running service listens on loopback port (VS Code's and the
 * desktop's own ports): sandboxd's plumbing behind its gate, not the
 * user's apps. By port, since sandboxd cannot always see whose socket it
 * is (the services run as the sandbox user). */
int services_own_port(int port);

/* Starts every service of the groups in mask that is not running or
 * starting; again_failed: also those given up on (an explicit request,
 * not an automatic retry). Groups the image lacks are ignored. */
void services_want(unsigned mask, int again_failed);
/* 1 when every service of the groups in mask answers. */
int services_ready(unsigned mask);
/* 1 when a service of the groups in mask has been given up on. */
int services_failed(unsigned mask);

/* A wait for groups to answer; the caller owns it, and it must stay valid
 * until fn has run or services_wait_cancel(). */
#define SERVICES_WAIT_S 60
struct services_wait {
	lws_sorted_usec_list_t sul;
	unsigned mask;
	int64_t deadline_us;
	void (*fn)(struct services_wait *w, int ok);
};

/* Starts the groups in mask as services_want(mask, 0) does, and calls
 * fn on the loop once every service of them answers (ok 1), or when one
 * has been given up on or SERVICES_WAIT_S have passed (ok 0); at once,
 * from this call, when they answer already. */
void services_wait(struct services_wait *w, unsigned mask,
		   void (*fn)(struct services_wait *w, int ok));
void services_wait_cancel(struct services_wait *w);

/* GET /api/handbox/services: [{name, group, state, pid, restarts,
 * last_exit_code, detail}] */
int services_list_route(struct http_conn *c, json_t *body);
/* GET /api/handbox/services/{name}/log: the output kept, text/plain */
int services_log_route(struct http_conn *c, json_t *body);

#endif
