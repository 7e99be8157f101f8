/* file_api.c — sandboxd's file routes from the host, with libcurl; see
 * file_api.h.
 *
 * Nothing is held in memory whole: an upload is read from its descriptor
 * as curl sends it (a multipart body of known length), a download is
 * written to its descriptor as it arrives. Only JSON answers and error
 * bodies are kept, up to ANSWER_MAX bytes. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/client_conn.h"
#include "client/file_api.h"
#include "common/fdio.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

/* a listing of SANDBOXD_LIST_MAX entries with long paths stays below */
#define ANSWER_MAX (64u << 20)
#define URL_MAX (64u << 10)
#define STALL_S 120L             /* no byte either way for this long: give up */
#define DETAIL_SHOWN 512

int file_api_open(struct file_api *a, const struct sandbox_conn *c, char *err,
		  size_t errlen)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->conn = c;
	a->out_fd = a->in_fd = -1;
	buf_init(&a->url, URL_MAX);
	buf_init(&a->body, ANSWER_MAX);
	rc = client_conn_curl(c, &a->curl, &a->headers, a->curl_err, err, errlen);
	if (rc)
		return rc;
	curl_easy_setopt(a->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(a->curl, CURLOPT_LOW_SPEED_TIME, STALL_S);
	return 0;
}

void file_api_close(struct file_api *a)
{
	if (a->curl)
		curl_easy_cleanup(a->curl);
	curl_slist_free_all(a->headers);
	buf_free(&a->url);
	buf_free(&a->body);
	a->curl = NULL;
	a->headers = NULL;
}

/* --------------------------------------------------------------- requests */

/* base URL (without its trailing '/') + route + ?path=… + extra query */
static int build_url(struct file_api *a, const char *route, const char *path,
		     const char *query, char *err, size_t errlen)
{
	const char *base = a->conn->url;
	size_t bl = strlen(base);
	char *esc;
	int rc;

	while (bl && base[bl - 1] == '/')
		bl--;
	/* sandboxd's query parsing ends a value at a line break: the file
	 * would get another name */
	if (strpbrk(path, "\r\n"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "sandbox path \"%.200s\": holds a line break, which the "
			       "file routes cannot take", path);
	esc = curl_easy_escape(a->curl, path, 0);
	if (!esc)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	buf_reset(&a->url);
	rc = buf_printf(&a->url, "%.*s%s?path=%s%s", (int)bl, base, route, esc, query);
	curl_free(esc);
	if (rc)
		return hb_fail(err, errlen, rc, "sandbox path %.200s…: too long for a URL", path);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct file_api *a = arg;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
	if (a->out_buf && status == 200) {
		int rc = buf_append(a->out_buf, data, len);

		a->out_too_big = rc == HB_ETOOBIG;
		a->out_errno = rc && !a->out_too_big ? ENOMEM : 0;
		return rc ? 0 : len;
	}
	if (a->out_fd >= 0 && status == 200) {
		a->out_errno = fd_write_all(a->out_fd, data, len) ? errno : 0;
		return a->out_errno ? 0 : len;
	}
	if (buf_append(&a->body, data, len)) {
		a->body_too_big = true;
		return 0;
	}
	return len;
}

static size_t on_upload_read(char *data, size_t size, size_t n, void *arg)
{
	struct file_api *a = arg;
	size_t want = size * n;
	ssize_t got;

	if ((curl_off_t)want > a->in_left)
		want = (size_t)a->in_left;
	if (!want)
		return 0;
	do
		got = read(a->in_fd, data, want);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		a->in_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	if (got == 0) {
		a->in_short = true;
		return CURL_READFUNC_ABORT;
	}
	a->in_left -= got;
	return (size_t)got;
}

/* Runs the request set up on a->curl; what names the operation in
 * messages ("list", "upload to"…). Returns 0 for a 200 answer. */
static int perform(struct file_api *a, const char *what, const char *path,
		   const char *local, char *err, size_t errlen)
{
	char detail[DETAIL_SHOWN + 8];
	CURLcode cc;
	long status = 0;
	int rc;

	buf_reset(&a->body);
	a->body_too_big = false;
	a->out_errno = a->in_errno = 0;
	a->out_too_big = false;
	a->in_short = false;
	a->curl_err[0] = '\0';
	curl_easy_setopt(a->curl, CURLOPT_URL, a->url.data);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, a);
	cc = curl_easy_perform(a->curl);
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
	if (a->out_too_big)
		return hb_fail(err, errlen, HB_ETOOBIG, "%s %s: the file is over %zu bytes",
			       what, path, a->out_buf->limit);
	if (a->out_errno)
		return hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", local,
			       strerror(a->out_errno));
	if (a->in_errno)
		return hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", local,
			       strerror(a->in_errno));
	if (a->in_short)
		return hb_fail(err, errlen, HB_EIO, "%s: the file shrank while it was copied",
			       local);
	if (a->body_too_big)
		return hb_fail(err, errlen, HB_ETOOBIG, "%s %s: sandboxd's answer is over %u bytes",
			       what, path, ANSWER_MAX);
	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
		return hb_fail(err, errlen, HB_EIO, "sandboxd does not answer at %s: %s",
			       a->conn->url, a->curl_err[0] ? a->curl_err : curl_easy_strerror(cc));
	if (cc != CURLE_OK)
		return hb_fail(err, errlen, HB_EIO, "%s %s: %s", what, path,
			       a->curl_err[0] ? a->curl_err : curl_easy_strerror(cc));
	if (status == 200)
		return 0;
	client_conn_detail(&a->body, detail, sizeof(detail));
	switch (status) {
	case 401:
		return hb_fail(err, errlen, HB_EPERM, "the sandbox refused the session key");
	case 403:
		rc = HB_EPERM;
		break;
	case 404:
		rc = HB_ENOENT;
		break;
	case 400: case 409: case 422:
		rc = HB_EINVAL;
		break;
	default:
		rc = HB_EIO;
		break;
	}
	return hb_fail(err, errlen, rc, "%s %s: %s (HTTP %ld)", what, path, detail, status);
}

/* A GET whose JSON answer is returned in *out (json_decref() it). */
static int get_json(struct file_api *a, const char *route, const char *path,
		    const char *query, const char *what, json_t **out, char *err,
		    size_t errlen)
{
	json_error_t jerr;
	int rc;

	*out = NULL;
	if ((rc = build_url(a, route, path, query, err, errlen)))
		return rc;
	curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
	if ((rc = perform(a, what, path, NULL, err, errlen)))
		return rc;
	*out = json_loadb(a->body.data ? a->body.data : "", a->body.len, 0, &jerr);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return hb_fail(err, errlen, HB_EIO, "%s %s: sandboxd's answer is not a JSON "
			       "object (%s)", what, path, jerr.text);
	}
	return 0;
}

/* ------------------------------------------------------------------ routes */

bool file_api_entry(json_t *j, struct file_entry *e)
{
	static const char *const types[] = { "file", "dir", "symlink" };
	const char *t = json_string_value(json_object_get(j, "type"));
	json_t *mode = json_object_get(j, "mode");
	size_t i;

	if (!t || !json_is_integer(mode))
		return false;
	e->type = FILE_TYPE_OTHER;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			e->type = (enum file_type)i;
	e->mode = (unsigned)json_integer_value(mode) & 07777;
	e->size = json_is_integer(json_object_get(j, "size")) ?
		(long long)json_integer_value(json_object_get(j, "size")) : -1;
	return true;
}

int file_api_stat(struct file_api *a, const char *path, struct file_entry *e,
		  char *err, size_t errlen)
{
	json_t *j;
	int rc;

	rc = get_json(a, SANDBOXD_ROUTE_FILES_STAT, path, "", "stat", &j, err, errlen);
	if (rc)
		return rc;
	if (!file_api_entry(j, e))
		rc = hb_fail(err, errlen, HB_EIO, "stat %s: sandboxd's answer has no type or mode",
			     path);
	json_decref(j);
	return rc;
}

int file_api_list(struct file_api *a, const char *path, int limit, json_t **entries,
		  bool *truncated, char *err, size_t errlen)
{
	char query[32];
	json_t *j;
	int rc;

	*entries = NULL;
	snprintf(query, sizeof(query), "&limit=%d", limit);
	rc = get_json(a, SANDBOXD_ROUTE_FILES_LIST, path, query, "list", &j, err, errlen);
	if (rc)
		return rc;
	*entries = json_incref(json_object_get(j, "entries"));
	*truncated = json_is_true(json_object_get(j, "truncated"));
	json_decref(j);
	if (!json_is_array(*entries)) {
		json_decref(*entries);
		*entries = NULL;
		return hb_fail(err, errlen, HB_EIO, "list %s: sandboxd's answer has no entries",
			       path);
	}
	return 0;
}

int file_api_mkdir(struct file_api *a, const char *path, char *err, size_t errlen)
{
	int rc;

	if ((rc = build_url(a, SANDBOXD_ROUTE_FILE_MKDIR, path, "", err, errlen)))
		return rc;
	curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE, 0L);
	return perform(a, "create folder", path, NULL, err, errlen);
}

int file_api_upload(struct file_api *a, int fd, off_t size, const char *local,
		    const char *path, char *err, size_t errlen)
{
	const char *name = strrchr(path, '/');
	curl_mimepart *part;
	curl_mime *mime;
	int rc;

	if ((rc = build_url(a, SANDBOXD_ROUTE_FILE_UPLOAD, path, "", err, errlen)))
		return rc;
	mime = curl_mime_init(a->curl);
	part = mime ? curl_mime_addpart(mime) : NULL;
	if (!part || curl_mime_name(part, "file") ||
	    curl_mime_filename(part, name && name[1] ? name + 1 : "file") ||
	    curl_mime_type(part, "application/octet-stream") ||
	    curl_mime_data_cb(part, (curl_off_t)size, on_upload_read, NULL, NULL, a)) {
		curl_mime_free(mime);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	a->in_fd = fd;
	a->in_left = (curl_off_t)size;
	curl_easy_setopt(a->curl, CURLOPT_MIMEPOST, mime);
	rc = perform(a, "upload to", path, local, err, errlen);
	curl_easy_setopt(a->curl, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	a->in_fd = -1;
	return rc;
}

int file_api_download(struct file_api *a, const char *path, int fd, const char *local,
		      char *err, size_t errlen)
{
	int rc;

	if ((rc = build_url(a, SANDBOXD_ROUTE_FILE_DOWNLOAD, path, "", err, errlen)))
		return rc;
	curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
	a->out_fd = fd;
	rc = perform(a, "download", path, local, err, errlen);
	a->out_fd = -1;
	return rc;
}

int file_api_read_text(struct file_api *a, const char *path, struct buf *out,
		       char *err, size_t errlen)
{
	int rc;

	buf_reset(out);
	if ((rc = build_url(a, SANDBOXD_ROUTE_FILE_DOWNLOAD, path, "", err, errlen)))
		return rc;
	curl_easy_setopt(a->curl, CURLOPT_HTTPGET, 1L);
	a->out_buf = out;
	rc = perform(a, "download", path, "the download", err, errlen);
	a->out_buf = NULL;
	if (rc)
		buf_reset(out);
	return rc;
}

int file_api_write_text(struct file_api *a, const char *path, const char *data,
			size_t len, char *err, size_t errlen)
{
	int fd, rc;

	/* the upload route reads a descriptor; a memfd keeps the text off disk */
	fd = memfd_create("handbox-upload", MFD_CLOEXEC);
	if (fd < 0)
		return hb_fail(err, errlen, HB_EIO, "upload to %s: memfd_create: %s", path,
			       strerror(errno));
	if (fd_write_all(fd, data, len) || lseek(fd, 0, SEEK_SET) < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "upload to %s: cannot buffer the text: %s",
			     path, strerror(errno));
		close(fd);
		return rc;
	}
	rc = file_api_upload(a, fd, (off_t)len, "the text", path, err, errlen);
	close(fd);
	return rc;
}
