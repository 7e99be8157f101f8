/* test_browser_page.c — the pure parts of the agent's browser: the page's
 * text for the model (src/sandboxd/browser_page.c: the cut on a character
 * boundary with its note, the element and link lists, the scroll line,
 * the dialogs' lines),
 * the locate script, sandboxd's answers read on the host
 * (src/client/browser_client.c) and the browser tools' arguments
 * (src/agent/tools/tools_params.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent/tools/tools.h"
#include "client/browser_client.h"
#include "handbox/error.h"
#include "sandboxd/browser_page.h"

static json_t *state_of(const char *text)
{
	return json_pack("{s:s, s:s, s:s, s:[{s:i, s:s, s:s, s:s, s:s, s:s, s:s},"
			 "{s:i, s:s, s:s, s:s, s:s, s:s, s:s}, {s:i, s:s, s:s, s:s, s:s, s:s, s:s}],"
			 " s:i, s:[{s:s, s:s}], s:i, s:i, s:i}",
			 "url", "http://localhost:8011/", "title", "Test page", "text", text,
			 "elements",
			 "index", 1, "tag", "a", "type", "", "text", "Second page", "href",
			 "second.html", "placeholder", "", "value", "",
			 "index", 2, "tag", "button", "type", "", "text", "Click me", "href", "",
			 "placeholder", "", "value", "",
			 "index", 3, "tag", "input", "type", "text", "text", "", "href", "",
			 "placeholder", "type here", "value", "hi",
			 "element_count", 5,
			 "links", "text", "Second page", "href", "http://localhost:8011/second.html",
			 "scroll_y", 0, "page_height", 3000, "viewport_height", 800);
}

static char *render(json_t *st, bool elements, bool links, size_t max)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(browser_page_render(st, elements, links, max, &b), 0);
	return buf_steal(&b, NULL);
}

static void test_render_elements(void **state)
{
	json_t *st = state_of("Hello from the page\nnot clicked");
	char *t = render(st, true, false, BROWSER_TEXT_MAX_CHARS);

	assert_string_equal(t,
		"URL: http://localhost:8011/\nTitle: Test page\n"
		"Scrolled to 0 of 3000 pixels (the view shows 800)\n\n"
		"Hello from the page\nnot clicked\n"
		"\nInteractive elements (pass the number to browser_click or browser_type):\n"
		"[1] <a href=\"second.html\">Second page</a>\n"
		"[2] <button>Click me</button>\n"
		"[3] <input type=\"text\" placeholder=\"type here\" value=\"hi\">\n"
		"[2 more not listed]\n");
	free(t);
	json_decref(st);
}

static void test_render_links(void **state)
{
	json_t *st = state_of("text");
	char *t = render(st, false, true, BROWSER_TEXT_MAX_CHARS);

	assert_non_null(strstr(t, "\nLinks:\n- [Second page](http://localhost:8011/second.html)\n"));
	assert_null(strstr(t, "[1]"));
	free(t);
	json_decref(st);
}

/* The cut keeps max characters (not bytes), never splits one, and says
 * how much there was. */
static void test_render_cut(void **state)
{
	json_t *st = state_of("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");   /* é ×5 */
	char *t = render(st, false, false, 3);

	assert_non_null(strstr(t, "\n\n\xc3\xa9\xc3\xa9\xc3\xa9\n<response clipped><NOTE>The "
			       "page's text was cut after 3 of its 5 characters.</NOTE>\n"));
	free(t);
	t = render(st, false, false, 5);
	assert_null(strstr(t, "clipped"));
	free(t);
	json_decref(st);
}

static void test_render_empty_page(void **state)
{
	json_t *st = json_pack("{s:s, s:s, s:s, s:[], s:i, s:[]}", "url", "about:blank",
			       "title", "", "text", "", "elements", "element_count", 0, "links");
	char *t = render(st, true, false, 100);
	struct buf b;

	assert_string_equal(t, "URL: about:blank\nTitle: \n\n\nNo interactive elements.\n");
	free(t);
	json_decref(st);
	st = json_string("x");
	buf_init(&b, 0);
	assert_int_equal(browser_page_render(st, true, false, 10, &b), HB_EINVAL);
	buf_free(&b);
	json_decref(st);
}

static void test_render_dialogs(void **state)
{
	json_t *d = json_pack("[{s:s, s:s}, {s:s, s:s}]", "type", "alert", "message", "saved!",
			      "type", "confirm", "message", "Really?");
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(browser_page_render_dialogs(d, &b), 0);
	assert_string_equal(b.data, "[The page showed an alert, accepted: \"saved!\"]\n"
			    "[The page showed a confirm, accepted: \"Really?\"]\n");
	buf_free(&b);
	json_decref(d);
}

static void test_locate_script(void **state)
{
	char s[512], tiny[16];

	assert_int_equal(browser_page_locate_script(42, s, sizeof(s)), 0);
	assert_non_null(strstr(s, "[data-hb-id=\"42\"]"));
	assert_int_equal(browser_page_locate_script(42, tiny, sizeof(tiny)), HB_ETOOBIG);
}

static void test_answer_parse(void **state)
{
	const char *ok = "{\"url\":\"http://x/\",\"title\":\"T\",\"text\":\"URL: http://x/\","
		"\"screenshot\":\"/tmp/handbox/screenshots/1.png\"}";
	const char *refused = "{\"detail\":\"browser click: there is no element 9\"}";
	struct browser_answer a;
	char err[256];

	assert_int_equal(browser_answer_parse(200, ok, strlen(ok), &a, err, sizeof(err)), 0);
	assert_string_equal(a.text, "URL: http://x/");
	assert_string_equal(a.title, "T");
	assert_string_equal(a.screenshot, "/tmp/handbox/screenshots/1.png");
	browser_answer_clear(&a);
	assert_int_equal(browser_answer_parse(422, refused, strlen(refused), &a, err,
					      sizeof(err)), 0);
	assert_int_equal(a.status, 422);
	assert_string_equal(a.text, "browser click: there is no element 9");
	assert_null(a.screenshot);
	browser_answer_clear(&a);
	assert_int_equal(browser_answer_parse(200, "{}", 2, &a, err, sizeof(err)), HB_EIO);
}

static void test_tool_arguments(void **state)
{
	char err[512];
	json_t *a;

	assert_int_equal(tools_parse_action("browser_click", "{\"index\": \"3\"}", &a, NULL, err,
					    sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "BrowserClickAction");
	assert_int_equal(json_integer_value(json_object_get(a, "index")), 3);
	json_decref(a);
	assert_int_equal(tools_parse_action("browser_navigate", "{\"url\": \"localhost:8011\"}",
					    &a, NULL, err, sizeof(err)), 0);
	assert_true(json_is_false(json_object_get(a, "new_tab")));
	json_decref(a);
	assert_int_equal(tools_parse_action("browser_scroll", "{}", &a, NULL, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(a, "direction")), "down");
	json_decref(a);
	assert_int_equal(tools_parse_action("browser_scroll", "{\"direction\":\"left\"}", &a, NULL,
					    err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "browser_scroll: parameter direction"));
	assert_int_equal(tools_parse_action("browser_type", "{\"index\": 2}", &a, NULL, err,
					    sizeof(err)), HB_EINVAL);
	assert_string_equal(err, "browser_type: missing required parameter text");
	assert_int_equal(tools_parse_action("browser_go_back", NULL, &a, NULL, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "BrowserGoBackAction");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_elements),
		cmocka_unit_test(test_render_links),
		cmocka_unit_test(test_render_cut),
		cmocka_unit_test(test_render_empty_page),
		cmocka_unit_test(test_render_dialogs),
		cmocka_unit_test(test_locate_script),
		cmocka_unit_test(test_answer_parse),
		cmocka_unit_test(test_tool_arguments),
	};

	return cmocka_run_group_tests_name("browser_page", tests, NULL, NULL);
}
