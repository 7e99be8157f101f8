/* tool_text.h — text helpers the tools share: lengths counted in characters
 * (code points, as the reference counts them in Python), the head-and-tail
 * truncation of long answers, and the notes the model reads. Pure
 * functions, unit-tested in tests/unit/test_tool_text.c. */
#ifndef HB_AGENT_TOOLS_TOOL_TEXT_H
#define HB_AGENT_TOOLS_TOOL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* The most characters of terminal output and of a file_editor answer the
 * model sees (the reference's MAX_CMD_OUTPUT_SIZE, MAX_RESPONSE_LEN_CHAR). */
#define TOOL_TERMINAL_MAX_CHARS 30000
#define TOOL_EDITOR_MAX_CHARS 16000

/* What is put where text was cut (the reference's wording: models are
 * tuned on it). */
#define TOOL_NOTICE_CLIPPED "<response clipped><NOTE>Due to the max output limit, only " \
	"part of the full response has been shown to you.</NOTE>"
#define TOOL_NOTICE_FILE_CLIPPED "<response clipped><NOTE>Due to the max output limit, " \
	"only part of this file has been shown to you. You should retry this tool after " \
	"you have searched inside the file with `grep -n` in order to find the line " \
	"numbers of what you are looking for.</NOTE>"
#define TOOL_NOTICE_DIR_CLIPPED "<response clipped><NOTE>Due to the max output limit, " \
	"only part of this directory has been shown to you. You should use `ls -la` " \
	"instead to view large directories incrementally.</NOTE>"
/* Put before the text of a result with is_error. */
#define TOOL_ERROR_HEADER "[An error occurred during execution.]\n"

/* Characters in s[0..len): well-formed UTF-8 sequences, and each byte that
 * is not part of one. */
size_t text_chars(const char *s, size_t len);
/* The byte offset just after the first n characters of s (len when fewer). */
size_t text_char_offset(const char *s, size_t len, size_t n);

/* Appends s to out whole when it has at most max_chars characters; else
 * its head, notice, and its tail, max_chars characters in all (head gets
 * the odd one), cut between characters. */
int text_truncate_middle(const char *s, size_t len, size_t max_chars, const char *notice,
			 struct buf *out);

/* len without the trailing whitespace (space, tab, CR, LF, VT, FF). */
size_t text_rstrip_len(const char *s, size_t len);

/* Appends the integers as Python prints a list: "[1, 5]". */
int text_int_list(struct buf *out, const long *v, size_t n);

#endif
