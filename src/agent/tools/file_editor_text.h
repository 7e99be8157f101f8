/* file_editor_text.h — what the file_editor tool does to text, apart from
 * reading and writing it: the `cat -n` view with its 16,000-character cap,
 * line ranges, str_replace, insert, the snippet shown after an edit and the
 * directory view's framing. The texts the model reads follow the reference
 * editor (OpenHands file_editor) so models trained on it read them alike.
 *
 * Functions that can refuse return HB_EINVAL with the message for the model
 * in *msg (appended), HB_ENOMEM, or 0. Pure functions, unit-tested in
 * tests/unit/test_tool_text.c. */
#ifndef HB_AGENT_TOOLS_FILE_EDITOR_TEXT_H
#define HB_AGENT_TOOLS_FILE_EDITOR_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Lines after and before an edit that its snippet shows. */
#define FE_SNIPPET_LINES 4

/* Lines as Python counts them iterating a file: a last line without "\n"
 * counts. */
long fe_count_lines(const char *s, size_t len);
/* The bytes of lines first..last (1-based, inclusive, with their "\n"):
 * *off and *n. Out-of-range parts are left out. */
void fe_line_span(const char *s, size_t len, long first, long last, size_t *off, size_t *n);

/* "Here's the result of running `cat -n` on WHAT:\n" and the content (cut
 * to 16,000 characters, head and tail) numbered from first, "%6d\t%s"
 * per line, ending with "\n". */
int fe_make_output(const char *s, size_t len, const char *what, long first, struct buf *out);

/* The view of a file's text: whole (nrange 0), or lines range[0]..range[1]
 * (range[1] -1: to the end). nrange other than 0 or 2 is refused. */
int fe_view(const char *s, size_t len, const char *path, const long *range, size_t nrange,
	    struct buf *out, struct buf *msg);

/* Replaces the one occurrence of old_s with new_s into *new_text; when
 * old_s does not occur, both are tried again without surrounding
 * whitespace. *line is where the match starts (1-based), *new_used the
 * replacement used (points into new_s). Refuses none and several (naming
 * their lines). */
int fe_str_replace(const char *s, size_t len, const char *old_s, const char *new_s,
		   const char *path, struct buf *new_text, long *line, const char **new_used,
		   size_t *new_used_len, struct buf *msg);
/* "The file P has been edited. " + the snippet around line + the request
 * to review it. */
int fe_replace_message(const char *s, size_t len, const char *path, long line,
		       const char *new_s, size_t new_len, struct buf *out);

/* new_s (its lines, each ending in "\n") after line insert_line (0: at the
 * top) into *new_text; refuses a line outside 0..lines. */
int fe_insert(const char *s, size_t len, long insert_line, const char *new_s,
	      struct buf *new_text, struct buf *msg);
/* The message after an insert (the new text in s). old_lines: the file's
 * lines before. */
int fe_insert_message(const char *s, size_t len, const char *path, long insert_line,
		      long old_lines, const char *new_s, struct buf *out);

/* The directory view: the header, listing (one entry a line), the count of
 * hidden entries left out, cut to 16,000 characters. */
int fe_dir_view(const char *root, const char *listing, size_t listing_len, long hidden,
		struct buf *out);

#endif
