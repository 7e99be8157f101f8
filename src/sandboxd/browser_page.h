/* browser_page.h — what the agent's browser tools read of a page: the
 * script run in the page (its text, the interactive elements numbered and
 * marked with data-hb-id, the links) and the text made of its result for
 * the model. Pure functions, unit-tested in tests/unit/test_browser_page.c. */
#ifndef HB_SANDBOXD_BROWSER_PAGE_H
#define HB_SANDBOXD_BROWSER_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

/* The most characters of page text the model sees (as the terminal's
 * output), and of elements and links listed. */
#define BROWSER_TEXT_MAX_CHARS 30000
#define BROWSER_ELEMENTS_MAX 200
#define BROWSER_LINKS_MAX 300

/* A Runtime.evaluate expression whose value (returnByValue) is
 * {url, title, text, elements:[{index, tag, type, text, href, placeholder,
 * value}], element_count, links:[{text, href}], scroll_y, page_height,
 * viewport_height}. Each listed element gets data-hb-id="index". */
extern const char browser_page_script[];

/* The expression that finds element index (data-hb-id), scrolls it into
 * the middle of the view and gives its centre {x, y}, or null. */
int browser_page_locate_script(int index, char *out, size_t outlen);

/* Appends the model's text for a page state (the script's value):
 * URL and title, the scroll position, the text cut at max_chars
 * characters with a note, then the numbered elements (elements) or the
 * links (links). HB_ENOMEM, or HB_EINVAL when state is not an object. */
int browser_page_render(json_t *state, bool elements, bool links, size_t max_chars,
			struct buf *out);

/* Appends a line for each dialog a page opened ([{"type", "message"}],
 * from cdp_take_dialogs()): "[The page showed an alert, accepted: …]". */
int browser_page_render_dialogs(json_t *dialogs, struct buf *out);

#endif
