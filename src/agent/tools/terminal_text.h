/* terminal_text.h — the terminal tool's text: the output gathered over
 * several waits (bounded, keeping its head and tail), the notes the model
 * reads at the end of an answer, and the text it reads in all. Pure
 * functions, unit-tested in tests/unit/test_tool_text.c. */
#ifndef HB_AGENT_TOOLS_TERMINAL_TEXT_H
#define HB_AGENT_TOOLS_TERMINAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* The reference's advice after a timeout (TIMEOUT_MESSAGE_TEMPLATE). */
#define TERM_TIMEOUT_ADVICE "You may wait longer to see additional output by sending " \
	"empty command '', send other commands to interact with the current process, " \
	"send keys (\"C-c\", \"C-z\", \"C-d\") to interrupt/kill the previous command " \
	"before sending your new command, or use the timeout parameter in terminal for " \
	"future commands."
#define TERM_CONTINUE_PREFIX "[Below is the output of the previous command.]\n"

/* Output of one tool call, gathered from several answers. Past
 * TERM_OUTPUT_KEEP * 4 bytes, only the first and the last TERM_OUTPUT_KEEP
 * bytes are kept (each more than the 15,000 characters the model sees of
 * either end), cut between characters. */
#define TERM_OUTPUT_KEEP (128u << 10)
struct term_output {
	struct buf text;
	bool dropped;            /* the middle was dropped */
};
void term_output_init(struct term_output *o);
int term_output_append(struct term_output *o, const char *data, size_t len);
void term_output_free(struct term_output *o);

/* "C-c", "C-d"…: a key the reference sends without Enter. */
bool term_is_key(const char *command);

/* The parts of an answer. */
struct term_view {
	bool is_error;
	const char *prefix;      /* "" or TERM_CONTINUE_PREFIX */
	const char *output;      /* already cut to 30,000 characters */
	size_t output_len;
	const char *cwd;         /* NULL: not shown */
	const char *suffix;      /* "\n[The command completed …]" or "" */
};
/* What the model reads: [error header] prefix output [cwd line] suffix,
 * cut to 30,000 characters. */
int term_model_text(const struct term_view *v, struct buf *out);

/* The output as the observation keeps it: leading line breaks and
 * trailing whitespace dropped,
 * cut to 30,000 characters with the note in the middle. */
int term_clip_output(const struct term_output *o, struct buf *out);

#endif
