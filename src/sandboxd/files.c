/* files.c — the OpenHands file routes (upload, download, create_directory)
 * and the path helpers shared by files_handbox.c and git.c; see files.h.
 *
 * An upload is parsed by lws's multipart parser as it arrives and written
 * straight to a temporary file beside the target, which is renamed over the
 * target only once the closing boundary has been seen: memory stays flat
 * whatever the size, and a client that goes away mid-upload leaves neither
 * a partial file nor a truncated old one. A download is read from disk one
 * write-sized chunk at a time, only when the socket can take it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "common/utf8.h"
#include "sandboxd/files.h"
#include "sandboxd/http.h"
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

static int check_abs_path(const char *what, char *out, size_t len,
			  char *err, size_t errlen)
{
	if (len != strlen(out)) {
		hb_fail(err, errlen, HB_EINVAL, "%s: the path contains a NUL byte", what);
		return 400;
	}
	if (out[0] != '/') {
		hb_fail(err, errlen, HB_EINVAL, "Path must be absolute");
		return 400;
	}
	files_normalize(out);
	return 0;
}

int files_path_arg(struct http_conn *c, const char *name, char *out,
		   size_t outlen, char *err, size_t errlen)
{
	char what[64];
	int n = http_query(c, name, out, outlen);

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

int files_chown_fd(int fd)
{
	if (!sandboxd_cfg.switch_user)
		return 0;
	return fchown(fd, sandboxd_cfg.user.uid, sandboxd_cfg.user.gid);
}

int files_chown_path(const char *path)
{
	if (!sandboxd_cfg.switch_user)
		return 0;
	return lchown(path, sandboxd_cfg.user.uid, sandboxd_cfg.user.gid);
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
		if (mkdir(p, 0777) == 0) {
			files_chown_path(p);
		} else if (errno != EEXIST) {
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

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
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

static void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (u->spa)
		lws_spa_destroy(u->spa); /* calls upload_part(CLOSE): u still valid */
	if (u->fd >= 0)
		close(u->fd);
	if (u->tmp[0])
		unlink(u->tmp);
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

static int upload_fail_os(struct http_conn *c, int e, const char *path)
{
	char why[PATH_MAX + 128], msg[PATH_MAX + 160];

	py_oserror(why, sizeof(why), e, path);
	snprintf(msg, sizeof(msg), "Failed to upload file: %s", why);
	return upload_fail(c, 500, msg);
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
		if (len > 0 && write_all(u->fd, buf, (size_t)len) < 0) {
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

/* Where the bytes go: through a symlink to an existing file, as open()
 * would write; otherwise the path itself. */
static void upload_target(const char *path, char *out, size_t outlen)
{
	char real[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    realpath(path, real) && strlen(real) < outlen) {
		strcpy(out, real);
		return;
	}
	snprintf(out, outlen, "%s", path);
}

/* Mode and owner of the new file: those of the file it replaces, or a new
 * file's (0666 & ~umask, the sandbox user's). */
static int upload_set_mode(struct upload *u)
{
	struct stat st;

	if (stat(u->target, &st) == 0 && S_ISREG(st.st_mode)) {
		/* chown first: it clears set-id bits that fchmod restores */
		if (fchown(u->fd, st.st_uid, st.st_gid) < 0 ||
		    fchmod(u->fd, st.st_mode & 07777) < 0)
			return -1;
		return 0;
	}
	if (files_chown_fd(u->fd) < 0 ||
	    fchmod(u->fd, 0666 & ~files_umask()) < 0)
		return -1;
	return 0;
}

static int upload_request(struct http_conn *c)
{
	lws_spa_create_info_t info;
	static const char *const names[] = { "file" };
	char path[PATH_MAX], err[PATH_MAX + 128], ctype[512], failed[PATH_MAX];
	struct upload *u;
	struct stat st;
	size_t dirlen;
	int status, e;

	sandboxd_last_exec_us = now_us();
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
	upload_target(path, u->target, sizeof(u->target));

	e = files_mkdirs(u->target, 1, failed, sizeof(failed));
	if (e)
		return upload_fail_os(c, e, failed);
	if (stat(u->target, &st) == 0 && S_ISDIR(st.st_mode))
		return upload_fail_os(c, EISDIR, path);

	dirlen = strrchr(u->target, '/') - u->target;
	if ((size_t)snprintf(u->tmp, sizeof(u->tmp), "%.*s/.handbox-upload-XXXXXX",
			     (int)dirlen, u->target) >= sizeof(u->tmp)) {
		u->tmp[0] = '\0';
		return upload_fail_os(c, ENAMETOOLONG, path);
	}
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0) {
		e = errno;
		u->tmp[0] = '\0';
		return upload_fail_os(c, e, path);
	}
	if (upload_set_mode(u) < 0)
		return upload_fail_os(c, errno, path);

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

static int upload_body(struct http_conn *c, const char *data, size_t len)
{
	struct upload *u = c->state;

	if (!u)
		return 0;
	if (lws_spa_process(u->spa, data, (int)len) < 0) {
		if (u->write_errno)
			return upload_fail_os(c, u->write_errno, u->target);
		return upload_fail(c, 422, "request body: form fields other than the \"file\" upload exceed 64 KiB (is \"file\" sent as a file part, with a filename?)");
	}
	return 0;
}

static int upload_body_end(struct http_conn *c)
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
	if (rc < 0 || rename(u->tmp, u->target) < 0)
		return upload_fail_os(c, errno, u->target);
	u->tmp[0] = '\0';
	upload_free(u);
	c->state = NULL;
	return http_reply_json(c, 200, json_pack("{s:b}", "success", 1)) ? -1 : 0;
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

static int download_request(struct http_conn *c)
{
	char path[PATH_MAX], err[PATH_MAX + 128], why[PATH_MAX + 128],
	     headers[3 * NAME_MAX + 128];
	struct download *d;
	struct stat st;
	const char *base;
	int status, fd;

	sandboxd_last_exec_us = now_us();
	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err) ? -1 : 0;
	if (stat(path, &st) < 0)
		return http_reply_error(c, 404, "File not found") ? -1 : 0;
	if (!S_ISREG(st.st_mode))
		return http_reply_error(c, 400, "Path is not a file") ? -1 : 0;
	/* O_NONBLOCK: a FIFO swapped in after the stat must not block us */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		py_oserror(why, sizeof(why), errno, path);
		return http_reply_error(c, 500, "Failed to download file: %s", why) ? -1 : 0;
	}
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
 * it has been read. */
static int mkdir_body_end(struct http_conn *c)
{
	char path[PATH_MAX], err[PATH_MAX + 128], failed[PATH_MAX],
	     why[PATH_MAX + 128];
	int status, e;

	sandboxd_last_exec_us = now_us();
	status = files_path_arg(c, "path", path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err) ? -1 : 0;
	e = files_mkdirs(path, 0, failed, sizeof(failed));
	if (!e)
		return http_reply_json(c, 200, json_pack("{s:b}", "success", 1)) ? -1 : 0;
	if (e == EEXIST || e == ENOTDIR)
		return http_reply_error(c, 400, "Path exists and is not a directory") ? -1 : 0;
	py_oserror(why, sizeof(why), e, failed);
	if (e == EACCES || e == EPERM)
		return http_reply_error(c, 403, "Permission denied: %s", why) ? -1 : 0;
	return http_reply_error(c, 500, "Failed to create directory: %s", why) ? -1 : 0;
}

const struct http_stream_ops files_mkdir_ops = {
	.on_body_end = mkdir_body_end,
};
