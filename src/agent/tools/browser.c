/* browser.c — the browser tools (browser_navigate, browser_click,
 * browser_type, browser_get_state, browser_get_content, browser_scroll,
 * browser_go_back): each is one call of sandboxd's browser route
 * (src/client/browser_client.c), which drives the sandbox's Chromium and
 * answers with the page as the model reads it (docs/browser.md).
 *
 * A screenshot stays a file in the sandbox: the observation carries its
 * path (screenshot_path), not its bytes, so events stay small; the UI
 * fetches the file through the sandbox's file routes. */
#include <stdlib.h>
#include <string.h>

#include "agent/tools/tools_internal.h"
#include "client/browser_client.h"
#include "common/hb_error.h"

bool tools_browser(struct tools *t)
{
	char err[256];
	bool yes = false;

	if (!t->browser_known && !browser_client_available(&t->env.conn, &yes, err,
							   sizeof(err))) {
		t->browser = yes;
		t->browser_known = true;
	}
	return t->browser;
}

int browser_execute(struct tools *t, const char *name, json_t *action,
		    const struct hb_cancel *cancel, struct tool_result *out, char *err,
		    size_t errlen)
{
	struct browser_answer a;
	bool is_error;
	json_t *args = json_deep_copy(action), *obs;
	int rc;

	if (!args)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	json_object_del(args, "kind");
	rc = browser_client_act(&t->env.conn, name + strlen("browser_"), args, cancel, &a, err,
				errlen);
	json_decref(args);
	if (rc)
		return rc;
	is_error = a.status < 200 || a.status >= 300;
	obs = json_pack("{s:s, s:o, s:b, s:n, s:s, s:s, s:s?}", "kind", "BrowserObservation",
			"content", tool_text_content(a.text), "is_error", is_error,
			"screenshot_data", "url", a.url, "title", a.title,
			"screenshot_path", a.screenshot);
	rc = tool_result_set(out, obs, a.text, is_error, err, errlen);
	browser_answer_clear(&a);
	return rc;
}
