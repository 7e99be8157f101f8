/* child.c — a running command on the event loop; see child.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "sandboxd/child.h"
#include "sandboxd/reaper.h"
#include "sandboxd/sandboxd.h"

#define EXIT_GRACE_US (100 * 1000)
#define STDIN_LIMIT (1u << 20)

static struct child *from_sul(lws_sorted_usec_list_t *sul, size_t off)
{
	return (struct child *)((char *)sul - off);
}

static void maybe_done(struct child *ch)
{
	if (ch->done || !ch->exited || ch->open_fds)
		return;
	ch->done = 1;
	lws_sul_cancel(&ch->grace_sul);
	lws_sul_cancel(&ch->kill_sul);
	buf_free(&ch->stdin_buf);
	if (ch->abandoned) {
		free(ch);
		return;
	}
	if (ch->on_done)
		ch->on_done(ch);
}

static int on_readable(struct fdwatch *w)
{
	static char chunk[CHILD_READ_CHUNK];
	struct child *ch = w->owner;
	int stream = w == &ch->err_w ? CHILD_STDERR : CHILD_STDOUT;
	ssize_t n = read(w->fd, chunk, sizeof(chunk));

	if (n > 0) {
		if (ch->on_output && !ch->abandoned)
			ch->on_output(ch, stream, chunk, (size_t)n);
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1; /* EOF, or EIO from a PTY whose last holder is gone */
}

static int on_stdin_writeable(struct fdwatch *w)
{
	struct child *ch = w->owner;
	ssize_t n;

	if (ch->stdin_buf.len) {
		n = write(w->fd, ch->stdin_buf.data, ch->stdin_buf.len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			buf_consume(&ch->stdin_buf, (size_t)n);
		if (!ch->stdin_buf.len && !ch->stdin_closing && ch->on_stdin_ready)
			ch->on_stdin_ready(ch);
	}
	if (ch->stdin_buf.len)
		fdwatch_want_write(w);
	else if (ch->stdin_closing)
		return -1;
	return 0;
}

static void on_fd_closed(struct fdwatch *w)
{
	struct child *ch = w->owner;

	ch->open_fds--;
	if (w == &ch->in_w && !ch->abandoned && ch->on_stdin_ready)
		ch->on_stdin_ready(ch);
	maybe_done(ch);
}

static void on_grace(lws_sorted_usec_list_t *sul)
{
	struct child *ch = from_sul(sul, offsetof(struct child, grace_sul));

	/* paused output may still sit unread in the pipe: the grace period
	 * starts again when the owner resumes reading */
	if (ch->output_paused)
		return;
	/* exited, but a background process still holds the output open */
	fdwatch_close(&ch->out_w);
	fdwatch_close(&ch->err_w);
	fdwatch_close(&ch->in_w);
}

static void on_kill(lws_sorted_usec_list_t *sul)
{
	struct child *ch = from_sul(sul, offsetof(struct child, kill_sul));

	proc_signal_group(ch->pid, SIGKILL);
}

static void on_exit_status(void *arg, pid_t pid, int status)
{
	struct child *ch = arg;

	ch->exited = 1;
	ch->status = status;
	if (ch->open_fds)
		lws_sul_schedule(sandboxd_lws, 0, &ch->grace_sul, on_grace, EXIT_GRACE_US);
	/* the stdin pipe can never drain now */
	if (ch->in_w.wsi && ch->stdin_closing)
		fdwatch_close(&ch->in_w);
	maybe_done(ch);
}

static int watch(struct child *ch, struct fdwatch *w, int fd, int is_input)
{
	if (fd < 0)
		return 0;
	w->owner = ch;
	w->on_readable = is_input ? NULL : on_readable;
	w->on_writeable = is_input ? on_stdin_writeable : NULL;
	w->on_closed = on_fd_closed;
	if (fdwatch_add(w, fd))
		return HB_EIO;
	ch->open_fds++;
	return 0;
}

int child_start(struct child *ch, const struct proc_spec *spec, char *err,
		size_t errlen)
{
	struct fdwatch *w[3] = { &ch->out_w, &ch->err_w, &ch->in_w };
	struct proc_io io;
	int fds[3], rc, i;

	buf_init(&ch->stdin_buf, STDIN_LIMIT);
	rc = proc_spawn(spec, &ch->pid, &io, err, errlen);
	if (rc)
		return rc;
	sandboxd_last_exec_us = clock_mono_us();
	fds[0] = io.out;
	fds[1] = io.err;
	fds[2] = io.in;
	if (reaper_watch(ch->pid, on_exit_status, ch))
		goto untrack;
	for (i = 0; i < 3; i++) {
		rc = watch(ch, w[i], fds[i], i == 2);
		fds[i] = -1; /* the loop has it now, or fdwatch_add() closed it */
		if (rc)
			goto untrack;
	}
	return 0;

untrack:
	/* Cannot follow it: stop it now, and leave nothing (reaper entry,
	 * watched descriptor) that could reach ch once the caller frees it. */
	proc_signal_group(ch->pid, SIGKILL);
	waitpid(ch->pid, NULL, 0); /* just killed: returns at once */
	reaper_unwatch(ch->pid);
	for (i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fdwatch_detach(w[i]);
	}
	ch->open_fds = 0;
	ch->pid = 0;
	buf_free(&ch->stdin_buf);
	return hb_fail(err, errlen, HB_ENOMEM, "cannot follow the command: out of resources");
}

int child_exit_code(const struct child *ch)
{
	if (WIFEXITED(ch->status))
		return WEXITSTATUS(ch->status);
	if (WIFSIGNALED(ch->status))
		return -WTERMSIG(ch->status);
	return -1;
}

void child_signal(struct child *ch, int sig)
{
	if (!ch->exited)
		proc_signal_group(ch->pid, sig);
}

void child_terminate(struct child *ch, int grace_ms)
{
	if (ch->exited)
		return;
	proc_signal_group(ch->pid, SIGTERM);
	lws_sul_schedule(sandboxd_lws, 0, &ch->kill_sul, on_kill,
			 (lws_usec_t)grace_ms * 1000);
}

void child_pause_output(struct child *ch, int paused)
{
	ch->output_paused = paused;
	fdwatch_pause(&ch->out_w, paused);
	fdwatch_pause(&ch->err_w, paused);
	if (!paused && ch->exited && ch->open_fds)
		lws_sul_schedule(sandboxd_lws, 0, &ch->grace_sul, on_grace, EXIT_GRACE_US);
}

int child_write_stdin(struct child *ch, const char *data, size_t len)
{
	int rc;

	if (!ch->in_w.wsi || ch->stdin_closing)
		return HB_EINVAL;
	rc = buf_append(&ch->stdin_buf, data, len);
	if (!rc)
		fdwatch_want_write(&ch->in_w);
	return rc;
}

void child_close_stdin(struct child *ch)
{
	ch->stdin_closing = 1;
	if (ch->in_w.wsi)
		fdwatch_want_write(&ch->in_w);
}

int child_resize(struct child *ch, unsigned short rows, unsigned short cols)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	ws.ws_row = rows;
	ws.ws_col = cols;
	if (ch->out_w.fd < 0 || ioctl(ch->out_w.fd, TIOCSWINSZ, &ws) < 0)
		return HB_EIO;
	return 0;
}

void child_abandon(struct child *ch)
{
	if (ch->done) {
		free(ch);
		return;
	}
	ch->abandoned = 1;
	if (!ch->exited)
		proc_signal_group(ch->pid, SIGKILL);
	child_pause_output(ch, 0);
	fdwatch_close(&ch->in_w);
}
