/* files.c — the OpenHands file routes (upload, download, create_directory)
 * and the path helpers shared by files_handbox.c and git.c; see files.h.
 *
 * An upload is parsed by lws's multipart parser as it arrives and written
 * straight to a temporary file beside the target, which is renamed over the
 * target only once the closing boundary has been seen: memory stays flat
 * whatever the size, and a client that goes away mid-upload leaves neither
 * a partial file nor a truncated old one. A download is read from disk one
 * write-sized chunk at a time, only when the socket can take it.
 *
 * Every file route does its filesystem work with the sandbox user's
 * identity (files_as_user_begin), so it can do no more than the agent's own
 * commands: see "the sandbox user's identity" below. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "common/buf.h"
#include "common/fdio.h"
#include "common/hb_error.h"
#include "common/utf8.h"
#include "sandboxd/files.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

/* The multipart parser's buffer: file data reaches us in chunks of this
 * size, and other (non-file) form fields must fit in it. */
#define SPA_STORAGE (64 * 1024)

/* ------------------------------------------------------- shared helpers */

void files_normalize(char *p)
{
	int abs = p[0] == '/';
	char *r = p, *w = p + abs;
	size_t n;

	while (*r) {
		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (!n)
			break;
		if (n == 1 && r[0] == '.') {
			r++;
			continue;
		}
		if (w > p + abs)
			*w++ = '/';
		memmove(w, r, n);
		w += n;
		r += n;
	}
	*w = '\0';
	if (!abs && w == p)
		strcpy(p, ".");
}

/* A path with a line break would be another file than the one asked for
 * (a shortened one, as below) and breaks every log line that shows it. */
static int check_abs_path(const char *what, char *out, size_t len,
			  char *err, size_t errlen)
{
	if (len != strlen(out) || strpbrk(out, "\r\n")) {
		hb_fail(err, errlen, HB_EINVAL,
			"%s: the path contains a line break (CR, LF) or a NUL byte", what);
		return 400;
	}
	if (out[0] != '/') {
		hb_fail(err, errlen, HB_EINVAL, "Path must be absolute");
		return 400;
	}
	files_normalize(out);
	return 0;
}

bool files_query_cut(struct http_conn *c)
{
	/* libwebsockets ends a query value at a decoded %0D or %0A and skips
	 * the rest of the request line, HTTP version included: the value we
	 * are given is then a prefix of what was sent. A request line that
	 * came whole always names its version. */
	return !c->is_ws && lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP) <= 0;
}

int files_path_arg(struct http_conn *c, const char *name, char *out,
		   size_t outlen, char *err, size_t errlen)
{
	char what[64];
	int n = http_query(c, name, out, outlen);

	if (n >= 0 && files_query_cut(c)) {
		hb_fail(err, errlen, HB_EINVAL,
			"query parameter %s: the path contains a line break (CR, LF) or a NUL "
			"byte", name);
		return 400;
	}

	if (n < 0) {
		hb_fail(err, errlen, HB_EINVAL,
			"query parameter %s: missing, or longer than %zu bytes (an absolute path is expected)",
			name, outlen - 1);
		return 422;
	}
	snprintf(what, sizeof(what), "query parameter %s", name);
	return check_abs_path(what, out, (size_t)n, err, errlen);
}

int files_path_field(json_t *body, const char *field, char *out,
		     size_t outlen, char *err, size_t errlen)
{
	json_t *v = json_is_object(body) ? json_object_get(body, field) : NULL;
	size_t len;

	if (!json_is_string(v)) {
		hb_fail(err, errlen, HB_EINVAL, "%s: expected an absolute path as a string",
			field);
		return 422;
	}
	len = json_string_length(v);
	if (len >= outlen) {
		hb_fail(err, errlen, HB_ETOOBIG, "%s: the path is longer than %zu bytes",
			field, outlen - 1);
		return 422;
	}
	memcpy(out, json_string_value(v), len + 1);
	return check_abs_path(field, out, len, err, errlen);
}

int files_status_for_errno(int e)
{
	switch (e) {
	case ENOENT:
		return 404;
	case EACCES: case EPERM: case EROFS:
		return 403;
	case EEXIST: case ENOTEMPTY: case EBUSY: case EXDEV: case ETXTBSY:
		return 409;
	case ENOTDIR: case EISDIR: case EINVAL: case ELOOP: case ENAMETOOLONG:
		return 400;
	default:
		return 500;
	}
}

mode_t files_umask(void)
{
	static mode_t mask;
	static int known;

	if (!known) {
		mask = umask(022);
		umask(mask);
		known = 1;
	}
	return mask;
}

/* ------------------------------------------ the sandbox user's identity */

/* sandboxd is root, and root may read, write and replace any file: were the
 * routes to act as root, a symlink the agent planted (/workspace/x ->
 * /etc/shadow) would let it read or overwrite what its own commands cannot.
 * So their file work runs with the identity the commands get (proc.c):
 * fsuid and fsgid of the sandbox user — while fsuid is not 0 the kernel
 * also takes away root's file capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER,
 * CAP_CHOWN…) — and no supplementary group but the user's gid, since root's
 * own groups (often 0) would still open root-group files. fsuid and fsgid
 * are per thread, the groups per process: the loop is one thread (the
 * browser's worker, browser.c, keeps the user's fsuid for good), and
 * every callback gives root's identity back before it returns to the loop,
 * so nothing else ever runs under the user's. */

static unsigned as_user_depth;     /* begin calls not yet ended */
static int as_user_switched;       /* the outermost begin changed identity */
static int as_user_groups;         /* ... and the supplementary groups */
static gid_t *root_groups;         /* sandboxd's own groups, read once */
static int n_root_groups = -1;

static int load_root_groups(void)
{
	int n;

	if (n_root_groups >= 0)
		return 0;
	n = getgroups(0, NULL);
	if (n < 0)
		return -1;
	root_groups = malloc(((size_t)n + 1) * sizeof(gid_t));
	if (!root_groups) {
		errno = ENOMEM;
		return -1;
	}
	n = getgroups(n, root_groups);
	if (n < 0) {
		free(root_groups);
		root_groups = NULL;
		return -1;
	}
	n_root_groups = n;
	return 0;
}

/* Whether root has a supplementary group the user does not. */
static int groups_differ(gid_t gid)
{
	int i;

	for (i = 0; i < n_root_groups; i++)
		if (root_groups[i] != gid)
			return 1;
	return 0;
}

/* setfsuid() answers with the previous value, never an error: the value
 * is read back by asking for an invalid one. */
static int fs_ids_are(uid_t uid, gid_t gid)
{
	return (uid_t)setfsuid((uid_t)-1) == uid && (gid_t)setfsgid((gid_t)-1) == gid;
}

static void restore_root(int groups)
{
	int ok;

	setfsuid(geteuid());
	setfsgid(getegid());
	ok = fs_ids_are(geteuid(), getegid());
	if (groups && setgroups((size_t)n_root_groups, root_groups) < 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "handbox-sandboxd: cannot give back root's file identity after a file route: %s\n",
			strerror(errno));
}

int files_as_user_begin(char *err, size_t errlen)
{
	uid_t uid = sandboxd_cfg.user.uid;
	gid_t gid = sandboxd_cfg.user.gid;
	int groups = 0, e;

	if (as_user_depth || !sandboxd_cfg.switch_user) {
		as_user_depth++;
		return 0;
	}
	if (load_root_groups() < 0) {
		e = errno;
		goto fail;
	}
	groups = groups_differ(gid);
	if (groups && setgroups(1, &gid) < 0) {
		e = errno;
		goto fail;
	}
	setfsgid(gid);
	setfsuid(uid);
	if (!fs_ids_are(uid, gid)) {
		e = EPERM;
		restore_root(groups);
		goto fail;
	}
	as_user_depth = 1;
	as_user_switched = 1;
	as_user_groups = groups;
	return 0;
fail:
	return hb_fail(err, errlen, HB_EPERM,
		       "cannot take the sandbox user's identity (uid %u, gid %u) for file access: %s%s",
		       (unsigned)uid, (unsigned)gid, strerror(e),
		       e == EPERM ? " (sandboxd needs CAP_SETUID and CAP_SETGID)" : "");
}

void files_as_user_end(void)
{
	int e = errno;

	if (!as_user_depth || --as_user_depth)
		return;
	if (as_user_switched)
		restore_root(as_user_groups);
	as_user_switched = 0;
	as_user_groups = 0;
	errno = e;
}

/* Runs a stream callback's work as the sandbox user. When that identity
 * cannot be taken nothing is done: 500, and the connection closes rather
 * than reading a body nobody will use. */
static int as_user_call(struct http_conn *c, int (*fn)(struct http_conn *c))
{
	char err[256];
	int rc;

	if (files_as_user_begin(err, sizeof(err)) < 0) {
		c->close_after_reply = 1;
		return http_reply_error(c, 500, "%s", err) ? -1 : 0;
	}
	rc = fn(c);
	files_as_user_end();
	return rc;
}

int files_as_user_json(struct http_conn *c, json_t *body,
		       int (*fn)(struct http_conn *c, json_t *body))
{
	char err[256];
	int rc;

	if (files_as_user_begin(err, sizeof(err)) < 0)
		return http_reply_error(c, 500, "%s", err);
	rc = fn(c, body);
	files_as_user_end();
	return rc;
}

void files_denied_note(char *out, size_t outlen, const char *what,
		       const char *path)
{
	unsigned uid = (unsigned)sandboxd_cfg.user.uid;

	if (what)
		snprintf(out, outlen, " (the sandbox user, uid %u, may not %s '%s')",
			 uid, what, path);
	else
		snprintf(out, outlen, " (file routes act as the sandbox user, uid %u)", uid);
}

/* The directory holding path ("/" for "/x"), into out. */
static void parent_dir(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	snprintf(out, outlen, "%.*s", (int)(n ? n : 1), slash ? path : ".");
}

/* Walks from the root creating each component, so the error names the
 * component that failed, as Python's mkdir(parents=True) does. */
int files_mkdirs(const char *path, int skip_last, char *failed,
		 size_t failedlen)
{
	char p[PATH_MAX];
	struct stat st;
	size_t len = strlen(path), i;
	int last, e;

	if (len >= sizeof(p)) {
		snprintf(failed, failedlen, "%s", path);
		return ENAMETOOLONG;
	}
	memcpy(p, path, len + 1);
	if (skip_last) {
		while (len > 1 && p[len - 1] != '/')
			len--;
		if (len > 1)
			len--;
		p[len] = '\0';
	}
	for (i = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		last = i == len;
		p[i] = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			e = errno;
			snprintf(failed, failedlen, "%s", p);
			return e;
		} else if (last && (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))) {
			snprintf(failed, failedlen, "%s", p);
			return EEXIST;
		}
		if (!last)
			p[i] = '/';
	}
	return 0;
}

json_t *files_json_string(const char *s, size_t len)
{
	struct buf b;
	json_t *j;

	buf_init(&b, 0);
	if (utf8_append_sanitized(&b, s, len)) {
		buf_free(&b);
		return NULL;
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j;
}

/* An OSError as Python prints it: "[Errno 2] No such file or directory:
 * '/x'" — the reference puts str(e) into its error details. */
static void py_oserror(char *out, size_t len, int e, const char *path)
{
	snprintf(out, len, "[Errno %d] %s: '%s'", e, strerror(e), path);
}

/* ------------------------------------------------ POST /api/file/upload */

struct upload {
	struct lws_spa *spa;
	int fd;                /* the temporary file */
	int have_file;         /* a "file" part has started */
	int in_file;           /* its data is arriving now */
	int file_done;         /* its closing boundary was seen */
	int write_errno;
	char target[PATH_MAX];
	char tmp[PATH_MAX];    /* removed on failure; empty once renamed */
};

/* Also removes the temporary file, as the sandbox user (left in place if
 * that identity cannot be taken: never removed as root). */
static void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (u->spa)
		lws_spa_destroy(u->spa); /* calls upload_part(CLOSE): u still valid */
	if (u->fd >= 0)
		close(u->fd);
	if (u->tmp[0] && files_as_user_begin(NULL, 0) == 0) {
		unlink(u->tmp);
		files_as_user_end();
	}
	free(u);
}

/* Answers an error before the body has been read: the connection closes
 * after the answer rather than reading the rest of a large body. */
static int upload_fail(struct http_conn *c, int status, const char *msg)
{
	upload_free(c->state);
	c->state = NULL;
	c->close_after_reply = 1;
	return http_reply_error(c, status, "%s", msg) ? -1 : 0;
}

/* A failed system call: 500 with the reference's wording, or 403 when the
 * sandbox user was refused, with what it may not do (what: "create files
 * in", done to where) in a note. */
static int upload_fail_os(struct http_conn *c, int e, const char *path,
			  const char *what, const char *where)
{
	char why[PATH_MAX + 128], note[PATH_MAX + 128], msg[2 * PATH_MAX + 300];
	int denied = e == EACCES || e == EPERM;

	py_oserror(why, sizeof(why), e, path);
	note[0] = '\0';
	if (denied)
		files_denied_note(note, sizeof(note), what, where);
	snprintf(msg, sizeof(msg), "Failed to upload file: %s%s", why, note);
	return upload_fail(c, denied ? 403 : 500, msg);
}

static int upload_part(void *data, const char *name, const char *filename,
		       char *buf, int len, enum lws_spa_fileupload_states state)
{
	struct upload *u = data;

	switch (state) {
	case LWS_UFS_OPEN:
		u->in_file = !strcmp(name, "file");
		if (!u->in_file)
			return 0;
		/* a second "file" part replaces the first: the last value
		 * of a form field wins, as in the reference */
		if (u->have_file && (ftruncate(u->fd, 0) < 0 ||
				     lseek(u->fd, 0, SEEK_SET) < 0)) {
			u->write_errno = errno;
			return -1;
		}
		u->have_file = 1;
		u->file_done = 0;
		return 0;
	case LWS_UFS_CONTENT:
	case LWS_UFS_FINAL_CONTENT:
		if (!u->in_file)
			return 0;
		if (len > 0 && fd_write_all(u->fd, buf, (size_t)len) < 0) {
			u->write_errno = errno;
			return -1;
		}
		if (state == LWS_UFS_FINAL_CONTENT) {
			u->in_file = 0;
			u->file_done = 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Where the bytes go: through a symlink, to the file it points to (as
 * open() would write); otherwise the path itself, so a dangling symlink is
 * replaced. Returns 0, or an errno value when the link cannot be followed
 * (EACCES: the user may not look where it points). */
static int upload_target(const char *path, char *out, size_t outlen)
{
	char real[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (realpath(path, real)) {
			if (strlen(real) >= outlen)
				return ENAMETOOLONG;
			strcpy(out, real);
			return 0;
		}
		if (errno != ENOENT && errno != ELOOP)
			return errno;
	}
	snprintf(out, outlen, "%s", path);
	return 0;
}

/* The new file's mode: that of the file it replaces, or 0666 & ~umask. Its
 * owner is the sandbox user, who created it. */
static int upload_set_mode(struct upload *u)
{
	struct stat st;
	mode_t mode = 0666 & ~files_umask();

	if (stat(u->target, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 07777;
	return fchmod(u->fd, mode);
}

/* Runs as the sandbox user. */
static int upload_start(struct http_conn *c)
{
	lws_spa_create_info_t info;
	static const char *const names[] = { "file" };
	char path[PATH_MAX], err[PATH_MAX + 128], ctype[512], failed[PATH_MAX],
	     dir[PATH_MAX];
	struct upload *u;
	struct stat st;
	size_t dirlen;
	int status, e;

	sandboxd_last_exec_us = clock_mono_us();
	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return upload_fail(c, status, err);
	if (lws_hdr_copy(c->wsi, ctype, sizeof(ctype), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0 ||
	    strncasecmp(ctype, "multipart/form-data", 19) || !strstr(ctype, "boundary="))
		return upload_fail(c, 422, "request body: expected multipart/form-data with the file in field \"file\"");

	u = calloc(1, sizeof(*u));
	if (!u)
		return upload_fail(c, 500, "Failed to upload file: out of memory");
	u->fd = -1;
	c->state = u;
	e = upload_target(path, u->target, sizeof(u->target));
	if (e)
		return upload_fail_os(c, e, path, "follow the symlink", path);

	e = files_mkdirs(u->target, 1, failed, sizeof(failed));
	if (e) {
		parent_dir(failed, dir, sizeof(dir));
		return upload_fail_os(c, e, failed, "create directories in", dir);
	}
	if (stat(u->target, &st) == 0 && S_ISDIR(st.st_mode))
		return upload_fail_os(c, EISDIR, path, NULL, NULL);

	dirlen = strrchr(u->target, '/') - u->target;
	parent_dir(u->target, dir, sizeof(dir));
	if ((size_t)snprintf(u->tmp, sizeof(u->tmp), "%.*s/.handbox-upload-XXXXXX",
			     (int)dirlen, u->target) >= sizeof(u->tmp)) {
		u->tmp[0] = '\0';
		return upload_fail_os(c, ENAMETOOLONG, path, NULL, NULL);
	}
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0) {
		e = errno;
		u->tmp[0] = '\0';
		return upload_fail_os(c, e, path, "create files in", dir);
	}
	if (upload_set_mode(u) < 0)
		return upload_fail_os(c, errno, path, NULL, NULL);

	memset(&info, 0, sizeof(info));
	info.param_names = names;
	info.count_params = 1;
	info.max_storage = SPA_STORAGE;
	info.opt_cb = upload_part;
	info.opt_data = u;
	u->spa = lws_spa_create_via_info(c->wsi, &info);
	if (!u->spa)
		return upload_fail(c, 500, "Failed to upload file: out of memory");
	return 0;
}

static int upload_request(struct http_conn *c)
{
	return as_user_call(c, upload_start);
}

static int upload_body(struct http_conn *c, const char *data, size_t len)
{
	struct upload *u = c->state;

	if (!u)
		return 0;
	if (lws_spa_process(u->spa, data, (int)len) < 0) {
		if (u->write_errno)
			return upload_fail_os(c, u->write_errno, u->target, NULL, NULL);
		return upload_fail(c, 422, "request body: form fields other than the \"file\" upload exceed 64 KiB (is \"file\" sent as a file part, with a filename?)");
	}
	return 0;
}

/* Runs as the sandbox user. */
static int upload_finish(struct http_conn *c)
{
	struct upload *u = c->state;
	int rc;

	if (!u)
		return 0;
	lws_spa_finalize(u->spa);
	if (!u->have_file)
		return upload_fail(c, 422, "request body: no file in multipart field \"file\" (send it as a file part, with a filename)");
	if (!u->file_done)
		return upload_fail(c, 400, "request body: the multipart body ended inside the \"file\" part");
	rc = close(u->fd);
	u->fd = -1;
	if (rc < 0)
		return upload_fail_os(c, errno, u->target, NULL, NULL);
	/* EPERM here: a sticky directory, and the target is someone else's */
	if (rename(u->tmp, u->target) < 0)
		return upload_fail_os(c, errno, u->target, "replace", u->target);
	u->tmp[0] = '\0';
	upload_free(u);
	c->state = NULL;
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1)) ? -1 : 0;
}

static int upload_body_end(struct http_conn *c)
{
	return c->state ? as_user_call(c, upload_finish) : 0;
}

static void upload_close(struct http_conn *c)
{
	upload_free(c->state);
	c->state = NULL;
}

const struct http_stream_ops files_upload_ops = {
	.on_request = upload_request,
	.on_body = upload_body,
	.on_body_end = upload_body_end,
	.on_close = upload_close,
};

/* ---------------------------------------------- GET /api/file/download */

struct download {
	int fd;
	int64_t left;
};

static void download_free(struct http_conn *c)
{
	struct download *d = c->state;

	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d);
	c->state = NULL;
}

/* Starlette's FileResponse header: a plain quoted name when it needs no
 * escaping, else RFC 5987's filename*=utf-8''… */
static void content_disposition(const char *name, char *out, size_t outlen)
{
	static const char safe[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/";
	size_t o;
	const unsigned char *s;

	if (strspn(name, safe) == strlen(name) &&
	    strlen(name) + 40 < outlen) {
		snprintf(out, outlen, "Content-Disposition: attachment; filename=\"%s\"\r\n", name);
		return;
	}
	o = (size_t)snprintf(out, outlen, "Content-Disposition: attachment; filename*=utf-8''");
	for (s = (const unsigned char *)name; *s && o + 6 < outlen; s++) {
		if (strchr(safe, *s))
			out[o++] = (char)*s;
		else
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X", *s);
	}
	snprintf(out + o, outlen - o, "\r\n");
}

static int download_fail_os(struct http_conn *c, int e, const char *path)
{
	char why[PATH_MAX + 128], note[PATH_MAX + 128];
	int denied = e == EACCES || e == EPERM;

	py_oserror(why, sizeof(why), e, path);
	note[0] = '\0';
	if (denied)
		files_denied_note(note, sizeof(note), "read", path);
	return http_reply_error(c, denied ? 403 : 500, "Failed to download file: %s%s",
				why, note) ? -1 : 0;
}

/* Runs as the sandbox user: the file is opened with the user's rights, and
 * the open descriptor is read later without any. */
static int download_start(struct http_conn *c)
{
	char path[PATH_MAX], err[PATH_MAX + 128], headers[3 * NAME_MAX + 128];
	struct download *d;
	struct stat st;
	const char *base;
	int status, fd;

	sandboxd_last_exec_us = clock_mono_us();
	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err) ? -1 : 0;
	if (stat(path, &st) < 0) {
		if (errno == EACCES || errno == EPERM)
			return download_fail_os(c, errno, path);
		return http_reply_error(c, 404, "File not found") ? -1 : 0;
	}
	if (!S_ISREG(st.st_mode))
		return http_reply_error(c, 400, "Path is not a file") ? -1 : 0;
	/* O_NONBLOCK: a FIFO swapped in after the stat must not block us */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return download_fail_os(c, errno, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return http_reply_error(c, 400, "Path is not a file") ? -1 : 0;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return http_reply_error(c, 500, "Failed to download file: out of memory") ? -1 : 0;
	}
	d->fd = fd;
	d->left = st.st_size;
	c->state = d;
	base = strrchr(path, '/') + 1;
	content_disposition(*base ? base : "/", headers, sizeof(headers));
	return http_begin_stream(c, 200, "application/octet-stream", st.st_size,
				 headers) ? -1 : 0;
}

static int download_request(struct http_conn *c)
{
	return as_user_call(c, download_start);
}

static int download_writeable(struct http_conn *c)
{
	static char chunk[256 << 10];
	struct download *d = c->state;
	size_t want;
	ssize_t n;

	if (!d)
		return 0;
	want = http_write_max() < sizeof(chunk) ? http_write_max() : sizeof(chunk);
	if ((int64_t)want > d->left)
		want = (size_t)d->left;
	n = 0;
	if (want) {
		do
			n = read(d->fd, chunk, want);
		while (n < 0 && errno == EINTR);
		/* the file shrank under us: the promised length cannot be
		 * met, so the client must see a cut connection */
		if (n <= 0)
			return -1;
	}
	d->left -= n;
	if (http_write_body(c, chunk, (size_t)n, d->left == 0))
		return -1;
	if (d->left == 0) {
		download_free(c);
		http_want_write(c);
	}
	return 0;
}

const struct http_stream_ops files_download_ops = {
	.on_request = download_request,
	.on_writeable = download_writeable,
	.on_close = download_free,
};

/* --------------------------------------- POST /api/file/create_directory */

/* The body, if any, is ignored as in the reference; the work happens when
 * it has been read, as the sandbox user. */
static int mkdir_as_user(struct http_conn *c)
{
	char path[PATH_MAX], err[PATH_MAX + 128], failed[PATH_MAX],
	     why[PATH_MAX + 128], dir[PATH_MAX], note[PATH_MAX + 128];
	int status, e;

	sandboxd_last_exec_us = clock_mono_us();
	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err) ? -1 : 0;
	e = files_mkdirs(path, 0, failed, sizeof(failed));
	if (!e)
		return http_reply_json(c, 200, json_pack("{s:b}", "success", 1)) ? -1 : 0;
	if (e == EEXIST || e == ENOTDIR)
		return http_reply_error(c, 400, "Path exists and is not a directory") ? -1 : 0;
	py_oserror(why, sizeof(why), e, failed);
	if (e == EACCES || e == EPERM) {
		parent_dir(failed, dir, sizeof(dir));
		files_denied_note(note, sizeof(note), "create directories in", dir);
		return http_reply_error(c, 403, "Permission denied: %s%s", why, note) ? -1 : 0;
	}
	return http_reply_error(c, 500, "Failed to create directory: %s", why) ? -1 : 0;
}

static int mkdir_body_end(struct http_conn *c)
{
	return as_user_call(c, mkdir_as_user);
}

const struct http_stream_ops files_mkdir_ops = {
	.on_body_end = mkdir_body_end,
};
