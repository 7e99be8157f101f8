/* terminal_text.c — see terminal_text.h. */
#include <string.h>

#include "agent/tools/terminal_text.h"
#include "agent/tools/tool_text.h"
#include "common/utf8.h"

void term_output_init(struct term_output *o)
{
	buf_init(&o->text, 0);
	o->dropped = false;
}

void term_output_free(struct term_output *o)
{
	buf_free(&o->text);
}

/* Keeps the first and last TERM_OUTPUT_KEEP bytes of o->text, cut where
 * no character is split. */
static int compact(struct term_output *o)
{
	const char *s = o->text.data;
	size_t len = o->text.len, head, tail;
	struct buf kept;
	int rc;

	head = utf8_cut_point(s, TERM_OUTPUT_KEEP);
	tail = len - TERM_OUTPUT_KEEP;
	/* skip continuation bytes: the tail starts on a character */
	while (tail < len && ((unsigned char)s[tail] & 0xc0) == 0x80)
		tail++;
	buf_init(&kept, 0);
	if ((rc = buf_append(&kept, s, head)) ||
	    (rc = buf_append(&kept, s + tail, len - tail))) {
		buf_free(&kept);
		return rc;
	}
	buf_free(&o->text);
	o->text = kept;
	o->dropped = true;
	return 0;
}

int term_output_append(struct term_output *o, const char *data, size_t len)
{
	int rc = buf_append(&o->text, data, len);

	if (!rc && o->text.len > 4 * (size_t)TERM_OUTPUT_KEEP)
		rc = compact(o);
	return rc;
}

bool term_is_key(const char *c)
{
	return c[0] == 'C' && c[1] == '-' && c[2] && !c[3];
}

int term_clip_output(const struct term_output *o, struct buf *out)
{
	const char *s = o->text.data ? o->text.data : "";
	size_t len = o->text.len;

	/* leading blank lines (bash's newline after a job C-c ended) go, as
	 * the reference strips them; leading indentation stays */
	while (len && (*s == '\n' || *s == '\r'))
		s++, len--;
	return text_truncate_middle(s, text_rstrip_len(s, len),
				    TOOL_TERMINAL_MAX_CHARS, TOOL_NOTICE_CLIPPED, out);
}

int term_model_text(const struct term_view *v, struct buf *out)
{
	struct buf all;
	int rc = 0;

	buf_init(&all, 0);
	if (v->is_error)
		rc = buf_printf(&all, "%s", TOOL_ERROR_HEADER);
	if (!rc)
		rc = buf_printf(&all, "%s", v->prefix ? v->prefix : "");
	if (!rc)
		rc = buf_append(&all, v->output ? v->output : "", v->output ? v->output_len : 0);
	if (!rc && v->cwd && v->cwd[0])
		rc = buf_printf(&all, "\n[Current working directory: %s]", v->cwd);
	if (!rc)
		rc = buf_printf(&all, "%s", v->suffix ? v->suffix : "");
	if (!rc)
		rc = text_truncate_middle(all.data ? all.data : "", all.len,
					  TOOL_TERMINAL_MAX_CHARS, TOOL_NOTICE_CLIPPED, out);
	buf_free(&all);
	return rc;
}
