/* browser_page.c — the page script and the model's text of a page; see
 * browser_page.h.
 *
 * Elements are numbered in document order among those a user could use
 * (links, buttons, fields, ARIA buttons and links, click handlers,
 * editable regions) that take space on the page: the number is what the
 * model passes to click and type. The numbers are written into the page
 * (data-hb-id) so that a click finds the same element the model saw, and
 * are renumbered on every reading. */
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/utf8.h"
#include "sandboxd/browser_page.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char browser_page_script[] =
	"(() => {"
	" const clip = (s, n) => String(s || '').replace(/\\s+/g, ' ').trim().slice(0, n);"
	" const sel = 'a[href],button,input,textarea,select,summary,[role=button],"
	"[role=link],[role=checkbox],[role=tab],[onclick],[contenteditable=\"\"],"
	"[contenteditable=true]';"
	" document.querySelectorAll('[data-hb-id]').forEach(e => e.removeAttribute('data-hb-id'));"
	" const elements = []; let count = 0;"
	" for (const e of document.querySelectorAll(sel)) {"
	"  const r = e.getBoundingClientRect(), st = getComputedStyle(e);"
	"  if (r.width <= 0 || r.height <= 0 || st.visibility === 'hidden' ||"
	"      (e.type || '') === 'hidden') continue;"
	"  count++;"
	"  e.setAttribute('data-hb-id', String(count));"
	"  if (elements.length >= " STR(BROWSER_ELEMENTS_MAX) ") continue;"
	"  const field = e.tagName === 'INPUT' || e.tagName === 'TEXTAREA' || e.tagName === 'SELECT';"
	"  elements.push({ index: count, tag: e.tagName.toLowerCase(),"
	"   type: e.getAttribute('type') || '',"
	"   text: clip(field ? '' : (e.innerText || e.getAttribute('aria-label') ||"
	"    e.getAttribute('title') || e.getAttribute('alt') || ''), 100),"
	"   href: e.getAttribute('href') || '', placeholder: e.getAttribute('placeholder') || '',"
	"   value: field ? clip(e.value, 100) : '' });"
	" }"
	" const links = Array.from(document.links).slice(0, " STR(BROWSER_LINKS_MAX) ")"
	"  .map(a => ({ text: clip(a.innerText, 100), href: a.href }));"
	" return { url: location.href, title: document.title,"
	"  text: document.body ? document.body.innerText : '', elements, element_count: count,"
	"  links, scroll_y: Math.round(window.scrollY),"
	"  page_height: document.documentElement.scrollHeight,"
	"  viewport_height: window.innerHeight };"
	"})()";

int browser_page_locate_script(int index, char *out, size_t outlen)
{
	int n = snprintf(out, outlen,
		"(() => { const e = document.querySelector('[data-hb-id=\"%d\"]');"
		" if (!e) return null;"
		" e.scrollIntoView({ block: 'center', inline: 'center' });"
		" const r = e.getBoundingClientRect();"
		" return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()", index);

	return n < 0 || (size_t)n >= outlen ? HB_ETOOBIG : 0;
}

/* ------------------------------------------------------------ the text */

/* The byte length of s's first max characters (a byte that is not part of
 * a well-formed sequence counts as one), and in *chars how many in all. */
static size_t char_prefix(const char *s, size_t len, size_t max, size_t *chars)
{
	size_t i = 0, n = 0, cut = len, k;

	while (i < len) {
		if (n == max)
			cut = i;
		k = utf8_seq_len((const unsigned char *)s + i, len - i);
		i += k ? k : 1;
		n++;
	}
	*chars = n;
	return n > max ? cut : len;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int render_element(json_t *e, struct buf *out)
{
	const char *tag = str(e, "tag"), *type = str(e, "type"), *text = str(e, "text");
	const char *href = str(e, "href"), *ph = str(e, "placeholder");
	bool field = !strcmp(tag, "input") || !strcmp(tag, "textarea") || !strcmp(tag, "select");
	int rc;

	rc = buf_printf(out, "[%lld] <%s", (long long)json_integer_value(json_object_get(e, "index")),
			tag);
	if (!rc && type[0])
		rc = buf_printf(out, " type=\"%s\"", type);
	if (!rc && href[0])
		rc = buf_printf(out, " href=\"%s\"", href);
	if (!rc && ph[0])
		rc = buf_printf(out, " placeholder=\"%s\"", ph);
	if (!rc && field)
		rc = buf_printf(out, " value=\"%s\">\n", str(e, "value"));
	else if (!rc)
		rc = buf_printf(out, ">%s</%s>\n", text, tag);
	return rc;
}

static int render_list(json_t *state, bool elements, struct buf *out)
{
	json_t *list = json_object_get(state, elements ? "elements" : "links"), *e;
	long long total = elements ? json_integer_value(json_object_get(state, "element_count")) :
		(long long)json_array_size(list);
	size_t i;
	int rc;

	if (!json_array_size(list))
		return buf_printf(out, elements ? "\nNo interactive elements.\n" : "\nNo links.\n");
	rc = buf_printf(out, elements ? "\nInteractive elements (pass the number to "
			"browser_click or browser_type):\n" : "\nLinks:\n");
	json_array_foreach(list, i, e) {
		if (rc)
			break;
		rc = elements ? render_element(e, out) :
			buf_printf(out, "- [%s](%s)\n", str(e, "text"), str(e, "href"));
	}
	if (!rc && total > (long long)json_array_size(list))
		rc = buf_printf(out, "[%lld more not listed]\n",
				total - (long long)json_array_size(list));
	return rc;
}

int browser_page_render(json_t *state, bool elements, bool links, size_t max_chars,
			struct buf *out)
{
	const char *text = str(state, "text");
	size_t len = strlen(text), chars, keep = char_prefix(text, len, max_chars, &chars);
	long long y = json_integer_value(json_object_get(state, "scroll_y"));
	long long h = json_integer_value(json_object_get(state, "page_height"));
	long long vh = json_integer_value(json_object_get(state, "viewport_height"));
	int rc;

	if (!json_is_object(state))
		return HB_EINVAL;
	rc = buf_printf(out, "URL: %s\nTitle: %s\n", str(state, "url"), str(state, "title"));
	if (!rc && h > vh && vh > 0)
		rc = buf_printf(out, "Scrolled to %lld of %lld pixels (the view shows %lld)\n",
				y, h, vh);
	if (!rc)
		rc = buf_printf(out, "\n");
	if (!rc)
		rc = buf_append(out, text, keep);
	if (!rc && keep < len)
		rc = buf_printf(out, "\n<response clipped><NOTE>The page's text was cut after "
				"%zu of its %zu characters.</NOTE>", max_chars, chars);
	if (!rc && len && text[len - 1] != '\n')
		rc = buf_printf(out, "\n");
	if (!rc && elements)
		rc = render_list(state, true, out);
	if (!rc && links)
		rc = render_list(state, false, out);
	return rc ? HB_ENOMEM : 0;
}

int browser_page_render_dialogs(json_t *dialogs, struct buf *out)
{
	json_t *d;
	size_t i;

	json_array_foreach(dialogs, i, d) {
		const char *type = str(d, "type");

		if (buf_printf(out, "[The page showed %s %s, accepted: \"%s\"]\n",
			       strchr("aeiou", type[0]) && type[0] ? "an" : "a", type, str(d, "message")))
			return HB_ENOMEM;
	}
	return 0;
}
