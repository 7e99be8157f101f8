/* image_build.c — sandbox images from Debian packages, streamed into the
 * Docker engine without a registry; see image_build.h.
 *
 * The sections below: small helpers, the Debian archive this machine uses,
 * child processes, the busybox image (composed with libarchive), the
 * bookworm image (mmdebstrap's tar stream, copied into the cache while it
 * flows to the engine), the engine calls, and the two entry points. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "runtime/docker.h"
#include "runtime/docker_api.h"
#include "runtime/image_build.h"

/* Bump when this file changes what an image holds in a way the recipe
 * inputs below do not show, so existing images are rebuilt. */
#define RECIPE_FORMAT "handbox image recipe 1"
#define RECIPE_LABEL "handbox.recipe"

#define PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BOOKWORM_PACKAGES \
	"bash,coreutils,python3,nodejs,npm,git,curl,ca-certificates,procps,passwd"

#define SANDBOX_UID 1000
#define BUSYBOX_MAX (32u << 20)       /* the executable, read into memory */
#define SOURCES_FILE_MAX (1u << 20)   /* one apt sources file */
#define CAPTURE_MAX (1u << 20)        /* a short child's output */
#define TAIL_KEEP 8192                /* mmdebstrap's stderr kept for errors */
#define TAIL_LINES 15
#define CACHE_KEEP 3                  /* rootfs tarballs kept */
#define SHORT_CHILD_MS (60 * 1000)    /* busybox --list-full and the like */
#define APT_DOWNLOAD_MS (5 * 60 * 1000)
#define MMDEBSTRAP_MS (60 * 60 * 1000)
#define REAP_MS (2 * 60 * 1000)       /* a child that closed its pipes */
#define CHECK_LOG_LINES 100           /* of the new image's check */

/* The child a build is running, for image_build_interrupt(), and the
 * signal that interrupted the build. */
static volatile sig_atomic_t child_pgid;
static volatile sig_atomic_t interrupted;

void image_build_interrupt(int sig)
{
	pid_t pg = child_pgid;

	interrupted = sig;
	if (pg > 0)
		kill(-pg, sig);
}

static int check_interrupted(char *err, size_t errlen)
{
	if (interrupted)
		return hb_fail(err, errlen, HB_EIO, "interrupted by signal %d (%s)",
			       (int)interrupted, strsignal(interrupted));
	return 0;
}

/* ------------------------------------------------------------ helpers */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const struct image_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct image_progress *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!p || !p->line)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->line(p->arg, line);
}

/* The first IMAGE_RECIPE_LEN hex digits of the SHA-1 of data. SHA-1 is the
 * digest the linked libraries export (libwebsockets); this is a cache key
 * and a change detector, not a signature. */
static void hash_hex(const void *data, size_t len, char out[IMAGE_RECIPE_LEN + 1])
{
	unsigned char md[20];
	int i;

	lws_SHA1(data, len, md);
	for (i = 0; i < IMAGE_RECIPE_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads path into b (NUL-terminated), failing past limit bytes. */
static int file_read(const char *path, struct buf *b, size_t limit)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return HB_EIO;
	buf_init(b, limit);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = HB_EIO;
			break;
		}
		if ((rc = buf_append(b, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	if (rc < 0)
		buf_free(b);
	return rc;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* The executable name found in $PATH, into out; 0 when found. */
static int find_in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH"), *p, *end;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		if (snprintf(out, outlen, "%.*s/%s", (int)(end - p), p, name) < (int)outlen &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* A growable array of strings, each malloc'd. */
struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *s, const char *str)
{
	char **nv;
	char *copy;

	if (s->n + 2 > s->cap) {
		nv = realloc(s->v, (s->cap ? s->cap * 2 : 16) * sizeof(*nv));
		if (!nv)
			return HB_ENOMEM;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 16;
	}
	if (!(copy = strdup(str)))
		return HB_ENOMEM;
	s->v[s->n++] = copy;
	s->v[s->n] = NULL;
	return 0;
}

static int strv_addf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int strv_addf(struct strv *s, const char *fmt, ...)
{
	char *str = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&str, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return HB_ENOMEM;
	rc = strv_add(s, str);
	free(str);
	return rc;
}

static int strv_has(const struct strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

static void strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts s and drops repeated strings. */
static void strv_sort_unique(struct strv *s)
{
	size_t i, j = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = 1; i < s->n; i++) {
		if (!strcmp(s->v[i], s->v[j]))
			free(s->v[i]);
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
	s->v[s->n] = NULL;
}

/* Every string of s followed by a newline, into b. */
static int strv_join(const struct strv *s, struct buf *b)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++)
		if ((rc = buf_printf(b, "%s\n", s->v[i])) < 0)
			return rc;
	return 0;
}

/* ----------------------------------- the Debian archive this machine uses */

static int suite_wanted(const char *suite)
{
	return !strcmp(suite, "bookworm") || !strcmp(suite, "bookworm-updates") ||
	       !strcmp(suite, "bookworm-security") || !strcmp(suite, "bookworm/updates");
}

/* One-line format: "deb [opts] URI SUITE COMPONENT...". */
static int sources_parse_lines(char *text, struct strv *out)
{
	char *save = NULL, *line, *tok[64], *tsave, *hash;
	struct buf entry;
	int n, i, k, rc;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		n = 0;
		for (tok[n] = strtok_r(line, " \t\r", &tsave); tok[n] && n < 63;
		     tok[++n] = strtok_r(NULL, " \t\r", &tsave))
			;
		if (n < 4 || strcmp(tok[0], "deb"))
			continue;
		i = 1;
		if (tok[1][0] == '[') {
			while (i < n && tok[i][strlen(tok[i]) - 1] != ']')
				i++;
			i++;
		}
		if (i + 2 >= n || !suite_wanted(tok[i + 1]))
			continue;
		buf_init(&entry, 4096);
		rc = buf_printf(&entry, "deb %s %s", tok[i], tok[i + 1]);
		for (k = i + 2; rc == 0 && k < n; k++)
			rc = buf_printf(&entry, " %s", tok[k]);
		if (rc == 0)
			rc = strv_add(out, entry.data);
		buf_free(&entry);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct stanza {
	char types[256], uris[2048], suites[512], comps[256], enabled[16];
	char *field;     /* the value continuation lines extend, or NULL */
	size_t fieldlen;
};

static int word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return 1;
		p += n;
	}
	return 0;
}

static int stanza_flush(struct stanza *st, struct strv *out)
{
	char uris[sizeof(st->uris)], suites[sizeof(st->suites)];
	char *us = NULL, *ss = NULL, *u, *s;
	int rc = 0;

	if (word_in(st->types, "deb") && *st->uris && *st->suites && *st->comps &&
	    strcasecmp(st->enabled, "no")) {
		memcpy(uris, st->uris, sizeof(uris));
		for (u = strtok_r(uris, " \t", &us); u && !rc; u = strtok_r(NULL, " \t", &us)) {
			memcpy(suites, st->suites, sizeof(suites));
			for (s = strtok_r(suites, " \t", &ss); s && !rc; s = strtok_r(NULL, " \t", &ss))
				if (suite_wanted(s))
					rc = strv_addf(out, "deb %s %s %s", u, s, st->comps);
		}
	}
	memset(st, 0, sizeof(*st));
	return rc;
}

static void field_set(struct stanza *st, char *dst, size_t dstlen, const char *value)
{
	snprintf(dst, dstlen, "%s", value);
	st->field = dst;
	st->fieldlen = dstlen;
}

/* deb822 format (.sources): stanzas of "Key: value" lines, separated by
 * blank lines; a line starting with a blank continues the field above. */
static int sources_parse_deb822(char *text, struct strv *out)
{
	struct stanza st;
	char *line, *next, *colon, *v, *e;
	size_t used;
	int rc;

	memset(&st, 0, sizeof(st));
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if ((e = strchr(line, '\r')))
			*e = '\0';
		for (v = line; *v == ' ' || *v == '\t'; v++)
			;
		if (!*v) {
			if ((rc = stanza_flush(&st, out)) < 0)
				return rc;
			continue;
		}
		if (*line == '#')
			continue;
		if (v != line) {
			if (st.field && *v != '.' && (used = strlen(st.field)) + 1 < st.fieldlen)
				snprintf(st.field + used, st.fieldlen - used, " %s", v);
			continue;
		}
		st.field = NULL;
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!strcasecmp(line, "Types"))
			field_set(&st, st.types, sizeof(st.types), v);
		else if (!strcasecmp(line, "URIs"))
			field_set(&st, st.uris, sizeof(st.uris), v);
		else if (!strcasecmp(line, "Suites"))
			field_set(&st, st.suites, sizeof(st.suites), v);
		else if (!strcasecmp(line, "Components"))
			field_set(&st, st.comps, sizeof(st.comps), v);
		else if (!strcasecmp(line, "Enabled"))
			field_set(&st, st.enabled, sizeof(st.enabled), v);
	}
	return stanza_flush(&st, out);
}

static int sources_file(const char *path, int deb822, struct strv *out)
{
	struct buf b;
	int rc;

	if (file_read(path, &b, SOURCES_FILE_MAX) < 0)
		return 0;  /* unreadable or gone: apt would not use it either */
	if (!b.data) {
		buf_free(&b);
		return 0;
	}
	rc = deb822 ? sources_parse_deb822(b.data, out) : sources_parse_lines(b.data, out);
	buf_free(&b);
	return rc;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The "deb URI SUITE COMPONENTS" lines of the Debian bookworm archive:
 * HANDBOX_DEBIAN_MIRROR (and HANDBOX_DEBIAN_SECURITY_MIRROR) when set,
 * else the bookworm entries of /etc/apt/sources.list(.d), in either format. */
static int debian_sources(struct strv *out, char *err, size_t errlen)
{
	const char *mirror = getenv("HANDBOX_DEBIAN_MIRROR");
	const char *security = getenv("HANDBOX_DEBIAN_SECURITY_MIRROR");
	const char *dir = "/etc/apt/sources.list.d";
	struct dirent **names = NULL;
	char path[PATH_MAX];
	int i, n, rc = 0;

	if (mirror && *mirror) {
		if ((rc = strv_addf(out, "deb %s bookworm main", mirror)) < 0 ||
		    (rc = strv_addf(out, "deb %s bookworm-updates main", mirror)) < 0)
			return rc;
		if (security && *security &&
		    (rc = strv_addf(out, "deb %s bookworm-security main", security)) < 0)
			return rc;
		return 0;
	}
	if ((rc = sources_file("/etc/apt/sources.list", 0, out)) < 0)
		return rc;
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		int deb822 = ends_with(name, ".sources");

		if (!rc && (deb822 || ends_with(name, ".list")) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path))
			rc = sources_file(path, deb822, out);
		free(names[i]);
	}
	free(names);
	if (rc < 0)
		return rc;
	strv_sort_unique(out);
	if (!out->n)
		return hb_fail(err, errlen, HB_ENOENT,
			       "no Debian bookworm archive in /etc/apt/sources.list(.d): "
			       "set HANDBOX_DEBIAN_MIRROR=http://deb.debian.org/debian");
	return 0;
}

/* ---------------------------------------------------- child processes */

struct child {
	pid_t pid;
	int out, err;   /* read ends of its stdout and stderr; -1 once closed */
};

static void status_text(int status, char *s, size_t n)
{
	if (WIFEXITED(status))
		snprintf(s, n, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(s, n, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(s, n, "ended with wait status %d", status);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Starts argv (exe is its path, or NULL to run the executable open as
 * exec_fd) with stdin on /dev/null and stdout and stderr on pipes, in a
 * process group of its own that image_build_interrupt() signals. cwd may
 * be NULL. The caller reaps it with child_reap(). */
static int child_start(struct child *c, const char *exe, int exec_fd,
		       char *const argv[], const char *cwd, char *err, size_t errlen)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, st[2] = { -1, -1 };
	int e = 0, nul;
	ssize_t n;

	c->pid = -1;
	c->out = c->err = -1;
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(st, O_CLOEXEC)) {
		e = errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		e = errno;
		goto fail;
	}
	if (c->pid == 0) {
		/* Only async-signal-safe calls until exec: we may have threads. */
		setpgid(0, 0);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(outp[1], 1) < 0 ||
		    dup2(errp[1], 2) < 0 || (cwd && chdir(cwd) < 0) ||
		    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
			e = errno;
		} else {
			if (exe)
				execv(exe, argv);
			else
				fexecve(exec_fd, argv, environ);
			e = errno;
		}
		n = write(st[1], &e, sizeof(e));
		(void)n;
		_exit(127);
	}
	setpgid(c->pid, c->pid);
	child_pgid = c->pid;
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&st[1]);
	do
		n = read(st[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close_fd(&st[0]);
	if (n == sizeof(e)) {
		waitpid(c->pid, NULL, 0);
		child_pgid = 0;
		c->pid = -1;
		goto fail;
	}
	c->out = outp[0];
	c->err = errp[0];
	return 0;
fail:
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&st[0]);
	close_fd(&st[1]);
	return hb_fail(err, errlen, HB_EIO, "cannot run %s: %s", argv[0], strerror(e));
}

/* Closes c's pipes and reaps it, killing its process group when it is
 * still there after timeout_ms. *status gets its wait status. */
static int child_reap(struct child *c, int timeout_ms, int *status)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	pid_t r;

	close_fd(&c->out);
	close_fd(&c->err);
	if (c->pid <= 0)
		return HB_EINVAL;
	for (;;) {
		r = waitpid(c->pid, status, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		if (now_s() > deadline) {
			kill(-c->pid, SIGKILL);
			r = waitpid(c->pid, status, 0);
			break;
		}
		usleep(20 * 1000);
	}
	child_pgid = 0;
	c->pid = -1;
	return r < 0 ? HB_EIO : 0;
}

/* Runs argv to its end (at most timeout_ms), collecting its stdout and
 * stderr, each up to CAPTURE_MAX bytes (the rest is read and dropped). */
static int child_run(const char *exe, int exec_fd, char *const argv[], const char *cwd,
		     int timeout_ms, struct buf *out, struct buf *errout, int *status,
		     char *err, size_t errlen)
{
	struct child c;
	struct pollfd pf[2];
	char chunk[16384];
	double deadline = now_s() + timeout_ms / 1000.0;
	ssize_t n;
	int rc, i, wait_ms;

	buf_init(out, CAPTURE_MAX);
	buf_init(errout, CAPTURE_MAX);
	if ((rc = child_start(&c, exe, exec_fd, argv, cwd, err, errlen)) < 0)
		return rc;
	while (c.out >= 0 || c.err >= 0) {
		wait_ms = (int)((deadline - now_s()) * 1000);
		if (wait_ms <= 0) {
			kill(-c.pid, SIGKILL);
			child_reap(&c, REAP_MS, status);
			buf_free(out);
			buf_free(errout);
			return hb_fail(err, errlen, HB_EIO, "%s took more than %d s: killed",
				       argv[0], timeout_ms / 1000);
		}
		pf[0] = (struct pollfd){ .fd = c.out, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = c.err, .events = POLLIN };
		if (poll(pf, 2, wait_ms) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				close_fd(i == 0 ? &c.out : &c.err);
			else
				buf_append(i == 0 ? out : errout, chunk, (size_t)n);
		}
	}
	return child_reap(&c, REAP_MS, status) < 0
		? hb_fail(err, errlen, HB_EIO, "waiting for %s: %s", argv[0], strerror(errno))
		: 0;
}

/* The last `lines` lines of text, each indented, into out. */
static void text_tail(const char *text, size_t len, int lines, char *out, size_t outlen)
{
	const char *p = text + len, *start;
	int n = 0;
	size_t used = 0;

	while (p > text && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	start = p;
	while (start > text && n < lines) {
		start--;
		if (*start == '\n' && ++n == lines) {
			start++;
			break;
		}
	}
	*out = '\0';
	while (start < p && used + 8 < outlen) {
		const char *nl = memchr(start, '\n', (size_t)(p - start));
		size_t l = nl ? (size_t)(nl - start) : (size_t)(p - start);
		int w = snprintf(out + used, outlen - used, "\n  | %.*s", (int)l, start);

		if (w < 0)
			break;
		used += (size_t)w < outlen - used ? (size_t)w : outlen - used - 1;
		start += l + (nl ? 1 : 0);
	}
}

/* ------------------------------------------------------- busybox image */

struct busybox {
	struct buf bin;          /* the executable */
	int memfd;               /* the same, to run it: a file with no name */
	char version[128];       /* "v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)" */
	char origin[PATH_MAX + 64];
	struct strv applets;     /* "bin/sh", "usr/bin/env"… */
};

static void busybox_free(struct busybox *bb)
{
	buf_free(&bb->bin);
	close_fd(&bb->memfd);
	strv_free(&bb->applets);
}

/* 1 when data is a 64-bit ELF executable of this machine's byte order
 * with no program interpreter: a static executable that runs in any image
 * (Debian's plain busybox package installs a glibc-linked /bin/busybox). */
static int elf_is_static(const unsigned char *data, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)data;
	const Elf64_Phdr *ph;
	size_t i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				     ? ELFDATA2LSB : ELFDATA2MSB) ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(*ph))
		return 0;
	ph = (const void *)(data + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return 0;
	return 1;
}

/* Reads libarchive's inner archive (data.tar.* of a .deb) from the outer
 * one's current entry. */
struct nested {
	struct archive *outer;
	char block[65536];
};

static la_ssize_t nested_read(struct archive *a, void *arg, const void **data)
{
	struct nested *n = arg;

	(void)a;
	*data = n->block;
	return archive_read_data(n->outer, n->block, sizeof(n->block));
}

/* ./bin/busybox of the .deb at path, into bb->bin. */
static int deb_busybox(const char *path, struct busybox *bb, char *err, size_t errlen)
{
	struct archive *outer = archive_read_new(), *inner = NULL;
	struct archive_entry *e;
	struct nested *nest = malloc(sizeof(*nest));
	char chunk[65536];
	la_ssize_t n;
	int rc = HB_ENOENT, found = 0;

	if (!outer || !nest) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_format_ar(outer);
	if (archive_read_open_filename(outer, path, 65536) != ARCHIVE_OK) {
		rc = hb_fail(err, errlen, HB_EIO, "%s: %s", path, archive_error_string(outer));
		goto out;
	}
	while (!found && archive_read_next_header(outer, &e) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		nest->outer = outer;
		inner = archive_read_new();
		if (!inner) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			goto out;
		}
		archive_read_support_filter_all(inner);
		archive_read_support_format_tar(inner);
		if (archive_read_open(inner, nest, NULL, nested_read, NULL) != ARCHIVE_OK)
			break;
		while (archive_read_next_header(inner, &e) == ARCHIVE_OK) {
			if (strcmp(archive_entry_pathname(e), "./bin/busybox"))
				continue;
			buf_init(&bb->bin, BUSYBOX_MAX);
			while ((n = archive_read_data(inner, chunk, sizeof(chunk))) > 0)
				if (buf_append(&bb->bin, chunk, (size_t)n) < 0)
					break;
			found = n == 0 && bb->bin.len > 0;
			break;
		}
	}
	if (found) {
		rc = 0;
	} else {
		buf_free(&bb->bin);
		rc = hb_fail(err, errlen, HB_EIO, "%s: no ./bin/busybox in it (%s)", path,
			     inner && archive_error_string(inner) ? archive_error_string(inner)
			     : "not a busybox-static package");
	}
out:
	if (inner)
		archive_read_free(inner);
	if (outer)
		archive_read_free(outer);
	free(nest);
	return rc;
}

/* The newest busybox-static_*.deb in dir, into path; 0 when there is one. */
static int newest_deb(const char *dir, char *path, size_t pathlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX];
	time_t best = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "busybox-static_", 15) || !ends_with(de->d_name, ".deb") ||
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p) ||
		    stat(p, &st) || st.st_mtime <= best)
			continue;
		best = st.st_mtime;
		snprintf(path, pathlen, "%s", p);
	}
	closedir(d);
	return best < 0 ? -1 : 0;
}

/* Debian's busybox-static: /bin/busybox when that is a static executable
 * (the package is installed), else the one in the package's .deb, fetched
 * with apt-get download into CACHE/debs once. */
static int busybox_find(struct busybox *bb, const char *cache,
			const struct image_progress *pr, char *err, size_t errlen)
{
	char dir[PATH_MAX], deb[PATH_MAX], apt[PATH_MAX], tail[2048];
	char *argv[] = { "apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
			 "busybox-static", NULL };
	struct buf out, errout;
	int rc, status;

	if (file_read("/bin/busybox", &bb->bin, BUSYBOX_MAX) == 0 &&
	    elf_is_static((const unsigned char *)bb->bin.data, bb->bin.len)) {
		snprintf(bb->origin, sizeof(bb->origin), "/bin/busybox (package busybox-static)");
		return 0;
	}
	buf_free(&bb->bin);
	if (snprintf(dir, sizeof(dir), "%s/debs", cache) >= (int)sizeof(dir))
		return hb_fail(err, errlen, HB_EINVAL, "cache directory path too long");
	if (newest_deb(dir, deb, sizeof(deb)) < 0) {
		say(pr, "no static /bin/busybox (package busybox-static is not installed): "
		    "fetching busybox-static with apt-get download");
		if (mkdir_p(dir) < 0)
			return hb_fail(err, errlen, HB_EIO, "cannot create %s: %s", dir,
				       strerror(errno));
		if (find_in_path("apt-get", apt, sizeof(apt)) < 0)
			return hb_fail(err, errlen, HB_ENOENT,
				       "no static busybox: apt-get install busybox-static");
		rc = child_run(apt, -1, argv, dir, APT_DOWNLOAD_MS, &out, &errout, &status,
			       err, errlen);
		if (rc == 0 && (status != 0 || newest_deb(dir, deb, sizeof(deb)) < 0)) {
			text_tail(errout.data ? errout.data : "", errout.len, 5, tail, sizeof(tail));
			rc = hb_fail(err, errlen, HB_EIO,
				     "apt-get download busybox-static failed (apt-get update first, "
				     "or apt-get install busybox-static):%s", tail);
		}
		buf_free(&out);
		buf_free(&errout);
		if (rc < 0)
			return rc;
	}
	if ((rc = deb_busybox(deb, bb, err, errlen)) < 0)
		return rc;
	if (!elf_is_static((const unsigned char *)bb->bin.data, bb->bin.len)) {
		buf_free(&bb->bin);
		return hb_fail(err, errlen, HB_EINVAL, "%s: its busybox is not a static executable",
			       deb);
	}
	snprintf(bb->origin, sizeof(bb->origin), "%s", deb);
	return 0;
}

static int applet_path_ok(const char *p)
{
	if (!*p || *p == '/' || strstr(p, "..") || !strchr(p, '/'))
		return 0;
	for (; *p; p++)
		if (!(*p == '/' || *p == '.' || *p == '_' || *p == '-' || *p == '[' ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Runs the busybox found (from memory) for its applet list and version. */
static int busybox_inspect(struct busybox *bb, char *err, size_t errlen)
{
	char *list_argv[] = { "busybox", "--list-full", NULL };
	char *help_argv[] = { "busybox", "--help", NULL };
	struct buf out, errout;
	char *line, *save = NULL, *v, *end;
	int rc, status;

	bb->memfd = memfd_create("busybox", MFD_CLOEXEC);
	if (bb->memfd < 0 || write_all(bb->memfd, bb->bin.data, bb->bin.len) < 0)
		return hb_fail(err, errlen, HB_EIO, "memfd for busybox: %s", strerror(errno));
	rc = child_run(NULL, bb->memfd, list_argv, NULL, SHORT_CHILD_MS, &out, &errout,
		       &status, err, errlen);
	if (rc < 0)
		return rc;
	for (line = out.data ? strtok_r(out.data, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		if (applet_path_ok(line) && strcmp(line, "bin/busybox"))
			rc = strv_add(&bb->applets, line);
	buf_free(&out);
	buf_free(&errout);
	if (rc < 0)
		return rc;
	if (status != 0 || !strv_has(&bb->applets, "bin/sh"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: `busybox --list-full` names no bin/sh applet (%zu applets)",
			       bb->origin, bb->applets.n);
	rc = child_run(NULL, bb->memfd, help_argv, NULL, SHORT_CHILD_MS, &out, &errout,
		       &status, err, errlen);
	if (rc < 0)
		return rc;
	/* "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary." */
	v = out.data ? out.data : "";
	if (!strncmp(v, "BusyBox ", 8))
		v += 8;
	end = strstr(v, " multi-call");
	if (!end)
		end = v + strcspn(v, "\n");
	snprintf(bb->version, sizeof(bb->version), "%.*s", (int)(end - v), v);
	for (v = bb->version; *v; v++)
		if (*v == '"' || *v == '\\' || (unsigned char)*v < ' ')
			*v = '_';
	buf_free(&out);
	buf_free(&errout);
	return 0;
}

struct tar_dir {
	const char *path;
	unsigned mode;
	unsigned owner;
};

/* The busybox image's directories and files besides busybox itself. */
static const struct tar_dir busybox_dirs[] = {
	{ "bin", 0755, 0 }, { "dev", 0755, 0 }, { "etc", 0755, 0 },
	{ "home", 0755, 0 }, { "home/user", 0755, SANDBOX_UID }, { "proc", 0755, 0 },
	{ "root", 0700, 0 }, { "sbin", 0755, 0 }, { "sys", 0755, 0 },
	{ "tmp", 01777, 0 }, { "usr", 0755, 0 }, { "usr/bin", 0755, 0 },
	{ "usr/sbin", 0755, 0 }, { "workspace", 0755, SANDBOX_UID },
};
static const char busybox_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"user:x:1000:1000:user:/home/user:/bin/sh\n";
static const char busybox_group[] =
	"root:x:0:\n"
	"user:x:1000:\n";

static int tar_add(struct archive *a, const char *path, unsigned type, unsigned mode,
		   unsigned owner, const char *link, const void *data, size_t len,
		   time_t mtime, char *err, size_t errlen)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, owner);
	archive_entry_set_gid(e, owner);
	archive_entry_set_mtime(e, mtime, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = hb_fail(err, errlen, HB_EIO, "tar entry %s: %s", path,
			     archive_error_string(a));
	archive_entry_free(e);
	return rc;
}

/* Writes the busybox rootfs as a tar stream into fd (a memfd: no file on
 * disk, no rootfs directory). */
static int busybox_tar(const struct busybox *bb, int fd, char *err, size_t errlen)
{
	struct archive *a = archive_write_new();
	struct strv dirs = { 0 };
	char dir[PATH_MAX], *slash;
	time_t now = time(NULL);
	size_t i;
	int rc = 0;

	if (!a)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		rc = hb_fail(err, errlen, HB_EIO, "tar stream: %s", archive_error_string(a));
		goto out;
	}
	for (i = 0; !rc && i < sizeof(busybox_dirs) / sizeof(*busybox_dirs); i++) {
		rc = tar_add(a, busybox_dirs[i].path, AE_IFDIR, busybox_dirs[i].mode,
			     busybox_dirs[i].owner, NULL, NULL, 0, now, err, errlen);
		if (!rc)
			rc = strv_add(&dirs, busybox_dirs[i].path);
	}
	/* Any other directory an applet lives in (none with Debian's build). */
	for (i = 0; !rc && i < bb->applets.n; i++) {
		snprintf(dir, sizeof(dir), "%s", bb->applets.v[i]);
		for (slash = strchr(dir, '/'); !rc && slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			if (!strv_has(&dirs, dir) &&
			    !(rc = tar_add(a, dir, AE_IFDIR, 0755, 0, NULL, NULL, 0, now,
					   err, errlen)))
				rc = strv_add(&dirs, dir);
			*slash = '/';
		}
	}
	if (!rc)
		rc = tar_add(a, "bin/busybox", AE_IFREG, 0755, 0, NULL, bb->bin.data,
			     bb->bin.len, now, err, errlen);
	for (i = 0; !rc && i < bb->applets.n; i++)
		rc = tar_add(a, bb->applets.v[i], AE_IFLNK, 0777, 0, "/bin/busybox", NULL, 0,
			     now, err, errlen);
	if (!rc)
		rc = tar_add(a, "etc/passwd", AE_IFREG, 0644, 0, NULL, busybox_passwd,
			     strlen(busybox_passwd), now, err, errlen);
	if (!rc)
		rc = tar_add(a, "etc/group", AE_IFREG, 0644, 0, NULL, busybox_group,
			     strlen(busybox_group), now, err, errlen);
	if (!rc && archive_write_close(a) != ARCHIVE_OK)
		rc = hb_fail(err, errlen, HB_EIO, "tar stream: %s", archive_error_string(a));
out:
	archive_write_free(a);
	strv_free(&dirs);
	return rc;
}

/* What shapes the busybox image besides the import instructions: the
 * executable itself and the layout above. */
static int busybox_recipe_input(const struct busybox *bb, struct buf *b)
{
	char digest[IMAGE_RECIPE_LEN + 1];
	size_t i;
	int rc;

	hash_hex(bb->bin.data, bb->bin.len, digest);
	rc = buf_printf(b, "busybox %s\n%s%s", digest, busybox_passwd, busybox_group);
	for (i = 0; !rc && i < sizeof(busybox_dirs) / sizeof(*busybox_dirs); i++)
		rc = buf_printf(b, "%s %o %u\n", busybox_dirs[i].path, busybox_dirs[i].mode,
				busybox_dirs[i].owner);
	return rc ? rc : strv_join(&bb->applets, b);
}

/* ------------------------------------------------------ bookworm image */

/* mmdebstrap's arguments after the program name; they and the sources are
 * all that shapes the rootfs, so their hash keys the cached tarball. */
static int mmdebstrap_args(struct strv *args)
{
	static const char *const fixed[] = {
		"--variant=apt", "--format=tar",
		"--include=" BOOKWORM_PACKAGES,
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
		"--customize-hook=chroot \"$1\" useradd --create-home --uid 1000 "
		"--user-group --shell /bin/bash user",
		"--customize-hook=install -d -m 0755 -o 1000 -g 1000 \"$1/workspace\"",
		"--customize-hook=rm -f \"$1/etc/hostname\" \"$1/etc/resolv.conf\"",
		"bookworm", "-",
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		if ((rc = strv_add(args, fixed[i])) < 0)
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
	if (file_read("/proc/sys/kernel/unprivileged_userns_clone", &b, 64) == 0) {
		ok = !(b.data && b.data[0] == '0');
		buf_free(&b);
	}
	if (ok && file_read("/proc/sys/user/max_user_namespaces", &b, 64) == 0) {
		ok = !(b.data && b.data[0] == '0' && (b.data[1] == '\n' || !b.data[1]));
		buf_free(&b);
	}
	if (ok) {
		ok = 0;
		snprintf(want, sizeof(want), "\n%s:", name);
		if (file_read("/etc/subuid", &b, SOURCES_FILE_MAX) == 0) {
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

/* Copies mmdebstrap's stdout into the cache file and into the pipe the
 * engine reads, and keeps the tail of its stderr; runs on its own thread
 * while the caller's thread is busy uploading. */
struct pump {
	struct child *ch;
	int cache_fd;            /* borrowed; -1 after a write error */
	int up_fd;               /* owned: the engine's end; -1 once closed */
	const struct image_progress *progress;
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
	/* mmdebstrap's "I: running apt-get update..." lines are its phases. */
	if (len > 3 && (line[0] == 'I' || line[0] == 'W' || line[0] == 'E') &&
	    line[1] == ':' && line[2] == ' ')
		say(p->progress, "mmdebstrap: %.*s", (int)len, line);
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
	if (p->cache_fd >= 0 && write_all(p->cache_fd, data, len) < 0) {
		p->cache_errno = errno;
		p->cache_fd = -1;
	}
	/* The engine stopped reading (it failed): the cache still gets all. */
	if (p->up_fd >= 0 && write_all(p->up_fd, data, len) < 0)
		close_fd(&p->up_fd);
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
		wait_ms = (int)((p->deadline - now_s()) * 1000);
		if (wait_ms <= 0) {
			if (p->timed_out)
				break;
			kill(-p->ch->pid, SIGKILL);
			p->timed_out = 1;
			p->deadline = now_s() + 10;
			continue;
		}
		pf[0] = (struct pollfd){ .fd = p->ch->out, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = p->ch->err, .events = POLLIN };
		if (poll(pf, 2, wait_ms) < 0 && errno != EINTR)
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
				close_fd(&p->ch->out);
				close_fd(&p->up_fd);   /* the end of the tar stream */
				pump_started(p, 0);
			} else {
				close_fd(&p->ch->err);
			}
		}
	}
	if (p->line.len)
		pump_stderr_line(p, p->line.data, p->line.len);
	close_fd(&p->up_fd);
	pump_started(p, 0);
	free(chunk);
	return NULL;
}

/* ------------------------------------------------------ engine calls */

struct image_info {
	int exists;
	char id[IMAGE_ID_MAX];
	long long size;
	char recipe[64];
};

static int image_inspect(struct docker_api *api, const char *name, struct image_info *info,
			 char *err, size_t errlen)
{
	struct docker_reply r;
	char path[512];
	const char *s;
	int rc;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "/images/%s/json", name);
	if ((rc = docker_api_call(api, "GET", path, NULL, &r, err, errlen)) < 0)
		return rc;
	if (r.status == 404) {
		docker_reply_free(&r);
		return 0;
	}
	if (r.status != 200 || !r.json) {
		rc = docker_fail(&r, err, errlen, "inspecting image %s", name);
		docker_reply_free(&r);
		return rc;
	}
	info->exists = 1;
	snprintf(info->id, sizeof(info->id), "%s",
		 json_string_value(json_object_get(r.json, "Id")) ?: "");
	info->size = json_integer_value(json_object_get(r.json, "Size"));
	s = json_string_value(json_object_get(
		json_object_get(json_object_get(r.json, "Config"), "Labels"), RECIPE_LABEL));
	snprintf(info->recipe, sizeof(info->recipe), "%s", s ? s : "");
	docker_reply_free(&r);
	return 0;
}

/* POST /images/create?fromSrc=- with the tar stream from fd as the body:
 * an untagged image, whose id goes into id. */
static int engine_import(struct docker_api *api, int fd, const struct strv *changes,
			 const char *message, char id[IMAGE_ID_MAX], char *err, size_t errlen)
{
	struct docker_reply r = { 0 };
	struct buf path;
	char *esc, *line, *save = NULL;
	const char *s;
	json_t *j;
	size_t i;
	int rc = 0;

	*id = '\0';
	buf_init(&path, 64 * 1024);
	rc = buf_printf(&path, "/images/create?fromSrc=-");
	for (i = 0; !rc && i <= changes->n; i++) {
		esc = docker_escape(api, i < changes->n ? changes->v[i] : message);
		rc = !esc ? HB_ENOMEM
			  : buf_printf(&path, "&%s=%s", i < changes->n ? "changes" : "message", esc);
		free(esc);
	}
	if (rc < 0) {
		buf_free(&path);
		return hb_fail(err, errlen, rc, "the import instructions are too long");
	}
	rc = docker_api_upload_fd(api, "POST", path.data, fd, &r, err, errlen);
	buf_free(&path);
	if (rc < 0)
		return rc;
	if (r.status != 200) {
		rc = docker_fail(&r, err, errlen, "the Docker engine refused the image");
		docker_reply_free(&r);
		return rc;
	}
	/* The reply is a stream of JSON objects, one a line: progress, then
	 * {"status":"sha256:…"}, or {"error":…} when the import failed. */
	for (line = strtok_r(r.body, "\r\n", &save); line && !rc;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (!(j = json_loads(line, 0, NULL)))
			continue;
		if ((s = json_string_value(json_object_get(j, "error"))))
			rc = hb_fail(err, errlen, HB_EIO, "the Docker engine could not import "
				     "the image: %s", s);
		else if ((s = json_string_value(json_object_get(j, "status"))) &&
			 !strncmp(s, "sha256:", 7))
			snprintf(id, IMAGE_ID_MAX, "%s", s);
		json_decref(j);
	}
	docker_reply_free(&r);
	if (!rc && !*id)
		rc = hb_fail(err, errlen, HB_EIO, "the Docker engine's import reply named no image");
	return rc;
}

/* Splits "repo[:tag]" at the tag's colon (a registry's port comes before a
 * slash), "latest" when there is none. */
static void tag_split(const char *ref, char *repo, size_t repolen, char *tag, size_t taglen)
{
	const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');

	if (colon && (!slash || colon > slash)) {
		snprintf(repo, repolen, "%.*s", (int)(colon - ref), ref);
		snprintf(tag, taglen, "%s", colon + 1);
	} else {
		snprintf(repo, repolen, "%s", ref);
		snprintf(tag, taglen, "latest");
	}
}

static int engine_tag(struct docker_api *api, const char *id, const char *ref,
		      char *err, size_t errlen)
{
	struct docker_reply r;
	char repo[256], tag[160], path[1024];
	char *erepo, *etag;
	int rc;

	tag_split(ref, repo, sizeof(repo), tag, sizeof(tag));
	erepo = docker_escape(api, repo);
	etag = docker_escape(api, tag);
	if (!erepo || !etag) {
		free(erepo);
		free(etag);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "/images/%s/tag?repo=%s&tag=%s", id, erepo, etag);
	free(erepo);
	free(etag);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		return rc;
	if (r.status != 201 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "tagging %s as %s", id, ref);
	docker_reply_free(&r);
	return rc;
}

/* Removes image id, unless a container uses it; what happened goes to the
 * progress lines, nothing fails. */
static void engine_remove(struct docker_api *api, const char *id, const char *what,
			  const struct image_progress *pr)
{
	struct docker_reply r;
	char path[256], err[512];

	snprintf(path, sizeof(path), "/images/%s", id);
	if (docker_api_call(api, "DELETE", path, NULL, &r, err, sizeof(err)) < 0) {
		say(pr, "could not remove %s %.19s: %s", what, id, err);
		return;
	}
	if (r.status == 200)
		say(pr, "removed %s %.19s", what, id);
	else if (r.status != 404)
		say(pr, "kept %s %.19s: %s", what, id, docker_reply_message(&r));
	docker_reply_free(&r);
}

/* Runs cmd in a new container of image id (no network) and checks that it
 * exits 0 printing exactly want; the container is removed in any case. */
static int engine_check(struct docker_api *api, const char *id, const char *cmd,
			const char *want, char *err, size_t errlen)
{
	struct docker_reply r = { 0 };
	char path[512], cid[80] = "", *out;
	json_t *body;
	long long code = -1;
	int rc;

	body = json_pack("{s:s, s:[s,s,s], s:b, s:{s:s}, s:{s:s}}", "Image", id,
			 "Cmd", "/bin/sh", "-c", cmd, "NetworkDisabled", 1,
			 "Labels", "handbox.image-check", "1",
			 "HostConfig", "NetworkMode", "none");
	if (!body)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = docker_api_call(api, "POST", "/containers/create", body, &r, err, errlen);
	json_decref(body);
	if (rc < 0)
		return rc;
	if (r.status != 201) {
		rc = docker_fail(&r, err, errlen, "creating a container of the new image");
		docker_reply_free(&r);
		return rc;
	}
	snprintf(cid, sizeof(cid), "%s", json_string_value(json_object_get(r.json, "Id")) ?: "");
	docker_reply_free(&r);
	if (!*cid)
		return hb_fail(err, errlen, HB_EIO, "the engine created a container with no id");

	snprintf(path, sizeof(path), "/containers/%s/start", cid);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 204 && r.status != 304) {
		rc = docker_fail(&r, err, errlen, "starting a container of the new image");
		goto out;
	}
	docker_reply_free(&r);
	snprintf(path, sizeof(path), "/containers/%s/wait", cid);
	if ((rc = docker_api_call(api, "POST", path, NULL, &r, err, errlen)) < 0)
		goto out;
	if (r.status != 200) {
		rc = docker_fail(&r, err, errlen, "waiting for a container of the new image");
		goto out;
	}
	code = json_integer_value(json_object_get(r.json, "StatusCode"));
	docker_reply_free(&r);
	if ((rc = docker_container_logs(api, cid, CHECK_LOG_LINES, &out, err, errlen)) < 0)
		goto out;
	if (code != 0 || strcmp(out, want))
		rc = hb_fail(err, errlen, HB_EIO,
			     "the new image failed its check: `sh -c \"%s\"` exited with %lld "
			     "and printed:\n%s", cmd, code, *out ? out : "(nothing)");
	free(out);
out:
	docker_reply_free(&r);
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=1", cid);
	if (docker_api_call(api, "DELETE", path, NULL, &r, NULL, 0) == 0)
		docker_reply_free(&r);
	return rc;
}

/* -------------------------------------------------------- the builds */

static const char bookworm_check[] =
	"python3 -c 'print(1)' && node -e 'console.log(2)' && npm --version >/dev/null && "
	"git --version >/dev/null && curl --version >/dev/null && ps -p 1 >/dev/null && "
	"id -u user && stat -c %u /workspace";
static const char bookworm_check_out[] = "1\n2\n1000\n1000\n";
static const char busybox_check[] = "echo ok && id -u user && stat -c %u /workspace";
static const char busybox_check_out[] = "ok\n1000\n1000\n";

int image_base_parse(const char *s, enum image_base *out, char *err, size_t errlen)
{
	if (!strcmp(s, "bookworm"))
		*out = IMAGE_BASE_BOOKWORM;
	else if (!strcmp(s, "busybox"))
		*out = IMAGE_BASE_BUSYBOX;
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "--base: \"%s\": expected bookworm or busybox", s);
	return 0;
}

const char *image_base_name(enum image_base base)
{
	return base == IMAGE_BASE_BUSYBOX ? "busybox" : "bookworm";
}

const char *image_base_default_tag(enum image_base base)
{
	return base == IMAGE_BASE_BUSYBOX ? "handbox/busybox:latest" : "handbox/sandbox:latest";
}

int image_tag_check(const char *ref, char *err, size_t errlen)
{
	char repo[512], tag[512];
	const char *p;
	int ok = *ref && strlen(ref) < 256;

	if (ok) {
		tag_split(ref, repo, sizeof(repo), tag, sizeof(tag));
		ok = *repo && *tag && strlen(tag) <= 128 && isalnum((unsigned char)*repo) &&
		     (isalnum((unsigned char)*tag) || *tag == '_');
		for (p = repo; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     strchr("._-/:", *p);
		for (p = tag; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || strchr("._-", *p);
	}
	if (!ok)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--tag: \"%s\": expected a lower-case image name with an optional "
			       ":TAG, like handbox/sandbox:latest", ref);
	return 0;
}

/* ${HANDBOX_CACHE:-~/.cache/handbox}, or the caller's choice. */
static int cache_root(const char *opt, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_CACHE"), *home = getenv("HOME");
	struct passwd *pw;

	if (opt && *opt)
		snprintf(out, outlen, "%s", opt);
	else if (env && *env)
		snprintf(out, outlen, "%s", env);
	else if ((home && *home) || ((pw = getpwuid(getuid())) && (home = pw->pw_dir)))
		snprintf(out, outlen, "%s/.cache/handbox", home);
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "no cache directory: set HANDBOX_CACHE or HOME");
	return 0;
}

/* One build's state. */
struct build {
	const struct image_build_opts *o;
	const struct image_progress *pr;
	struct docker_api *api;
	const char *tag;
	char cache[PATH_MAX];
	struct strv changes;        /* import instructions */
	char recipe[IMAGE_RECIPE_LEN + 1];
	char new_id[IMAGE_ID_MAX];  /* imported, untagged until checked */
	struct strv mm_args;        /* bookworm: mmdebstrap's command line */
	char tarball[PATH_MAX];     /* bookworm: its cached output */
	struct busybox bb;          /* busybox: the executable and its applets */
	char *err;
	size_t errlen;
};

/* Keeps the CACHE_KEEP newest rootfs tarballs, and removes partial ones a
 * build that no longer runs left behind. */
static void cache_prune(const char *dir)
{
	struct dirent **names = NULL;
	struct { char name[256]; time_t mtime; } keep[CACHE_KEEP + 1];
	char path[PATH_MAX];
	struct stat st;
	int i, j, n, kept = 0;
	long pid;
	char *dash;

	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			goto next;
		if (name[0] == '.' && (dash = strstr(name, ".partial-"))) {
			pid = strtol(dash + 9, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				unlink(path);
			goto next;
		}
		if (strncmp(name, "bookworm-", 9) || !ends_with(name, ".tar") || stat(path, &st))
			goto next;
		/* insert by mtime, newest first; what falls off the end goes */
		for (j = kept; j > 0 && keep[j - 1].mtime < st.st_mtime; j--)
			keep[j] = keep[j - 1];
		snprintf(keep[j].name, sizeof(keep[j].name), "%s", name);
		keep[j].mtime = st.st_mtime;
		if (kept < CACHE_KEEP) {
			kept++;
		} else if (snprintf(path, sizeof(path), "%s/%s", dir, keep[CACHE_KEEP].name)
			   < (int)sizeof(path)) {
			unlink(path);
		}
next:
		free(names[i]);
	}
	free(names);
}

/* An unnamed file in dir (O_TMPFILE) that cache_commit() names; where the
 * file system has no O_TMPFILE, a dot-file named after our pid. */
static int cache_open(const char *dir, const char *final, char *partial, size_t partlen)
{
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);

	*partial = '\0';
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (snprintf(partial, partlen, "%s/.%s.partial-%ld", dir, strrchr(final, '/') + 1,
		     (long)getpid()) >= (int)partlen) {
		*partial = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static int cache_commit(int fd, const char *partial, const char *final)
{
	char proc[64];

	if (fdatasync(fd) < 0)
		return -1;
	if (*partial)
		return rename(partial, final);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (unlink(final) < 0 && errno != ENOENT)
		return -1;
	return linkat(AT_FDCWD, proc, AT_FDCWD, final, AT_SYMLINK_FOLLOW);
}

/* Runs mmdebstrap with its tarball on a pipe, copies the stream into the
 * cache and into the engine at once (b->new_id gets the untagged image),
 * and keeps the tarball only when mmdebstrap succeeded. */
static int bookworm_mmdebstrap(struct build *b, const struct strv *args, const char *tarball,
			       const char *message)
{
	struct pump p = { .cache_fd = -1, .up_fd = -1 };
	struct child ch = { .pid = -1, .out = -1, .err = -1 };
	char exe[PATH_MAX], dir[PATH_MAX], partial[PATH_MAX] = "", what[128], tail[2048];
	int up[2] = { -1, -1 };
	int rc, status = 0, import_rc = 0, cache_fd = -1, has_data;
	double t = now_s(), t_up;
	pthread_t tid;

	if (find_in_path("mmdebstrap", exe, sizeof(exe)) < 0)
		return hb_fail(b->err, b->errlen, HB_ENOENT,
			       "mmdebstrap is not installed: apt-get install mmdebstrap");
	if ((rc = check_mmdebstrap_privileges(b->err, b->errlen)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", tarball);
	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir) < 0 || (cache_fd = cache_open(dir, tarball, partial,
							sizeof(partial))) < 0)
		say(b->pr, "warning: cannot write the rootfs cache in %s (%s): going on without",
		    dir, strerror(errno));
	if (pipe2(up, O_CLOEXEC) < 0) {
		rc = hb_fail(b->err, b->errlen, HB_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((rc = child_start(&ch, exe, -1, args->v, NULL, b->err, b->errlen)) < 0)
		goto out;
	p.ch = &ch;
	p.cache_fd = cache_fd;
	p.up_fd = up[1];
	up[1] = -1;
	p.progress = b->pr;
	p.deadline = now_s() + MMDEBSTRAP_MS / 1000.0;
	buf_init(&p.tail, 0);
	buf_init(&p.line, 4096);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (pthread_create(&tid, NULL, pump_main, &p) != 0) {
		kill(-ch.pid, SIGKILL);
		child_reap(&ch, REAP_MS, &status);
		close_fd(&p.up_fd);
		rc = hb_fail(b->err, b->errlen, HB_EIO, "cannot start a thread");
		goto done;
	}
	/* Nothing is sent to the engine before mmdebstrap writes its tarball
	 * (at its very end), so the upload never idles for minutes. */
	pthread_mutex_lock(&p.mu);
	while (!p.started)
		pthread_cond_wait(&p.cv, &p.mu);
	has_data = p.has_data;
	pthread_mutex_unlock(&p.mu);
	t_up = now_s();
	if (has_data)
		import_rc = engine_import(b->api, up[0], &b->changes, message, b->new_id,
					  b->err, b->errlen);
	t_up = now_s() - t_up;
	close_fd(&up[0]);    /* a pump still writing gets EPIPE */
	pthread_join(tid, NULL);
	child_reap(&ch, REAP_MS, &status);
	if ((rc = check_interrupted(b->err, b->errlen)) < 0)
		goto done;
	if (p.timed_out || status != 0 || !p.bytes || !has_data) {
		if (p.timed_out)
			snprintf(what, sizeof(what), "took more than %d minutes and was killed",
				 MMDEBSTRAP_MS / 60000);
		else if (status != 0)
			status_text(status, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "wrote no tarball");
		text_tail(p.tail.data ? p.tail.data : "", p.tail.len, TAIL_LINES, tail,
			  sizeof(tail));
		rc = hb_fail(b->err, b->errlen, HB_EIO, "mmdebstrap failed: it %s. Its last "
			     "lines:%s", what, tail);
		goto done;
	}
	say(b->pr, "mmdebstrap done in %.1f s; its %.1f MB tarball streamed into the engine "
	    "in %.1f s", now_s() - t, p.bytes / 1e6, t_up);
	if (cache_fd >= 0 && !p.cache_errno && cache_commit(cache_fd, partial, tarball) == 0) {
		*partial = '\0';
		say(b->pr, "rootfs cached in %s", tarball);
	} else if (cache_fd >= 0) {
		say(b->pr, "warning: the rootfs cache was not written: %s",
		    strerror(p.cache_errno ? p.cache_errno : errno));
	}
	rc = import_rc;
done:
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	buf_free(&p.tail);
	buf_free(&p.line);
out:
	close_fd(&up[0]);
	close_fd(&up[1]);
	close_fd(&cache_fd);
	if (*partial)
		unlink(partial);
	cache_prune(dir);
	return rc;
}

/* The bookworm recipe: a hash of mmdebstrap's arguments and sources (the
 * cache key) and of the import instructions. */
static int bookworm_prepare(struct build *b)
{
	struct strv sources = { 0 };
	struct buf in;
	char key[IMAGE_RECIPE_LEN + 1];
	size_t i;
	int rc;

	buf_init(&in, 0);
	if ((rc = strv_add(&b->mm_args, "mmdebstrap")) < 0 ||
	    (rc = mmdebstrap_args(&b->mm_args)) < 0 ||
	    (rc = debian_sources(&sources, b->err, b->errlen)) < 0)
		goto out;
	for (i = 0; i < sources.n && rc == 0; i++)
		rc = strv_add(&b->mm_args, sources.v[i]);
	for (i = 1; i < b->mm_args.n && rc == 0; i++)
		rc = buf_printf(&in, "%s\n", b->mm_args.v[i]);
	if (rc < 0)
		goto out;
	hash_hex(in.data, in.len, key);
	if (snprintf(b->tarball, sizeof(b->tarball), "%s/debian/bookworm-%s.tar", b->cache, key)
	    >= (int)sizeof(b->tarball)) {
		rc = hb_fail(b->err, b->errlen, HB_EINVAL, "cache directory path too long");
		goto out;
	}
	buf_reset(&in);
	if ((rc = buf_printf(&in, "%s\nbookworm %s\n", RECIPE_FORMAT, key)) == 0 &&
	    (rc = strv_join(&b->changes, &in)) == 0)
		hash_hex(in.data, in.len, b->recipe);
out:
	strv_free(&sources);
	buf_free(&in);
	return rc;
}

/* The image, from the cached tarball or from a fresh mmdebstrap run. */
static int bookworm_import(struct build *b, const char *message)
{
	struct stat st;
	size_t i;
	int rc, fd;
	double t;

	if (!b->o->no_cache && stat(b->tarball, &st) == 0 && st.st_size > 0) {
		say(b->pr, "importing the cached rootfs %s (%.1f MB; --no-cache makes it again)",
		    b->tarball, st.st_size / 1e6);
		if ((fd = open(b->tarball, O_RDONLY | O_CLOEXEC)) < 0)
			return hb_fail(b->err, b->errlen, HB_EIO, "%s: %s", b->tarball,
				       strerror(errno));
		t = now_s();
		rc = engine_import(b->api, fd, &b->changes, message, b->new_id, b->err, b->errlen);
		close(fd);
		if (rc == 0)
			say(b->pr, "imported %.19s in %.1f s", b->new_id, now_s() - t);
		return rc;
	}
	say(b->pr, "running mmdebstrap: bookworm, variant apt, with %s", BOOKWORM_PACKAGES);
	for (i = 0; i < b->mm_args.n; i++)
		if (!strncmp(b->mm_args.v[i], "deb ", 4))
			say(b->pr, "  from %s", b->mm_args.v[i]);
	return bookworm_mmdebstrap(b, &b->mm_args, b->tarball, message);
}

/* The import instructions every image gets, and those of its base. */
static int changes_init(struct build *b)
{
	int rc;

	if ((rc = strv_add(&b->changes, "ENV " PATH_ENV)) < 0 ||
	    (rc = strv_add(&b->changes, "WORKDIR /workspace")) < 0 ||
	    (rc = strv_addf(&b->changes, "LABEL handbox.image=%s",
			    image_base_name(b->o->base))) < 0)
		return rc;
	if (b->o->base == IMAGE_BASE_BUSYBOX)
		return (rc = strv_add(&b->changes, "CMD [\"/bin/sh\"]")) < 0 ? rc
			: strv_addf(&b->changes, "LABEL handbox.busybox=\"%s\"", b->bb.version);
	if ((rc = strv_add(&b->changes, "ENV LANG=C.UTF-8")) < 0)
		return rc;
	return strv_add(&b->changes, "CMD [\"/bin/bash\"]");
}

/* The busybox recipe: the executable's digest, the image's layout and the
 * import instructions. */
static int busybox_prepare(struct build *b)
{
	struct buf in;
	int rc;

	if ((rc = busybox_find(&b->bb, b->cache, b->pr, b->err, b->errlen)) < 0 ||
	    (rc = busybox_inspect(&b->bb, b->err, b->errlen)) < 0 ||
	    (rc = changes_init(b)) < 0)
		return rc;
	say(b->pr, "busybox %s from %s, %zu applets", b->bb.version, b->bb.origin,
	    b->bb.applets.n);
	buf_init(&in, 0);
	if ((rc = buf_printf(&in, "%s\n", RECIPE_FORMAT)) == 0 &&
	    (rc = busybox_recipe_input(&b->bb, &in)) == 0 &&
	    (rc = strv_join(&b->changes, &in)) == 0)
		hash_hex(in.data, in.len, b->recipe);
	buf_free(&in);
	return rc;
}

static int busybox_import(struct build *b, const char *message)
{
	struct stat st;
	double t = now_s();
	int fd = memfd_create("busybox-rootfs.tar", MFD_CLOEXEC), rc;

	if (fd < 0)
		return hb_fail(b->err, b->errlen, HB_EIO, "memfd: %s", strerror(errno));
	rc = busybox_tar(&b->bb, fd, b->err, b->errlen);
	if (rc == 0) {
		fstat(fd, &st);
		say(b->pr, "composed the rootfs in memory: %.1f MB of tar", st.st_size / 1e6);
		if (lseek(fd, 0, SEEK_SET) < 0)
			rc = hb_fail(b->err, b->errlen, HB_EIO, "memfd: %s", strerror(errno));
		else
			rc = engine_import(b->api, fd, &b->changes, message, b->new_id,
					   b->err, b->errlen);
		if (rc == 0)
			say(b->pr, "imported %.19s in %.1f s", b->new_id, now_s() - t);
	}
	close(fd);
	return rc;
}

/* Tags the imported image, removes the one the tag named before (old_id,
 * may be ""), and fills res from what the tag names now. */
static int finish(struct docker_api *api, const char *new_id, const char *tag,
		  const char *old_id, const struct image_progress *pr,
		  struct image_result *res, char *err, size_t errlen)
{
	struct image_info now;
	int rc;

	if ((rc = check_interrupted(err, errlen)) < 0 ||
	    (rc = engine_tag(api, new_id, tag, err, errlen)) < 0)
		return rc;
	if (*old_id && strcmp(old_id, new_id))
		engine_remove(api, old_id, "the previous image", pr);
	if ((rc = image_inspect(api, tag, &now, err, errlen)) < 0)
		return rc;
	if (!now.exists)
		return hb_fail(err, errlen, HB_ENOENT, "%s vanished right after it was tagged", tag);
	snprintf(res->id, sizeof(res->id), "%s", now.id);
	res->size = now.size;
	return 0;
}

int image_build(const struct image_build_opts *o, struct image_result *res,
		char *err, size_t errlen)
{
	struct build b = { .o = o, .pr = &o->progress, .err = err, .errlen = errlen };
	struct image_info old;
	const char *base = image_base_name(o->base);
	char message[160];
	double t;
	int rc;

	memset(res, 0, sizeof(*res));
	b.bb.memfd = -1;
	b.tag = o->tag && *o->tag ? o->tag : image_base_default_tag(o->base);
	interrupted = 0;
	if ((rc = image_tag_check(b.tag, err, errlen)) < 0 ||
	    (rc = cache_root(o->cache_dir, b.cache, sizeof(b.cache), err, errlen)) < 0 ||
	    (rc = docker_api_open(&b.api, o->docker_host, err, errlen)) < 0)
		return rc;
	if ((rc = image_inspect(b.api, b.tag, &old, err, errlen)) < 0)
		goto out;
	if (o->base == IMAGE_BASE_BUSYBOX)
		rc = busybox_prepare(&b);
	else if ((rc = changes_init(&b)) == 0)
		rc = bookworm_prepare(&b);
	if (rc < 0)
		goto out;
	snprintf(res->recipe, sizeof(res->recipe), "%s", b.recipe);
	if (old.exists && !strcmp(old.recipe, b.recipe) && !o->force && !o->no_cache) {
		say(b.pr, "%s is up to date (recipe %s); --force rebuilds it", b.tag, b.recipe);
		res->up_to_date = 1;
		snprintf(res->id, sizeof(res->id), "%s", old.id);
		res->size = old.size;
		goto out;
	}
	if (!old.exists)
		say(b.pr, "building %s from base %s (recipe %s)", b.tag, base, b.recipe);
	else if (strcmp(old.recipe, b.recipe))
		say(b.pr, "%s was built from another recipe (%s, now %s): rebuilding", b.tag,
		    *old.recipe ? old.recipe : "none", b.recipe);
	else
		say(b.pr, "%s: rebuilding %s (recipe %s)", o->no_cache ? "--no-cache" : "--force",
		    b.tag, b.recipe);
	if ((rc = strv_addf(&b.changes, "LABEL " RECIPE_LABEL "=%s", b.recipe)) < 0)
		goto out;
	snprintf(message, sizeof(message), "handbox image build --base %s (recipe %s)", base,
		 b.recipe);
	rc = o->base == IMAGE_BASE_BUSYBOX ? busybox_import(&b, message)
					   : bookworm_import(&b, message);
	if (rc < 0 || (rc = check_interrupted(err, errlen)) < 0)
		goto out;
	if (!*b.new_id) {
		rc = hb_fail(err, errlen, HB_EIO, "nothing was imported into the engine");
		goto out;
	}
	t = now_s();
	rc = o->base == IMAGE_BASE_BUSYBOX
		? engine_check(b.api, b.new_id, busybox_check, busybox_check_out, err, errlen)
		: engine_check(b.api, b.new_id, bookworm_check, bookworm_check_out, err, errlen);
	if (rc < 0)
		goto out;
	say(b.pr, "check passed in %.1f s: %s", now_s() - t,
	    o->base == IMAGE_BASE_BUSYBOX ? "sh, user 1000, /workspace"
	    : "python3, node, npm, git, curl, ps, user 1000, /workspace");
	if ((rc = finish(b.api, b.new_id, b.tag, old.exists ? old.id : "", b.pr, res,
			 err, errlen)) == 0)
		*b.new_id = '\0';
out:
	if (*b.new_id)
		engine_remove(b.api, b.new_id, "the unfinished image", b.pr);
	docker_api_close(b.api);
	strv_free(&b.changes);
	strv_free(&b.mm_args);
	busybox_free(&b.bb);
	return rc;
}

int image_import_fd(const char *docker_host, const char *tag, int fd,
		    const char *const *changes, size_t nchanges,
		    const struct image_progress *progress,
		    struct image_result *res, char *err, size_t errlen)
{
	struct docker_api *api = NULL;
	struct strv ch = { 0 };
	struct image_info old;
	char new_id[IMAGE_ID_MAX] = "";
	double t = now_s();
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	interrupted = 0;
	if ((rc = image_tag_check(tag, err, errlen)) < 0 ||
	    (rc = docker_api_open(&api, docker_host, err, errlen)) < 0)
		return rc;
	for (i = 0; i < nchanges && rc == 0; i++)
		rc = strv_add(&ch, changes[i]);
	if (rc < 0 || (rc = image_inspect(api, tag, &old, err, errlen)) < 0)
		goto out;
	if ((rc = engine_import(api, fd, &ch, "handbox image import", new_id, err, errlen)) < 0)
		goto out;
	say(progress, "imported %.19s in %.1f s", new_id, now_s() - t);
	if ((rc = finish(api, new_id, tag, old.exists ? old.id : "", progress, res,
			 err, errlen)) == 0)
		*new_id = '\0';
out:
	if (*new_id)
		engine_remove(api, new_id, "the unfinished image", progress);
	docker_api_close(api);
	strv_free(&ch);
	return rc;
}
