/* process.c — the process backend (RUNTIME=process): a sandbox is
 * handbox-sandboxd run as a plain process on this machine, for hosts
 * without a Docker engine. Same API as a container sandbox, NO isolation:
 * commands see this machine's files, network and processes.
 *
 * sandboxd is started detached (double fork, its own session) so that it
 * outlives the short-lived CLI and is never our zombie; it listens on a
 * port the kernel picks and reports it through a pipe (--ready-fd). What
 * we know of each sandbox is a record file (process_record.h); its argv
 * also carries labels (handbox.sandbox=ID, …) so that a sandboxd whose
 * state directory was deleted can still be found in /proc and stopped.
 *
 * Sections: /proc, finding a sandbox, starting sandboxd, signalling a
 * sandbox's processes, workspaces, the log, the operations. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "runtime/owner.h"
#include "runtime/process_record.h"
#include "runtime/ready.h"
#include "runtime/runtime.h"

/* The Docker backend's label names, here as sandboxd arguments. */
#define LABEL_SANDBOX   "handbox.sandbox"
#define LABEL_OWNER     "handbox.owner"
#define LABEL_STATE_DIR "handbox.state_dir"
#define LABEL_LEASE     "handbox.lease"

#define STOP_GRACE_MS 10000        /* SIGTERM, then SIGKILL */
#define KILL_WAIT_MS 2000          /* for SIGKILLed processes to be gone */
#define POLL_MS 20
#define START_TIMEOUT_MS 120000    /* `start` has no spec to say otherwise */
#define FAILURE_LOG_LINES 20
#define LOG_TAIL_MAX (4u << 20)    /* logs never returns more than this */
#define FREEZE_PASSES 500          /* pause: rounds of SIGSTOP until settled */
#define TREE_MAX 16384             /* processes tracked per sandbox */
#define RMTREE_DEPTH 256

struct process_backend {
	char pdir[PATH_MAX];       /* STATE_DIR/process */
};

static const char *pdir_of(struct runtime *rt)
{
	return ((struct process_backend *)rt->impl)->pdir;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Copies src into a fixed buffer, cut to fit. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---------------------------------------------------------------- /proc */

struct proc_info {
	pid_t pid, ppid;
	char state;                 /* R S D T t Z X … */
	unsigned long long start;   /* clock ticks after boot */
};

/* Fields 3, 4 and 22 of /proc/PID/stat. The command name (field 2) may
 * hold spaces and parentheses, so parsing starts after the last ')'. */
static int proc_read(pid_t pid, struct proc_info *pi)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HB_ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return HB_ENOENT;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	pi->pid = pid;
	if (!p || sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u"
			 " %*d %*d %*d %*d %*d %*d %llu", &pi->state, &pi->ppid,
			 &pi->start) != 3)
		return HB_EINVAL;
	return 0;
}

static bool state_alive(char state)
{
	return state != 'Z' && state != 'X';
}

static bool state_stopped(char state)
{
	return state == 'T' || state == 't';
}

/* Every process, read once. */
struct proc_table {
	struct proc_info *v;
	size_t n, cap;
};

static int proc_scan(struct proc_table *t)
{
	struct proc_info pi, *nv;
	struct dirent *e;
	DIR *d = opendir("/proc");

	t->n = 0;
	if (!d)
		return HB_EIO;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    proc_read((pid_t)atoi(e->d_name), &pi))
			continue;
		if (t->n == t->cap) {
			nv = realloc(t->v, (t->cap ? t->cap * 2 : 512) * sizeof(*nv));
			if (!nv) {
				closedir(d);
				return HB_ENOMEM;
			}
			t->v = nv;
			t->cap = t->cap ? t->cap * 2 : 512;
		}
		t->v[t->n++] = pi;
	}
	closedir(d);
	return 0;
}

/* The live descendants of root, parents before children (breadth first),
 * into out (at most cap). sandboxd is a subreaper, so a command's
 * daemonised grandchildren are re-parented to it and stay in this tree. */
static size_t proc_descendants(const struct proc_table *t, pid_t root,
			       struct proc_info *out, size_t cap)
{
	size_t n = 0, head = 0, i;
	pid_t parent = root;

	for (;;) {
		for (i = 0; i < t->n && n < cap; i++)
			if (t->v[i].ppid == parent && state_alive(t->v[i].state))
				out[n++] = t->v[i];
		if (head == n)
			return n;
		parent = out[head++].pid;
	}
}

/* Whether the process named by lease ("pid:starttime") still runs (a
 * zombie does not), and its /proc state. */
static bool lease_running(const char *lease, struct proc_info *pi)
{
	unsigned long long start;
	int pid;

	if (!lease || sscanf(lease, "%d:%llu", &pid, &start) != 2 || pid <= 0)
		return false;
	return proc_read((pid_t)pid, pi) == 0 && pi->start == start &&
	       state_alive(pi->state);
}

/* A process's start in microseconds since the epoch (for strays). */
static int64_t proc_start_us(unsigned long long ticks)
{
	char line[256];
	long long btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	fclose(f);
	if (hz <= 0)
		return 0;
	return btime * 1000000LL + (int64_t)(ticks * 1000000ULL / (unsigned long long)hz);
}

/* ------------------------------------------------------ finding a sandbox */

/* A sandbox to act on: its record, or (a stray) what a running sandboxd's
 * labels say when no state directory holds its record any more. */
struct target {
	struct process_record rec;
	bool recorded;
	bool removed;               /* rm deleted its record */
};

/* The real uid of a process, from /proc/PID/status (readable even when
 * sandboxd made itself undumpable). */
static long proc_uid(pid_t pid)
{
	char path[64], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %ld", &uid) == 1)
			break;
	fclose(f);
	return uid;
}

/* Reads a sandboxd's argv: --host, --workdir and the labels. Returns 0
 * when it is one of ours (it has a handbox.sandbox label). */
static int stray_from_cmdline(pid_t pid, struct process_record *r)
{
	char path[64], *buf, *p, *end, *next;
	const char *label;
	ssize_t n;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return HB_ENOENT;
	buf = malloc(65536);
	n = buf ? read(fd, buf, 65535) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return HB_ENOENT;
	}
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p = next) {
		next = p + strlen(p) + 1;
		if (next >= end)
			break;
		if (!strcmp(p, "--host"))
			copy_cut(r->bind_address, sizeof(r->bind_address), next);
		else if (!strcmp(p, "--workdir"))
			copy_cut(r->workdir, sizeof(r->workdir), next);
		if (strcmp(p, "--label"))
			continue;
		label = next;
		if (!strncmp(label, LABEL_SANDBOX "=", sizeof(LABEL_SANDBOX))) {
			copy_cut(r->id, sizeof(r->id), label + sizeof(LABEL_SANDBOX));
			found = process_id_valid(r->id);
		} else if (!strncmp(label, LABEL_OWNER "=", sizeof(LABEL_OWNER))) {
			copy_cut(r->owner, sizeof(r->owner), label + sizeof(LABEL_OWNER));
		} else if (!strncmp(label, LABEL_STATE_DIR "=", sizeof(LABEL_STATE_DIR))) {
			copy_cut(r->state_dir, sizeof(r->state_dir),
				 label + sizeof(LABEL_STATE_DIR));
		} else if (!strncmp(label, LABEL_LEASE "=", sizeof(LABEL_LEASE))) {
			copy_cut(r->lease, sizeof(r->lease), label + sizeof(LABEL_LEASE));
		}
	}
	free(buf);
	return found ? 0 : HB_ENOENT;
}

/* Whether the state directory a sandboxd names still holds its record.
 * When we cannot tell (another user's folder), it counts as recorded: such
 * a sandbox is that directory's business. */
static bool record_exists(const char *state_dir, const char *id)
{
	char path[PATH_MAX * 2];

	if (state_dir[0] != '/')
		return false;
	snprintf(path, sizeof(path), "%s/process/%s.json", state_dir, id);
	return access(path, F_OK) == 0 || errno != ENOENT;
}

/* Calls fn for each running sandboxd of ours (our uid, or anyone's when we
 * are root) that no state directory has a record of; fn returns nonzero to
 * stop. */
static int strays_each(int (*fn)(struct target *t, void *arg), void *arg)
{
	struct proc_table pt = { 0 };
	struct target t;
	uid_t me = geteuid();
	size_t i;
	int rc = proc_scan(&pt);

	for (i = 0; rc == 0 && i < pt.n; i++) {
		if (!state_alive(pt.v[i].state) ||
		    (me != 0 && proc_uid(pt.v[i].pid) != (long)me))
			continue;
		memset(&t, 0, sizeof(t));
		if (stray_from_cmdline(pt.v[i].pid, &t.rec) ||
		    record_exists(t.rec.state_dir, t.rec.id))
			continue;
		t.rec.pid = pt.v[i].pid;
		snprintf(t.rec.pid_lease, sizeof(t.rec.pid_lease), "%d:%llu",
			 (int)pt.v[i].pid, pt.v[i].start);
		t.rec.created_us = proc_start_us(pt.v[i].start);
		/* workspace_remove() still checks that it has our shape */
		t.rec.own_workspace = true;
		if (fn(&t, arg))
			break;
	}
	free(pt.v);
	return rc;
}

struct stray_find {
	const char *id;
	struct target *out;
	bool found;
};

static int stray_match(struct target *t, void *arg)
{
	struct stray_find *f = arg;

	if (strcmp(t->rec.id, f->id))
		return 0;
	*f->out = *t;
	f->found = true;
	return 1;
}

/* The record of id, or the stray sandboxd that carries it. The caller frees
 * t->rec with process_record_free(). */
static int target_load(struct runtime *rt, const char *id, struct target *t,
		       char *err, size_t errlen)
{
	struct stray_find f = { id, t, false };
	int rc = process_record_load(pdir_of(rt), id, &t->rec, err, errlen);

	t->recorded = rc == 0;
	if (rc != HB_ENOENT)
		return rc;
	if (process_id_valid(id))
		strays_each(stray_match, &f);
	return f.found ? 0 : hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
}

static void record_fill(const struct process_record *r, struct hb_sandbox *sb)
{
	struct proc_info pi;

	memset(sb, 0, sizeof(*sb));
	copy_cut(sb->id, sizeof(sb->id), r->id);
	strcpy(sb->backend, "process");
	snprintf(sb->name, sizeof(sb->name), "process-%s", r->id);
	strcpy(sb->image, "host");
	copy_cut(sb->owner, sizeof(sb->owner), r->owner);
	copy_cut(sb->lease, sizeof(sb->lease), r->lease);
	copy_cut(sb->state_dir, sizeof(sb->state_dir), r->state_dir);
	copy_cut(sb->session_api_key, sizeof(sb->session_api_key), r->session_api_key);
	/* a sandboxd bound to every address is reached on loopback */
	copy_cut(sb->host, sizeof(sb->host),
		 !r->bind_address[0] || !strcmp(r->bind_address, "0.0.0.0")
		 ? "127.0.0.1" : r->bind_address);
	copy_cut(sb->workdir, sizeof(sb->workdir), r->workdir);
	sb->created_us = r->created_us;
	if (r->pid > 0 && lease_running(r->pid_lease, &pi)) {
		sb->state = state_stopped(pi.state) ? SANDBOX_PAUSED : SANDBOX_RUNNING;
		sb->host_ports[0] = r->port;
	} else {
		sb->state = SANDBOX_EXITED;
		/* we are not sandboxd's parent: its status is known only when we
		 * stopped it */
		sb->exit_code = r->stopped ? r->exit_code : -1;
	}
}

/* ---------------------------------------------------- starting sandboxd */

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
		left = (deadline_us - now_us()) / 1000;
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

/* Starts sandboxd for r (detached: double fork, its own session) and reads
 * the port it listens on. Fills r->pid, r->pid_lease, r->port and saves the
 * record as soon as the pid is known (so a CLI killed meanwhile leaves a
 * sandbox that `rm` can stop). Returns HB_EIO with the reason, the log tail
 * being added by the caller. */
static int spawn_sandboxd(struct runtime *rt, struct process_record *r, int timeout_ms,
			  char *err, size_t errlen)
{
	const char *bin = rt->opt.sandboxd_path;
	char arg_sandbox[64], arg_owner[128], arg_state[PATH_MAX + 32], arg_lease[96];
	char portline[16];
	char *argv[] = { (char *)bin, "--port", "0", "--host", r->bind_address,
			 "--workdir", r->workdir, "--ready-fd", "3",
			 "--label", arg_sandbox, "--label", arg_owner,
			 "--label", arg_state, "--label", arg_lease, NULL };
	int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;
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
		process_record_save(pdir_of(rt), r, NULL, 0);

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
	rc = process_record_save(pdir_of(rt), r, err, errlen);
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

/* ------------------------------------------- signalling a sandbox's tree */

/* The processes of a sandbox: sandboxd and every descendant seen so far
 * (pid and start time, so a pid reused meanwhile is never signalled). */
struct tree {
	struct proc_info v[TREE_MAX];
	size_t n;
};

static bool tree_has(const struct tree *t, const struct proc_info *pi)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == pi->pid && t->v[i].start == pi->start)
			return true;
	return false;
}

/* Adds the current descendants of root to t (breadth first); returns how
 * many were new. */
static size_t tree_grow(struct tree *t, pid_t root, struct proc_info *scratch)
{
	struct proc_table pt = { 0 };
	size_t i, n, added = 0;

	if (proc_scan(&pt) == 0) {
		n = proc_descendants(&pt, root, scratch, TREE_MAX);
		for (i = 0; i < n && t->n < TREE_MAX; i++)
			if (!tree_has(t, &scratch[i])) {
				t->v[t->n++] = scratch[i];
				added++;
			}
	}
	free(pt.v);
	return added;
}

/* Signals the members of t that are still the processes we saw. */
static void tree_signal(const struct tree *t, int sig, bool children_first)
{
	struct proc_info now;
	size_t i, k;

	for (k = 0; k < t->n; k++) {
		i = children_first ? t->n - 1 - k : k;
		if (proc_read(t->v[i].pid, &now) == 0 && now.start == t->v[i].start &&
		    state_alive(now.state))
			kill(t->v[i].pid, sig);
	}
}

static size_t tree_alive(const struct tree *t)
{
	struct proc_info now;
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		if (proc_read(t->v[i].pid, &now) == 0 && now.start == t->v[i].start &&
		    state_alive(now.state))
			n++;
	return n;
}

/* The tree of a running sandboxd: itself first, then its descendants.
 * Both malloc'd into *t and *scratch; HB_ENOENT when it is not running. */
static int tree_open(const struct process_record *r, struct tree **t,
		     struct proc_info **scratch)
{
	struct proc_info pi;

	*t = NULL;
	*scratch = NULL;
	if (r->pid <= 0 || !lease_running(r->pid_lease, &pi))
		return HB_ENOENT;
	*t = calloc(1, sizeof(**t));
	*scratch = malloc(TREE_MAX * sizeof(**scratch));
	if (!*t || !*scratch) {
		free(*t);
		free(*scratch);
		return HB_ENOMEM;
	}
	(*t)->v[(*t)->n++] = pi;
	tree_grow(*t, pi.pid, *scratch);
	return 0;
}

/* SIGTERM to sandboxd (it stops its commands: HUP, TERM, KILL after 3 s,
 * then exits 0), SIGKILL after STOP_GRACE_MS; then SIGKILL to any process
 * of its tree that is left (a daemon that moved to a session of its own
 * outlives sandboxd's group kill). Returns the exit code to remember:
 * 0, or 137 when sandboxd had to be killed. */
static int tree_stop(const struct process_record *r)
{
	struct proc_info *scratch, pi;
	struct tree *t;
	int64_t deadline = now_us() + STOP_GRACE_MS * 1000LL;
	int code = 0;

	if (tree_open(r, &t, &scratch))
		return 0;
	kill(r->pid, SIGTERM);
	/* a paused sandbox must run to stop: children first, so that no shell
	 * sees its job stopped */
	tree_signal(t, SIGCONT, true);
	while (lease_running(r->pid_lease, &pi) && now_us() < deadline) {
		sleep_ms(POLL_MS);
		tree_grow(t, r->pid, scratch);
	}
	if (lease_running(r->pid_lease, &pi)) {
		kill(r->pid, SIGKILL);
		code = 137;
	}
	tree_signal(t, SIGKILL, false);
	deadline = now_us() + KILL_WAIT_MS * 1000LL;
	while (tree_alive(t) > 0 && now_us() < deadline)
		sleep_ms(5);
	free(t);
	free(scratch);
	return code;
}

/* SIGSTOP to sandboxd, then to its descendants, parents before children,
 * round after round until every process found is stopped: a process that
 * forks while we walk has its child caught in the next round. */
static int tree_freeze(const struct process_record *r, char *err, size_t errlen)
{
	struct proc_info *scratch, now;
	struct tree *t;
	size_t i, running = 1;
	int pass;

	if (tree_open(r, &t, &scratch))
		return hb_fail(err, errlen, HB_EINVAL, "sandbox %s is not running", r->id);
	for (pass = 0; pass < FREEZE_PASSES && running; pass++) {
		tree_signal(t, SIGSTOP, false);
		sleep_ms(1);
		tree_grow(t, r->pid, scratch);
		running = 0;
		for (i = 0; i < t->n; i++)
			if (proc_read(t->v[i].pid, &now) == 0 && now.start == t->v[i].start &&
			    state_alive(now.state) && !state_stopped(now.state))
				running++;
	}
	free(t);
	free(scratch);
	/* a process in uninterruptible sleep stops when it wakes: the signal
	 * is pending, and it cannot fork before */
	return 0;
}

/* SIGCONT, children before parents (a shell resumed first would see its
 * job stopped and take the terminal back). */
static int tree_thaw(const struct process_record *r, char *err, size_t errlen)
{
	struct proc_info *scratch;
	struct tree *t;

	if (tree_open(r, &t, &scratch))
		return hb_fail(err, errlen, HB_EINVAL, "sandbox %s is not running", r->id);
	tree_signal(t, SIGCONT, true);
	free(t);
	free(scratch);
	return 0;
}

/* ----------------------------------------------------------- workspaces */

/* Removes name (in folder at) and everything below, never following a
 * symbolic link nor leaving the file system: every step is relative to a
 * descriptor opened with O_NOFOLLOW, so a command that swaps a folder for
 * a link meanwhile cannot send us elsewhere. */
static void rmtree_at(int at, const char *name, dev_t dev, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (depth >= RMTREE_DEPTH || fstat(fd, &st) != 0 || st.st_dev != dev) {
		close(fd);
		return;
	}
	/* a folder the commands made read-only: ours to open up */
	if ((st.st_mode & 0700) != 0700)
		fchmod(fd, st.st_mode | 0700);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rmtree_at(dirfd(d), e->d_name, dev, depth + 1);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

static void rmtree(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(parent) ||
	    lstat(path, &st) != 0)
		return;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	if ((fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	rmtree_at(fd, slash + 1, st.st_dev, 0);
	close(fd);
}

/* PDIR/<id>: the sandbox's own folder (its fresh workspace lives inside).
 * As root with a sandbox user that is not root, the state directory (0700)
 * is closed to that user, so the workspace is a folder of its own in /tmp
 * that it owns. */
static int workspace_make(struct runtime *rt, struct process_record *r,
			  char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (geteuid() == 0 && r->user_id != 0) {
		snprintf(r->workdir, sizeof(r->workdir), "/tmp/handbox-%s-XXXXXX", r->id);
		if (!mkdtemp(r->workdir) || chown(r->workdir, r->user_id, (gid_t)-1) != 0) {
			int e = errno;
			rmdir(r->workdir);
			return hb_fail(err, errlen, HB_EIO, "cannot create a workspace in /tmp: %s",
				       strerror(e));
		}
		r->own_workspace = true;
		return 0;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", pdir_of(rt), r->id) >= (int)sizeof(dir) ||
	    snprintf(r->workdir, sizeof(r->workdir), "%s/workspace", dir) >=
	    (int)sizeof(r->workdir))
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(r->workdir, 0700) != 0 && errno != EEXIST))
		return hb_fail(err, errlen, HB_EIO, "cannot create %s: %s", r->workdir,
			       strerror(errno));
	r->own_workspace = true;
	return 0;
}

/* Only a folder we made, recognised by its shape: a record edited to name
 * a user's folder must not make us delete it. */
static void workspace_remove(struct runtime *rt, const struct process_record *r)
{
	char mine[PATH_MAX + 32], tmp_prefix[64];
	size_t tl;

	if (!r->own_workspace)
		return;
	snprintf(mine, sizeof(mine), "%s/%s/workspace", pdir_of(rt), r->id);
	tl = (size_t)snprintf(tmp_prefix, sizeof(tmp_prefix), "/tmp/handbox-%s-", r->id);
	if (!strcmp(r->workdir, mine)) {
		mine[strlen(mine) - strlen("/workspace")] = '\0';
		rmtree(mine);
	} else if (!strncmp(r->workdir, tmp_prefix, tl) &&
		   strlen(r->workdir) == tl + 6 && !strchr(r->workdir + tl, '/')) {
		rmtree(r->workdir);
	}
}

/* ------------------------------------------------------------- the log */

/* The last `tail` lines (all when tail <= 0) of path, at most LOG_TAIL_MAX
 * bytes, malloc'd into *out. */
static int log_tail(const char *path, int tail, char **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf, *p;
	off_t from;
	size_t len;
	ssize_t n;
	int fd, lines = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return (*out = strdup("")) ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", path, strerror(errno));
	}
	from = st.st_size > (off_t)LOG_TAIL_MAX ? st.st_size - (off_t)LOG_TAIL_MAX : 0;
	len = (size_t)(st.st_size - from);
	buf = malloc(len + 1);
	n = buf ? pread(fd, buf, len, from) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return hb_fail(err, errlen, HB_EIO, "cannot read %s", path);
	}
	buf[n] = '\0';
	p = buf + n;
	/* a final newline ends the last line; it does not start another */
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf && (tail <= 0 || lines < tail))
		if (*--p == '\n' && ++lines == tail && tail > 0) {
			p++;
			break;
		}
	memmove(buf, p, (size_t)(buf + n - p) + 1);
	*out = buf;
	return 0;
}

/* The message of a sandbox that did not come up, with its log's last
 * lines: sandboxd's own complaint is what the user needs. */
static int with_log_tail(const struct process_record *r, int rc, char *err, size_t errlen)
{
	char *tail = NULL;
	size_t n = strlen(err);

	if (log_tail(r->log, FAILURE_LOG_LINES, &tail, NULL, 0) == 0 && tail[0] && n < errlen)
		snprintf(err + n, errlen - n, "; its last output:\n%s", tail);
	free(tail);
	return rc;
}

/* ------------------------------------------------------ the operations */

/* Start, stop, pause, resume and rm of one sandbox take PDIR/.<id>.lock, so
 * that two callers never start two sandboxd for one record (the second
 * would run unseen). Every holder's work is bounded by its own timeouts.
 * Returns the descriptor to close, or -1 (then we go on unlocked: a lock
 * that cannot be made must not make a sandbox unmanageable). */
static int lock_sandbox(struct runtime *rt, const char *id)
{
	char path[PATH_MAX + 64];
	int fd;

	if (!process_id_valid(id) ||
	    snprintf(path, sizeof(path), "%s/.%s.lock", pdir_of(rt), id) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
	return fd;
}

static void unlock_sandbox(struct runtime *rt, const char *id, int fd, bool removed)
{
	char path[PATH_MAX + 64];

	if (fd < 0)
		return;
	if (removed &&
	    snprintf(path, sizeof(path), "%s/.%s.lock", pdir_of(rt), id) < (int)sizeof(path))
		unlink(path);
	close(fd);
}

static int process_open(struct runtime *rt, char *err, size_t errlen)
{
	struct process_backend *b;
	const char *sd = rt->opt.state_dir;
	struct stat st;

	if (!sd || sd[0] != '/')
		return hb_fail(err, errlen, HB_EINVAL,
			       "the process backend needs an absolute state directory (HANDBOX_STATE_DIR)");
	if (!(b = calloc(1, sizeof(*b))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (snprintf(b->pdir, sizeof(b->pdir), "%s/process", sd) >= (int)sizeof(b->pdir)) {
		free(b);
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	}
	if ((mkdir(sd, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(b->pdir, 0700) != 0 && errno != EEXIST) || lstat(b->pdir, &st) != 0) {
		int e = errno;
		free(b);
		return hb_fail(err, errlen, HB_EIO, "cannot create %s/process: %s", sd,
			       strerror(e));
	}
	/* it holds session keys */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    ((st.st_mode & 077) && chmod(b->pdir, 0700) != 0)) {
		free(b);
		return hb_fail(err, errlen, HB_EPERM,
			       "%s/process: expected a folder of ours that only we can read", sd);
	}
	rt->impl = b;
	return 0;
}

static void process_close(struct runtime *rt)
{
	free(rt->impl);
	rt->impl = NULL;
}

static int check_spec(const struct sandbox_spec *spec, char *err, size_t errlen)
{
	const struct volume *v = spec->volumes.v;
	struct in_addr a;
	struct stat st;
	int i;

	if (spec->network && *spec->network)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--network %s: a process sandbox has no network of its own "
			       "(it uses this machine's); use RUNTIME=docker", spec->network);
	if (spec->isolated)
		return hb_fail(err, errlen, HB_EINVAL,
			       "a process sandbox cannot be cut off from the network "
			       "(no isolation at all); use RUNTIME=docker");
	if (spec->bind_address && inet_pton(AF_INET, spec->bind_address, &a) != 1)
		return hb_fail(err, errlen, HB_EINVAL,
			       "bind address \"%s\": expected an IPv4 address such as 127.0.0.1 "
			       "or 0.0.0.0 (a process sandbox listens on IPv4 only)",
			       spec->bind_address);
	for (i = 0; i < SANDBOX_ENV_MAX && spec->env[i]; i++)
		if (spec->env[i][0] == '=' || !strchr(spec->env[i], '='))
			return hb_fail(err, errlen, HB_EINVAL, "--env: \"%s\": expected NAME=VALUE",
				       spec->env[i]);
	if (spec->volumes.n > 1)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--volume %s:%s: a process sandbox works in one host folder "
			       "(the first volume) and cannot mount others", v[1].source,
			       v[1].target);
	if (spec->volumes.n == 0)
		return 0;
	if (v->kind != VOLUME_BIND)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--volume %s:%s: a process sandbox has no named volumes; "
			       "give a host folder", v->source, v->target);
	if (v->read_only)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--volume %s:%s:ro: a process sandbox cannot make a folder "
			       "read-only (its commands work in it directly); use RUNTIME=docker",
			       v->source, v->target);
	if (stat(v->source, &st) != 0 || !S_ISDIR(st.st_mode))
		return hb_fail(err, errlen, HB_ENOENT,
			       "--volume %s:%s: %s is not an existing folder", v->source,
			       v->target, v->source);
	return 0;
}

struct liveness {
	const char *lease;
};

static int sandboxd_gone(void *arg)
{
	struct proc_info pi;

	return !lease_running(((struct liveness *)arg)->lease, &pi);
}

/* Starts r's sandboxd and waits for /health; on failure nothing of it
 * runs any more. */
static int start_and_wait(struct runtime *rt, struct process_record *r, int timeout_ms,
			  char *err, size_t errlen)
{
	struct liveness l = { r->pid_lease };
	int64_t started = now_us();
	struct hb_sandbox sb;
	char url[128];
	int rc, left;

	rc = spawn_sandboxd(rt, r, timeout_ms, err, errlen);
	if (rc == 0) {
		record_fill(r, &sb);
		sandbox_url(&sb, url, sizeof(url));
		left = timeout_ms - (int)((now_us() - started) / 1000);
		rc = ready_wait(url, r->session_api_key, left > 0 ? left : 1, sandboxd_gone, &l);
		if (rc == HB_EBUSY)
			hb_fail(err, errlen, rc, "sandbox %s did not answer on %s within %d s "
				"(--ready-timeout sets the limit)", r->id, url, timeout_ms / 1000);
		else if (rc)
			hb_fail(err, errlen, rc, "sandbox %s stopped before it was ready", r->id);
	}
	if (rc) {
		tree_stop(r);
		with_log_tail(r, rc, err, errlen);
	}
	return rc;
}

static int process_create(struct runtime *rt, const struct sandbox_spec *spec,
			  struct hb_sandbox *out, char *err, size_t errlen)
{
	const char *bind = spec->bind_address && *spec->bind_address
			   ? spec->bind_address : "127.0.0.1";
	struct process_record *r;
	char path[PATH_MAX + 64];
	struct target *t;
	int rc;

	if (!rt->opt.sandboxd_path || rt->opt.sandboxd_path[0] != '/' ||
	    access(rt->opt.sandboxd_path, X_OK) != 0)
		return hb_fail(err, errlen, HB_ENOENT,
			       "sandboxd not found at %s: run make, or set HANDBOX_SANDBOXD",
			       rt->opt.sandboxd_path ? rt->opt.sandboxd_path : "(unset)");
	if ((rc = check_spec(spec, err, errlen)))
		return rc;
	if (!(t = calloc(1, sizeof(*t))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	r = &t->rec;
	/* a fresh id, unless (at 48 random bits, hardly ever) it is taken */
	do
		sandbox_new_id(r->id);
	while (process_record_path(pdir_of(rt), r->id, path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0);
	sandbox_new_key(r->session_api_key);
	copy_cut(r->bind_address, sizeof(r->bind_address), bind);
	copy_cut(r->owner, sizeof(r->owner), rt->opt.owner_id ? rt->opt.owner_id : "");
	copy_cut(r->state_dir, sizeof(r->state_dir), rt->opt.state_dir);
	copy_cut(r->lease, sizeof(r->lease),
		 !spec->keep_alive && rt->opt.lease ? rt->opt.lease : "");
	r->created_us = now_us();
	strcpy(r->image, "host");
	r->user_id = spec->user_id;
	if (snprintf(r->log, sizeof(r->log), "%s/%s.log", pdir_of(rt), r->id) >=
	    (int)sizeof(r->log)) {
		free(t);
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	}
	if ((rc = process_record_set_env(r, spec->env))) {
		free(t);
		return hb_fail(err, errlen, rc, "out of memory");
	}
	if (spec->volumes.n > 0)
		copy_cut(r->workdir, sizeof(r->workdir), spec->volumes.v[0].source);
	else if ((rc = workspace_make(rt, r, err, errlen)))
		goto fail;
	/* recorded before anything runs: a CLI killed from here on leaves a
	 * sandbox that ls shows and rm cleans up */
	if ((rc = process_record_save(pdir_of(rt), r, err, errlen)))
		goto fail;
	if ((rc = start_and_wait(rt, r, spec->ready_timeout_ms > 0
				 ? spec->ready_timeout_ms : START_TIMEOUT_MS, err, errlen)))
		goto fail;
	t->recorded = true;
	record_fill(r, out);
	process_record_free(r);
	free(t);
	return 0;
fail:
	/* nothing half-made is left behind: the message holds the log tail */
	workspace_remove(rt, r);
	unlink(r->log);
	process_record_delete(pdir_of(rt), r->id, NULL, 0);
	process_record_free(r);
	free(t);
	return rc;
}

/* Loads the sandbox id (record or stray), holding its lock when asked,
 * and runs fn on it. */
typedef int (*target_fn)(struct runtime *rt, struct target *t, void *arg,
			 char *err, size_t errlen);

static int on_target(struct runtime *rt, const char *id, bool lock, target_fn fn,
		     void *arg, char *err, size_t errlen)
{
	struct target *t = calloc(1, sizeof(*t));
	int fd = lock ? lock_sandbox(rt, id) : -1;
	bool keep_lock = false;
	int rc;

	if (!t)
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	else if ((rc = target_load(rt, id, t, err, errlen)) == 0) {
		rc = fn(rt, t, arg, err, errlen);
		keep_lock = t->recorded && !t->removed;
	}
	/* no lock file outlives its record (nor is left for a stray) */
	unlock_sandbox(rt, id, fd, !keep_lock);
	if (t)
		process_record_free(&t->rec);
	free(t);
	return rc;
}

static int inspect_target(struct runtime *rt, struct target *t, void *arg,
			  char *err, size_t errlen)
{
	record_fill(&t->rec, arg);
	return 0;
}

static int process_inspect(struct runtime *rt, const char *id, struct hb_sandbox *out,
			   char *err, size_t errlen)
{
	return on_target(rt, id, false, inspect_target, out, err, errlen);
}

struct list_state {
	int (*fn)(const struct hb_sandbox *sb, void *arg);
	void *arg;
	int stopped;
};

static int list_stray(struct target *t, void *arg)
{
	struct list_state *ls = arg;
	struct hb_sandbox sb;

	record_fill(&t->rec, &sb);
	return ls->stopped = ls->fn(&sb, ls->arg);
}

static int process_list(struct runtime *rt,
			int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
			char *err, size_t errlen)
{
	struct list_state ls = { fn, arg, 0 };
	struct hb_sandbox sb;
	struct target *t;
	struct dirent *e;
	char id[SANDBOX_ID_LEN + 1];
	size_t len;
	DIR *d;

	if (!(d = opendir(pdir_of(rt))))
		return hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", pdir_of(rt),
			       strerror(errno));
	if (!(t = calloc(1, sizeof(*t)))) {
		closedir(d);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	while (!ls.stopped && (e = readdir(d))) {
		len = strlen(e->d_name);
		if (len != SANDBOX_ID_LEN + 5 || strcmp(e->d_name + SANDBOX_ID_LEN, ".json"))
			continue;
		memcpy(id, e->d_name, SANDBOX_ID_LEN);
		id[SANDBOX_ID_LEN] = '\0';
		/* a record that is not one (or vanished meanwhile) is skipped */
		if (process_record_load(pdir_of(rt), id, &t->rec, NULL, 0))
			continue;
		t->recorded = true;
		record_fill(&t->rec, &sb);
		process_record_free(&t->rec);
		ls.stopped = fn(&sb, arg);
	}
	closedir(d);
	free(t);
	if (!ls.stopped)
		strays_each(list_stray, &ls);
	return 0;
}

static int start_target(struct runtime *rt, struct target *t, void *arg,
			char *err, size_t errlen)
{
	struct process_record *r = &t->rec;
	struct proc_info pi;
	struct stat st;
	int rc;

	if (r->pid > 0 && lease_running(r->pid_lease, &pi))
		return state_stopped(pi.state)
		       ? hb_fail(err, errlen, HB_EINVAL, "sandbox %s is paused: resume it instead",
				 r->id)
		       : 0;     /* already running */
	if (!t->recorded)
		return hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", r->id);
	if (stat(r->workdir, &st) != 0 || !S_ISDIR(st.st_mode))
		return hb_fail(err, errlen, HB_ENOENT,
			       "sandbox %s: its folder %s is gone; remove the sandbox", r->id,
			       r->workdir);
	r->stopped = false;
	r->exit_code = 0;
	if ((rc = start_and_wait(rt, r, START_TIMEOUT_MS, err, errlen))) {
		/* remembered as stopped, so it is not taken for a crash */
		r->stopped = true;
		process_record_save(pdir_of(rt), r, NULL, 0);
	}
	return rc;
}

static int stop_target(struct runtime *rt, struct target *t, void *arg,
		       char *err, size_t errlen)
{
	struct proc_info pi;
	bool running = t->rec.pid > 0 && lease_running(t->rec.pid_lease, &pi);
	int code = tree_stop(&t->rec);

	if (!t->recorded || (!running && t->rec.stopped))
		return 0;
	t->rec.stopped = true;
	t->rec.exit_code = running ? code : -1;
	return process_record_save(pdir_of(rt), &t->rec, err, errlen);
}

static int pause_target(struct runtime *rt, struct target *t, void *arg,
			char *err, size_t errlen)
{
	return tree_freeze(&t->rec, err, errlen);
}

static int resume_target(struct runtime *rt, struct target *t, void *arg,
			 char *err, size_t errlen)
{
	return tree_thaw(&t->rec, err, errlen);
}

/* Stops it, then deletes its record, its log and the workspace we made;
 * a host folder given as its volume is never touched. */
static int remove_target(struct runtime *rt, struct target *t, void *arg,
			 char *err, size_t errlen)
{
	tree_stop(&t->rec);
	workspace_remove(rt, &t->rec);
	if (!t->recorded)
		return 0;
	unlink(t->rec.log);
	t->removed = true;
	return process_record_delete(pdir_of(rt), t->rec.id, err, errlen);
}

struct logs_arg {
	int tail;
	char **out;
};

static int logs_target(struct runtime *rt, struct target *t, void *arg,
		       char *err, size_t errlen)
{
	struct logs_arg *l = arg;

	if (t->recorded)
		return log_tail(t->rec.log, l->tail, l->out, err, errlen);
	/* a stray's log went with its state directory */
	*l->out = strdup("");
	return *l->out ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}

static int process_start(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return on_target(rt, id, true, start_target, NULL, err, errlen);
}

static int process_stop(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return on_target(rt, id, true, stop_target, NULL, err, errlen);
}

static int process_pause(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return on_target(rt, id, true, pause_target, NULL, err, errlen);
}

static int process_resume(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return on_target(rt, id, true, resume_target, NULL, err, errlen);
}

static int process_remove(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return on_target(rt, id, true, remove_target, NULL, err, errlen);
}

static int process_logs(struct runtime *rt, const char *id, int tail, char **out,
			char *err, size_t errlen)
{
	struct logs_arg l = { tail, out };

	*out = NULL;
	return on_target(rt, id, false, logs_target, &l, err, errlen);
}

const struct runtime_backend runtime_process = {
	.name = "process",
	.open = process_open,
	.close = process_close,
	.create = process_create,
	.inspect = process_inspect,
	.list = process_list,
	.start = process_start,
	.stop = process_stop,
	.pause = process_pause,
	.resume = process_resume,
	.remove = process_remove,
	.logs = process_logs,
};
