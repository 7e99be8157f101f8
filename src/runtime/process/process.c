/* process.c — the process backend (RUNTIME=process): a sandbox is
 * handbox-sandboxd run as a plain process on this machine, for hosts
 * without a Docker engine. Same API as a container sandbox, NO isolation:
 * commands see this machine's files, network and processes.
 *
 * This file holds the operations; the rest of the backend is one file per
 * part: what we know of a sandbox is its record (process_record.h),
 * sandboxd is started detached by process_spawn.h, stopped, paused and
 * resumed by signalling its process tree (process_tree.h); a sandboxd
 * whose record is gone is found by its labels (process_stray.h); the
 * workspace we make and the log have files of their own
 * (process_workspace.h, process_log.h).
 *
 * Sections: finding a sandbox, the operations. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "runtime/process/process_log.h"
#include "runtime/process/process_record.h"
#include "runtime/process/process_spawn.h"
#include "runtime/process/process_stray.h"
#include "runtime/process/process_tree.h"
#include "runtime/process/process_workspace.h"
#include "client/ready.h"
#include "runtime/runtime.h"

#define START_TIMEOUT_MS 120000    /* `start` has no spec to say otherwise */

struct process_backend {
	char pdir[PATH_MAX];       /* STATE_DIR/process */
};

static const char *pdir_of(struct runtime *rt)
{
	return ((struct process_backend *)rt->impl)->pdir;
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

/* ------------------------------------------------------ finding a sandbox */

/* A sandbox to act on: its record, or (a stray) what a running sandboxd's
 * labels say when no state directory holds its record any more. */
struct target {
	struct process_record rec;
	bool recorded;
	bool removed;               /* rm deleted its record */
};

struct stray_find {
	const char *id;
	struct target *out;
	bool found;
};

static int stray_match(const struct process_record *r, void *arg)
{
	struct stray_find *f = arg;

	if (strcmp(r->id, f->id))
		return 0;
	f->out->rec = *r;
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
	if (sandbox_id_ok(id))
		process_strays_each(stray_match, &f);
	return f.found ? 0 : hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
}

static void record_fill(const struct process_record *r, struct hb_sandbox *sb)
{
	struct proc_stat st;

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
	if (process_tree_running(r, &st)) {
		sb->state = proc_stat_stopped(&st) ? HB_SANDBOX_PAUSED : HB_SANDBOX_RUNNING;
		sb->host_ports[0] = r->port;
	} else {
		sb->state = HB_SANDBOX_EXITED;
		/* we are not sandboxd's parent: its status is known only when we
		 * stopped it */
		sb->exit_code = r->stopped ? r->exit_code : -1;
	}
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
	struct stat held;
	int fd;

	if (!sandbox_id_ok(id) ||
	    snprintf(path, sizeof(path), "%s/.%s.lock", pdir_of(rt), id) >= (int)sizeof(path))
		return -1;
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -1;
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
		/* the holder before us may have unlinked the file (rm, or a
		 * failed create): a lock on that inode excludes nobody who
		 * opens the path now, so we lock the one the path names */
		if (fstat(fd, &held) != 0 || held.st_nlink > 0)
			return fd;
		close(fd);
	}
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
	if (spec->host_port)
		return hb_fail(err, errlen, HB_EINVAL,
			       "host port %d: a process sandbox listens on a free port it picks "
			       "itself; use RUNTIME=docker for a fixed one", spec->host_port);
	if (spec->n_allow_host_ports)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--allow-host-port %d: a process sandbox runs on this host and "
			       "reaches all of its ports already", spec->allow_host_ports[0]);
	if (spec->platform)
		return hb_fail(err, errlen, HB_EINVAL,
			       "platform %s: a process sandbox runs on this machine as it is; "
			       "use RUNTIME=docker", spec->platform);
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

/* ready_wait()'s test that sandboxd died: arg is its record. */
static int sandboxd_gone(void *arg)
{
	struct proc_stat st;

	return !process_tree_running(arg, &st);
}

/* Starts r's sandboxd and waits for /health; on failure nothing of it
 * runs any more. */
static int start_and_wait(struct runtime *rt, struct process_record *r, int timeout_ms,
			  struct hb_cancel *cancel, char *err, size_t errlen)
{
	int64_t started = clock_mono_us();
	struct hb_sandbox sb;
	char url[128];
	int rc, left;

	rc = process_spawn(rt->opt.sandboxd_path, pdir_of(rt), r, timeout_ms, err, errlen);
	if (rc == 0) {
		record_fill(r, &sb);
		sandbox_url(&sb, url, sizeof(url));
		left = timeout_ms - (int)((clock_mono_us() - started) / 1000);
		rc = ready_wait(url, r->session_api_key, left > 0 ? left : 1, sandboxd_gone, r,
				cancel);
		if (rc == HB_ECANCELED)
			runtime_cancelled(cancel, r->id, err, errlen);
		else if (rc == HB_EBUSY)
			hb_fail(err, errlen, rc, "sandbox %s did not answer on %s within %d s "
				"(--ready-timeout sets the limit)", r->id, url, timeout_ms / 1000);
		else if (rc)
			hb_fail(err, errlen, rc, "sandbox %s stopped before it was ready", r->id);
	}
	if (rc) {
		process_tree_stop(r);
		process_log_explain(r->log, rc, err, errlen);
	}
	return rc;
}

static int process_create(struct runtime *rt, const struct sandbox_spec *spec,
			  struct hb_cancel *cancel, struct hb_sandbox *out, char *err,
			  size_t errlen)
{
	const char *bind = spec->bind_address && *spec->bind_address
			   ? spec->bind_address : "127.0.0.1";
	struct process_record *r;
	char path[PATH_MAX + 64];
	struct target *t;
	int rc, lockfd;

	if ((rc = runtime_check_sandboxd(rt, err, errlen)))
		return rc;
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
		 !spec->keep_alive && spec->lease ? spec->lease : "");
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
	/* held until sandboxd answers: a start, stop or rm of the id that ls
	 * already shows waits for create to finish */
	lockfd = lock_sandbox(rt, r->id);
	if (spec->volumes.n > 0)
		copy_cut(r->workdir, sizeof(r->workdir), spec->volumes.v[0].source);
	else if ((rc = process_workspace_make(pdir_of(rt), r, err, errlen)))
		goto fail;
	/* recorded before anything runs: a CLI killed from here on leaves a
	 * sandbox that ls shows and rm cleans up */
	if ((rc = process_record_save(pdir_of(rt), r, err, errlen)))
		goto fail;
	if ((rc = start_and_wait(rt, r, spec->ready_timeout_ms > 0
				 ? spec->ready_timeout_ms : START_TIMEOUT_MS, cancel, err, errlen)))
		goto fail;
	t->recorded = true;
	record_fill(r, out);
	unlock_sandbox(rt, r->id, lockfd, false);
	process_record_free(r);
	free(t);
	return 0;
fail:
	/* nothing half-made is left behind: the message holds the log tail */
	process_workspace_remove(pdir_of(rt), r);
	unlink(r->log);
	process_record_delete(pdir_of(rt), r->id, NULL, 0);
	unlock_sandbox(rt, r->id, lockfd, true);
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

static int list_stray(const struct process_record *r, void *arg)
{
	struct list_state *ls = arg;
	struct hb_sandbox sb;

	record_fill(r, &sb);
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
	char id[HB_SANDBOX_ID_LEN + 1];
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
		if (len != HB_SANDBOX_ID_LEN + 5 || strcmp(e->d_name + HB_SANDBOX_ID_LEN, ".json"))
			continue;
		memcpy(id, e->d_name, HB_SANDBOX_ID_LEN);
		id[HB_SANDBOX_ID_LEN] = '\0';
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
		process_strays_each(list_stray, &ls);
	return 0;
}

static int start_target(struct runtime *rt, struct target *t, void *arg,
			char *err, size_t errlen)
{
	struct process_record *r = &t->rec;
	struct proc_stat ps;
	struct stat st;
	int rc;

	if (process_tree_running(r, &ps))
		return proc_stat_stopped(&ps)
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
	if ((rc = start_and_wait(rt, r, START_TIMEOUT_MS, arg, err, errlen))) {
		/* remembered as stopped, so it is not taken for a crash */
		r->stopped = true;
		process_record_save(pdir_of(rt), r, NULL, 0);
	}
	return rc;
}

static int stop_target(struct runtime *rt, struct target *t, void *arg,
		       char *err, size_t errlen)
{
	struct proc_stat st;
	bool running = process_tree_running(&t->rec, &st);
	int code = process_tree_stop(&t->rec);

	if (!t->recorded || (!running && t->rec.stopped))
		return 0;
	t->rec.stopped = true;
	t->rec.exit_code = running ? code : -1;
	return process_record_save(pdir_of(rt), &t->rec, err, errlen);
}

static int pause_target(struct runtime *rt, struct target *t, void *arg,
			char *err, size_t errlen)
{
	return process_tree_freeze(&t->rec, err, errlen);
}

static int resume_target(struct runtime *rt, struct target *t, void *arg,
			 char *err, size_t errlen)
{
	return process_tree_thaw(&t->rec, err, errlen);
}

/* Stops it, then deletes its record, its log and the workspace we made;
 * a host folder given as its volume is never touched. */
static int remove_target(struct runtime *rt, struct target *t, void *arg,
			 char *err, size_t errlen)
{
	process_tree_stop(&t->rec);
	process_workspace_remove(pdir_of(rt), &t->rec);
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
		return process_log_tail(t->rec.log, l->tail, l->out, err, errlen);
	/* a stray's log went with its state directory */
	*l->out = strdup("");
	return *l->out ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}

static int process_start(struct runtime *rt, const char *id, struct hb_cancel *cancel,
			 char *err, size_t errlen)
{
	return on_target(rt, id, true, start_target, cancel, err, errlen);
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
