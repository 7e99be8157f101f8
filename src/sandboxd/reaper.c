/* reaper.c — child reaping and signal handling; see reaper.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "net/fdwatch.h"
#include "sandboxd/reaper.h"

struct watched {
	struct watched *next;
	pid_t pid;
	reaper_exit_fn fn;
	void *arg;
};

static struct watched *watch_list;
static struct fdwatch signal_watch;
static void (*terminate_fn)(int);

int reaper_watch(pid_t pid, reaper_exit_fn fn, void *arg)
{
	struct watched *w = malloc(sizeof(*w));

	if (!w)
		return HB_ENOMEM;
	w->pid = pid;
	w->fn = fn;
	w->arg = arg;
	w->next = watch_list;
	watch_list = w;
	return 0;
}

static struct watched *take(pid_t pid)
{
	struct watched **pp, *w;

	for (pp = &watch_list; (w = *pp); pp = &w->next) {
		if (w->pid == pid) {
			*pp = w->next;
			return w;
		}
	}
	return NULL;
}

void reaper_unwatch(pid_t pid)
{
	free(take(pid));
}

void reaper_collect(void)
{
	struct watched *w;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		w = take(pid);
		if (w) {
			w->fn(w->arg, pid, status);
			free(w);
		}
	}
}

void reaper_signal_all(int sig)
{
	struct watched *w;

	if (getpid() == 1) {
		kill(-1, sig);
		return;
	}
	for (w = watch_list; w; w = w->next)
		kill(-w->pid, sig);
}

unsigned reaper_watched_count(void)
{
	struct watched *w;
	unsigned n = 0;

	for (w = watch_list; w; w = w->next)
		n++;
	return n;
}

/* As the sandbox's PID 1, a stop request counts only from outside the
 * container: root inside it (SANDBOX_USER_ID=0, or a setuid binary) must
 * not take the sandbox down with `kill -TERM 1`. So only one shape is
 * heeded: a kill() (SI_USER) whose sender the kernel shows as pid 0, which
 * it does for a sender in an ancestor pid namespace, as the runtime's stop
 * is. Everything else is refused, not only what looks like a kill from
 * inside: rt_sigqueueinfo() lets a sender write any negative code and any
 * pid (0 included), and F_SETSIG makes SIGIO deliveries of any signal; a
 * sender cannot forge SI_USER (non-negative codes are the kernel's). Outside
 * a container (the process backend, tests) every sender counts. */
static int from_inside(const struct signalfd_siginfo *si)
{
	return getpid() == 1 && !(si->ssi_code == SI_USER && si->ssi_pid == 0);
}

static int on_signal(struct fdwatch *fw)
{
	struct signalfd_siginfo si;

	while (read(fw->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reaper_collect();
		} else if (from_inside(&si)) {
			fprintf(stderr, "handbox-sandboxd: ignoring signal %u from pid %u inside the sandbox\n",
				si.ssi_signo, si.ssi_pid);
		} else if (terminate_fn) {
			terminate_fn((int)si.ssi_signo);
		}
	}
	/* a SIGCHLD may have been merged with one already read */
	reaper_collect();
	return 0;
}

int reaper_init(void (*on_terminate)(int sig))
{
	sigset_t set;
	int fd;

	terminate_fn = on_terminate;
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return HB_EIO;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return HB_EIO;
	memset(&signal_watch, 0, sizeof(signal_watch));
	signal_watch.on_readable = on_signal;
	return fdwatch_add(&signal_watch, fd);
}
