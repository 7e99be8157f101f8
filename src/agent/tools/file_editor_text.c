/* file_editor_text.c — see file_editor_text.h. */
#include <stdio.h>
#include <string.h>

#include "agent/tools/file_editor_text.h"
#include "agent/tools/tool_text.h"
#include "common/hb_error.h"

#define WS " \t\r\n\v\f\x1c\x1d\x1e\x1f"

long fe_count_lines(const char *s, size_t len)
{
	long n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + (len && s[len - 1] != '\n');
}

void fe_line_span(const char *s, size_t len, long first, long last, size_t *off, size_t *n)
{
	size_t i = 0, start = len;
	long line = 1;

	if (first < 1)
		first = 1;
	while (i < len && line <= last) {
		if (line == first)
			start = i;
		while (i < len && s[i] != '\n')
			i++;
		if (i < len)
			i++;
		line++;
	}
	*off = start < len ? start : len;
	*n = start < len ? i - start : 0;
}

int fe_make_output(const char *s, size_t len, const char *what, long first, struct buf *out)
{
	struct buf cut;
	const char *p, *end, *nl;
	long line = first;
	int rc;

	buf_init(&cut, 0);
	rc = text_truncate_middle(s, len, TOOL_EDITOR_MAX_CHARS, TOOL_NOTICE_FILE_CLIPPED, &cut);
	if (!rc)
		rc = buf_printf(out, "Here's the result of running `cat -n` on %s:\n", what);
	p = cut.data ? cut.data : "";
	end = p + cut.len;
	/* as Python's split("\n"): n newlines make n + 1 lines */
	while (!rc) {
		nl = memchr(p, '\n', (size_t)(end - p));
		rc = buf_printf(out, "%6ld\t%.*s\n", line++, (int)((nl ? nl : end) - p), p);
		if (!nl)
			break;
		p = nl + 1;
	}
	buf_free(&cut);
	return rc;
}

static int refuse(struct buf *msg, const char *param, const long *v, size_t n,
		  const char *hint)
{
	int rc = buf_printf(msg, "Invalid `%s` parameter: ", param);

	if (!rc)
		rc = n == 1 ? buf_printf(msg, "%ld", v[0]) : text_int_list(msg, v, n);
	if (!rc)
		rc = buf_append(msg, ". ", 2);
	if (!rc)
		rc = buf_printf(msg, "%s", hint);
	return rc ? rc : HB_EINVAL;
}

int fe_view(const char *s, size_t len, const char *path, const long *range, size_t nrange,
	    struct buf *out, struct buf *msg)
{
	long lines = fe_count_lines(s, len), first, last;
	char hint[160];
	size_t off, n;
	int rc;

	if (!nrange)
		return fe_make_output(s, len, path, 1, out);
	if (nrange != 2)
		return refuse(msg, "view_range", range, nrange,
			      "It should be a list of two integers.");
	first = range[0];
	last = range[1];
	if (first < 1 || first > lines) {
		snprintf(hint, sizeof(hint), "Its first element `%ld` should be within the "
			 "range of lines of the file: [1, %ld].", first, lines);
		return refuse(msg, "view_range", range, 2, hint);
	}
	if (last == -1)
		last = lines;
	else if (last > lines) {
		last = lines;
		if ((rc = buf_printf(out, "NOTE: We only show up to %ld since there're only %ld "
				     "lines in this file.\n", lines, lines)))
			return rc;
	}
	if (last < first) {
		snprintf(hint, sizeof(hint), "Its second element `%ld` should be greater than "
			 "or equal to the first element `%ld`.", last, first);
		return refuse(msg, "view_range", range, 2, hint);
	}
	fe_line_span(s, len, first, last, &off, &n);
	if (n && s[off + n - 1] == '\n')
		n--;
	return fe_make_output(s + off, n, path, first, out);
}

/* ---------------------------------------------------------------- editing */

/* Non-overlapping occurrences of pat (plen > 0): the count, the first's
 * offset, and the distinct lines they start on (up to max). */
static size_t find_all(const char *s, size_t len, const char *pat, size_t plen,
		       size_t *first, long *lines, size_t max, size_t *nlines)
{
	const char *p = s, *end = s + len, *hit;
	size_t count = 0, scanned = 0;
	long line = 1;

	*nlines = 0;
	while (plen && (hit = memmem(p, (size_t)(end - p), pat, plen))) {
		for (; scanned < (size_t)(hit - s); scanned++)
			line += s[scanned] == '\n';
		if (!count)
			*first = (size_t)(hit - s);
		if (*nlines < max && (!*nlines || lines[*nlines - 1] != line))
			lines[(*nlines)++] = line;
		count++;
		p = hit + plen;
	}
	return count;
}

static void strip(const char **p, size_t *n)
{
	while (*n && strchr(WS, **p))
		(*p)++, (*n)--;
	while (*n && strchr(WS, (*p)[*n - 1]))
		(*n)--;
}

#define LINES_NAMED 200

int fe_str_replace(const char *s, size_t len, const char *old_s, const char *new_s,
		   const char *path, struct buf *new_text, long *line, const char **new_used,
		   size_t *new_used_len, struct buf *msg)
{
	const char *o = old_s, *nw = new_s;
	size_t olen = strlen(old_s), nlen = strlen(new_s), first = 0, nlines, count, i;
	long lines[LINES_NAMED];
	int rc;

	count = find_all(s, len, o, olen, &first, lines, LINES_NAMED, &nlines);
	if (!count) {
		strip(&o, &olen);
		strip(&nw, &nlen);
		count = find_all(s, len, o, olen, &first, lines, LINES_NAMED, &nlines);
	}
	if (!count) {
		rc = buf_printf(msg, "No replacement was performed, old_str `%.*s` did not appear "
				"verbatim in %s.", (int)olen, o, path);
		return rc ? rc : HB_EINVAL;
	}
	if (count > 1) {
		rc = buf_printf(msg, "No replacement was performed. Multiple occurrences of "
				"old_str `%.*s` in lines ", (int)olen, o);
		if (!rc)
			rc = text_int_list(msg, lines, nlines);
		if (!rc)
			rc = buf_printf(msg, ". Please ensure it is unique.");
		return rc ? rc : HB_EINVAL;
	}
	for (*line = 1, i = 0; i < first; i++)
		*line += s[i] == '\n';
	*new_used = nw;
	*new_used_len = nlen;
	buf_reset(new_text);
	if ((rc = buf_append(new_text, s, first)) || (rc = buf_append(new_text, nw, nlen)) ||
	    (rc = buf_append(new_text, s + first + olen, len - first - olen)))
		return rc;
	/* an empty result still reads as "" rather than NULL */
	return buf_append(new_text, "", 0);
}

static long count_nl(const char *s, size_t n)
{
	long c = 0;

	while (n--)
		c += *s++ == '\n';
	return c;
}

int fe_replace_message(const char *s, size_t len, const char *path, long line,
		       const char *new_s, size_t new_len, struct buf *out)
{
	long first = line - FE_SNIPPET_LINES > 0 ? line - FE_SNIPPET_LINES : 0;
	long last = line + FE_SNIPPET_LINES + count_nl(new_s, new_len);
	struct buf what;
	size_t off, n;
	int rc;

	buf_init(&what, 0);
	fe_line_span(s, len, first + 1, last, &off, &n);
	rc = buf_printf(&what, "a snippet of %s", path);
	if (!rc)
		rc = buf_printf(out, "The file %s has been edited. ", path);
	if (!rc)
		rc = fe_make_output(s + off, n, what.data, first + 1, out);
	if (!rc)
		rc = buf_printf(out, "Review the changes and make sure they are as expected. "
				"Edit the file again if necessary.");
	buf_free(&what);
	return rc;
}

int fe_insert(const char *s, size_t len, long insert_line, const char *new_s,
	      struct buf *new_text, struct buf *msg)
{
	long lines = fe_count_lines(s, len);
	const char *p = new_s, *nl;
	size_t off, n;
	int rc;

	if (insert_line < 0 || insert_line > lines) {
		long v[1] = { insert_line };
		char hint[120];

		snprintf(hint, sizeof(hint), "It should be within the range of allowed values: "
			 "[0, %ld]", lines);
		return refuse(msg, "insert_line", v, 1, hint);
	}
	fe_line_span(s, len, 1, insert_line, &off, &n);
	buf_reset(new_text);
	rc = buf_append(new_text, s, n);
	/* a last line without "\n" is ended first, so the text is not glued
	 * to it */
	if (!rc && n && s[n - 1] != '\n')
		rc = buf_append(new_text, "\n", 1);
	while (!rc) {
		nl = strchr(p, '\n');
		rc = buf_append(new_text, p, nl ? (size_t)(nl - p) : strlen(p));
		if (!rc)
			rc = buf_append(new_text, "\n", 1);
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!rc)
		rc = buf_append(new_text, s + n, len - n);
	return rc;
}

int fe_insert_message(const char *s, size_t len, const char *path, long insert_line,
		      long old_lines, const char *new_s, struct buf *out)
{
	long added = count_nl(new_s, strlen(new_s)) + 1;
	long first = insert_line - FE_SNIPPET_LINES > 0 ? insert_line - FE_SNIPPET_LINES : 0;
	long last = insert_line + FE_SNIPPET_LINES + added;
	size_t off, n;
	int rc;

	if (last > old_lines + added)
		last = old_lines + added;
	fe_line_span(s, len, first + 1, last, &off, &n);
	rc = buf_printf(out, "The file %s has been edited. ", path);
	if (!rc)
		rc = fe_make_output(s + off, n, "a snippet of the edited file", first + 1, out);
	if (!rc)
		rc = buf_printf(out, "Review the changes and make sure they are as expected "
				"(correct indentation, no duplicate lines, etc). Edit the file "
				"again if necessary.");
	return rc;
}

int fe_dir_view(const char *root, const char *listing, size_t listing_len, long hidden,
		struct buf *out)
{
	struct buf all;
	int rc;

	buf_init(&all, 0);
	rc = buf_printf(&all, "Here's the files and directories up to 2 levels deep in %s, "
			"excluding hidden items:\n", root);
	if (!rc)
		rc = buf_append(&all, listing, listing_len);
	if (!rc && hidden > 0)
		rc = buf_printf(&all, "\n\n%ld hidden files/directories in this directory are "
				"excluded. You can use 'ls -la %s' to see them.", hidden, root);
	if (!rc)
		rc = text_truncate_middle(all.data, all.len, TOOL_EDITOR_MAX_CHARS,
					  TOOL_NOTICE_DIR_CLIPPED, out);
	buf_free(&all);
	return rc;
}
