/* process_spawn.c — sandboxd as a detached process (see process_spawn.h).
 *
 * A double fork, so that sandboxd outlives the short-lived CLI and is
 * never our zombie; its own session; stdin from /dev/null, stdout and
 * stderr to the sandbox's log; fd 3 a pipe on which it writes its port
 * once it listens (--ready-fd 3), so there is no race for a free port.
 * Its argv carries the owner labels, so that a sandboxd whose record is
 * gone can still be found in /proc. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "runtime/owner.h"
#include "runtime/process/process_spawn.h"

/* The environment of sandboxd: a few of ours, the spec's, the key. Never
 * ours wholesale: it may hold LLM keys and other secrets. */
struct envp {
	char *v[SANDBOX_ENV_MAX + 16];
	int n;
};

/* Adds "K=V" (copied), replacing an earlier K. */
static int envp_put(struct envp *e, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char *copy;
	int i;

	if (!kv[klen] || klen == 0)
		return HB_EINVAL;
	if (!(copy = strdup(kv)))
		return HB_ENOMEM;
	for (i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], kv, klen + 1)) {
			free(e->v[i]);
			e->v[i] = copy;
			return 0;
		}
	if (e->n >= (int)(sizeof(e->v) / sizeof(e->v[0])) - 1) {
		free(copy);
		return HB_ETOOBIG;
	}
	e->v[e->n++] = copy;
	e->v[e->n] = NULL;
	return 0;
}

static void envp_free(struct envp *e)
{
	while (e->n > 0)
		free(e->v[--e->n]);
}

static int envp_build(struct envp *e, const struct process_record *r,
		      char *err, size_t errlen)
{
	static const char *const inherited[] = { "PATH", "HOME", "USER", "LANG", "TERM" };
	char line[128];
	const char *v;
	size_t i;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < sizeof(inherited) / sizeof(inherited[0]); i++) {
		char *kv;
		if (!(v = getenv(inherited[i])))
			continue;
		if (asprintf(&kv, "%s=%s", inherited[i], v) < 0) {
			rc = HB_ENOMEM;
			goto fail;
		}
		rc = envp_put(e, kv);
		free(kv);
		if (rc)
			goto fail;
	}
	for (i = 0; i < SANDBOX_ENV_MAX && r->env[i]; i++)
		if ((rc = envp_put(e, r->env[i])))
			goto fail;
	/* last, so that --env cannot replace them */
	snprintf(line, sizeof(line), "SANDBOX_USER_ID=%u", r->user_id);
	if ((rc = envp_put(e, line)))
		goto fail;
	snprintf(line, sizeof(line), "SESSION_API_KEY=%s", r->session_api_key);
	if ((rc = envp_put(e, line)))
		goto fail;
	return 0;
fail:
	envp_free(e);
	return hb_fail(err, errlen, rc, rc == HB_ENOMEM ? "out of memory"
		       : "the sandbox's environment: expected at most 128 NAME=VALUE entries");
}

/* fd moved to 10 or above (so the child's dup2s onto 0-3 never clobber
 * one another), close-on-exec. */
static int fd_high(int fd)
{
	int hi;

	if (fd < 0)
		return -1;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return hi;
}

/* In the grandchild, between fork and exec: async-signal-safe calls only
 * (the caller may be a threaded server). On failure the errno goes back
 * through info_fd. */
static void exec_sandboxd(const char *path, char **argv, char **envp,
			  const char *workdir, int null_fd, int log_fd, int ready_fd,
			  int info_fd)
{
	struct sigaction dfl;
	sigset_t none;
	int sig, e;

	setsid();
	/* the caller's ignored signals and blocked mask would be inherited */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
	    dup2(ready_fd, 3) < 0 || chdir(workdir) != 0)
		goto fail;
	/* everything else the caller had open stays with the caller */
	if (info_fd > 4)
		close_range(4, (unsigned)info_fd - 1, 0);
	close_range((unsigned)info_fd + 1, ~0U, 0);
	execve(path, argv, envp);
fail:
	e = errno;
	if (write(info_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Reads exactly len bytes, or less at EOF; -1 on error or timeout. */
static ssize_t read_timeout(int fd, void *buf, size_t len, int64_t deadline_us)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int64_t left;

	while (got < len) {
		left = (deadline_us - clock_mono_us()) / 1000;
		if (left <= 0)
			return -1;
		n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int process_spawn(const char *bin, const char *pdir, struct process_record *r,
		  int timeout_ms, char *err, size_t errlen)
{
	char arg_sandbox[64], arg_owner[128], arg_state[PATH_MAX + 32], arg_lease[96];
	char portline[16];
	char *argv[] = { (char *)bin, "--port", "0", "--host", r->bind_address,
			 "--workdir", r->workdir, "--ready-fd", "3",
			 "--label", arg_sandbox, "--label", arg_owner,
			 "--label", arg_state, "--label", arg_lease, NULL };
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;
	int null_fd = -1, log_fd = -1, ready[2] = { -1, -1 }, info[2] = { -1, -1 };
	int rc = 0, status, e = 0;
	struct envp env;
	pid_t a, pid = 0;
	ssize_t n;

	snprintf(arg_sandbox, sizeof(arg_sandbox), LABEL_SANDBOX "=%s", r->id);
	snprintf(arg_owner, sizeof(arg_owner), LABEL_OWNER "=%s", r->owner);
	snprintf(arg_state, sizeof(arg_state), LABEL_STATE_DIR "=%s", r->state_dir);
	snprintf(arg_lease, sizeof(arg_lease), LABEL_LEASE "=%s", r->lease);
	if ((rc = envp_build(&env, r, err, errlen)))
		return rc;
	null_fd = fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
	log_fd = fd_high(open(r->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			      0600));
	if (log_fd < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", r->log, strerror(errno));
		goto out;
	}
	if (null_fd < 0 || pipe2(ready, O_CLOEXEC) || pipe2(info, O_CLOEXEC) ||
	    (ready[0] = fd_high(ready[0])) < 0 || (ready[1] = fd_high(ready[1])) < 0 ||
	    (info[0] = fd_high(info[0])) < 0 || (info[1] = fd_high(info[1])) < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot start sandboxd: %s", strerror(errno));
		goto out;
	}

	a = fork();
	if (a < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot start sandboxd: fork: %s",
			     strerror(errno));
		goto out;
	}
	if (a == 0) {
		/* the middle process: its child is re-parented to init (or the
		 * nearest subreaper) when it exits at once, never our zombie */
		pid_t b = fork();
		if (b == 0)
			exec_sandboxd(bin, argv, env.v, r->workdir, null_fd, log_fd, ready[1],
				      info[1]);
		if (write(info[1], &b, sizeof(b)) < 0)
			_exit(1);
		_exit(b < 0);
	}
	close(ready[1]);
	close(info[1]);
	ready[1] = info[1] = -1;
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	if (read_timeout(info[0], &pid, sizeof(pid), deadline) != sizeof(pid) || pid <= 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot start sandboxd: fork failed");
		goto out;
	}
	/* EOF once sandboxd has exec'd; an errno first if it could not */
	n = read_timeout(info[0], &e, sizeof(e), deadline);
	if (n == sizeof(e)) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot run %s in %s: %s", bin, r->workdir,
			     strerror(e));
		goto out;
	}
	r->pid = pid;
	r->port = 0;
	r->pid_lease[0] = '\0';
	if (owner_lease_of(pid, r->pid_lease, NULL, 0) == 0)
		process_record_save(pdir, r, NULL, 0);

	n = read_timeout(ready[0], portline, sizeof(portline) - 1, deadline);
	if (n < 0) {
		rc = hb_fail(err, errlen, HB_EBUSY,
			     "sandbox %s: sandboxd did not listen within %d s "
			     "(--ready-timeout sets the limit)", r->id, timeout_ms / 1000);
		goto out;
	}
	portline[n] = '\0';
	r->port = atoi(portline);
	if (n == 0 || r->port <= 0 || r->port > 65535) {
		rc = hb_fail(err, errlen, HB_EIO, "sandbox %s: sandboxd exited before it listened",
			     r->id);
		goto out;
	}
	rc = process_record_save(pdir, r, err, errlen);
out:
	envp_free(&env);
	if (null_fd >= 0)
		close(null_fd);
	if (log_fd >= 0)
		close(log_fd);
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (info[i] >= 0)
			close(info[i]);
	}
	return rc;
}
