/* files_handbox.c — handbox's own file routes under /api/handbox/files/:
 * list a directory, stat a path, remove (recursively on request) and move.
 * See files.h; wire formats in docs/files-and-git.md.
 *
 * The loop must never stall, so the two operations whose cost grows with
 * the data — removing a tree and moving a file across filesystems — run as
 * jobs that do a bounded slice of work per loop turn and answer when done.
 * A job whose client has gone still finishes: the removal or move was asked
 * for, and stopping half-way would leave a state nobody asked for.
 *
 * Every route, and every slice of a job, runs as the sandbox user
 * (files_as_user_json, job_run): the kernel refuses what the agent's own
 * commands could not do, and that is answered 403. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/files.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

#define RM_BATCH 256               /* entries removed per loop turn */
#define RM_MAX_DEPTH 128           /* directories open at once */
#define COPY_SLICE (8u << 20)      /* bytes copied per loop turn */
#define MAX_JOBS 64

static unsigned njobs;

/* ---------------------------------------------------------------- helpers */

/* " (file routes act as the sandbox user, uid N)" after a permission
 * error, else "". */
static const char *denied_note(int e, char *buf, size_t len)
{
	buf[0] = '\0';
	if (e == EACCES || e == EPERM)
		files_denied_note(buf, len, NULL, NULL);
	return buf;
}

static int reply_errno(struct http_conn *c, int e, const char *op,
		       const char *path, const char *hint)
{
	char note[128];

	return http_reply_error(c, files_status_for_errno(e), "%s \"%s\": %s%s%s",
				op, path, strerror(e), denied_note(e, note, sizeof(note)),
				hint ? hint : "");
}

static const char *type_name(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "symlink";
	return "other";
}

/* One entry as listed and stat'ed: name, path, type, size, mode (number
 * and octal string), uid, gid, mtime, and link_target for a symlink. */
static json_t *entry_json(const char *name, const char *path,
			  const struct stat *st)
{
	char octal[16], when[ISOTIME_STR_LEN], target[PATH_MAX];
	json_t *e;
	ssize_t n;

	snprintf(octal, sizeof(octal), "%04o", (unsigned)(st->st_mode & 07777));
	isotime_format((int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000,
		       when);
	e = json_pack("{s:o, s:o, s:s, s:I, s:I, s:s, s:I, s:I, s:s}",
		      "name", files_json_string(name, strlen(name)),
		      "path", files_json_string(path, strlen(path)),
		      "type", type_name(st->st_mode),
		      "size", (json_int_t)st->st_size,
		      "mode", (json_int_t)(st->st_mode & 07777),
		      "mode_octal", octal,
		      "uid", (json_int_t)st->st_uid,
		      "gid", (json_int_t)st->st_gid,
		      "mtime", when);
	if (e && S_ISLNK(st->st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n >= 0)
			json_object_set_new(e, "link_target",
					    files_json_string(target, (size_t)n));
	}
	return e;
}

static int query_bool(struct http_conn *c, const char *name, int *value,
		      char *err, size_t errlen)
{
	char v[16];

	if (http_query(c, name, v, sizeof(v)) < 0)
		return 0;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*value = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*value = 0;
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "query parameter %s: \"%s\": expected true or false", name, v);
	return 0;
}

static int body_bool(json_t *body, const char *name, int *value, char *err,
		     size_t errlen)
{
	json_t *v = json_object_get(body, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return hb_fail(err, errlen, HB_EINVAL, "%s: expected true or false", name);
	*value = json_is_true(v);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---------------------------------------- GET /api/handbox/files/list */

static int list_route(struct http_conn *c, json_t *body)
{
	char path[PATH_MAX], full[PATH_MAX + NAME_MAX + 2], err[PATH_MAX + 128];
	char **names = NULL;
	long long limit = SANDBOXD_LIST_MAX;
	size_t n = 0, i;
	int status, hidden = 1, fd;
	json_t *entries, *e;
	struct dirent *de;
	struct stat st;
	DIR *d;

	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	if (query_bool(c, "hidden", &hidden, err, sizeof(err)) ||
	    http_query_int(c, "limit", 1, SANDBOXD_LIST_MAX, &limit, err, sizeof(err)) < 0)
		return http_reply_error(c, 422, "%s", err);

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return reply_errno(c, errno, "list", path, NULL);
	d = fdopendir(fd);
	names = calloc((size_t)limit + 1, sizeof(char *));
	if (!d || !names) {
		if (d)
			closedir(d);
		else
			close(fd);
		free(names);
		return http_reply_error(c, 500, "list \"%s\": out of memory", path);
	}
	/* one more than the limit tells whether the listing is cut */
	while (n <= (size_t)limit && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!hidden && de->d_name[0] == '.')
			continue;
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	qsort(names, n < (size_t)limit ? n : (size_t)limit, sizeof(char *), cmp_names);
	entries = json_array();
	for (i = 0; i < n && i < (size_t)limit; i++) {
		/* an entry removed since readdir() is simply not listed */
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path,
				     strcmp(path, "/") ? "/" : "", names[i]) >= sizeof(full))
			continue;
		e = entry_json(names[i], full, &st);
		if (e)
			json_array_append_new(entries, e);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return http_reply_json(c, 200, json_pack("{s:o, s:o, s:b}",
						 "path", files_json_string(path, strlen(path)),
						 "entries", entries,
						 "truncated", n > (size_t)limit));
}

int files_list_route(struct http_conn *c, json_t *body)
{
	return files_as_user_json(c, body, list_route);
}

/* ---------------------------------------- GET /api/handbox/files/stat */

static int stat_route(struct http_conn *c, json_t *body)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	const char *name;
	struct stat st;
	int status;

	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	if (lstat(path, &st) < 0)
		return reply_errno(c, errno, "stat", path, NULL);
	name = strcmp(path, "/") ? strrchr(path, '/') + 1 : "/";
	return http_reply_json(c, 200, entry_json(name, path, &st));
}

int files_stat_route(struct http_conn *c, json_t *body)
{
	return files_as_user_json(c, body, stat_route);
}

/* --------------------------------------------- jobs: shared plumbing */

struct job {
	struct http_conn *conn;         /* NULL once the client has gone */
	lws_sorted_usec_list_t sul;
	int (*step)(struct job *j);     /* 1 = more to do, 0 = answered */
	void (*free)(struct job *j);
};

static void job_forget_conn(struct http_conn *c)
{
	struct job *j = http_take(c);

	if (j)
		j->conn = NULL;
}

/* The job's client, detached so the answer can be sent; NULL if gone. */
static struct http_conn *job_client(struct job *j)
{
	struct http_conn *c = j->conn;

	if (c) {
		http_take(c);
		j->conn = NULL;
	}
	return c;
}

/* One slice of a job, as the sandbox user. If that identity cannot be
 * taken (it was when the job started), the job answers 500 and ends
 * without touching the filesystem. */
static void job_run(lws_sorted_usec_list_t *sul)
{
	struct job *j = lws_container_of(sul, struct job, sul);
	struct http_conn *c;
	char err[256];
	int more;

	if (files_as_user_begin(err, sizeof(err)) < 0) {
		if ((c = job_client(j)))
			http_reply_error(c, 500, "%s", err);
		more = 0;
	} else {
		more = j->step(j);
		files_as_user_end();
	}
	if (more) {
		lws_sul_schedule(sandboxd_lws, 0, &j->sul, job_run, 1);
		return;
	}
	njobs--;
	j->free(j);
}

static void job_start(struct job *j, struct http_conn *c)
{
	njobs++;
	j->conn = c;
	http_defer(c, j, job_forget_conn);
	lws_sul_schedule(sandboxd_lws, 0, &j->sul, job_run, 1);
}

/* --------------------------------------- POST /api/handbox/files/remove */

struct rm_job {
	struct job job;
	int depth;                      /* directories open */
	DIR *dirs[RM_MAX_DEPTH];
	size_t plen[RM_MAX_DEPTH];      /* length of path at each directory */
	unsigned long pass_removed[RM_MAX_DEPTH];
	unsigned long removed;
	char path[PATH_MAX];            /* the entry being worked on */
};

static int rm_answer(struct rm_job *r, int e, const char *hint)
{
	struct http_conn *c = job_client(&r->job);
	char msg[64];

	if (!c)
		return 0;
	if (!e) {
		http_reply_json(c, 200, json_pack("{s:b, s:I}", "success", 1, "removed",
						  (json_int_t)r->removed));
		return 0;
	}
	snprintf(msg, sizeof(msg), " (%lu entries were removed before this)", r->removed);
	reply_errno(c, e, "remove", r->path, hint ? hint : msg);
	return 0;
}

/* One bounded slice of a depth-first removal. A directory read to the end
 * is read again while the pass removed something, since removing entries
 * while reading a directory may make readdir() skip others. */
static int rm_step(struct job *j)
{
	struct rm_job *r = (struct rm_job *)j;
	struct dirent *de;
	struct stat st;
	DIR *top;
	int n, fd, isdir;
	size_t len;

	for (n = 0; n < RM_BATCH; n++) {
		top = r->dirs[r->depth - 1];
		r->path[r->plen[r->depth - 1]] = '\0';
		errno = 0;
		de = readdir(top);
		if (!de) {
			if (errno)
				return rm_answer(r, errno, NULL);
			if (r->pass_removed[r->depth - 1]) {
				r->pass_removed[r->depth - 1] = 0;
				rewinddir(top);
				continue;
			}
			closedir(top);
			r->depth--;
			if (!r->depth) {
				if (rmdir(r->path) < 0)
					return rm_answer(r, errno, NULL);
				r->removed++;
				return rm_answer(r, 0, NULL);
			}
			len = r->plen[r->depth - 1];
			if (unlinkat(dirfd(r->dirs[r->depth - 1]), r->path + len + 1,
				     AT_REMOVEDIR) < 0) {
				if (errno != ENOENT)
					return rm_answer(r, errno, NULL);
			} else {
				r->removed++;
			}
			r->pass_removed[r->depth - 1]++;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		len = r->plen[r->depth - 1];
		if (len + 1 + strlen(de->d_name) >= sizeof(r->path))
			return rm_answer(r, ENAMETOOLONG, NULL);
		r->path[len] = '/';
		strcpy(r->path + len + 1, de->d_name);
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(top), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue;
				return rm_answer(r, errno, NULL);
			}
			isdir = S_ISDIR(st.st_mode);
		} else {
			isdir = de->d_type == DT_DIR;
		}
		if (!isdir) {
			if (unlinkat(dirfd(top), de->d_name, 0) < 0) {
				if (errno == ENOENT)
					continue;
				return rm_answer(r, errno, NULL);
			}
			r->removed++;
			r->pass_removed[r->depth - 1]++;
			continue;
		}
		if (r->depth == RM_MAX_DEPTH)
			return rm_answer(r, ELOOP, " (directories nested deeper than 128 levels are not removed)");
		fd = openat(dirfd(top), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return rm_answer(r, errno, NULL);
		}
		if (!(r->dirs[r->depth] = fdopendir(fd))) {
			close(fd);
			return rm_answer(r, errno, NULL);
		}
		r->plen[r->depth] = len + 1 + strlen(de->d_name);
		r->pass_removed[r->depth] = 0;
		r->depth++;
	}
	return 1;
}

static void rm_free(struct job *j)
{
	struct rm_job *r = (struct rm_job *)j;

	while (r->depth > 0)
		closedir(r->dirs[--r->depth]);
	free(r);
}

static int remove_route(struct http_conn *c, json_t *body)
{
	char path[PATH_MAX], real[PATH_MAX], err[PATH_MAX + 128];
	struct rm_job *r;
	struct stat st;
	int status, recursive = 0, fd;

	status = files_path_field(body, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	if (body_bool(body, "recursive", &recursive, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	sandboxd_last_exec_us = clock_mono_us();
	if (lstat(path, &st) < 0)
		return reply_errno(c, errno, "remove", path, NULL);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return reply_errno(c, errno, "remove", path, NULL);
		return http_reply_json(c, 200, json_pack("{s:b, s:i}", "success", 1, "removed", 1));
	}
	if (realpath(path, real) && !strcmp(real, "/"))
		return http_reply_error(c, 400, "remove \"%s\": refusing to remove the root directory", path);
	if (!recursive) {
		if (rmdir(path) < 0)
			return reply_errno(c, errno, "remove", path, errno == ENOTEMPTY ?
					   " (set \"recursive\": true to remove it with its contents)" : NULL);
		return http_reply_json(c, 200, json_pack("{s:b, s:i}", "success", 1, "removed", 1));
	}
	if (njobs >= MAX_JOBS)
		return http_reply_error(c, 503, "remove \"%s\": %u removals and moves are running already; try again later",
					path, njobs);
	r = calloc(1, sizeof(*r));
	if (!r)
		return http_reply_error(c, 500, "remove \"%s\": out of memory", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(r->dirs[0] = fdopendir(fd))) {
		status = errno;
		if (fd >= 0)
			close(fd);
		free(r);
		return reply_errno(c, status, "remove", path, NULL);
	}
	strcpy(r->path, path);
	r->plen[0] = strlen(path);
	r->depth = 1;
	r->job.step = rm_step;
	r->job.free = rm_free;
	job_start(&r->job, c);
	return 0;
}

int files_remove_route(struct http_conn *c, json_t *body)
{
	return files_as_user_json(c, body, remove_route);
}

/* ----------------------------------------- POST /api/handbox/files/move */

struct copy_job {
	struct job job;
	int in, out;
	struct stat st;
	int overwrite;
	char from[PATH_MAX], to[PATH_MAX], tmp[PATH_MAX];
};

/* rename() that refuses to replace "to" unless overwrite. */
static int move_rename(const char *from, const char *to, int overwrite)
{
	struct stat st;

	if (overwrite)
		return rename(from, to);
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a filesystem without RENAME_NOREPLACE: check, then rename */
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

static const char *const exists_hint =
	" (set \"overwrite\": true to replace it)";

static int move_reply_error(struct http_conn *c, int e, const char *from,
			    const char *to)
{
	char note[128];

	if (e == EEXIST)
		return http_reply_error(c, 409, "move to \"%s\": %s%s", to, strerror(e),
					exists_hint);
	return http_reply_error(c, files_status_for_errno(e), "move \"%s\" to \"%s\": %s%s",
				from, to, strerror(e), denied_note(e, note, sizeof(note)));
}

/* Ends a copy: the temporary file is removed unless it was put in place. */
static int copy_answer(struct copy_job *k, int e, const char *what)
{
	struct http_conn *c = job_client(&k->job);
	char note[128];

	if (e && k->tmp[0])
		unlink(k->tmp);
	k->tmp[0] = '\0';
	if (!c)
		return 0;
	if (!e)
		http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
	else if (what)
		http_reply_error(c, files_status_for_errno(e),
				 "move \"%s\" to \"%s\" across filesystems: %s: %s%s",
				 k->from, k->to, what, strerror(e),
				 denied_note(e, note, sizeof(note)));
	else
		move_reply_error(c, e, k->from, k->to);
	return 0;
}

/* Puts the finished copy in place and removes the source. The copy is the
 * sandbox user's; like mv, it takes the source's owner when it may, and
 * stays the user's when the kernel refuses (EPERM). */
static int copy_finish(struct copy_job *k)
{
	struct timespec times[2] = { k->st.st_atim, k->st.st_mtim };

	if ((fchown(k->out, k->st.st_uid, k->st.st_gid) < 0 && errno != EPERM) ||
	    fchmod(k->out, k->st.st_mode & 07777) < 0 ||
	    futimens(k->out, times) < 0)
		return copy_answer(k, errno, "setting owner, mode and times of the copy");
	if (close(k->out) < 0) {
		k->out = -1;
		return copy_answer(k, errno, "writing the copy");
	}
	k->out = -1;
	if (move_rename(k->tmp, k->to, k->overwrite) < 0)
		return copy_answer(k, errno, NULL);
	k->tmp[0] = '\0';
	if (unlink(k->from) < 0)
		return copy_answer(k, errno, "the copy is in place, but removing the source failed");
	return copy_answer(k, 0, NULL);
}

static int copy_step(struct job *j)
{
	struct copy_job *k = (struct copy_job *)j;
	size_t done = 0;
	ssize_t n;

	while (done < COPY_SLICE) {
		n = sendfile(k->out, k->in, NULL, COPY_SLICE - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return copy_answer(k, errno, "copying");
		}
		if (n == 0)
			return copy_finish(k);
		done += (size_t)n;
	}
	return 1;
}

/* Frees the job; the temporary file is copy_answer's to remove (here the
 * sandbox user's identity may be missing). */
static void copy_free(struct job *j)
{
	struct copy_job *k = (struct copy_job *)j;

	if (k->in >= 0)
		close(k->in);
	if (k->out >= 0)
		close(k->out);
	free(k);
}

/* A temporary name beside to: created as an empty file in *fd, or
 * (fd NULL) reserved and left free for a symlink. */
static int temp_beside(const char *to, char *tmp, size_t tmplen, int *fd)
{
	size_t dirlen = strrchr(to, '/') - to;
	int f;

	if ((size_t)snprintf(tmp, tmplen, "%.*s/.handbox-move-XXXXXX", (int)dirlen,
			     to) >= tmplen) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	f = mkostemp(tmp, O_CLOEXEC);
	if (f < 0) {
		tmp[0] = '\0';
		return -1;
	}
	if (fd) {
		*fd = f;
		return 0;
	}
	close(f);
	unlink(tmp);
	return 0;
}

/* A symlink moves across filesystems as a new link with the same target. */
static int move_symlink(struct http_conn *c, const char *from, const char *to,
			const struct stat *st, int overwrite)
{
	char target[PATH_MAX], tmp[PATH_MAX], note[128];
	ssize_t n = readlink(from, target, sizeof(target) - 1);

	if (n < 0)
		return move_reply_error(c, errno, from, to);
	target[n] = '\0';
	if (temp_beside(to, tmp, sizeof(tmp), NULL) < 0 || symlink(target, tmp) < 0)
		return move_reply_error(c, errno, from, to);
	if ((lchown(tmp, st->st_uid, st->st_gid) < 0 && errno != EPERM) ||
	    move_rename(tmp, to, overwrite) < 0) {
		n = errno;
		unlink(tmp);
		return move_reply_error(c, (int)n, from, to);
	}
	if (unlink(from) < 0) {
		n = errno;
		return http_reply_error(c, files_status_for_errno((int)n),
					"move \"%s\" to \"%s\": the link is in place, but removing the source failed: %s%s",
					from, to, strerror((int)n),
					denied_note((int)n, note, sizeof(note)));
	}
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
}

static int move_across(struct http_conn *c, const char *from, const char *to,
		       const struct stat *st, int overwrite)
{
	struct copy_job *k;
	struct stat tst;

	if (S_ISLNK(st->st_mode))
		return move_symlink(c, from, to, st, overwrite);
	if (!S_ISREG(st->st_mode))
		return http_reply_error(c, 409, "move \"%s\" to \"%s\": they are on different filesystems, and only files and symlinks are moved across filesystems (this is a %s)",
					from, to, S_ISDIR(st->st_mode) ? "directory" : "special file");
	if (!overwrite && lstat(to, &tst) == 0)
		return move_reply_error(c, EEXIST, from, to);
	if (njobs >= MAX_JOBS)
		return http_reply_error(c, 503, "move \"%s\": %u removals and moves are running already; try again later",
					from, njobs);
	k = calloc(1, sizeof(*k));
	if (!k)
		return http_reply_error(c, 500, "move \"%s\": out of memory", from);
	k->out = -1;
	k->st = *st;
	k->overwrite = overwrite;
	strcpy(k->from, from);
	strcpy(k->to, to);
	k->in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (k->in < 0 || temp_beside(to, k->tmp, sizeof(k->tmp), &k->out) < 0) {
		move_reply_error(c, errno, from, to);
		k->job.free = copy_free;
		copy_free(&k->job);
		return 0;
	}
	k->job.step = copy_step;
	k->job.free = copy_free;
	job_start(&k->job, c);
	return 0;
}

static int move_route(struct http_conn *c, json_t *body)
{
	char from[PATH_MAX], to[PATH_MAX], err[PATH_MAX + 128];
	struct stat st;
	int status, overwrite = 0;

	status = files_path_field(body, "from", from, sizeof(from), err, sizeof(err));
	if (!status)
		status = files_path_field(body, "to", to, sizeof(to), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	if (body_bool(body, "overwrite", &overwrite, err, sizeof(err)))
		return http_reply_error(c, 422, "%s", err);
	sandboxd_last_exec_us = clock_mono_us();
	if (lstat(from, &st) < 0)
		return reply_errno(c, errno, "move", from, NULL);
	if (!strcmp(from, "/"))
		return http_reply_error(c, 400, "move \"/\": refusing to move the root directory");
	if (move_rename(from, to, overwrite) == 0)
		return http_reply_json(c, 200, json_pack("{s:b}", "success", 1));
	if (errno == EXDEV)
		return move_across(c, from, to, &st, overwrite);
	return move_reply_error(c, errno, from, to);
}

int files_move_route(struct http_conn *c, json_t *body)
{
	return files_as_user_json(c, body, move_route);
}
