/* term.h — our own terminal, for `handbox sandbox exec -t`: its size, and
 * raw mode while keys go to a terminal in the sandbox. */
#ifndef HB_CLIENT_TERM_H
#define HB_CLIENT_TERM_H

#include <stdbool.h>
#include <termios.h>

struct term_state {
	bool raw;                 /* term_raw_begin() changed the settings */
	int fd;
	struct termios saved;
};

/* The size of the terminal on stdin, stdout or stderr (the first that is
 * one). Returns true with rows and cols, false when none is a terminal. */
bool term_size(unsigned short *rows, unsigned short *cols);

/* Puts the terminal on fd in raw mode (no echo, no line editing, no
 * signals from keys, no output processing) when fd is a terminal; st
 * remembers what to restore. Returns 0, or an errno value. */
int term_raw_begin(struct term_state *st, int fd);
/* Restores what term_raw_begin() changed; harmless when it changed
 * nothing, and when called twice. */
void term_raw_end(struct term_state *st);

#endif
