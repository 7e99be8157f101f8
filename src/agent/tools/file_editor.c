/* file_editor.c — the file_editor tool: files are read and written through
 * sandboxd's file routes (file_api.h), as the sandbox user; the text work
 * is in file_editor_text.c. Each edit keeps the file's previous text for
 * undo_edit (the last 10 per file, in memory for the conversation).
 *
 * The checks and their messages follow the reference editor: a relative
 * path, create over an existing file, a missing path, a directory for an
 * edit, files over 10 MB or binary ones. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/file_editor_text.h"
#include "agent/tools/tool_text.h"
#include "agent/tools/tools_internal.h"
#include "client/file_api.h"
#include "common/hb_error.h"
#include "common/utf8.h"

#define FILE_MAX (10u << 20)        /* the reference's 10 MB */
#define HISTORY_MAX 10
#define LIST_MAX 10000

struct fe_history {
	char *path;
	struct buf texts[HISTORY_MAX];  /* oldest first */
	int n;
	struct fe_history *next;
};

/* One call's state. */
struct fe_call {
	struct tools *t;
	struct file_api api;
	const char *cmd, *path;
	struct buf msg;              /* the model's text when the call fails */
	struct buf out;              /* … or when it succeeds */
	char err[HB_ERR_MAX];
};

/* ---------------------------------------------------------------- history */

static struct fe_history *history_of(struct tools *t, const char *path, bool make)
{
	struct fe_history *h;

	for (h = t->history; h; h = h->next)
		if (!strcmp(h->path, path))
			return h;
	if (!make || !(h = calloc(1, sizeof(*h))) || !(h->path = strdup(path))) {
		free(h);
		return NULL;
	}
	h->next = t->history;
	t->history = h;
	return h;
}

static int history_push(struct tools *t, const char *path, const char *s, size_t len)
{
	struct fe_history *h = history_of(t, path, true);
	struct buf b;

	if (!h)
		return HB_ENOMEM;
	buf_init(&b, 0);
	if (buf_append(&b, s, len) || buf_append(&b, "", 0)) {
		buf_free(&b);
		return HB_ENOMEM;
	}
	if (h->n == HISTORY_MAX) {
		buf_free(&h->texts[0]);
		memmove(h->texts, h->texts + 1, sizeof(h->texts[0]) * (HISTORY_MAX - 1));
		h->n--;
	}
	h->texts[h->n++] = b;
	return 0;
}

void file_editor_free_history(struct tools *t)
{
	struct fe_history *h, *next;
	int i;

	for (h = t->history; h; h = next) {
		next = h->next;
		for (i = 0; i < h->n; i++)
			buf_free(&h->texts[i]);
		free(h->path);
		free(h);
	}
	t->history = NULL;
}

/* ------------------------------------------------------------ the answer */

static json_t *text_or_null(const struct buf *b)
{
	return b ? json_stringn(b->data ? b->data : "", b->len) : json_null();
}

/* The observation; the model's text is c->msg (is_error) or c->out. */
static int answer(struct fe_call *c, bool is_error, bool prev_exist, const struct buf *old,
		  const struct buf *new_text, struct tool_result *out, char *err, size_t errlen)
{
	const struct buf *text = is_error ? &c->msg : &c->out;
	const char *s = text->data ? text->data : "";
	json_t *obs;

	obs = json_pack("{s:s, s:o, s:b, s:s, s:o, s:b, s:o, s:o}", "kind",
			"FileEditorObservation", "content", tool_text_content(s), "is_error",
			is_error, "command", c->cmd, "path", is_error ? json_null() :
			json_string(c->path), "prev_exist", prev_exist, "old_content",
			text_or_null(old), "new_content", text_or_null(new_text));
	return tool_result_set(out, obs, s, is_error, err, errlen);
}

/* A failure of the tool's own: msg for the model; HB_EINVAL. */
static int fail(struct fe_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct fe_call *c, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	buf_reset(&c->msg);
	if (n < 0 || buf_append(&c->msg, s, (size_t)n)) {
		free(s);
		return HB_ENOMEM;
	}
	free(s);
	return HB_EINVAL;
}

/* sandboxd's refusals that say something about the path (missing, not a
 * file, not allowed) are for the model; a dead sandboxd is not. */
static int io_error(struct fe_call *c, int rc)
{
	if (rc == HB_ENOENT || rc == HB_EINVAL || rc == HB_EPERM || rc == HB_ETOOBIG)
		return fail(c, "%s", c->err);
	return rc;
}

/* The file's text into *text (limit FILE_MAX); refuses big and binary
 * files, and for an edit (strict) text that is not UTF-8. */
static int read_text(struct fe_call *c, struct buf *text, bool strict)
{
	struct buf clean;
	int rc;

	buf_init(text, FILE_MAX);
	rc = file_api_read_text(&c->api, c->path, text, c->err, sizeof(c->err));
	if (rc == HB_ETOOBIG)
		return fail(c, "File validation failed for %s: File is too large (over %uMB). "
			    "Maximum allowed size is %uMB.", c->path, FILE_MAX >> 20,
			    FILE_MAX >> 20);
	if (rc)
		return io_error(c, rc);
	if (text->len && memchr(text->data, '\0', text->len))
		return fail(c, "File validation failed for %s: File appears to be binary and "
			    "this file type cannot be read or edited by this tool.", c->path);
	buf_init(&clean, 0);
	if ((rc = utf8_append_sanitized(&clean, text->data ? text->data : "", text->len)))
		return rc;
	if (clean.len != text->len || (text->len && memcmp(clean.data, text->data, text->len))) {
		buf_free(&clean);
		if (strict)
			return fail(c, "File validation failed for %s: the file is not UTF-8 text, "
				    "which this tool edits; change it with the terminal.", c->path);
		/* a view shows U+FFFD for the bad bytes */
		buf_free(text);
		*text = clean;
		return 0;
	}
	buf_free(&clean);
	return buf_append(text, "", 0);
}

static int write_text(struct fe_call *c, const struct buf *text)
{
	int rc = file_api_write_text(&c->api, c->path, text->data ? text->data : "",
				     text->len, c->err, sizeof(c->err));

	return rc ? io_error(c, rc) : 0;
}

/* The reference's checks of path against command. *exists, *is_dir. */
static int check_path(struct fe_call *c, bool *exists, bool *is_dir)
{
	struct file_entry e;
	int rc;

	*exists = *is_dir = false;
	if (c->path[0] != '/') {
		struct buf guess;

		buf_init(&guess, 0);
		rc = buf_printf(&guess, "%s/%s", c->t->env.working_dir, c->path);
		rc = !rc && !file_api_stat(&c->api, guess.data, &e, c->err, sizeof(c->err)) ?
			fail(c, "Invalid `path` parameter: %s. The path should be an absolute "
			     "path, starting with `/`. Maybe you meant %s?", c->path, guess.data) :
			fail(c, "Invalid `path` parameter: %s. The path should be an absolute "
			     "path, starting with `/`.", c->path);
		buf_free(&guess);
		return rc;
	}
	rc = file_api_stat(&c->api, c->path, &e, c->err, sizeof(c->err));
	if (rc && rc != HB_ENOENT)
		return io_error(c, rc);
	*exists = !rc;
	*is_dir = *exists && e.type == FILE_TYPE_DIR;
	if (!strcmp(c->cmd, "create") && *exists)
		return fail(c, "Invalid `path` parameter: %s. File already exists at: %s. Cannot "
			    "overwrite files using command `create`.", c->path, c->path);
	if (strcmp(c->cmd, "create") && !*exists)
		return fail(c, "Invalid `path` parameter: %s. The path %s does not exist. Please "
			    "provide a valid path.", c->path, c->path);
	if (strcmp(c->cmd, "view") && *is_dir)
		return fail(c, "Invalid `path` parameter: %s. The path %s is a directory and only "
			    "the `view` command can be used on directories.", c->path, c->path);
	return 0;
}

/* --------------------------------------------------------------- commands */

static bool hidden(json_t *entry)
{
	const char *name = json_string_value(json_object_get(entry, "name"));

	return !name || name[0] == '.';
}

/* Two levels of the directory, hidden entries left out (and counted at
 * the top level), as the reference lists them. */
static int view_dir(struct fe_call *c)
{
	size_t rl = strlen(c->path), i, k;
	json_t *top = NULL, *sub, *e, *f;
	struct buf list, child;
	bool more;
	long nhidden = 0;
	int rc;

	while (rl > 1 && c->path[rl - 1] == '/')
		rl--;
	buf_init(&list, 0);
	buf_init(&child, 0);
	rc = file_api_list(&c->api, c->path, LIST_MAX, &top, &more, c->err, sizeof(c->err));
	if (rc)
		return io_error(c, rc);
	/* "/" lists as "/bin", not "//bin" */
	rc = buf_printf(&list, "%.*s/", (int)rl, rl == 1 ? "" : c->path);
	json_array_foreach(top, i, e) {
		bool dir = !strcmp(json_string_value(json_object_get(e, "type")) ?: "", "dir");
		const char *name = json_string_value(json_object_get(e, "name"));

		nhidden += hidden(e);
		if (rc || hidden(e))
			continue;
		buf_reset(&child);
		rc = buf_printf(&child, "%.*s/%s", rl == 1 ? 0 : (int)rl, c->path, name);
		if (!rc)
			rc = buf_printf(&list, "\n%s%s", child.data, dir ? "/" : "");
		if (rc || !dir || file_api_list(&c->api, child.data, LIST_MAX, &sub, &more,
						c->err, sizeof(c->err)))
			continue;
		json_array_foreach(sub, k, f)
			if (!rc && !hidden(f))
				rc = buf_printf(&list, "\n%s/%s%s", child.data,
						json_string_value(json_object_get(f, "name")),
						!strcmp(json_string_value(json_object_get(f, "type")) ?: "",
							"dir") ? "/" : "");
		json_decref(sub);
	}
	json_decref(top);
	buf_free(&child);
	if (!rc) {
		buf_reset(&child);
		rc = buf_printf(&child, "%.*s", (int)rl, c->path);
	}
	if (!rc)
		rc = fe_dir_view(child.data, list.data, list.len, nhidden, &c->out);
	buf_free(&list);
	buf_free(&child);
	return rc;
}

static int view(struct fe_call *c, bool is_dir, json_t *range)
{
	long r[8];
	size_t n = 0, i;
	struct buf text;
	json_t *v;
	int rc;

	json_array_foreach(range, i, v)
		if (n < 8)
			r[n++] = (long)json_integer_value(v);
	if (is_dir && json_array_size(range)) {
		buf_reset(&c->msg);
		rc = buf_printf(&c->msg, "Invalid `view_range` parameter: ");
		if (!rc)
			rc = text_int_list(&c->msg, r, n);
		if (!rc)
			rc = buf_printf(&c->msg, ". The `view_range` parameter is not allowed when "
					"`path` points to a directory.");
		return rc ? rc : HB_EINVAL;
	}
	if (is_dir)
		return view_dir(c);
	rc = read_text(c, &text, false);
	if (!rc)
		rc = fe_view(text.data ? text.data : "", text.len, c->path, r,
			     json_array_size(range) ? n : 0, &c->out, &c->msg);
	buf_free(&text);
	return rc;
}

/* The parameter a command needs, or the reference's message. */
static const char *need(struct fe_call *c, json_t *action, const char *name, int *rc)
{
	json_t *v = json_object_get(action, name);

	if (json_is_null(v) || !v)
		*rc = fail(c, "Parameter `%s` is required for command: %s.", name, c->cmd);
	return json_string_value(v);
}

/* create, str_replace, insert and undo_edit: old and new text, and the
 * message, into c; *old and *new_text are the caller's to free. */
static int edit(struct fe_call *c, json_t *action, struct buf *old, struct buf *new_text)
{
	const char *s = NULL, *new_s = NULL, *used;
	long line, lines;
	size_t used_len;
	int rc = 0;

	if (!strcmp(c->cmd, "create")) {
		if (!(s = need(c, action, "file_text", &rc)))
			return rc;
		if ((rc = buf_append(new_text, s, strlen(s))) || (rc = write_text(c, new_text)) ||
		    (rc = history_push(c->t, c->path, s, strlen(s))))
			return rc;
		return buf_printf(&c->out, "File created successfully at: %s", c->path);
	}
	if (!strcmp(c->cmd, "undo_edit")) {
		struct fe_history *h = history_of(c->t, c->path, false);

		if ((rc = read_text(c, old, false)))
			return rc;
		if (!h || !h->n)
			return fail(c, "No edit history found for %s.", c->path);
		*new_text = h->texts[--h->n];
		if ((rc = write_text(c, new_text)) ||
		    (rc = buf_printf(&c->out, "Last edit to %s undone successfully. ", c->path)))
			return rc;
		return fe_make_output(new_text->data ? new_text->data : "", new_text->len,
				      c->path, 1, &c->out);
	}
	if (!strcmp(c->cmd, "str_replace") && !(s = need(c, action, "old_str", &rc)))
		return rc;
	if (!strcmp(c->cmd, "insert") && !json_is_integer(json_object_get(action, "insert_line")))
		return fail(c, "Parameter `insert_line` is required for command: insert.");
	if (!(new_s = need(c, action, "new_str", &rc)))
		return rc;
	if (s && !strcmp(s, new_s))
		return fail(c, "Invalid `new_str` parameter: %s. No replacement was performed. "
			    "`new_str` and `old_str` must be different.", new_s);
	if ((rc = read_text(c, old, true)))
		return rc;
	if (s) {
		rc = fe_str_replace(old->data ? old->data : "", old->len, s, new_s, c->path,
				    new_text, &line, &used, &used_len, &c->msg);
		if (!rc && !(rc = write_text(c, new_text)))
			rc = fe_replace_message(new_text->data, new_text->len, c->path, line, used,
						used_len, &c->out);
	} else {
		line = (long)json_integer_value(json_object_get(action, "insert_line"));
		lines = fe_count_lines(old->data ? old->data : "", old->len);
		rc = fe_insert(old->data ? old->data : "", old->len, line, new_s, new_text,
			       &c->msg);
		if (!rc && !(rc = write_text(c, new_text)))
			rc = fe_insert_message(new_text->data, new_text->len, c->path, line, lines,
					       new_s, &c->out);
	}
	return rc ? rc : history_push(c->t, c->path, old->data ? old->data : "", old->len);
}

int file_editor_execute(struct tools *t, json_t *action, struct tool_result *out,
			char *err, size_t errlen)
{
	struct fe_call c = { .t = t };
	struct buf old, new_text;
	bool exists = false, is_dir = false, edited;
	int rc;

	c.cmd = json_string_value(json_object_get(action, "command"));
	c.path = json_string_value(json_object_get(action, "path"));
	if (!c.cmd || !c.path)
		return hb_fail(err, errlen, HB_EINVAL, "file_editor: the action has no command "
			       "or path");
	buf_init(&c.msg, 0);
	buf_init(&c.out, 0);
	buf_init(&old, 0);
	buf_init(&new_text, 0);
	rc = file_api_open(&c.api, &t->env.conn, err, errlen);
	if (rc)
		goto out;
	if (!(rc = check_path(&c, &exists, &is_dir)))
		rc = !strcmp(c.cmd, "view") ? view(&c, is_dir, json_object_get(action, "view_range")) :
			edit(&c, action, &old, &new_text);
	edited = strcmp(c.cmd, "view") != 0;
	if (rc == HB_EINVAL)
		rc = answer(&c, true, true, NULL, NULL, out, err, errlen);
	else if (!rc)
		rc = answer(&c, false, strcmp(c.cmd, "create") != 0,
			    edited && strcmp(c.cmd, "create") ? &old : NULL,
			    edited ? &new_text : NULL, out, err, errlen);
	else
		rc = hb_fail(err, errlen, rc, "file_editor: %s", c.err[0] ? c.err : "out of memory");
out:
	file_api_close(&c.api);
	buf_free(&c.msg);
	buf_free(&c.out);
	buf_free(&old);
	buf_free(&new_text);
	return rc;
}
