/* process_tree.c — stopping, pausing and resuming a process sandbox by
 * signalling sandboxd and its descendants (see process_tree.h). */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "runtime/owner.h"
#include "runtime/process/process_tree.h"

#define STOP_GRACE_MS 10000        /* SIGTERM, then SIGKILL */
#define KILL_WAIT_MS 2000          /* for SIGKILLed processes to be gone */
#define POLL_MS 20
#define FREEZE_PASSES 500          /* pause: rounds of SIGSTOP until settled */
#define TREE_MAX 16384             /* processes tracked per sandbox */

bool process_tree_running(const struct process_record *r, struct proc_stat *st)
{
	return r->pid > 0 && owner_lease_stat(r->pid_lease, st) == 0 && proc_stat_alive(st);
}

/* The processes of a sandbox: sandboxd and every descendant seen so far. */
struct tree {
	struct proc_stat v[TREE_MAX];
	size_t n;
};

/* Whether the process t saw at i is still that process, alive, and its
 * state now in now. */
static bool tree_member_alive(const struct tree *t, size_t i, struct proc_stat *now)
{
	return proc_stat_read(t->v[i].pid, now) == 0 && now->start == t->v[i].start &&
	       proc_stat_alive(now);
}

static bool tree_has(const struct tree *t, const struct proc_stat *st)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == st->pid && t->v[i].start == st->start)
			return true;
	return false;
}

/* The live descendants of root among all, parents before children
 * (breadth first), into out (at most cap). sandboxd is a subreaper, so a
 * command's daemonised grandchildren are re-parented to it and stay in
 * this tree. */
static size_t descendants(const struct proc_stat *all, size_t n_all, pid_t root,
			  struct proc_stat *out, size_t cap)
{
	size_t n = 0, head = 0, i;
	pid_t parent = root;

	for (;;) {
		for (i = 0; i < n_all && n < cap; i++)
			if (all[i].ppid == parent && proc_stat_alive(&all[i]))
				out[n++] = all[i];
		if (head == n)
			return n;
		parent = out[head++].pid;
	}
}

/* Adds the current descendants of root to t; returns how many were new.
 * scratch holds TREE_MAX entries. */
static size_t tree_grow(struct tree *t, pid_t root, struct proc_stat *scratch)
{
	struct proc_stat *all;
	size_t i, n, n_all, added = 0;

	if (proc_stat_scan(&all, &n_all) != 0)
		return 0;
	n = descendants(all, n_all, root, scratch, TREE_MAX);
	for (i = 0; i < n && t->n < TREE_MAX; i++)
		if (!tree_has(t, &scratch[i])) {
			t->v[t->n++] = scratch[i];
			added++;
		}
	free(all);
	return added;
}

/* Signals the members of t that are still the processes we saw. */
static void tree_signal(const struct tree *t, int sig, bool children_first)
{
	struct proc_stat now;
	size_t i, k;

	for (k = 0; k < t->n; k++) {
		i = children_first ? t->n - 1 - k : k;
		if (tree_member_alive(t, i, &now))
			kill(t->v[i].pid, sig);
	}
}

static size_t tree_alive(const struct tree *t)
{
	struct proc_stat now;
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		if (tree_member_alive(t, i, &now))
			n++;
	return n;
}

/* The tree of a running sandboxd: itself first, then its descendants.
 * Both malloc'd into *t and *scratch (the caller frees them); HB_ENOENT
 * when it is not running. */
static int tree_open(const struct process_record *r, struct tree **t,
		     struct proc_stat **scratch)
{
	struct proc_stat st;

	*t = NULL;
	*scratch = NULL;
	if (!process_tree_running(r, &st))
		return HB_ENOENT;
	*t = calloc(1, sizeof(**t));
	*scratch = malloc(TREE_MAX * sizeof(**scratch));
	if (!*t || !*scratch) {
		free(*t);
		free(*scratch);
		return HB_ENOMEM;
	}
	(*t)->v[(*t)->n++] = st;
	tree_grow(*t, st.pid, *scratch);
	return 0;
}

/* SIGTERM to sandboxd (it stops its commands: HUP, TERM, KILL after 3 s,
 * then exits 0), SIGKILL after STOP_GRACE_MS; then SIGKILL to any process
 * of its tree that is left (a daemon that moved to a session of its own
 * outlives sandboxd's group kill). */
int process_tree_stop(const struct process_record *r)
{
	struct proc_stat *scratch, st;
	struct tree *t;
	int64_t deadline = clock_mono_us() + STOP_GRACE_MS * 1000LL;
	int code = 0;

	if (tree_open(r, &t, &scratch))
		return 0;
	kill(r->pid, SIGTERM);
	/* a paused sandbox must run to stop: children first, so that no shell
	 * sees its job stopped */
	tree_signal(t, SIGCONT, true);
	while (process_tree_running(r, &st) && clock_mono_us() < deadline) {
		clock_sleep_us(POLL_MS * 1000);
		tree_grow(t, r->pid, scratch);
	}
	if (process_tree_running(r, &st)) {
		kill(r->pid, SIGKILL);
		code = 137;
	}
	tree_signal(t, SIGKILL, false);
	deadline = clock_mono_us() + KILL_WAIT_MS * 1000LL;
	while (tree_alive(t) > 0 && clock_mono_us() < deadline)
		clock_sleep_us(5000);
	free(t);
	free(scratch);
	return code;
}

/* SIGSTOP to sandboxd, then to its descendants, parents before children,
 * round after round until every process found is stopped: a process that
 * forks while we walk has its child caught in the next round. */
int process_tree_freeze(const struct process_record *r, char *err, size_t errlen)
{
	struct proc_stat *scratch, now;
	struct tree *t;
	size_t i, running = 1;
	int pass;

	if (tree_open(r, &t, &scratch))
		return hb_fail(err, errlen, HB_EINVAL, "sandbox %s is not running", r->id);
	for (pass = 0; pass < FREEZE_PASSES && running; pass++) {
		tree_signal(t, SIGSTOP, false);
		clock_sleep_us(1000);
		tree_grow(t, r->pid, scratch);
		running = 0;
		for (i = 0; i < t->n; i++)
			if (tree_member_alive(t, i, &now) && !proc_stat_stopped(&now))
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
int process_tree_thaw(const struct process_record *r, char *err, size_t errlen)
{
	struct proc_stat *scratch;
	struct tree *t;

	if (tree_open(r, &t, &scratch))
		return hb_fail(err, errlen, HB_EINVAL, "sandbox %s is not running", r->id);
	tree_signal(t, SIGCONT, true);
	free(t);
	free(scratch);
	return 0;
}
