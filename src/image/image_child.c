/* image_child.c — starting, watching and reaping the image build's child
 * processes, and the cancellation that reaches them; see image_child.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "image/image_child.h"
#include "image/image_util.h"

#define CAPTURE_MAX (1u << 20)        /* a short child's output */

int image_cancelled(struct hb_cancel *cancel, char *err, size_t errlen)
{
	int why = hb_cancel_reason(cancel);

	if (why > 0 && why < NSIG)
		return hb_fail(err, errlen, HB_ECANCELED, "interrupted by signal %d (%s)", why,
			       strsignal(why));
	return why ? hb_fail(err, errlen, HB_ECANCELED, "cancelled") : 0;
}

bool image_child_cancel_check(struct image_child *c)
{
	int why = hb_cancel_reason(c->cancel);

	if (!why)
		return false;
	if (!c->cancel_sent && c->pid > 0) {
		kill(-c->pid, why > 0 && why < NSIG ? why : SIGTERM);
		c->cancel_sent = true;
	}
	return true;
}

void image_status_text(int status, char *s, size_t n)
{
	if (WIFEXITED(status))
		snprintf(s, n, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(s, n, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(s, n, "ended with wait status %d", status);
}

int image_child_start(struct image_child *c, const char *exe, int exec_fd,
		      char *const argv[], const char *cwd, struct hb_cancel *cancel,
		      char *err, size_t errlen)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, st[2] = { -1, -1 };
	int e = 0, nul;
	ssize_t n;

	c->pid = -1;
	c->out = c->err = -1;
	c->cancel = cancel;
	c->cancel_sent = false;
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(st, O_CLOEXEC)) {
		e = errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		e = errno;
		goto fail;
	}
	if (c->pid == 0) {
		/* Only async-signal-safe calls until exec: we may have threads. */
		setpgid(0, 0);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(outp[1], 1) < 0 ||
		    dup2(errp[1], 2) < 0 || (cwd && chdir(cwd) < 0) ||
		    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
			e = errno;
		} else {
			if (exe)
				execv(exe, argv);
			else
				fexecve(exec_fd, argv, environ);
			e = errno;
		}
		n = write(st[1], &e, sizeof(e));
		(void)n;
		_exit(127);
	}
	setpgid(c->pid, c->pid);
	image_close_fd(&outp[1]);
	image_close_fd(&errp[1]);
	image_close_fd(&st[1]);
	do
		n = read(st[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	image_close_fd(&st[0]);
	if (n == sizeof(e)) {
		waitpid(c->pid, NULL, 0);
		c->pid = -1;
		goto fail;
	}
	c->out = outp[0];
	c->err = errp[0];
	return 0;
fail:
	image_close_fd(&outp[0]);
	image_close_fd(&outp[1]);
	image_close_fd(&errp[0]);
	image_close_fd(&errp[1]);
	image_close_fd(&st[0]);
	image_close_fd(&st[1]);
	return hb_fail(err, errlen, HB_EIO, "cannot run %s: %s", argv[0], strerror(e));
}

int image_child_reap(struct image_child *c, int timeout_ms, int *status)
{
	double deadline = clock_mono_s() + timeout_ms / 1000.0;
	pid_t r;

	image_close_fd(&c->out);
	image_close_fd(&c->err);
	if (c->pid <= 0)
		return HB_EINVAL;
	for (;;) {
		r = waitpid(c->pid, status, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		if (clock_mono_s() > deadline) {
			kill(-c->pid, SIGKILL);
			r = waitpid(c->pid, status, 0);
			break;
		}
		usleep(20 * 1000);
	}
	c->pid = -1;
	return r < 0 ? HB_EIO : 0;
}

int image_child_run(const char *exe, int exec_fd, char *const argv[], const char *cwd,
		    int timeout_ms, struct hb_cancel *cancel, struct buf *out,
		    struct buf *errout, int *status, char *err, size_t errlen)
{
	struct image_child c;
	struct pollfd pf[2];
	char chunk[16384];
	double deadline = clock_mono_s() + timeout_ms / 1000.0;
	ssize_t n;
	int rc, i, wait_ms;

	buf_init(out, CAPTURE_MAX);
	buf_init(errout, CAPTURE_MAX);
	if ((rc = image_child_start(&c, exe, exec_fd, argv, cwd, cancel, err, errlen)) < 0)
		return rc;
	while (c.out >= 0 || c.err >= 0) {
		wait_ms = (int)((deadline - clock_mono_s()) * 1000);
		if (wait_ms <= 0) {
			kill(-c.pid, SIGKILL);
			image_child_reap(&c, IMAGE_REAP_MS, status);
			buf_free(out);
			buf_free(errout);
			return hb_fail(err, errlen, HB_EIO, "%s took more than %d s: killed",
				       argv[0], timeout_ms / 1000);
		}
		image_child_cancel_check(&c);
		pf[0] = (struct pollfd){ .fd = c.out, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = c.err, .events = POLLIN };
		if (poll(pf, 2, cancel && wait_ms > IMAGE_CANCEL_POLL_MS ? IMAGE_CANCEL_POLL_MS
								     : wait_ms) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				image_close_fd(i == 0 ? &c.out : &c.err);
			else
				buf_append(i == 0 ? out : errout, chunk, (size_t)n);
		}
	}
	if (image_child_reap(&c, IMAGE_REAP_MS, status) < 0)
		return hb_fail(err, errlen, HB_EIO, "waiting for %s: %s", argv[0],
			       strerror(errno));
	if ((rc = image_cancelled(cancel, err, errlen)) < 0) {
		buf_free(out);
		buf_free(errout);
	}
	return rc;
}

void image_text_tail(const char *text, size_t len, int lines, char *out, size_t outlen)
{
	const char *p = text + len, *start;
	int n = 0;
	size_t used = 0;

	while (p > text && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	start = p;
	while (start > text && n < lines) {
		start--;
		if (*start == '\n' && ++n == lines) {
			start++;
			break;
		}
	}
	*out = '\0';
	while (start < p && used + 8 < outlen) {
		const char *nl = memchr(start, '\n', (size_t)(p - start));
		size_t l = nl ? (size_t)(nl - start) : (size_t)(p - start);
		int w = snprintf(out + used, outlen - used, "\n  | %.*s", (int)l, start);

		if (w < 0)
			break;
		used += (size_t)w < outlen - used ? (size_t)w : outlen - used - 1;
		start += l + (nl ? 1 : 0);
	}
}
