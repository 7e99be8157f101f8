/* term.c — our terminal's size and raw mode; see term.h. */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/term.h"

bool term_size(unsigned short *rows, unsigned short *cols)
{
	struct winsize ws;
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			return true;
		}
	}
	return false;
}

int term_raw_begin(struct term_state *st, int fd)
{
	struct termios raw;

	st->raw = false;
	st->fd = fd;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &st->saved))
		return errno;
	raw = st->saved;
	cfmakeraw(&raw);
	/* TCSADRAIN: what we printed before goes out with the old settings */
	if (tcsetattr(fd, TCSADRAIN, &raw))
		return errno;
	st->raw = true;
	return 0;
}

void term_raw_end(struct term_state *st)
{
	if (!st->raw)
		return;
	st->raw = false;
	tcsetattr(st->fd, TCSADRAIN, &st->saved);
}
