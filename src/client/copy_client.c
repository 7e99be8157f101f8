/* copy_client.c — sandbox_copy_in() and sandbox_copy_out(): files and
 * folders between the host and a sandbox, with `cp -r` rules for where
 * they land (docs/sandbox-client.md), over sandboxd's file routes
 * (file_api.c).
 *
 * What comes from the sandbox is untrusted: a name in a listing is used
 * only when it is one plain path component (no "/", not "." or ".."), and
 * local files and folders inside a copied folder are created relative to
 * their parent's descriptor without following symlinks, so nothing is
 * written outside the local target.
 *
 * Only regular files and folders are copied. Symlinks inside a copied
 * folder and special files (FIFOs, sockets, devices) are skipped: the file
 * routes cannot make them, and following a link could hand the sandbox a
 * file from outside the folder.
 *
 * Inside a copied folder, an entry that cannot be copied (unreadable, a
 * name the file routes cannot carry, a FIFO in the way) is skipped and
 * reported, and the copy goes on with the rest; only what stops every
 * entry (the sandbox went away, the local disk failed, out of memory)
 * ends it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/file_api.h"
#include "client/sandbox_client.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

#define DEPTH_MAX 256                 /* folders within folders */
#define CHMOD_BATCH_BYTES (64u << 10) /* paths per chmod command */
#define CHMOD_LIST_MAX (64u << 20)    /* paths waiting for chmod */
/* Listings held at once during copy-out: one folder's cap is
 * SANDBOXD_LIST_MAX, but a deep tree would hold one per level, so a
 * hostile sandbox could make us keep millions of entries. */
#define HELD_ENTRIES_MAX 100000u

enum remote_kind { REMOTE_NONE, REMOTE_FILE, REMOTE_DIR, REMOTE_OTHER };

struct copy {
	struct file_api api;
	const struct sandbox_conn *conn;
	char *err;
	size_t errlen;
	/* copy-in: sandbox paths of files whose local copy is executable,
	 * each NUL-terminated, made executable at the end */
	struct buf exec_paths;
	size_t n_exec;
	/* copy-out: listing entries held by the folders being walked (each
	 * keeps its listing while its subfolders are copied) */
	size_t held_entries;
	/* entries left out: told to on_skip; failed counts those that could
	 * not be copied, first_err says why the first of them was not */
	sandbox_copy_skip_fn on_skip;
	void *skip_arg;
	unsigned failed;
	int first_rc;
	char first_err[1024];
};

/* ------------------------------------------------------------- helpers */

/* One plain path component: what a listing may name. */
static bool name_ok(const char *name, size_t len)
{
	return len && strlen(name) == len && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* The last component of path, trailing slashes ignored, into out. */
static void last_name(const char *path, char *out, size_t outlen)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start && path[start - 1] != '/')
		start--;
	snprintf(out, outlen, "%.*s", (int)(end - start), path + start);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "a/." or ".": the folder's contents, not the folder (as docker cp). */
static bool contents_only(const char *path)
{
	return !strcmp(path, ".") || ends_with(path, "/.");
}

/* dir + "/" + name into out (PATH_MAX). */
static int join(struct copy *cp, char *out, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";

	if ((size_t)snprintf(out, PATH_MAX, "%s%s%s", dir, sep, name) >= PATH_MAX)
		return hb_fail(cp->err, cp->errlen, HB_ETOOBIG, "%s/%s: path too long", dir, name);
	return 0;
}

static int local_fail(struct copy *cp, int e, const char *what, const char *path)
{
	return hb_fail(cp->err, cp->errlen, e == ENOENT ? HB_ENOENT :
		       e == EACCES || e == EPERM ? HB_EPERM : HB_EIO,
		       "%s%s%s: %s", what, what[0] ? " " : "", path, strerror(e));
}

/* An entry left out by design (a symlink, a special file): told, and the
 * copy goes on. */
static int skip_by_design(struct copy *cp, const char *shown, const char *why)
{
	if (cp->on_skip)
		cp->on_skip(cp->skip_arg, shown, why, false);
	return 0;
}

/* An entry that could not be copied, rc with its message in cp->err: told
 * and counted, and the copy goes on (0), unless rc stops every entry (the
 * sandbox or the local disk failed: HB_EIO, out of memory), which is
 * returned. */
static int skip_failed(struct copy *cp, const char *shown, int rc)
{
	if (rc != HB_EPERM && rc != HB_ENOENT && rc != HB_EINVAL && rc != HB_ETOOBIG)
		return rc;
	if (!cp->failed++) {
		cp->first_rc = rc;
		snprintf(cp->first_err, sizeof(cp->first_err), "%s", cp->err);
	}
	if (cp->on_skip)
		cp->on_skip(cp->skip_arg, shown, cp->err, true);
	return 0;
}

/* The end of a copy that went through: rc, or the first failure when
 * entries were skipped. */
static int copy_result(struct copy *cp, int rc)
{
	if (rc || !cp->failed)
		return rc;
	return hb_fail(cp->err, cp->errlen, cp->first_rc,
		       "%u entr%s could not be copied; the first: %s", cp->failed,
		       cp->failed == 1 ? "y" : "ies", cp->first_err);
}

/* What is at a sandbox path, a symlink resolved: the list route follows
 * one, so a listing that works means a folder. *mode (if wanted) is the
 * permission bits, 0666 through a link (whose own are 0777). */
static int remote_kind(struct copy *cp, const char *path, enum remote_kind *kind,
		       unsigned *mode)
{
	struct file_entry e;
	bool truncated;
	json_t *entries;
	int rc;

	rc = file_api_stat(&cp->api, path, &e, cp->err, cp->errlen);
	if (rc == HB_ENOENT) {
		*kind = REMOTE_NONE;
		return 0;
	}
	if (rc)
		return rc;
	*kind = e.type == FILE_TYPE_FILE ? REMOTE_FILE : e.type == FILE_TYPE_DIR ?
		REMOTE_DIR : REMOTE_OTHER;
	if (mode)
		*mode = e.type == FILE_TYPE_SYMLINK ? 0666 : e.mode;
	if (e.type != FILE_TYPE_SYMLINK)
		return 0;
	rc = file_api_list(&cp->api, path, 1, &entries, &truncated, cp->err, cp->errlen);
	json_decref(entries);
	*kind = rc ? REMOTE_FILE : REMOTE_DIR;
	return 0;
}

/* A file or folder created at path needs an existing folder above it. */
static int remote_parent_is_dir(struct copy *cp, const char *path)
{
	char parent[PATH_MAX];
	enum remote_kind kind;
	char *slash;
	int rc;

	snprintf(parent, sizeof(parent), "%s", path);
	while (strlen(parent) > 1 && ends_with(parent, "/"))
		parent[strlen(parent) - 1] = '\0';
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0; /* below "/" */
	*slash = '\0';
	if ((rc = remote_kind(cp, parent, &kind, NULL)))
		return rc;
	if (kind != REMOTE_DIR)
		return hb_fail(cp->err, cp->errlen, HB_ENOENT,
			       "sandbox path %s: %s", parent, kind == REMOTE_NONE ?
			       "No such file or directory" : "Not a directory");
	return 0;
}

/* Checks the paths a copy was given and opens its connection; copy_free()
 * follows in every case. */
static int copy_begin(struct copy *cp, const struct sandbox_conn *c, const char *local,
		      const char *remote, sandbox_copy_skip_fn on_skip, void *skip_arg,
		      char *err, size_t errlen)
{
	memset(cp, 0, sizeof(*cp));
	cp->conn = c;
	cp->on_skip = on_skip;
	cp->skip_arg = skip_arg;
	cp->err = err;
	cp->errlen = errlen;
	buf_init(&cp->exec_paths, CHMOD_LIST_MAX);
	if (!remote || remote[0] != '/')
		return hb_fail(err, errlen, HB_EINVAL, "sandbox path \"%s\": expected an "
			       "absolute path", remote ? remote : "");
	if (!local || !local[0])
		return hb_fail(err, errlen, HB_EINVAL, "no local path given");
	return file_api_open(&cp->api, c, err, errlen);
}

static void copy_free(struct copy *cp)
{
	file_api_close(&cp->api);
	buf_free(&cp->exec_paths);
}

/* ------------------------------------------------------------- copy-in */

/* The file routes cannot set a mode: the executable bit is given with
 * chmod, run in the sandbox as the sandbox user who owns the files. */
static int chmod_batch(struct copy *cp, char **argv)
{
	struct hb_exec_options o = { .argv = argv };
	struct hb_exec_status res;
	int rc;

	rc = sandbox_exec(cp->conn, &o, &res, cp->err, cp->errlen);
	if (rc)
		return rc;
	if (res.exit_code)
		return hb_fail(cp->err, cp->errlen, HB_EIO,
			       "cannot make the copied executables executable in the sandbox: "
			       "chmod +x %s%s ended with status %d", argv[3],
			       argv[4] ? " …" : "", res.exit_code);
	return 0;
}

static int mark_executables(struct copy *cp)
{
	char **argv, *p = cp->exec_paths.data, *end = p + cp->exec_paths.len;
	size_t n, bytes;
	int rc = 0;

	if (!cp->n_exec)
		return 0;
	argv = calloc(cp->n_exec + 4, sizeof(*argv));
	if (!argv)
		return hb_fail(cp->err, cp->errlen, HB_ENOMEM, "out of memory");
	while (!rc && p < end) {
		argv[0] = "chmod";
		argv[1] = "+x";
		argv[2] = "--";
		for (n = 3, bytes = 0; p < end && (n == 3 || bytes < CHMOD_BATCH_BYTES); n++) {
			argv[n] = p;
			bytes += strlen(p) + 1;
			p += strlen(p) + 1;
		}
		argv[n] = NULL;
		rc = chmod_batch(cp, argv);
	}
	free(argv);
	return rc;
}

/* Opens a regular file to copy: O_NONBLOCK so that a FIFO put in its place
 * since it was looked at does not hang us, then checked. */
static int open_regular(struct copy *cp, int dirfd, const char *name, const char *shown,
			struct stat *st, int *fd)
{
	*fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd < 0)
		return local_fail(cp, errno, "cannot open", shown);
	if (fstat(*fd, st) || !S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		return hb_fail(cp->err, cp->errlen, HB_EINVAL, "%s: not a regular file", shown);
	}
	fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

static int upload_one(struct copy *cp, int dirfd, const char *name, const char *shown,
		      const char *remote)
{
	struct stat st;
	int fd, rc;

	if ((rc = open_regular(cp, dirfd, name, shown, &st, &fd)))
		return rc;
	rc = file_api_upload(&cp->api, fd, st.st_size, shown, remote, cp->err, cp->errlen);
	close(fd);
	if (!rc && (st.st_mode & 0111)) {
		if (buf_append(&cp->exec_paths, remote, strlen(remote) + 1))
			return hb_fail(cp->err, cp->errlen, HB_ETOOBIG,
				       "%s: too many executables to mark at once", shown);
		cp->n_exec++;
	}
	return rc;
}

static int copy_tree_in(struct copy *cp, int dirfd, const char *shown, const char *remote,
			int depth);

/* One entry of a local folder. */
static int copy_entry_in(struct copy *cp, int dirfd, const char *name, const char *shown,
			 const char *remote, int depth)
{
	struct stat st, lst;
	int fd, rc;

	/* One that went away is nothing to copy. A symlink inside the folder
	 * is not followed: it could hand the sandbox, which runs untrusted
	 * code, a file from outside the folder (creds -> ~/.aws/credentials),
	 * and the file routes cannot make a link in its place. */
	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 :
			skip_failed(cp, shown, local_fail(cp, errno, "cannot look at", shown));
	if (S_ISLNK(lst.st_mode))
		return skip_by_design(cp, shown, "a symlink (not followed out of the folder)");
	st = lst;
	if (S_ISREG(st.st_mode))
		return skip_failed(cp, shown, upload_one(cp, dirfd, name, shown, remote));
	if (!S_ISDIR(st.st_mode))
		return skip_by_design(cp, shown, "not a regular file or folder");
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return skip_failed(cp, shown, local_fail(cp, errno, "cannot open", shown));
	/* what is left is about the folder itself: its entries were
	 * skipped one by one */
	rc = skip_failed(cp, shown, copy_tree_in(cp, fd, shown, remote, depth + 1));
	close(fd);
	return rc;
}

/* The folder open as dirfd (closed by the caller), into remote. */
static int copy_tree_in(struct copy *cp, int dirfd, const char *shown, const char *remote,
			int depth)
{
	char sub_shown[PATH_MAX], sub_remote[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd, rc;

	if (depth > DEPTH_MAX)
		return hb_fail(cp->err, cp->errlen, HB_ETOOBIG,
			       "%s: more than %d folders deep", shown, DEPTH_MAX);
	if ((rc = file_api_mkdir(&cp->api, remote, cp->err, cp->errlen)))
		return rc;
	fd = dup(dirfd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return local_fail(cp, errno, "cannot read folder", shown);
	}
	rewinddir(d);
	while (!rc) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				rc = local_fail(cp, errno, "cannot read folder", shown);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = join(cp, sub_shown, shown, de->d_name);
		if (!rc)
			rc = join(cp, sub_remote, remote, de->d_name);
		rc = rc ? skip_failed(cp, shown, rc) :
			copy_entry_in(cp, dirfd, de->d_name, sub_shown, sub_remote, depth);
	}
	closedir(d);
	return rc;
}

/* Where a local source lands, by cp's rules: into remote when that is a
 * folder, else as remote. */
static int target_in(struct copy *cp, const char *local, bool is_dir, const char *remote,
		     char *target)
{
	char name[NAME_MAX + 1], real[PATH_MAX];
	enum remote_kind kind;
	int rc;

	if ((rc = remote_kind(cp, remote, &kind, NULL)))
		return rc;
	if (kind == REMOTE_OTHER)
		return hb_fail(cp->err, cp->errlen, HB_EINVAL,
			       "sandbox path %s: not a regular file or folder", remote);
	if (kind == REMOTE_FILE && is_dir)
		return hb_fail(cp->err, cp->errlen, HB_EINVAL,
			       "cannot copy folder %s onto file %s in the sandbox", local, remote);
	if (kind == REMOTE_NONE) {
		if (!is_dir && ends_with(remote, "/"))
			return hb_fail(cp->err, cp->errlen, HB_ENOENT,
				       "sandbox path %s: No such folder", remote);
		snprintf(target, PATH_MAX, "%s", remote);
		return remote_parent_is_dir(cp, remote);
	}
	if (kind == REMOTE_FILE || (is_dir && contents_only(local))) {
		snprintf(target, PATH_MAX, "%s", remote);
		return 0;
	}
	/* into the folder, under the source's own name ("..", "dir/..":
	 * the name of the folder they stand for) */
	last_name(local, name, sizeof(name));
	if (!name_ok(name, strlen(name))) {
		if (!realpath(local, real))
			return local_fail(cp, errno, "", local);
		last_name(real, name, sizeof(name));
		if (!name_ok(name, strlen(name)))
			return hb_fail(cp->err, cp->errlen, HB_EINVAL,
				       "%s: name a folder below / to copy", local);
	}
	return join(cp, target, remote, name);
}

int sandbox_copy_in(const struct sandbox_conn *c, const char *local,
		    const char *remote, sandbox_copy_skip_fn on_skip, void *skip_arg,
		    char *err, size_t errlen)
{
	char target[PATH_MAX];
	struct copy cp;
	struct stat st;
	int rc, fd;

	if ((rc = copy_begin(&cp, c, local, remote, on_skip, skip_arg, err, errlen)))
		goto out;
	if (stat(local, &st)) {
		rc = local_fail(&cp, errno, "", local);
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: not a regular file or folder", local);
		goto out;
	}
	if (S_ISREG(st.st_mode) && ends_with(local, "/")) {
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: Not a directory", local);
		goto out;
	}
	if ((rc = target_in(&cp, local, S_ISDIR(st.st_mode), remote, target)))
		goto out;
	if (S_ISREG(st.st_mode)) {
		rc = upload_one(&cp, AT_FDCWD, local, local, target);
	} else {
		fd = open(local, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = local_fail(&cp, errno, "cannot open", local);
			goto out;
		}
		rc = copy_tree_in(&cp, fd, local, target, 0);
		close(fd);
	}
	if (!rc)
		rc = mark_executables(&cp);
	rc = copy_result(&cp, rc);
out:
	copy_free(&cp);
	return rc;
}

/* ------------------------------------------------------------ copy-out */

/* Downloads remote into name in dirfd: a new file gets mode & 0777 (less
 * the umask), an existing one is overwritten in place as cp does. Inside
 * a copied folder (nofollow) only a regular file is: not a symlink, and
 * not a FIFO or device already there, which would hang us or write
 * elsewhere. A file created here is removed again when the download
 * fails. */
static int download_one(struct copy *cp, int dirfd, const char *name, const char *shown,
			const char *remote, unsigned mode, bool nofollow)
{
	int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY |
		    (nofollow ? O_NOFOLLOW | O_NONBLOCK : 0);
	bool created = true;
	struct stat st;
	int fd, rc;

	fd = openat(dirfd, name, flags | O_CREAT | O_EXCL, mode & 0777);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = openat(dirfd, name, flags | O_TRUNC);
		if (fd < 0 && errno == ENXIO) /* a FIFO nobody reads */
			return hb_fail(cp->err, cp->errlen, HB_EINVAL,
				       "cannot create %s: not a regular file", shown);
	}
	if (fd < 0)
		return local_fail(cp, errno, "cannot create", shown);
	if (nofollow) {
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			close(fd);
			return hb_fail(cp->err, cp->errlen, HB_EINVAL,
				       "cannot create %s: not a regular file", shown);
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	rc = file_api_download(&cp->api, remote, fd, shown, cp->err, cp->errlen);
	if (close(fd) && !rc)
		rc = local_fail(cp, errno, "cannot write", shown);
	if (rc && created)
		unlinkat(dirfd, name, 0);
	return rc;
}

static int copy_tree_out(struct copy *cp, int dirfd, const char *shown, const char *remote,
			 int depth);

/* One entry of a sandbox folder's listing, into dirfd. */
static int copy_entry_out(struct copy *cp, int dirfd, json_t *j, const char *shown_dir,
			  const char *remote_dir, int depth)
{
	json_t *jname = json_object_get(j, "name");
	const char *name = json_string_value(jname);
	char shown[PATH_MAX], remote[PATH_MAX];
	enum remote_kind kind;
	struct file_entry e;
	int fd, rc;

	if (!name || !name_ok(name, json_string_length(jname)))
		return skip_failed(cp, remote_dir,
				   hb_fail(cp->err, cp->errlen, HB_EINVAL,
					   "the listing of %s names \"%.100s\": refused (not a "
					   "plain file name)", remote_dir, name ? name : ""));
	if ((rc = join(cp, shown, shown_dir, name)) || (rc = join(cp, remote, remote_dir, name)))
		return skip_failed(cp, remote_dir, rc);
	if (!file_api_entry(j, &e))
		return skip_failed(cp, shown,
				   hb_fail(cp->err, cp->errlen, HB_EINVAL,
					   "the listing of %s: entry \"%s\" has no type or mode",
					   remote_dir, name));
	if (e.type == FILE_TYPE_SYMLINK) {
		if ((rc = remote_kind(cp, remote, &kind, NULL)))
			return skip_failed(cp, shown, rc);
		if (kind != REMOTE_FILE)
			return skip_by_design(cp, shown, "a symlink to a folder (not followed)");
		rc = download_one(cp, dirfd, name, shown, remote, 0666, true);
		return rc == HB_ENOENT ? skip_by_design(cp, shown, "a symlink to nothing") :
			skip_failed(cp, shown, rc);
	}
	if (e.type == FILE_TYPE_FILE)
		return skip_failed(cp, shown,
				   download_one(cp, dirfd, name, shown, remote, e.mode, true));
	if (e.type != FILE_TYPE_DIR)
		return skip_by_design(cp, shown, "not a regular file or folder");
	if (mkdirat(dirfd, name, (e.mode & 0777) | 0700) && errno != EEXIST)
		return skip_failed(cp, shown, local_fail(cp, errno, "cannot create folder", shown));
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return skip_failed(cp, shown, local_fail(cp, errno, "cannot open folder", shown));
	rc = skip_failed(cp, shown, copy_tree_out(cp, fd, shown, remote, depth + 1));
	close(fd);
	return rc;
}

static int copy_tree_out(struct copy *cp, int dirfd, const char *shown, const char *remote,
			 int depth)
{
	json_t *entries, *j;
	bool truncated;
	size_t i;
	int rc;

	if (depth > DEPTH_MAX)
		return hb_fail(cp->err, cp->errlen, HB_ETOOBIG,
			       "sandbox folder %s: more than %d folders deep", remote, DEPTH_MAX);
	rc = file_api_list(&cp->api, remote, SANDBOXD_LIST_MAX, &entries, &truncated,
			   cp->err, cp->errlen);
	if (rc)
		return rc;
	if (truncated)
		rc = hb_fail(cp->err, cp->errlen, HB_ETOOBIG,
			     "sandbox folder %s has more than %d entries, more than one "
			     "listing gives", remote, SANDBOXD_LIST_MAX);
	else if (cp->held_entries + json_array_size(entries) > HELD_ENTRIES_MAX)
		rc = hb_fail(cp->err, cp->errlen, HB_ETOOBIG,
			     "sandbox folder %s: the folders above it and it list more than "
			     "%u entries; copy a smaller part of the tree", remote,
			     HELD_ENTRIES_MAX);
	cp->held_entries += json_array_size(entries);
	json_array_foreach(entries, i, j) {
		if (rc)
			break;
		rc = copy_entry_out(cp, dirfd, j, shown, remote, depth);
	}
	cp->held_entries -= json_array_size(entries);
	json_decref(entries);
	return rc;
}

/* Where a sandbox source lands locally, by cp's rules; "" for stdout. */
static int target_out(struct copy *cp, const char *remote, bool is_dir, const char *local,
		      char *target)
{
	char name[NAME_MAX + 1];
	struct stat st;

	if (!strcmp(local, "-")) {
		if (is_dir)
			return hb_fail(cp->err, cp->errlen, HB_EINVAL,
				       "sandbox path %s is a folder: only a file can go to stdout",
				       remote);
		target[0] = '\0';
		return 0;
	}
	if (stat(local, &st)) {
		if (errno != ENOENT)
			return local_fail(cp, errno, "", local);
		if (!is_dir && ends_with(local, "/"))
			return hb_fail(cp->err, cp->errlen, HB_ENOENT, "%s: No such folder", local);
		snprintf(target, PATH_MAX, "%s", local);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (is_dir)
			return hb_fail(cp->err, cp->errlen, HB_EINVAL,
				       "cannot copy sandbox folder %s onto file %s", remote, local);
		snprintf(target, PATH_MAX, "%s", local);
		return 0;
	}
	if (is_dir && contents_only(remote)) {
		snprintf(target, PATH_MAX, "%s", local);
		return 0;
	}
	last_name(remote, name, sizeof(name));
	if (!name_ok(name, strlen(name)))
		return hb_fail(cp->err, cp->errlen, HB_EINVAL,
			       "sandbox path %s: name a file or folder by its own name", remote);
	return join(cp, target, local, name);
}

int sandbox_copy_out(const struct sandbox_conn *c, const char *remote,
		     const char *local, sandbox_copy_skip_fn on_skip, void *skip_arg,
		     char *err, size_t errlen)
{
	char target[PATH_MAX];
	enum remote_kind kind;
	struct copy cp;
	unsigned mode;
	int rc, fd;

	if ((rc = copy_begin(&cp, c, local, remote, on_skip, skip_arg, err, errlen)) ||
	    (rc = remote_kind(&cp, remote, &kind, &mode)))
		goto out;
	if (kind == REMOTE_NONE || kind == REMOTE_OTHER) {
		rc = hb_fail(err, errlen, kind == REMOTE_NONE ? HB_ENOENT : HB_EINVAL,
			     "sandbox path %s: %s", remote, kind == REMOTE_NONE ?
			     "No such file or directory" : "not a regular file or folder");
		goto out;
	}
	if ((rc = target_out(&cp, remote, kind == REMOTE_DIR, local, target)))
		goto out;
	if (!target[0]) {
		rc = file_api_download(&cp.api, remote, STDOUT_FILENO, "stdout", err, errlen);
	} else if (kind == REMOTE_FILE) {
		rc = download_one(&cp, AT_FDCWD, target, target, remote, mode, false);
	} else {
		if (mkdir(target, 0777) && errno != EEXIST) {
			rc = local_fail(&cp, errno, "cannot create folder", target);
			goto out;
		}
		fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = local_fail(&cp, errno, "cannot open folder", target);
			goto out;
		}
		rc = copy_result(&cp, copy_tree_out(&cp, fd, target, remote, 0));
		close(fd);
	}
out:
	copy_free(&cp);
	return rc;
}
