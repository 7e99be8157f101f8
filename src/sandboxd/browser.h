/* browser.h — the agent's browser, driven from sandboxd over the Chrome
 * DevTools Protocol (docs/browser.md): POST /api/handbox/browser/{action}
 * with the tool's arguments as JSON, answered with the page as the model
 * reads it. Chromium runs in the sandbox's desktop with its DevTools
 * server on HANDBOX_BROWSER_CDP (default 127.0.0.1:9222).
 *
 * The browser's answers can take seconds (a page loading), and an action
 * is a chain of commands: actions run one at a time on a worker thread
 * with its own DevTools connection (browser_cdp.c, browser_actions.c),
 * and their answers come back to the loop through an eventfd. */
#ifndef HB_SANDBOXD_BROWSER_H
#define HB_SANDBOXD_BROWSER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct http_conn;

/* The sentence of a sandbox whose image has no browser. */
#define BROWSER_MISSING "this sandbox's image has no desktop browser: build it with " \
	"handbox image build --with desktop"

/* Whether the image has Chromium (a chromium, chromium-browser or
 * google-chrome program on sandboxd's PATH): /server_info then lists the
 * "browser" capability, which the agent's tools ask for. */
bool browser_installed(void);

/* POST /api/handbox/browser/{action} */
int browser_route(struct http_conn *c, json_t *body);

/* Stops the worker (after its current action, if that ends within 2 s)
 * and frees what it holds; at exit. */
void browser_shutdown(void);

/* ---------------------------------------------- browser_actions.c (worker) */

/* Whether action is one of navigate, click, type, get_state, get_content,
 * scroll, go_back. */
bool browser_action_known(const char *action);
/* Runs action with args on the worker thread. Returns the HTTP status and
 * in *answer the body: the page ({"url", "title", "text", "screenshot"})
 * or {"detail"}. */
int browser_act(const char *action, json_t *args, json_t **answer);
/* On the worker, first: it takes the sandbox user's file identity. */
void browser_act_init(void);
/* Frees the worker's connection. */
void browser_act_free(void);

#endif
