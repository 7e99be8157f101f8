/* image_rootfs_debian.c — mmdebstrap's arguments, its run as a child
 * process, and the pump that copies its tar stream into the rootfs cache
 * and into the engine's import while it flows; see image_rootfs_debian.h.
 *
 * The sections: the command line, the pump (a thread of its own), the
 * mmdebstrap run, the import from the cache or from mmdebstrap. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "common/path_search.h"
#include "image/image_cache.h"
#include "image/image_child.h"
#include "image/image_features.h"
#include "image/image_rootfs_debian.h"

#define SUBUID_FILE_MAX (1u << 20)    /* /etc/subuid */
#define TAIL_KEEP 8192                /* mmdebstrap's stderr kept for errors */
#define TAIL_LINES 15
#define MMDEBSTRAP_MS (60 * 60 * 1000)
#define HOOK_LINE "I: running --customize-hook in shell: "

/* ------------------------------------------------------- the command line */

int image_debian_argv(const struct strv *sources, unsigned features, const char *cs_tarball,
		      struct strv *argv)
{
	static const char *const options[] = {
		"mmdebstrap",
		"--variant=apt", "--format=tar",
		/* parentheses: one element made of two literals, on purpose */
		("--include=" BOOKWORM_PACKAGES),
	};
	static const char *const hooks[] = {
		("--customize-hook=chroot \"$1\" useradd --create-home --uid 1000 "
		 "--user-group --shell /bin/bash user"),
		"--customize-hook=install -d -m 0755 -o 1000 -g 1000 \"$1/workspace\"",
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(options) / sizeof(*options); i++)
		if ((rc = strv_add(argv, options[i])) < 0)
			return rc;
	if ((rc = image_features_packages(features, argv)) < 0 ||
	    (rc = image_debian_slim_options(argv)) < 0)
		return rc;
	for (i = 0; i < sizeof(hooks) / sizeof(*hooks); i++)
		if ((rc = strv_add(argv, hooks[i])) < 0)
			return rc;
	if ((rc = image_features_hooks(features, cs_tarball, argv)) < 0 ||
	    (rc = strv_add(argv, "--customize-hook=rm -f \"$1/etc/hostname\" "
			   "\"$1/etc/resolv.conf\"")) < 0 ||
	    (rc = strv_add(argv, "bookworm")) < 0 || (rc = strv_add(argv, "-")) < 0)
		return rc;
	for (i = 0; i < sources->n; i++)
		if ((rc = strv_add(argv, sources->v[i])) < 0)
			return rc;
	return 0;
}

int image_debian_slim_options(struct strv *argv)
{
	static const char *const slim[] = {
		/* No man pages, docs or translations, as in Docker's slim
		 * images; copyright files stay. */
		"--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/info/*",
		"--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-include=/usr/share/locale/locale.alias",
		/* No fsync per file: a crash means building again anyway
		 * (Docker's Debian images keep the same setting). */
		"--dpkgopt=force-unsafe-io",
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(slim) / sizeof(*slim); i++)
		if ((rc = strv_add(argv, slim[i])) < 0)
			return rc;
	return 0;
}

/* mmdebstrap runs as root, or unprivileged in its unshare mode, which
 * needs user namespaces and a subordinate id range for the user. */
static int check_mmdebstrap_privileges(char *err, size_t errlen)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw ? pw->pw_name : "this user";
	struct buf b;
	char want[300];
	int ok = 1;

	if (geteuid() == 0)
		return 0;
	if (image_file_read("/proc/sys/kernel/unprivileged_userns_clone", &b, 64) == 0) {
		ok = !(b.data && b.data[0] == '0');
		buf_free(&b);
	}
	if (ok && image_file_read("/proc/sys/user/max_user_namespaces", &b, 64) == 0) {
		ok = !(b.data && b.data[0] == '0' && (b.data[1] == '\n' || !b.data[1]));
		buf_free(&b);
	}
	if (ok) {
		ok = 0;
		snprintf(want, sizeof(want), "\n%s:", name);
		if (image_file_read("/etc/subuid", &b, SUBUID_FILE_MAX) == 0) {
			ok = b.data && (!strncmp(b.data, want + 1, strlen(want + 1)) ||
					strstr(b.data, want));
			buf_free(&b);
		}
	}
	if (ok)
		return 0;
	return hb_fail(err, errlen, HB_EPERM,
		       "mmdebstrap needs root, or user namespaces for %s: run as root, or "
		       "enable unprivileged user namespaces and give %s subordinate ids "
		       "(usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)",
		       name, name, name);
}

/* ---------------------------------------------------------------- the pump */

/* Copies mmdebstrap's stdout into the cache file and into the pipe the
 * engine reads, and keeps the tail of its stderr; runs on its own thread
 * while the caller's thread is busy uploading. */
struct pump {
	struct image_child *ch;
	int cache_fd;            /* borrowed; -1 after a write error */
	int up_fd;               /* owned: the engine's end; -1 once closed */
	const struct image_job *progress;
	double deadline;
	unsigned long long bytes;
	int cache_errno;
	int timed_out;
	struct buf tail;         /* the last few KiB of stderr */
	struct buf line;         /* a stderr line being assembled */
	pthread_mutex_t mu;      /* guards the two below */
	pthread_cond_t cv;
	int started;             /* the first byte came, or stdout closed */
	int has_data;            /* it was the first byte */
};

static void pump_started(struct pump *p, int has_data)
{
	pthread_mutex_lock(&p->mu);
	if (!p->started)
		p->has_data = has_data;
	p->started = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void pump_stderr_line(struct pump *p, const char *line, size_t len)
{
	buf_append(&p->tail, line, len);
	buf_append(&p->tail, "\n", 1);
	if (p->tail.len > 2 * TAIL_KEEP) {
		const char *nl = memchr(p->tail.data + p->tail.len - TAIL_KEEP, '\n', TAIL_KEEP);

		buf_consume(&p->tail, nl ? (size_t)(nl + 1 - p->tail.data)
				      : p->tail.len - TAIL_KEEP);
	}
	/* mmdebstrap's "I: running apt-get update..." lines are its phases;
	 * a shell hook's whole text is not one (the hooks that matter say
	 * what they do), but stays in the tail. */
	if (len > 3 && (line[0] == 'I' || line[0] == 'W' || line[0] == 'E') &&
	    line[1] == ':' && line[2] == ' ' &&
	    !(len >= strlen(HOOK_LINE) && !memcmp(line, HOOK_LINE, strlen(HOOK_LINE))))
		image_say(p->progress, "mmdebstrap: %.*s", (int)len, line);
}

static void pump_stderr(struct pump *p, const char *data, size_t len)
{
	const char *nl;

	while (len) {
		nl = memchr(data, '\n', len);
		if (!nl) {
			if (buf_append(&p->line, data, len) < 0) {
				pump_stderr_line(p, p->line.data, p->line.len);
				buf_reset(&p->line);
			}
			return;
		}
		if (p->line.len) {
			buf_append(&p->line, data, (size_t)(nl - data));
			pump_stderr_line(p, p->line.data, p->line.len);
			buf_reset(&p->line);
		} else {
			pump_stderr_line(p, data, (size_t)(nl - data));
		}
		len -= (size_t)(nl + 1 - data);
		data = nl + 1;
	}
}

static void pump_stdout(struct pump *p, const char *data, size_t len)
{
	if (!p->bytes)
		pump_started(p, 1);
	p->bytes += len;
	if (p->cache_fd >= 0 && fd_write_all(p->cache_fd, data, len) < 0) {
		p->cache_errno = errno;
		p->cache_fd = -1;
	}
	/* The engine stopped reading (it failed): the cache still gets all. */
	if (p->up_fd >= 0 && fd_write_all(p->up_fd, data, len) < 0)
		image_close_fd(&p->up_fd);
}

static void *pump_main(void *arg)
{
	struct pump *p = arg;
	struct pollfd pf[2];
	sigset_t set;
	char *chunk = malloc(65536);
	ssize_t n;
	int i, wait_ms;

	/* A closed engine pipe must be EPIPE here, not the end of us. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (chunk && (p->ch->out >= 0 || p->ch->err >= 0)) {
		wait_ms = (int)((p->deadline - clock_mono_s()) * 1000);
		if (wait_ms <= 0) {
			if (p->timed_out)
				break;
			kill(-p->ch->pid, SIGKILL);
			p->timed_out = 1;
			p->deadline = clock_mono_s() + 10;
			continue;
		}
		image_child_cancel_check(p->ch);
		pf[0] = (struct pollfd){ .fd = p->ch->out, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = p->ch->err, .events = POLLIN };
		if (poll(pf, 2, wait_ms > IMAGE_CANCEL_POLL_MS ? IMAGE_CANCEL_POLL_MS : wait_ms) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, chunk, 65536);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0 && i == 0) {
				pump_stdout(p, chunk, (size_t)n);
			} else if (n > 0) {
				pump_stderr(p, chunk, (size_t)n);
			} else if (i == 0) {
				image_close_fd(&p->ch->out);
				image_close_fd(&p->up_fd);   /* the end of the tar stream */
				pump_started(p, 0);
			} else {
				image_close_fd(&p->ch->err);
			}
		}
	}
	if (p->line.len)
		pump_stderr_line(p, p->line.data, p->line.len);
	image_close_fd(&p->up_fd);
	pump_started(p, 0);
	free(chunk);
	return NULL;
}

static void pump_init(struct pump *p, struct image_child *ch, const struct image_job *pr)
{
	p->ch = ch;
	p->progress = pr;
	p->deadline = clock_mono_s() + MMDEBSTRAP_MS / 1000.0;
	buf_init(&p->tail, 0);
	buf_init(&p->line, 4096);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
}

static void pump_fini(struct pump *p)
{
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	buf_free(&p->tail);
	buf_free(&p->line);
}

/* ------------------------------------------------------- the mmdebstrap run */

/* mmdebstrap's path into exe, once it is known it can run here. */
static int mmdebstrap_find(char *exe, size_t len, char *err, size_t errlen)
{
	if (path_search_exec("mmdebstrap", exe, len) < 0)
		return hb_fail(err, errlen, HB_ENOENT,
			       "mmdebstrap is not installed: apt-get install mmdebstrap");
	return check_mmdebstrap_privileges(err, errlen);
}

/* The error of a failed run: what happened and mmdebstrap's last lines. */
static int mmdebstrap_failed(const struct pump *p, int status, char *err, size_t errlen)
{
	char what[128], tail[2048];

	if (p->timed_out)
		snprintf(what, sizeof(what), "took more than %d minutes and was killed",
			 MMDEBSTRAP_MS / 60000);
	else if (status != 0)
		image_status_text(status, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "wrote no tarball");
	image_text_tail(p->tail.data ? p->tail.data : "", p->tail.len, TAIL_LINES, tail,
			sizeof(tail));
	return hb_fail(err, errlen, HB_EIO, "mmdebstrap failed: it %s. Its last lines:%s",
		       what, tail);
}

/* Runs mmdebstrap with its tarball on a pipe, copies the stream into the
 * cache and into the engine at once (t->id gets the untagged image), and
 * keeps the tarball only when mmdebstrap succeeded. */
static int mmdebstrap_run(const struct strv *args, const char *cwd, const char *tarball,
			  struct image_target *t, const struct image_job *pr,
			  char *err, size_t errlen)
{
	struct pump p = { .cache_fd = -1, .up_fd = -1 };
	struct image_child ch = { .pid = -1, .out = -1, .err = -1 };
	char exe[PATH_MAX], dir[PATH_MAX], partial[PATH_MAX] = "";
	int up[2] = { -1, -1 };
	int rc, status = 0, import_rc = 0, cache_fd = -1, has_data;
	double t0 = clock_mono_s(), t_up;
	pthread_t tid;

	if ((rc = mmdebstrap_find(exe, sizeof(exe), err, errlen)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", tarball);
	*strrchr(dir, '/') = '\0';
	if (image_mkdir_p(dir) < 0 || (cache_fd = image_cache_open(dir, tarball, partial,
								    sizeof(partial))) < 0)
		image_say(pr, "warning: cannot write the rootfs cache in %s (%s): going on without",
			  dir, strerror(errno));
	if (pipe2(up, O_CLOEXEC) < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((rc = image_child_start(&ch, exe, -1, args->v, cwd, pr->cancel, err, errlen)) < 0)
		goto out;
	pump_init(&p, &ch, pr);
	p.cache_fd = cache_fd;
	p.up_fd = up[1];
	up[1] = -1;
	if (pthread_create(&tid, NULL, pump_main, &p) != 0) {
		kill(-ch.pid, SIGKILL);
		image_child_reap(&ch, IMAGE_REAP_MS, &status);
		image_close_fd(&p.up_fd);
		rc = hb_fail(err, errlen, HB_EIO, "cannot start a thread");
		goto done;
	}
	/* Nothing is sent to the engine before mmdebstrap writes its tarball
	 * (at its very end), so the upload never idles for minutes. */
	pthread_mutex_lock(&p.mu);
	while (!p.started)
		pthread_cond_wait(&p.cv, &p.mu);
	has_data = p.has_data;
	pthread_mutex_unlock(&p.mu);
	t_up = clock_mono_s();
	if (has_data)
		import_rc = image_engine_import(t, up[0], err, errlen);
	t_up = clock_mono_s() - t_up;
	image_close_fd(&up[0]);    /* a pump still writing gets EPIPE */
	pthread_join(tid, NULL);
	image_child_reap(&ch, IMAGE_REAP_MS, &status);
	if ((rc = image_cancelled(pr->cancel, err, errlen)) < 0)
		goto done;
	if (p.timed_out || status != 0 || !p.bytes || !has_data) {
		rc = mmdebstrap_failed(&p, status, err, errlen);
		goto done;
	}
	image_say(pr, "mmdebstrap done in %.1f s; its %.1f MB tarball streamed into the engine "
		  "in %.1f s", clock_mono_s() - t0, p.bytes / 1e6, t_up);
	if (cache_fd >= 0 && !p.cache_errno &&
	    image_cache_commit(cache_fd, partial, tarball) == 0) {
		*partial = '\0';
		image_say(pr, "rootfs cached in %s", tarball);
	} else if (cache_fd >= 0) {
		image_say(pr, "warning: the rootfs cache was not written: %s",
			  strerror(p.cache_errno ? p.cache_errno : errno));
	}
	rc = import_rc;
done:
	pump_fini(&p);
out:
	image_close_fd(&up[0]);
	image_close_fd(&up[1]);
	image_close_fd(&cache_fd);
	if (*partial)
		unlink(partial);
	image_cache_prune(tarball);
	return rc;
}

int image_debian_run(const struct strv *args, const char *cwd, const struct image_job *pr,
		     char *err, size_t errlen)
{
	struct pump p = { .cache_fd = -1, .up_fd = -1 };
	struct image_child ch = { .pid = -1, .out = -1, .err = -1 };
	char exe[PATH_MAX];
	double t0 = clock_mono_s();
	int rc, status = 0;

	if ((rc = mmdebstrap_find(exe, sizeof(exe), err, errlen)) < 0 ||
	    (rc = image_child_start(&ch, exe, -1, args->v, cwd, pr->cancel, err, errlen)) < 0)
		return rc;
	/* Nothing to upload: the pump runs on this thread. */
	pump_init(&p, &ch, pr);
	pump_main(&p);
	image_child_reap(&ch, IMAGE_REAP_MS, &status);
	if ((rc = image_cancelled(pr->cancel, err, errlen)) == 0) {
		if (p.timed_out || status != 0)
			rc = mmdebstrap_failed(&p, status, err, errlen);
		else
			image_say(pr, "mmdebstrap done in %.1f s", clock_mono_s() - t0);
	}
	pump_fini(&p);
	return rc;
}

/* ---------------------------------------------------------------- import */

int image_debian_import(const struct strv *argv, const char *cwd, const char *tarball,
			int no_cache, struct image_target *t, const struct image_job *pr,
			char *err, size_t errlen)
{
	struct stat st;
	size_t i;
	int rc, fd;
	double t0;

	if (!no_cache && stat(tarball, &st) == 0 && st.st_size > 0) {
		image_say(pr, "importing the cached rootfs %s (%.1f MB; --no-cache makes it "
			  "again)", tarball, st.st_size / 1e6);
		if ((fd = open(tarball, O_RDONLY | O_CLOEXEC)) < 0)
			return hb_fail(err, errlen, HB_EIO, "%s: %s", tarball, strerror(errno));
		t0 = clock_mono_s();
		rc = image_engine_import(t, fd, err, errlen);
		close(fd);
		if (rc == 0)
			image_say(pr, "imported %.19s in %.1f s", t->id, clock_mono_s() - t0);
		return rc;
	}
	image_say(pr, "running mmdebstrap: bookworm, variant apt");
	for (i = 0; i < argv->n; i++)
		if (!strncmp(argv->v[i], "--include=", 10))
			image_say(pr, "  with %s", argv->v[i] + 10);
	for (i = 0; i < argv->n; i++)
		if (!strncmp(argv->v[i], "deb ", 4))
			image_say(pr, "  from %s", argv->v[i]);
	return mmdebstrap_run(argv, cwd, tarball, t, pr, err, errlen);
}
