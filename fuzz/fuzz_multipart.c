/* fuzz_multipart.c — libFuzzer target for POST /api/file/upload: a
 * multipart/form-data body parsed by lws's form parser (lws_spa) and handled
 * by files.c's upload handler, behind sandboxd's own HTTP layer (net/http.c)
 * and route table.
 *
 * Nothing is copied or stubbed: an lws context like sandboxd's (no listening
 * socket) adopts one end of a socketpair per input, the other end writes
 * the request and reads the answer. The input is
 *
 *   byte 0        how many body bytes each write carries (0: all at once),
 *                 so that boundaries and headers arrive cut across reads
 *   then a line   the boundary named in Content-Type (up to '\n')
 *   the rest      the body
 *
 * Checked besides "no crash, no leak": the server answers every request
 * with 200, 400 or 422 and closes; after a 200 the file is there and no
 * bigger than the body; a body in the plain form of one upload (see
 * plain_upload) is accepted and the file holds exactly its data; whatever
 * the answer, no temporary file is left beside the target. A failed check aborts. See docs/testing.md.
 *
 * lws itself is not instrumented: libFuzzer is guided by the coverage of
 * handbox's code only, and ASan sees lws's memory errors only where they
 * pass through an intercepted call (memcpy, strlen…). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "fuzz_util.h"
#include "common/buf.h"
#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "sandboxd/routes.h"
#include "sandboxd/sandboxd.h"


#define BOUNDARY_MAX 400      /* past lws's own 205-byte header copy */
#define SERVICE_MAX 200000    /* lws_service rounds before a request is hung */

static struct lws_vhost *vhost;
static int verbose;           /* FUZZ_VERBOSE=1: print each answer's status */
static char dir[] = "/tmp/fuzz_multipart-XXXXXX";
static char target[sizeof(dir) + 16];

static void remove_dir(void)
{
	unlink(target);
	rmdir(dir);
}

/* No ".handbox-upload-*" left in dir: a failed upload leaves nothing. */
static int temporaries_left(void)
{
	char path[sizeof(dir) + 256];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	CHECK(dp);
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, ".handbox-upload-", 16)) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
			n++;
		}
	closedir(dp);
	return n;
}

/* When body is the plain form of one upload — the single "file" part,
 * its data free of the delimiter, then the closing boundary — points *data
 * at what the file must hold and returns 1. Kept to the forms every
 * client sends: a boundary of letters, digits, '-' and '_' (up to 64) and a
 * short filename. lws 4.1 reads a ';' as the end of a parameter even
 * inside quotes, and a part with an empty filename as a plain form field:
 * a filename that is empty or starts with ';' gets 422 ("no file"), so a
 * filename here has no ';'. */
static int plain_upload(const char *boundary, const uint8_t *body, size_t n,
			const uint8_t **data, size_t *len)
{
	static const char head[] = "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"";
	char delim[80], close[90];
	size_t blen = strlen(boundary), i, dlen, clen;
	const uint8_t *p = body, *end = body + n, *q;

	if (!blen || blen > 64)
		return 0;
	for (i = 0; i < blen; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
			    boundary[i]))
			return 0;
	if (n < 2 + blen || memcmp(p, "--", 2) || memcmp(p + 2, boundary, blen))
		return 0;
	p += 2 + blen;
	if ((size_t)(end - p) < sizeof(head) - 1 || memcmp(p, head, sizeof(head) - 1))
		return 0;
	p += sizeof(head) - 1;
	for (i = 0; p + i < end && p[i] != '"'; i++)
		if (i >= 32 || p[i] < 0x20 || p[i] > 0x7e || p[i] == ';')
			return 0;
	if (!i)
		return 0;
	p += i;
	if ((size_t)(end - p) < 5 || memcmp(p, "\"\r\n\r\n", 5))
		return 0;
	p += 5;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	clen = (size_t)snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);
	q = memmem(p, (size_t)(end - p), delim, dlen);
	if (!q || (size_t)(end - q) != clen || memcmp(q, close, clen))
		return 0;
	*data = p;
	*len = (size_t)(q - p);
	return 1;
}

/* The file at path holds exactly data[0..len). */
static int file_holds(const char *path, const uint8_t *data, size_t len)
{
	char got[4096];
	size_t off = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), same = 1;

	CHECK(fd >= 0);
	while ((n = read(fd, got, sizeof(got))) > 0) {
		if (off + (size_t)n > len || memcmp(got, data + off, (size_t)n))
			same = 0;
		off += (size_t)n;
	}
	CHECK(n == 0);
	close(fd);
	return same && off == len;
}

static void service(void)
{
	/* a negative timeout: poll without waiting */
	CHECK(lws_service(sandboxd_lws, -1) >= 0);
}

/* Sends req over an adopted socket, chunk bytes at a time past the headers
 * (hdrlen), and reads the whole answer into resp. */
static void exchange(const struct buf *req, size_t hdrlen, size_t chunk,
		     struct buf *resp)
{
	size_t off = 0, end;
	char in[4096];
	int sv[2], rounds = 0;
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(lws_adopt_socket_vhost(vhost, sv[1]));
	for (;;) {
		if (off < req->len) {
			end = off < hdrlen ? hdrlen : off + (chunk ? chunk : req->len);
			if (end > req->len)
				end = req->len;
			n = send(sv[0], req->data + off, end - off, MSG_NOSIGNAL);
			CHECK(n >= 0 || errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				off = req->len; /* answered early and closed */
		}
		service();
		n = read(sv[0], in, sizeof(in));
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		CHECK(n > 0 || errno == EAGAIN);
		if (n > 0)
			CHECK(buf_append(resp, in, (size_t)n) == 0);
		CHECK(++rounds < SERVICE_MAX);
	}
	close(sv[0]);
	service();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct lws_protocols *protocols[] = { &http_protocol, NULL };
	static char *no_keys[] = { NULL };
	struct lws_context_creation_info info;
	struct http_config hcfg;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	CHECK(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/f", dir);
	atexit(remove_dir);
	/* as sandboxd with the sandbox user's own uid: no identity switch */
	sandboxd_cfg.user.uid = geteuid();
	sandboxd_cfg.user.gid = getegid();
	snprintf(sandboxd_cfg.workdir, sizeof(sandboxd_cfg.workdir), "%s", dir);
	routes_http_config(&hcfg, no_keys);
	CHECK(http_server_init(&hcfg) == 0);
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.pprotocols = protocols;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.max_http_header_data = HTTP_HEADER_DATA_MAX;
	info.max_http_header_pool = 64;
	info.pt_serv_buf_size = 64 * 1024;
	info.timeout_secs = 30;
	sandboxd_lws = lws_create_context(&info);
	CHECK(sandboxd_lws);
	vhost = lws_create_vhost(sandboxd_lws, &info);
	CHECK(vhost);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl, *body, *want;
	struct buf req, resp;
	size_t blen, bodylen, hdrlen, i, wantlen;
	char boundary[BOUNDARY_MAX + 1];
	struct stat st;
	int status;

	if (size < 2)
		return 0;
	nl = memchr(data + 1, '\n', size - 1);
	if (!nl || nl == data + 1 || (size_t)(nl - data - 1) > BOUNDARY_MAX)
		return 0;
	blen = (size_t)(nl - data - 1);
	/* a header value: printable ASCII (lws refuses control bytes there) */
	for (i = 0; i < blen; i++) {
		if (data[1 + i] < 0x20 || data[1 + i] > 0x7e)
			return 0;
		boundary[i] = (char)data[1 + i];
	}
	boundary[blen] = '\0';
	body = nl + 1;
	bodylen = size - (size_t)(body - data);

	buf_init(&req, 0);
	buf_init(&resp, 0);
	CHECK(buf_printf(&req, "POST " SANDBOXD_ROUTE_FILE_UPLOAD "?path=%s HTTP/1.1\r\n"
			 "Host: sandbox\r\nConnection: close\r\n"
			 "Content-Type: multipart/form-data; boundary=%s\r\n"
			 "Content-Length: %zu\r\n\r\n", target, boundary, bodylen) == 0);
	hdrlen = req.len;
	CHECK(buf_append(&req, body, bodylen) == 0);
	exchange(&req, hdrlen, data[0], &resp);

	CHECK(resp.len > 12 && !strncmp(resp.data, "HTTP/1.1 ", 9));
	status = atoi(resp.data + 9);
	if (status != 200 && status != 400 && status != 422) {
		fprintf(stderr, "unexpected answer:\n%s\n", resp.data);
		CHECK(0);
	}
	if (verbose)
		fprintf(stderr, "fuzz_multipart: %.*s\n", (int)(strcspn(resp.data, "\r")), resp.data);
	if (plain_upload(boundary, body, bodylen, &want, &wantlen))
		CHECK(status == 200 && file_holds(target, want, wantlen));
	if (status == 200) {
		CHECK(stat(target, &st) == 0 && S_ISREG(st.st_mode));
		if (verbose)
			fprintf(stderr, "fuzz_multipart: the file has %lld bytes\n",
				(long long)st.st_size);
		CHECK((size_t)st.st_size <= bodylen);
	}
	CHECK(temporaries_left() == 0);
	unlink(target);
	buf_free(&req);
	buf_free(&resp);
	return 0;
}
