/* proc.c — fork/exec of commands; see proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/path_search.h"
#include "sandboxd/env.h"
#include "sandboxd/proc.h"

/* What a child reports back through its CLOEXEC status pipe. */
struct child_failure {
	int step; /* 1 chdir, 2 set user, 3 exec, 4 terminal */
	int err;
};

struct exec_try {
	char *const *argv, *const *envp;
	int saved;        /* the errno worth reporting */
};

static int exec_one(const char *full, void *arg)
{
	struct exec_try *t = arg;

	execve(full, t->argv, t->envp);
	if (errno != ENOENT && errno != ENOTDIR)
		t->saved = errno;
	return 0;
}

/* execve() with a PATH search in the child's environment, not ours. */
static void exec_in_path(const char *file, char *const argv[], char *const envp[])
{
	struct exec_try t = { argv, envp, ENOENT };

	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return;
	}
	path_search_each(env_lookup(envp, "PATH"), file, exec_one, &t);
	errno = t.saved;
}

static void child_fail(int status_fd, int step)
{
	struct child_failure f = { step, errno };

	if (write(status_fd, &f, sizeof(f)) < 0)
		_exit(127);
	_exit(127);
}

/* Commands are the OOM killer's first choice, sandboxd its last: each
 * child raises its oom_score_adj to CHILD_OOM_ADJ. Raising needs no
 * privilege, where lowering sandboxd's own needs CAP_SYS_RESOURCE, which
 * many engines lack (a negative OomScoreAdj makes their runc fail), so
 * the gap is made from the commands' side, whatever PID 1 was given. */
#define CHILD_OOM_ADJ 500
#define CHILD_OOM_ADJ_TEXT "500"     /* written in the child: no printf */

/* sandboxd's own value, read once before the first vfork; INT_MIN when it
 * cannot be read (then children are left as they are). */
static bool own_oom_adj_read;
static int own_oom_adj;

static int read_own_oom_adj(void)
{
	char v[16] = "";
	ssize_t n;
	int fd;

	fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return INT_MIN;
	n = read(fd, v, sizeof(v) - 1);
	close(fd);
	return n > 0 ? atoi(v) : INT_MIN;
}

/* In the child, before it leaves sandboxd's user: after the switch
 * /proc/self is no longer writable (sandboxd is not dumpable). A failure
 * is not the command's: it runs as protected as sandboxd, as it always
 * did. */
static void child_raise_oom_adj(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = write(fd, CHILD_OOM_ADJ_TEXT, sizeof(CHILD_OOM_ADJ_TEXT) - 1);
	(void)n;
	close(fd);
}

static void child_main(const struct proc_spec *s, int status_fd, int in_fd,
		       int out_fd, int err_fd, int tty_fd)
{
	sigset_t all;
	int moved[PROC_MAX_EXTRA_FDS], i;

	/* sandboxd blocks the signals it reads through signalfd; commands
	 * must start with a clean mask and default dispositions (SIGINT and
	 * SIGQUIT arrive ignored when sandboxd was started in the background
	 * by a shell, and an ignored signal stays ignored across exec: Ctrl-C
	 * on a terminal would do nothing) */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	setsid();
	if (own_oom_adj != INT_MIN && own_oom_adj < CHILD_OOM_ADJ)
		child_raise_oom_adj();
	if (tty_fd >= 0) {
		if (ioctl(tty_fd, TIOCSCTTY, 0) < 0)
			child_fail(status_fd, 4);
		in_fd = out_fd = err_fd = tty_fd;
	}
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_fail(status_fd, 4);
	/* first out of the way of 3, 4, …, then into place (dup2 clears
	 * close-on-exec on the copy) */
	for (i = 0; i < s->n_extra_fds; i++)
		if ((moved[i] = fcntl(s->extra_fds[i], F_DUPFD_CLOEXEC,
				      3 + s->n_extra_fds)) < 0)
			child_fail(status_fd, 4);
	for (i = 0; i < s->n_extra_fds; i++)
		if (dup2(moved[i], 3 + i) < 0)
			child_fail(status_fd, 4);
	if (s->switch_user) {
		if (setgroups(1, &s->gid) < 0 || setgid(s->gid) < 0 ||
		    setuid(s->uid) < 0)
			child_fail(status_fd, 2);
	}
	/* after the switch: the user must be able to enter it */
	if (s->cwd && chdir(s->cwd) < 0)
		child_fail(status_fd, 1);
	exec_in_path(s->argv[0], (char *const *)s->argv, s->envp);
	child_fail(status_fd, 3);
}

static void close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int proc_spawn(const struct proc_spec *spec, pid_t *pid, struct proc_io *io,
	       char *err, size_t errlen)
{
	static const char *steps[] = { "", "change to directory", "switch to user",
				       "run", "set up the terminal" };
	/* status, stdin, stdout, stderr pipes and the pty pair */
	int st[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 },
	    er[2] = { -1, -1 }, master = -1, slave = -1;
	struct child_failure f;
	struct winsize ws;
	struct termios tio;
	ssize_t n;
	pid_t child;
	int status;

	if (spec->n_extra_fds < 0 || spec->n_extra_fds > PROC_MAX_EXTRA_FDS)
		return hb_fail(err, errlen, HB_EINVAL, "%d extra descriptors: at most %d can be passed",
			       spec->n_extra_fds, PROC_MAX_EXTRA_FDS);
	if (!own_oom_adj_read) {
		own_oom_adj = read_own_oom_adj();
		own_oom_adj_read = true;
	}
	if (pipe2(st, O_CLOEXEC) < 0)
		return hb_fail(err, errlen, HB_EIO, "pipe: %s", strerror(errno));
	if (spec->pty) {
		memset(&ws, 0, sizeof(ws));
		ws.ws_row = spec->rows ? spec->rows : 24;
		ws.ws_col = spec->cols ? spec->cols : 80;
		if (openpty(&master, &slave, NULL, NULL, &ws) < 0)
			goto fail_errno;
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		if (spec->pty_noecho) {
			if (tcgetattr(slave, &tio) < 0)
				goto fail_errno;
			tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			tio.c_oflag &= ~(tcflag_t)ONLCR;
			if (tcsetattr(slave, TCSANOW, &tio) < 0)
				goto fail_errno;
		}
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0)
			goto fail_errno;
		if (spec->want_stdin) {
			if (pipe2(in, O_CLOEXEC) < 0)
				goto fail_errno;
		} else {
			in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (in[0] < 0)
				goto fail_errno;
		}
	}
	/* vfork: no page-table copy, which is most of a command's start-up
	 * cost in sandboxd; the child only sets itself up and execs (or
	 * reports through the status pipe and _exits), touching no memory
	 * of ours, as glibc's posix_spawn does. */
	child = vfork();
	if (child < 0)
		goto fail_errno;
	if (child == 0)
		child_main(spec, st[1], in[0], out[1], er[1], slave);

	close(st[1]);
	st[1] = -1;
	n = read(st[0], &f, sizeof(f));
	close(st[0]);
	if (n == (ssize_t)sizeof(f)) {
		waitpid(child, &status, 0);
		close_all((int[]){ in[0], in[1], out[0], out[1], er[0], er[1], master, slave }, 8);
		errno = f.err;
		return hb_fail(err, errlen, f.step == 1 ? HB_ENOENT : HB_EIO,
			       "cannot %s %s: %s", steps[f.step],
			       f.step == 1 ? spec->cwd : f.step == 3 ? spec->argv[0] : "",
			       strerror(f.err));
	}
	*pid = child;
	if (spec->pty) {
		close(slave);
		io->out = master;
		io->in = dup(master);
		fcntl(io->in, F_SETFD, FD_CLOEXEC);
		io->err = -1;
	} else {
		close(in[0]);
		close(out[1]);
		close(er[1]);
		io->in = in[1];
		io->out = out[0];
		io->err = er[0];
	}
	return 0;

fail_errno:
	n = errno;
	close_all((int[]){ st[0], st[1], in[0], in[1], out[0], out[1], er[0], er[1], master, slave }, 10);
	return hb_fail(err, errlen, HB_EIO, "cannot start a command: %s",
		       strerror((int)n));
}

void proc_signal_group(pid_t pid, int sig)
{
	if (pid > 0)
		kill(-pid, sig);
}
