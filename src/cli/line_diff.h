/* line_diff.h — a line diff small enough for the terminal: what a file
 * edit changed, as unified-diff hunks (`@@ -a,b +c,d @@`, ' ', '-', '+'
 * lines), computed by a longest-common-subsequence table. */
#ifndef HB_CLI_LINE_DIFF_H
#define HB_CLI_LINE_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct line_diff_opts {
	bool color;          /* red '-', green '+', cyan '@@' */
	int context;         /* unchanged lines around a change; < 0: 3 */
	size_t max_cells;    /* cap of the table (changed old × new lines); 0: 4M.
			        Past it: one "N lines changed" line */
	size_t max_lines;    /* lines printed before "… N more lines"; 0: no cap */
	const char *indent;  /* before every line; NULL: "" */
};

/* Writes the hunks turning old_text into new_text (either may be NULL,
 * meaning empty) to out; nothing when they are equal. Returns the number
 * of changed lines (removed + added), or -1 when out of memory (then one
 * "N lines changed" line was written instead). */
long line_diff_write(FILE *out, const char *old_text, const char *new_text,
		     const struct line_diff_opts *o);

#endif
