/* browser_actions.c — what each browser action does in Chromium, on the
 * worker thread (browser.c): the DevTools commands of docs/browser.md.
 *
 * The worker keeps one connection and one attached page (the tab the
 * model works in). Every action first checks that both still exist —
 * Chromium restarted, the tab was closed on the desktop — and attaches
 * again (to another page, or a new one) when not. After anything that may
 * load a page, it waits until the document is complete, then reads the
 * page (browser_page.c) and answers with the model's text. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "sandboxd/browser.h"
#include "sandboxd/browser_cdp.h"
#include "sandboxd/browser_page.h"
#include "sandboxd/sandboxd.h"

#define CDP_ENV "HANDBOX_BROWSER_CDP"
#define CDP_DEFAULT "127.0.0.1:9222"
#define SHOTS_ENV "HANDBOX_BROWSER_SCREENSHOTS"
#define SHOTS_DEFAULT "/tmp/handbox/screenshots"
/* names tried past existing files before giving up */
#define SHOTS_TRIES 10000
#define CONNECT_MS 5000
#define CALL_MS 15000
/* how long a page may take to load before the model gets it as it is */
#define LOAD_MS 15000
/* how long after a click a navigation may take to start: a link asks for
 * its page within milliseconds; a button that loads nothing costs this */
#define CLICK_NAV_MS 100

static struct cdp *cdp;
static char session[128];      /* the attached page's session, "" when none */
static char target[128];
static unsigned shots;

static const char *const ACTIONS[] = { "navigate", "click", "type", "get_state", "get_content",
				       "scroll", "go_back", NULL };

bool browser_action_known(const char *action)
{
	size_t i;

	for (i = 0; action && ACTIONS[i]; i++)
		if (!strcmp(action, ACTIONS[i]))
			return true;
	return false;
}

/* The worker's file work (screenshots) is the sandbox user's, as the file
 * routes' is (files.c): a folder the agent replaced with a symlink leads
 * nowhere its own commands could not write. fsuid and fsgid are per
 * thread, and this thread keeps them; its supplementary groups are
 * sandboxd's (glibc gives every thread the groups the loop sets), but
 * while fsuid is not 0 root's file capabilities are gone. */
void browser_act_init(void)
{
	if (!sandboxd_cfg.switch_user)
		return;
	setfsgid(sandboxd_cfg.user.gid);
	setfsuid(sandboxd_cfg.user.uid);
}

void browser_act_free(void)
{
	cdp_free(cdp);
	cdp = NULL;
}

static int fail(json_t **answer, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(json_t **answer, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*answer = json_pack("{s:s}", "detail", msg);
	return status;
}

/* ------------------------------------------------------------ the page */

/* HANDBOX_BROWSER_CDP into host and port. */
static int cdp_address(char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
	const char *v = getenv(CDP_ENV), *colon;
	char *end;
	long p;

	v = v && *v ? v : CDP_DEFAULT;
	colon = strrchr(v, ':');
	p = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == v || (size_t)(colon - v) >= hostlen || *end || p < 1 || p > 65535)
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected a numeric IPv4 "
			       "address and port such as %s", CDP_ENV, v, CDP_DEFAULT);
	snprintf(host, hostlen, "%.*s", (int)(colon - v), v);
	*port = (int)p;
	return 0;
}

static int attach(const char *target_id, char *err, size_t errlen)
{
	json_t *r = NULL;
	const char *sid;
	int rc;

	rc = cdp_call(cdp, NULL, "Target.attachToTarget", json_pack("{s:s, s:b}", "targetId",
		      target_id, "flatten", 1), CALL_MS, &r, err, errlen);
	sid = json_string_value(json_object_get(r, "sessionId"));
	if (!rc && !sid)
		rc = hb_fail(err, errlen, HB_EIO, "Target.attachToTarget: no sessionId");
	if (!rc) {
		snprintf(session, sizeof(session), "%s", sid);
		snprintf(target, sizeof(target), "%s", target_id);
		rc = cdp_call(cdp, session, "Page.enable", NULL, CALL_MS, NULL, err, errlen);
	}
	json_decref(r);
	return rc;
}

/* A new tab showing about:blank, attached. */
static int new_tab(char *err, size_t errlen)
{
	json_t *r = NULL;
	int rc;

	rc = cdp_call(cdp, NULL, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
		      CALL_MS, &r, err, errlen);
	if (!rc && !json_is_string(json_object_get(r, "targetId")))
		rc = hb_fail(err, errlen, HB_EIO, "Target.createTarget: no targetId");
	if (!rc)
		rc = attach(json_string_value(json_object_get(r, "targetId")), err, errlen);
	json_decref(r);
	return rc;
}

/* Connected, with our page attached: the one we had if it is still open,
 * else the first page Chromium lists, else a new one. */
static int ensure_page(char *err, size_t errlen)
{
	char host[64];
	int port = 0, rc;
	json_t *r = NULL, *t, *first = NULL;
	size_t i;

	if (!cdp || !cdp_connected(cdp)) {
		session[0] = target[0] = '\0';
		if ((rc = cdp_address(host, sizeof(host), &port, err, errlen)))
			return rc;
		if (!cdp && !(cdp = cdp_new(host, port)))
			return hb_fail(err, errlen, HB_ENOMEM, "cannot make a DevTools client");
		if ((rc = cdp_connect(cdp, CONNECT_MS, err, errlen)))
			return rc;
	}
	if ((rc = cdp_call(cdp, NULL, "Target.getTargets", NULL, CALL_MS, &r, err, errlen)))
		return rc;
	json_array_foreach(json_object_get(r, "targetInfos"), i, t) {
		const char *id = json_string_value(json_object_get(t, "targetId"));

		if (strcmp(json_string_value(json_object_get(t, "type")) ?: "", "page") || !id)
			continue;
		if (session[0] && !strcmp(id, target)) {
			json_decref(r);
			return 0;
		}
		first = first ? first : t;
	}
	rc = first ? attach(json_string_value(json_object_get(first, "targetId")), err, errlen) :
		new_tab(err, errlen);
	json_decref(r);
	return rc;
}

static int evaluate(const char *expr, json_t **value, char *err, size_t errlen)
{
	json_t *r = NULL, *ex;
	int rc;

	*value = NULL;
	rc = cdp_call(cdp, session, "Runtime.evaluate", json_pack("{s:s, s:b, s:b}", "expression",
		      expr, "returnByValue", 1, "awaitPromise", 1), CALL_MS, &r, err, errlen);
	if (!rc && (ex = json_object_get(r, "exceptionDetails")))
		rc = hb_fail(err, errlen, HB_EINVAL, "the page's script failed: %s",
			     json_string_value(json_object_get(json_object_get(ex, "exception"),
							       "description")) ?: "an exception");
	if (!rc)
		*value = json_incref(json_object_get(json_object_get(r, "result"), "value"));
	json_decref(r);
	return rc;
}

/* Waits until the page's document has loaded (or LOAD_MS passed: a page
 * still loading is read as it is). */
static void settle(void)
{
	int64_t deadline = clock_mono_us() + LOAD_MS * 1000LL;
	char err[256];
	json_t *v;

	while (clock_mono_us() < deadline) {
		if (evaluate("document.readyState", &v, err, sizeof(err)) == 0 &&
		    !strcmp(json_string_value(v) ?: "", "complete")) {
			json_decref(v);
			return;
		}
		json_decref(v);
		clock_sleep_us(20000);
	}
}

/* A PNG of the view, written to the screenshots folder as N.png (with the
 * worker's file identity: the sandbox user's); its path into out. */
static int screenshot(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *dir = getenv(SHOTS_ENV);
	json_t *r = NULL;
	const char *data;
	char *png = NULL;
	int rc, n, fd = -1;

	dir = dir && *dir ? dir : SHOTS_DEFAULT;
	rc = cdp_call(cdp, session, "Page.captureScreenshot", json_pack("{s:s}", "format", "png"),
		      CALL_MS, &r, err, errlen);
	data = json_string_value(json_object_get(r, "data"));
	if (!rc && !data)
		rc = hb_fail(err, errlen, HB_EIO, "Page.captureScreenshot: no data");
	if (rc)
		goto out;
	if (!(png = malloc(strlen(data) + 1))) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	n = lws_b64_decode_string(data, png, (int)strlen(data) + 1);
	if (!strcmp(dir, SHOTS_DEFAULT))
		mkdir("/tmp/handbox", 0755);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = hb_fail(err, errlen, HB_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* a new name, never an existing file's: an earlier sandboxd's in this
	 * sandbox, or another one's on a host of the process runtime, whose
	 * sandboxes share /tmp */
	do {
		snprintf(out, outlen, "%s/%u.png", dir, ++shots);
		fd = n > 0 ? open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				  0644) : -1;
	} while (fd < 0 && errno == EEXIST && n > 0 && shots % SHOTS_TRIES);
	if (fd < 0 || write(fd, png, (size_t)n) != n)
		rc = hb_fail(err, errlen, HB_EIO, "%s: %s", out, n > 0 ? strerror(errno) :
			     "the browser's PNG did not decode");
out:
	if (fd >= 0)
		close(fd);
	free(png);
	json_decref(r);
	return rc;
}

/* The answer: the page read now, as the model's text, and a screenshot. */
static int page_answer(bool elements, bool links, bool shot, json_t **answer)
{
	char err[1024] = "", path[4096];
	json_t *state = NULL, *dialogs;
	struct buf text;
	int rc;

	buf_init(&text, 0);
	rc = evaluate(browser_page_script, &state, err, sizeof(err));
	/* what dialogs said during the action (and this reading) comes first */
	dialogs = cdp_take_dialogs(cdp);
	if (!rc && browser_page_render_dialogs(dialogs, &text))
		rc = HB_ENOMEM;
	json_decref(dialogs);
	if (rc ||
	    (rc = browser_page_render(state, elements, links, BROWSER_TEXT_MAX_CHARS, &text)) ||
	    (shot && (rc = screenshot(path, sizeof(path), err, sizeof(err))))) {
		json_decref(state);
		buf_free(&text);
		return fail(answer, 502, "browser: %s", rc == HB_EINVAL && !err[0] ?
			    "the page gave no state" : err);
	}
	*answer = json_pack("{s:s, s:s, s:s%, s:s?}", "url",
			    json_string_value(json_object_get(state, "url")) ?: "",
			    "title", json_string_value(json_object_get(state, "title")) ?: "",
			    "text", text.data ? text.data : "", text.len,
			    "screenshot", shot ? path : NULL);
	json_decref(state);
	buf_free(&text);
	return 200;
}

/* ------------------------------------------------------------ actions */

static bool arg_bool(json_t *args, const char *name)
{
	json_t *v = json_object_get(args, name);

	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v));
}

/* A URL as models write it: "localhost:8011/x" means http://. */
static int navigate(json_t *args, json_t **answer)
{
	const char *url = json_string_value(json_object_get(args, "url"));
	char err[1024], *full;
	const char *why;
	json_t *r = NULL;
	int rc;

	if (!url || !*url)
		return fail(answer, 422, "browser navigate: url: expected a URL such as "
			    "http://localhost:8011/");
	if (arg_bool(args, "new_tab") && (rc = new_tab(err, sizeof(err))))
		return fail(answer, 502, "browser: %s", err);
	/* the desktop shows the new tab; a failure there changes nothing here */
	if (arg_bool(args, "new_tab"))
		cdp_call(cdp, NULL, "Target.activateTarget", json_pack("{s:s}", "targetId", target),
			 CALL_MS, NULL, err, sizeof(err));
	if (asprintf(&full, "%s%s", strstr(url, ":/") || !strncmp(url, "about:", 6) ||
		     !strncmp(url, "data:", 5) ? "" : "http://", url) < 0)
		return fail(answer, 500, "out of memory");
	rc = cdp_call(cdp, session, "Page.navigate", json_pack("{s:s}", "url", full), LOAD_MS,
		      &r, err, sizeof(err));
	why = json_string_value(json_object_get(r, "errorText"));
	if (!rc && why && *why)
		rc = fail(answer, 422, "browser navigate: %s could not be opened: %s", full, why);
	else if (rc)
		rc = fail(answer, 502, "browser: %s", err);
	free(full);
	json_decref(r);
	if (rc)
		return rc;
	settle();
	return page_answer(true, false, false, answer);
}

static int index_arg(json_t *args, const char *action, int *index, json_t **answer)
{
	json_t *v = json_object_get(args, "index");

	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
		return fail(answer, 422, "browser %s: index: expected the number of an element "
			    "(1 or more) as the page's state lists it", action);
	*index = (int)json_integer_value(v);
	return 0;
}

static int mouse(const char *type, double x, double y, char *err, size_t errlen)
{
	return cdp_call(cdp, session, "Input.dispatchMouseEvent", json_pack(
		"{s:s, s:f, s:f, s:s, s:i}", "type", type, "x", x, "y", y, "button", "left",
		"clickCount", 1), CALL_MS, NULL, err, errlen);
}

/* A click in the middle of element index, after scrolling it into view. */
static int click_at(int index, const char *action, json_t **answer)
{
	char expr[512], err[1024];
	json_t *at = NULL;
	double x, y;
	int rc;

	browser_page_locate_script(index, expr, sizeof(expr));
	if ((rc = evaluate(expr, &at, err, sizeof(err))))
		return fail(answer, 502, "browser: %s", err);
	if (!json_is_object(at)) {
		json_decref(at);
		return fail(answer, 422, "browser %s: there is no element %d on the page (the "
			    "numbers change with the page: read them again with "
			    "browser_get_state)", action, index);
	}
	x = json_number_value(json_object_get(at, "x"));
	y = json_number_value(json_object_get(at, "y"));
	json_decref(at);
	cdp_drop_events(cdp);
	if ((rc = mouse("mousePressed", x, y, err, sizeof(err))) ||
	    (rc = mouse("mouseReleased", x, y, err, sizeof(err))))
		return fail(answer, 502, "browser: %s", err);
	return 0;
}

static int click(json_t *args, json_t **answer)
{
	int index, rc;

	if ((rc = index_arg(args, "click", &index, answer)) ||
	    (rc = click_at(index, "click", answer)))
		return rc;
	/* a link or a form: wait for the page it opens */
	if (!cdp_wait_event(cdp, session, "Page.frameStartedLoading", CLICK_NAV_MS))
		cdp_wait_event(cdp, session, "Page.frameNavigated", LOAD_MS);
	settle();
	return page_answer(true, false, false, answer);
}

/* Clicks the field, selects what it holds, and types text over it. */
static int type(json_t *args, json_t **answer)
{
	const char *text = json_string_value(json_object_get(args, "text"));
	char expr[256], err[1024];
	json_t *v = NULL;
	int index, rc;

	if (!text)
		return fail(answer, 422, "browser type: text: expected a string");
	if ((rc = index_arg(args, "type", &index, answer)) ||
	    (rc = click_at(index, "type", answer)))
		return rc;
	snprintf(expr, sizeof(expr), "(() => { const e = document.querySelector("
		 "'[data-hb-id=\"%d\"]'); if (e && e.select) e.select(); return true; })()", index);
	if ((rc = evaluate(expr, &v, err, sizeof(err))) ||
	    (rc = cdp_call(cdp, session, "Input.insertText", json_pack("{s:s}", "text", text),
			   CALL_MS, NULL, err, sizeof(err)))) {
		json_decref(v);
		return fail(answer, 502, "browser: %s", err);
	}
	json_decref(v);
	return page_answer(true, false, false, answer);
}

static int scroll(json_t *args, json_t **answer)
{
	const char *dir = json_string_value(json_object_get(args, "direction"));
	char expr[96], err[1024];
	json_t *v = NULL;
	int rc;

	dir = dir ? dir : "down";
	if (strcmp(dir, "down") && strcmp(dir, "up"))
		return fail(answer, 422, "browser scroll: direction: expected up or down, got "
			    "\"%.40s\"", dir);
	snprintf(expr, sizeof(expr), "window.scrollBy(0, %swindow.innerHeight * 0.8)",
		 strcmp(dir, "up") ? "" : "-");
	if ((rc = evaluate(expr, &v, err, sizeof(err))))
		return fail(answer, 502, "browser: %s", err);
	json_decref(v);
	return page_answer(true, false, false, answer);
}

static int go_back(json_t **answer)
{
	json_t *r = NULL, *entry;
	char err[1024];
	int rc, cur;

	if ((rc = cdp_call(cdp, session, "Page.getNavigationHistory", NULL, CALL_MS, &r, err,
			   sizeof(err))))
		return fail(answer, 502, "browser: %s", err);
	cur = (int)json_integer_value(json_object_get(r, "currentIndex"));
	entry = cur > 0 ? json_array_get(json_object_get(r, "entries"), (size_t)cur - 1) : NULL;
	if (!entry) {
		json_decref(r);
		return fail(answer, 422, "browser go_back: this tab has no previous page");
	}
	cdp_drop_events(cdp);
	rc = cdp_call(cdp, session, "Page.navigateToHistoryEntry", json_pack("{s:O}", "entryId",
		      json_object_get(entry, "id")), CALL_MS, NULL, err, sizeof(err));
	json_decref(r);
	if (rc)
		return fail(answer, 502, "browser: %s", err);
	cdp_wait_event(cdp, session, "Page.frameNavigated", LOAD_MS);
	settle();
	return page_answer(true, false, false, answer);
}

int browser_act(const char *action, json_t *args, json_t **answer)
{
	char err[1024];
	int rc;

	*answer = NULL;
	if ((rc = ensure_page(err, sizeof(err))))
		return fail(answer, rc == HB_EINVAL ? 500 : 503, "the desktop browser does not "
			    "answer: %s", err);
	if (!strcmp(action, "navigate"))
		return navigate(args, answer);
	if (!strcmp(action, "click"))
		return click(args, answer);
	if (!strcmp(action, "type"))
		return type(args, answer);
	if (!strcmp(action, "scroll"))
		return scroll(args, answer);
	if (!strcmp(action, "go_back"))
		return go_back(answer);
	if (!strcmp(action, "get_content"))
		return page_answer(false, arg_bool(args, "extract_links"), false, answer);
	return page_answer(true, false, arg_bool(args, "include_screenshot"), answer);
}
