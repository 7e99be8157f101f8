/* git.c — GET /api/git/changes and GET /api/git/diff; see git.h.
 *
 * Both answers come from a chain of git commands in which each next step
 * depends on the last result: first whether the path is a repository, then
 * which base to compare against (an explicit ref; else the empty tree for a
 * repository without commits, the branch's upstream, the fork point from
 * origin's default branch, a local main/master, or HEAD — the reference's
 * "display" choice), then the diff itself. Here the chain is a state
 * machine: every state starts at most one git process, and that process's
 * end resumes the machine in the state it named. Git runs as the sandbox
 * user, with the reference's 30-second limit per command and its output
 * capped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/path_search.h"
#include "common/utf8.h"
#include "sandboxd/child.h"
#include "sandboxd/env.h"
#include "sandboxd/files.h"
#include "sandboxd/git.h"
#include "sandboxd/proc.h"
#include "net/http.h"
#include "sandboxd/sandboxd.h"

#define GIT_OUTPUT_LIMIT (16u << 20)
#define GIT_TIMEOUT_US (30 * 1000000LL)  /* the reference's per-command limit */
#define GIT_TERM_GRACE_MS 1000
#define MAX_GIT_JOBS 16
#define MAX_NESTED 256                   /* repositories directly below the path */
#define MAX_ARGS 12
#define DIFF_FILE_LIMIT (1024 * 1024)    /* the reference's MAX_FILE_SIZE_FOR_GIT_DIFF */
#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

enum step {
	VALIDATE, VALIDATED,
	REF_START, REF_OVERRIDE, REF_COUNT, REF_HEAD, REF_BRANCH, REF_UPSTREAM,
	REF_STATUS, REF_DEFAULT, REF_ORIGIN_HEAD, REF_REMOTE_SHOW, REF_MERGE_BASE,
	REF_MERGE_BASE_DONE, REF_DEFAULT_SHA, REF_LOCAL, REF_LOCAL_SHA, REF_LOCAL_MERGE_BASE,
	REF_FALLBACK, REF_DONE,
	CH_NAMES, CH_NAMES_DONE, CH_UNTRACKED_DONE, CH_NEXT_REPO,
	DIFF_SHOW, DIFF_SHOW_DONE,
};

enum failure { FAIL_EXIT, FAIL_TIMEOUT, FAIL_OVERFLOW, FAIL_START };

struct change {
	const char *status;
	char *path;
	size_t seq;           /* keeps the sort stable, as Python's is */
};

struct change_list {
	struct change *v;
	size_t n, cap;
};

struct git_job;

/* One git process. Its struct child comes first so that child_abandon()
 * can free it when the job is dropped while git still runs. */
struct git_run {
	struct child ch;
	struct git_job *job;
	struct buf out;
	int overflow;
};

struct git_job {
	struct http_conn *conn;         /* NULL once the client has gone */
	int is_diff;
	enum step step;
	struct git_run *run;            /* the command running, or NULL */
	lws_sorted_usec_list_t timeout_sul;
	int timed_out;

	/* the last command's result */
	int ok;
	enum failure failure;
	char *out;                      /* its stdout (NULL when empty) */
	size_t outlen;
	char cmd[1024];                 /* shell-quoted, for messages */
	char start_err[256];

	char cwd[PATH_MAX];             /* the repository commands run in */

	/* the base to compare against */
	char override[256];
	int has_override;
	char ref[256], head[128], branch[256], upstream[128], defbranch[256],
	     local_sha[128];
	int local_i;

	/* changes: the path asked about, the repositories below it */
	char root[PATH_MAX];
	char **nested;
	size_t nnested, repo_i;         /* repo_i 0 = root, i = nested[i - 1] */
	struct change_list all, cur;
	size_t seq;

	/* diff: the file and its path inside the repository */
	char file[PATH_MAX];
	char rel[PATH_MAX];
};

static unsigned njobs;

static void job_step(struct git_job *j);

/* ------------------------------------------------------------ helpers */

/* The sandbox's environment plus: no credential prompts (stdin is
 * /dev/null; a prompt would only wait out the timeout), no optional
 * index.lock (so the agent's own git commands never collide with ours),
 * and the C locale, whose "HEAD branch:" line is what we parse. */
static char *const *git_env(void)
{
	static struct strv env;
	static int ready;

	if (!ready) {
		if (strv_copy(&env, sandboxd_cfg.child_env.v) ||
		    env_set(&env, "GIT_TERMINAL_PROMPT", "0") ||
		    env_set(&env, "GIT_OPTIONAL_LOCKS", "0") ||
		    env_set(&env, "LC_ALL", "C")) {
			strv_free(&env);
			return sandboxd_cfg.child_env.v;
		}
		ready = 1;
	}
	return env.v;
}

static int is_executable_file(const char *full, void *arg)
{
	struct stat st;

	return stat(full, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* Whether an executable git is on the commands' PATH. */
static int git_installed(void)
{
	return path_search_each(env_lookup(git_env(), "PATH"), "git",
			      is_executable_file, NULL);
}

/* Python's shlex.join(), which the reference uses in its messages. */
static void quote_command(const char *const *argv, char *out, size_t outlen)
{
	static const char safe[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-";
	struct buf b;
	const char *s;

	buf_init(&b, outlen - 1);
	for (; *argv; argv++) {
		if (b.len)
			buf_append(&b, " ", 1);
		if (**argv && strspn(*argv, safe) == strlen(*argv)) {
			buf_append(&b, *argv, strlen(*argv));
			continue;
		}
		buf_append(&b, "'", 1);
		for (s = *argv; *s; s++) {
			if (*s == '\'')
				buf_append(&b, "'\"'\"'", 5);
			else
				buf_append(&b, s, 1);
		}
		buf_append(&b, "'", 1);
	}
	snprintf(out, outlen, "%s", b.data ? b.data : "");
	buf_free(&b);
}

static int is_ascii_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* s[0..n) stripped of ASCII whitespace, as a short value (a SHA, a branch
 * name). Returns 1 when there is one, 0 when empty or too long to be one. */
static int strip_value(const char *s, size_t n, char *dst, size_t dstlen)
{
	while (n && is_ascii_space(*s)) {
		s++;
		n--;
	}
	while (n && is_ascii_space(s[n - 1]))
		n--;
	if (!n || n >= dstlen || memchr(s, '\0', n))
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

/* The last command's output as such a value. */
static int out_value(struct git_job *j, char *dst, size_t dstlen)
{
	return strip_value(j->out ? j->out : "", j->outlen, dst, dstlen);
}

static int out_blank(struct git_job *j)
{
	size_t i;

	for (i = 0; i < j->outlen; i++)
		if (!is_ascii_space(j->out[i]))
			return 0;
	return 1;
}

/* origin's default branch from the "  HEAD branch: main" line of
 * `git remote show origin`, into j->defbranch. */
static void remote_default_branch(struct git_job *j)
{
	const char *line = j->out, *end = j->out + j->outlen, *nl, *colon;

	for (; line && line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (!memmem(line, (size_t)(nl - line), "HEAD branch:", 12))
			continue;
		for (colon = nl - 1; *colon != ':'; colon--)
			;
		if (strip_value(colon + 1, (size_t)(nl - colon - 1), j->defbranch,
				sizeof(j->defbranch)) &&
		    !strcmp(j->defbranch, "(unknown)"))
			j->defbranch[0] = '\0';
		return;
	}
}

/* Length of the whitespace character (as Python's str.isspace() sees it)
 * at s, or 0. */
static size_t py_space_len(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r') ||
	    (s[0] >= 0x1c && s[0] <= 0x1f))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
	    (s[0] == 0xe2 && s[1] == 0x80 &&
	     (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf)) ||
	    (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80))
		return 3;
	return 0;
}

/* Length of a line break at s as Python's str.splitlines() knows them
 * (after universal-newline reading has turned \r\n and \r into \n), or 0. */
static size_t py_break_len(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	if (s[0] == '\n' || s[0] == '\v' || s[0] == '\f' ||
	    (s[0] >= 0x1c && s[0] <= 0x1e))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0x85)
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	return 0;
}

/* Text as the reference ends up with it, from UTF-8 s: newlines read in
 * universal mode (\r\n and \r become \n); with join_lines, also
 * "\n".join(text.splitlines()) — every line break becomes \n and a final
 * one goes; with strip, str.strip(). */
static int py_text(struct buf *out, const char *s, size_t n, int join_lines,
		   int strip)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, start, end;
	int rc = 0, ended_with_break = 0;

	while (i < n && !rc) {
		if (u[i] == '\r') {
			i += (i + 1 < n && u[i + 1] == '\n') ? 2 : 1;
			rc = buf_append(out, "\n", 1);
			ended_with_break = 1;
			continue;
		}
		k = join_lines ? py_break_len(u + i, n - i) : (u[i] == '\n');
		if (k) {
			rc = buf_append(out, "\n", 1);
			i += k;
			ended_with_break = 1;
			continue;
		}
		rc = buf_append(out, s + i, 1);
		i++;
		ended_with_break = 0;
	}
	if (rc)
		return rc;
	if (join_lines && ended_with_break)
		out->len--;
	if (strip) {
		u = (const unsigned char *)out->data;
		start = 0;
		end = out->len;
		while (start < end && (k = py_space_len(u + start, end - start)))
			start += k;
		while (end > start) {
			if (py_space_len(u + end - 1, 1))
				end--;
			else if (end - start >= 2 && py_space_len(u + end - 2, 2) == 2)
				end -= 2;
			else if (end - start >= 3 && py_space_len(u + end - 3, 3) == 3)
				end -= 3;
			else
				break;
		}
		memmove(out->data, out->data + start, end - start);
		out->len = end - start;
	}
	if (out->data)
		out->data[out->len] = '\0';
	return 0;
}

static int change_add(struct git_job *j, struct change_list *l,
		      const char *status, const char *path, size_t len)
{
	struct change *v;
	size_t ncap;

	/* Path() drops a trailing '/', as ls-files prints for a nested repo */
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 64;
		v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return HB_ENOMEM;
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n].path = strndup(path, len);
	if (!l->v[l->n].path)
		return HB_ENOMEM;
	l->v[l->n].status = status;
	l->v[l->n].seq = j->seq++;
	l->n++;
	return 0;
}

static void change_list_free(struct change_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int change_cmp(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int d = strcmp(x->path, y->path);

	if (d)
		return d;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* -------------------------------------------------------- the job */

static void job_free(struct git_job *j)
{
	size_t i;

	lws_sul_cancel(&j->timeout_sul);
	if (j->run) {
		/* git may still run: let it go; it is killed and reaped */
		buf_free(&j->run->out);
		j->run->job = NULL;
		child_abandon(&j->run->ch);
	}
	for (i = 0; i < j->nnested; i++)
		free(j->nested[i]);
	free(j->nested);
	change_list_free(&j->all);
	change_list_free(&j->cur);
	free(j->out);
	free(j);
	njobs--;
}

static void job_client_gone(struct http_conn *c)
{
	struct git_job *j = http_take(c);

	if (j) {
		j->conn = NULL;
		job_free(j);
	}
}

/* Answers (JSON, or an error when body is NULL) and ends the job. */
static void job_end(struct git_job *j, int status, json_t *body,
		    const char *detail)
{
	struct http_conn *c = j->conn;

	if (c) {
		http_take(c);
		if (body)
			http_reply_json(c, status, body);
		else
			http_reply_error(c, status, "%s", detail);
	} else {
		json_decref(body);
	}
	j->conn = NULL;
	job_free(j);
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct git_job *j = lws_container_of(sul, struct git_job, timeout_sul);

	j->timed_out = 1;
	if (j->run)
		child_terminate(&j->run->ch, GIT_TERM_GRACE_MS);
}

static void on_output(struct child *ch, int stream, const char *data, size_t len)
{
	struct git_run *r = (struct git_run *)ch;

	if (stream != CHILD_STDOUT || r->overflow)
		return;
	if (buf_append(&r->out, data, len)) {
		r->overflow = 1;
		buf_free(&r->out);
		child_terminate(ch, GIT_TERM_GRACE_MS);
	}
}

static void on_done(struct child *ch)
{
	struct git_run *r = (struct git_run *)ch;
	struct git_job *j = r->job;

	lws_sul_cancel(&j->timeout_sul);
	j->failure = j->timed_out ? FAIL_TIMEOUT : r->overflow ? FAIL_OVERFLOW : FAIL_EXIT;
	j->ok = !j->timed_out && !r->overflow && child_exit_code(ch) == 0;
	j->out = buf_steal(&r->out, &j->outlen);
	j->run = NULL;
	free(r);
	job_step(j);
}

/* Starts git with the arguments that follow (NULL-terminated) in j->cwd;
 * the machine resumes at next when it ends. Returns 1 when git runs, 0
 * when it could not start (j->ok is 0; the caller goes on at once). */
static int git_run(struct git_job *j, enum step next, ...)
{
	const char *argv[MAX_ARGS + 2];
	struct proc_spec spec;
	struct git_run *r;
	va_list ap;
	int n = 0;

	argv[n++] = "git";
	va_start(ap, next);
	while (n <= MAX_ARGS && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;

	j->step = next;
	free(j->out);
	j->out = NULL;
	j->outlen = 0;
	j->ok = 0;
	j->timed_out = 0;
	j->start_err[0] = '\0';
	quote_command(argv, j->cmd, sizeof(j->cmd));

	r = calloc(1, sizeof(*r));
	if (!r) {
		j->failure = FAIL_START;
		snprintf(j->start_err, sizeof(j->start_err), "out of memory");
		return 0;
	}
	buf_init(&r->out, GIT_OUTPUT_LIMIT);
	r->job = j;
	r->ch.on_output = on_output;
	r->ch.on_done = on_done;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.cwd = j->cwd;
	spec.envp = git_env();
	spec.uid = sandboxd_cfg.user.uid;
	spec.gid = sandboxd_cfg.user.gid;
	spec.switch_user = sandboxd_cfg.switch_user;
	if (child_start(&r->ch, &spec, j->start_err, sizeof(j->start_err))) {
		j->failure = FAIL_START;
		free(r);
		return 0;
	}
	j->run = r;
	lws_sul_schedule(sandboxd_lws, 0, &j->timeout_sul, on_timeout, GIT_TIMEOUT_US);
	return 1;
}

/* The reference's GitCommandError text for the last command. */
static void failure_text(struct git_job *j, char *out, size_t outlen)
{
	switch (j->failure) {
	case FAIL_TIMEOUT:
		snprintf(out, outlen, "Git command timed out: %s", j->cmd);
		break;
	case FAIL_OVERFLOW:
		snprintf(out, outlen, "Git command printed more than %u MiB: %s",
			 GIT_OUTPUT_LIMIT >> 20, j->cmd);
		break;
	case FAIL_START:
		snprintf(out, outlen, "Git command failed: %s (%s)", j->cmd, j->start_err);
		break;
	default:
		snprintf(out, outlen, "Git command failed: %s", j->cmd);
	}
}

/* A repository that cannot be read (not_a_repo: it is none). For changes
 * in the path asked about, and for a diff, that is the answer: [] or
 * nulls for "not a repository", 400 for a failed command, 503 when git
 * could not start (no process slot, a folder the user cannot enter): that
 * says nothing about the folder. A repository below the path is skipped,
 * as the reference does. Returns 1 when the job has ended. */
static int repo_failed(struct git_job *j, int not_a_repo, const char *detail)
{
	char msg[1536];

	if (!j->is_diff && j->repo_i > 0) {
		j->step = CH_NEXT_REPO;
		return 0;
	}
	if (!detail) {
		failure_text(j, msg, sizeof(msg));
		detail = msg;
	}
	if (not_a_repo)
		job_end(j, 200, j->is_diff ?
			json_pack("{s:n, s:n}", "modified", "original") : json_array(),
			NULL);
	else
		job_end(j, j->failure == FAIL_START ? 503 : 400, NULL, detail);
	return 1;
}

/* git diff --name-status -z: "X\0path\0", or "R100\0old\0new\0" for a
 * rename or copy. Renames become DELETED + ADDED, copies ADDED, as in the
 * reference. Returns 0, or HB_EINVAL with the reference's message. */
static int parse_name_status(struct git_job *j, char *err, size_t errlen)
{
	const char *s = j->out ? j->out : "", *end = s + j->outlen, *st, *a, *b;
	const char *status;

	while (s < end) {
		st = s;
		s += strlen(s) + 1;
		if (!*st)
			continue;
		if (s >= end)
			return hb_fail(err, errlen, HB_EINVAL,
				       "Unexpected git diff output format: %s", st);
		a = s;
		s += strlen(s) + 1;
		if (st[0] == 'R' || st[0] == 'C') {
			if (s >= end)
				return hb_fail(err, errlen, HB_EINVAL,
					       "Unexpected git diff output format: %s %s", st, a);
			b = s;
			s += strlen(s) + 1;
			if ((st[0] == 'R' &&
			     change_add(j, &j->cur, "DELETED", a, strlen(a))) ||
			    change_add(j, &j->cur, "ADDED", b, strlen(b)))
				return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			continue;
		}
		if (st[1])
			status = NULL;
		else if (st[0] == 'M' || st[0] == 'U' || st[0] == 'T')
			status = "UPDATED"; /* T: a type change, e.g. file to symlink */
		else if (st[0] == 'A')
			status = "ADDED";
		else if (st[0] == 'D')
			status = "DELETED";
		else
			status = NULL;
		if (!status)
			return hb_fail(err, errlen, HB_EINVAL, "Unexpected git status: %s", st);
		if (change_add(j, &j->cur, status, a, strlen(a)))
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	return 0;
}

static void parse_untracked(struct git_job *j)
{
	const char *s = j->out ? j->out : "", *end = s + j->outlen;
	size_t len;

	for (; s < end; s += len + 1) {
		len = strlen(s);
		if (len && strspn(s, " \t\r\n") != len)
			change_add(j, &j->cur, "ADDED", s, len);
	}
}

/* Moves the repository's changes into the answer: those of the path asked
 * about minus what lies in a repository below it, those of a repository
 * below it with its directory in front. */
static void merge_repo_changes(struct git_job *j)
{
	const char *dir = j->repo_i ? j->nested[j->repo_i - 1] : NULL;
	struct change *ch;
	size_t i, k, dlen;
	char *p;
	int inside;

	for (i = 0; i < j->cur.n; i++) {
		ch = &j->cur.v[i];
		if (dir) {
			if (asprintf(&p, "%s/%s", dir, ch->path) < 0)
				continue;
			free(ch->path);
			ch->path = p;
		} else {
			for (inside = 0, k = 0; k < j->nnested && !inside; k++) {
				dlen = strlen(j->nested[k]);
				inside = !strncmp(ch->path, j->nested[k], dlen) &&
					 (!ch->path[dlen] || ch->path[dlen] == '/');
			}
			if (inside)
				continue;
		}
		if (change_add(j, &j->all, ch->status, ch->path, strlen(ch->path)))
			break;
	}
	change_list_free(&j->cur);
}

static json_t *changes_json(struct git_job *j)
{
	json_t *a = json_array();
	size_t i;

	if (j->all.n) /* qsort(NULL, 0, …) is undefined behaviour */
		qsort(j->all.v, j->all.n, sizeof(*j->all.v), change_cmp);
	for (i = 0; a && i < j->all.n; i++)
		json_array_append_new(a, json_pack("{s:s, s:o}",
			"status", j->all.v[i].status,
			"path", files_json_string(j->all.v[i].path, strlen(j->all.v[i].path))));
	return a;
}

/* The file's text as the reference reads it: UTF-8 or nothing, newlines
 * normalized, lines joined with \n. */
static json_t *modified_text(const char *path)
{
	struct buf raw, text;
	char chunk[65536];
	ssize_t n;
	size_t i, k;
	json_t *j = NULL;
	int fd, bad = 0;

	buf_init(&raw, GIT_OUTPUT_LIMIT);
	buf_init(&text, 0);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto out;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&raw, chunk, (size_t)n)) {
			bad = 1;
			break;
		}
	if (n < 0)
		bad = 1;
	close(fd);
	for (i = 0; !bad && i < raw.len; i += k)
		if (!(k = utf8_seq_len((const unsigned char *)raw.data + i, raw.len - i)))
			bad = 1;
	if (!bad && !py_text(&text, raw.data ? raw.data : "", raw.len, 1, 0))
		j = json_stringn(text.data ? text.data : "", text.len);
out:
	buf_free(&raw);
	buf_free(&text);
	return j ? j : json_string("");
}

static json_t *original_text(struct git_job *j)
{
	struct buf clean, text;
	json_t *s = NULL;

	buf_init(&clean, 0);
	buf_init(&text, 0);
	if (j->ok && !utf8_append_sanitized(&clean, j->out ? j->out : "", j->outlen) &&
	    !py_text(&text, clean.data ? clean.data : "", clean.len, 0, 1))
		s = json_stringn(text.data ? text.data : "", text.len);
	buf_free(&clean);
	buf_free(&text);
	return s ? s : json_string("");
}

/* The job's phases, one function each. Each runs the step j->step names
 * and returns 1 when the job now waits on git or has answered, 0 when
 * j->step is ready to run at once. */

/* Is the directory a repository? */
static int validate_step(struct git_job *j)
{
	switch (j->step) {
	case VALIDATE:
		if (git_run(j, VALIDATED, "rev-parse", "--git-dir", NULL))
			return 1;
		break;
	case VALIDATED:
		if (!j->ok) {
			/* a git that never started says nothing about the
			 * folder (one that timed out counts as "no", as in the
			 * reference) */
			if (repo_failed(j, j->failure != FAIL_START, NULL))
				return 1;
			break;
		}
		j->step = REF_START;
		break;
	default:
		break;
	}
	return 0;
}

/* Which base to compare against: a ref asked for, or the current
 * branch's upstream. */
static int ref_current_step(struct git_job *j)
{
	char val[256], arg[PATH_MAX + 300];

	switch (j->step) {
	case REF_START:
		j->ref[0] = j->head[0] = j->branch[0] = j->defbranch[0] = '\0';
		j->local_i = 0;
		if (j->has_override) {
			snprintf(arg, sizeof(arg), "%s^{commit}", j->override);
			if (git_run(j, REF_OVERRIDE, "--no-pager", "rev-parse",
				    "--verify", arg, NULL))
				return 1;
		} else if (git_run(j, REF_COUNT, "--no-pager", "rev-list",
				   "--count", "--all", NULL)) {
			return 1;
		}
		break;
	case REF_OVERRIDE:
		if (j->ok && out_value(j, j->ref, sizeof(j->ref))) {
			j->step = REF_DONE;
		} else if (!strcmp(j->override, "HEAD")) {
			/* no commit on this branch yet */
			strcpy(j->ref, EMPTY_TREE);
			j->step = REF_DONE;
		} else {
			if (repo_failed(j, 0, NULL))
				return 1;
		}
		break;
	case REF_COUNT:
		if (!j->ok || (out_value(j, val, sizeof(val)) && !strcmp(val, "0"))) {
			strcpy(j->ref, EMPTY_TREE);
			j->step = REF_DONE;
			break;
		}
		if (git_run(j, REF_HEAD, "--no-pager", "rev-parse", "--verify",
			    "HEAD", NULL))
			return 1;
		break;
	case REF_HEAD:
		if (!j->ok || !out_value(j, j->head, sizeof(j->head)))
			j->head[0] = '\0';
		if (git_run(j, REF_BRANCH, "--no-pager", "rev-parse",
			    "--abbrev-ref", "HEAD", NULL))
			return 1;
		break;
	case REF_BRANCH:
		if (!j->ok || !out_value(j, j->branch, sizeof(j->branch)) ||
		    !strcmp(j->branch, "HEAD"))
			j->branch[0] = '\0';
		if (!j->branch[0]) {
			j->step = REF_DEFAULT;
			break;
		}
		snprintf(arg, sizeof(arg), "origin/%s", j->branch);
		if (git_run(j, REF_UPSTREAM, "--no-pager", "rev-parse", "--verify",
			    arg, NULL))
			return 1;
		break;
	case REF_UPSTREAM:
		if (!j->ok || !out_value(j, j->upstream, sizeof(j->upstream))) {
			j->step = REF_DEFAULT;
			break;
		}
		if (!j->head[0] || strcmp(j->upstream, j->head)) {
			strcpy(j->ref, j->upstream);
			j->step = REF_DONE;
			break;
		}
		/* a fully pushed branch would show nothing against its
		 * upstream: look further unless the tree is dirty */
		if (git_run(j, REF_STATUS, "--no-pager", "status", "--porcelain",
			    "--untracked-files=no", NULL))
			return 1;
		break;
	case REF_STATUS:
		if (!j->ok || !out_blank(j)) {
			strcpy(j->ref, j->upstream);
			j->step = REF_DONE;
		} else {
			j->step = REF_DEFAULT;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Which base to compare against: where HEAD forked from the remote's or
 * the local default branch, else HEAD itself. */
static int ref_default_step(struct git_job *j)
{
	char val[256], arg[PATH_MAX + 300];
	const char *local;

	switch (j->step) {
	case REF_DEFAULT:
		if (git_run(j, REF_ORIGIN_HEAD, "--no-pager", "rev-parse",
			    "--abbrev-ref", "origin/HEAD", NULL))
			return 1;
		break;
	case REF_ORIGIN_HEAD:
		if (j->ok && out_value(j, val, sizeof(val)) &&
		    !strncmp(val, "origin/", 7) && val[7]) {
			snprintf(j->defbranch, sizeof(j->defbranch), "%s", val + 7);
			j->step = REF_MERGE_BASE;
			break;
		}
		if (git_run(j, REF_REMOTE_SHOW, "--no-pager", "remote", "show",
			    "origin", NULL))
			return 1;
		break;
	case REF_REMOTE_SHOW:
		if (j->ok)
			remote_default_branch(j);
		j->step = j->defbranch[0] ? REF_MERGE_BASE : REF_LOCAL;
		break;
	case REF_MERGE_BASE:
		snprintf(arg, sizeof(arg), "origin/%s", j->defbranch);
		if (git_run(j, REF_MERGE_BASE_DONE, "--no-pager", "merge-base", "HEAD",
			    arg, NULL))
			return 1;
		break;
	case REF_MERGE_BASE_DONE:
		if (j->ok && out_value(j, j->ref, sizeof(j->ref))) {
			j->step = REF_DONE;
			break;
		}
		/* no fork point (a shallow clone…): the default's tip */
		snprintf(arg, sizeof(arg), "origin/%s", j->defbranch);
		if (git_run(j, REF_DEFAULT_SHA, "--no-pager", "rev-parse", "--verify",
			    arg, NULL))
			return 1;
		break;
	case REF_DEFAULT_SHA:
		if (j->ok && out_value(j, j->ref, sizeof(j->ref)))
			j->step = REF_DONE;
		else
			j->step = REF_FALLBACK;
		break;
	case REF_LOCAL:
		local = j->local_i ? "master" : "main";
		if (git_run(j, REF_LOCAL_SHA, "--no-pager", "rev-parse", "--verify",
			    local, NULL))
			return 1;
		break;
	case REF_LOCAL_SHA:
		local = j->local_i ? "master" : "main";
		if (!j->ok || !out_value(j, j->local_sha, sizeof(j->local_sha))) {
			j->local_i++;
			j->step = j->local_i < 2 ? REF_LOCAL : REF_FALLBACK;
			break;
		}
		/* a local default that HEAD forked from (not HEAD's own
		 * branch): the no-remote worktree case */
		if (!strcmp(local, j->branch)) {
			j->step = REF_FALLBACK;
			break;
		}
		if (git_run(j, REF_LOCAL_MERGE_BASE, "--no-pager", "merge-base",
			    "HEAD", local, NULL))
			return 1;
		break;
	case REF_LOCAL_MERGE_BASE:
		if (j->ok && out_value(j, val, sizeof(val)) &&
		    !strcmp(val, j->local_sha)) {
			strcpy(j->ref, val);
			j->step = REF_DONE;
		} else {
			j->step = REF_FALLBACK;
		}
		break;
	case REF_FALLBACK:
		strcpy(j->ref, j->head[0] ? j->head : EMPTY_TREE);
		j->step = REF_DONE;
		break;
	case REF_DONE:
		j->step = j->is_diff ? DIFF_SHOW : CH_NAMES;
		break;
	default:
		break;
	}
	return 0;
}

/* The changes of one repository, then of the next one nested below. */
static int changes_step(struct git_job *j)
{
	char msg[1536];
	size_t i;

	switch (j->step) {
	case CH_NAMES:
		if (git_run(j, CH_NAMES_DONE, "--no-pager", "diff", "--name-status",
			    "-z", j->ref, NULL))
			return 1;
		break;
	case CH_NAMES_DONE:
		if (!j->ok) {
			if (repo_failed(j, 0, NULL))
				return 1;
			break;
		}
		if (parse_name_status(j, msg, sizeof(msg))) {
			if (repo_failed(j, 0, msg))
				return 1;
			break;
		}
		if (git_run(j, CH_UNTRACKED_DONE, "--no-pager", "ls-files", "--others",
			    "--exclude-standard", "-z", NULL))
			return 1;
		break;
	case CH_UNTRACKED_DONE:
		/* a failure here only loses the untracked files, as in
		 * the reference */
		if (j->ok)
			parse_untracked(j);
		merge_repo_changes(j);
		j->step = CH_NEXT_REPO;
		break;
	case CH_NEXT_REPO:
		change_list_free(&j->cur);
		j->repo_i++;
		if (j->repo_i > j->nnested) {
			job_end(j, 200, changes_json(j), NULL);
			return 1;
		}
		i = j->repo_i - 1;
		if ((size_t)snprintf(j->cwd, sizeof(j->cwd), "%s/%s",
				     strcmp(j->root, "/") ? j->root : "",
				     j->nested[i]) >= sizeof(j->cwd))
			break;
		j->step = VALIDATE;
		break;
	default:
		break;
	}
	return 0;
}

/* One file's text at the base and now. */
static int diff_step(struct git_job *j)
{
	char arg[PATH_MAX + 300];

	switch (j->step) {
	case DIFF_SHOW:
		snprintf(arg, sizeof(arg), "%s:%s", j->ref, j->rel);
		if (git_run(j, DIFF_SHOW_DONE, "show", arg, NULL))
			return 1;
		break;
	case DIFF_SHOW_DONE:
		job_end(j, 200, json_pack("{s:o, s:o}",
					  "modified", modified_text(j->file),
					  "original", original_text(j)), NULL);
		return 1;
	default:
		break;
	}
	return 0;
}

static void job_step(struct git_job *j)
{
	int waits;

	do {
		if (j->step <= VALIDATED)
			waits = validate_step(j);
		else if (j->step < REF_DEFAULT)
			waits = ref_current_step(j);
		else if (j->step < CH_NAMES)
			waits = ref_default_step(j);
		else if (j->step < DIFF_SHOW)
			waits = changes_step(j);
		else
			waits = diff_step(j);
	} while (!waits);
}

/* ------------------------------------------------------------- routes */

/* The "path" query argument, made absolute against the commands' default
 * directory (the reference resolves it against its own). Returns 0, or the
 * status to answer with and the message in err. */
static int path_query(struct http_conn *c, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	char arg[PATH_MAX];
	int n = http_query(c, "path", arg, sizeof(arg));

	if (n < 0) {
		hb_fail(err, errlen, HB_EINVAL,
			"query parameter path: missing, or longer than %zu bytes",
			sizeof(arg) - 1);
		return 422;
	}
	if ((size_t)n != strlen(arg) || strpbrk(arg, "\r\n") || files_query_cut(c)) {
		hb_fail(err, errlen, HB_EINVAL,
			"query parameter path: the path contains a line break (CR, LF) or a NUL "
			"byte");
		return 400;
	}
	if ((size_t)snprintf(out, outlen, "%s%s%s", arg[0] == '/' ? "" : sandboxd_cfg.workdir,
			     arg[0] == '/' ? "" : "/", arg) >= outlen) {
		hb_fail(err, errlen, HB_ETOOBIG, "query parameter path: \"%s\": too long", arg);
		return 422;
	}
	files_normalize(out);
	return 0;
}

static struct git_job *job_new(struct http_conn *c, int is_diff, int *status,
			       char *err, size_t errlen)
{
	char ref[1024];
	struct git_job *j;
	int n;

	n = http_query(c, "ref", ref, sizeof(ref));
	if (n >= 256 || (n >= 0 && (size_t)n != strlen(ref))) {
		*status = 422;
		hb_fail(err, errlen, HB_EINVAL,
			"query parameter ref: expected a git ref of at most 255 bytes");
		return NULL;
	}
	if (njobs >= MAX_GIT_JOBS) {
		*status = 503;
		hb_fail(err, errlen, HB_EBUSY,
			"%u git requests are running already; try again later", njobs);
		return NULL;
	}
	if (!git_installed()) {
		*status = 500;
		hb_fail(err, errlen, HB_ENOENT,
			"Git command not found. Is git installed? (no executable git on the sandbox's PATH)");
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		*status = 500;
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return NULL;
	}
	if (n >= 0) {
		memcpy(j->override, ref, (size_t)n + 1);
		j->has_override = 1;
	}
	j->is_diff = is_diff;
	j->conn = c;
	http_defer(c, j, job_client_gone);
	njobs++;
	return j;
}

/* What the reference's glob of "./<name>/.git" finds: non-hidden
 * directories right below root that hold a .git (directory or file). */
static void find_nested(struct git_job *j)
{
	char dir[PATH_MAX], dotgit[PATH_MAX + 8];
	const char *sep = strcmp(j->root, "/") ? "/" : "";
	struct dirent *de;
	struct stat st;
	char **v;
	DIR *d = opendir(j->root);

	if (!d)
		return;
	while ((de = readdir(d)) && j->nnested < MAX_NESTED) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s%s", j->root, sep,
				     de->d_name) >= sizeof(dir) ||
		    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(dotgit, sizeof(dotgit), "%s/.git", dir);
		if (lstat(dotgit, &st) < 0)
			continue;
		v = realloc(j->nested, (j->nnested + 1) * sizeof(*v));
		if (!v)
			break;
		j->nested = v;
		if (!(v[j->nnested] = strdup(de->d_name)))
			break;
		j->nnested++;
	}
	closedir(d);
}

int git_changes_route(struct http_conn *c, json_t *body)
{
	char path[PATH_MAX], root[PATH_MAX], err[PATH_MAX + 128];
	struct git_job *j;
	struct stat st;
	int status;

	status = path_query(c, path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	sandboxd_last_exec_us = clock_mono_us();
	/* not a directory, so not a repository: nothing changed */
	if (!realpath(path, root) || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return http_reply_json(c, 200, json_array());
	j = job_new(c, 0, &status, err, sizeof(err));
	if (!j)
		return http_reply_error(c, status, "%s", err);
	strcpy(j->root, root);
	strcpy(j->cwd, root);
	find_nested(j);
	j->step = VALIDATE;
	job_step(j);
	return 0;
}

int git_diff_route(struct http_conn *c, json_t *body)
{
	char path[PATH_MAX], file[PATH_MAX], repo[PATH_MAX], probe[PATH_MAX + 8],
	     err[PATH_MAX + 128];
	struct git_job *j;
	struct stat st;
	char *cut;
	int status;

	status = path_query(c, path, sizeof(path), err, sizeof(err));
	if (status)
		return http_reply_error(c, status, "%s", err);
	if (http_query(c, "commit", probe, sizeof(probe)) >= 0)
		return http_reply_error(c, 400, "query parameter commit: per-commit diffs are not supported by this server");
	sandboxd_last_exec_us = clock_mono_us();
	if (!realpath(path, file))
		return http_reply_error(c, 400, "File does not exist: %s", path);
	if (stat(file, &st) < 0)
		return http_reply_error(c, 400, "Cannot access file: %s", file);
	if (st.st_size > DIFF_FILE_LIMIT)
		return http_reply_error(c, 400, "File too large for git diff: %lld bytes (max: %d bytes)",
					(long long)st.st_size, DIFF_FILE_LIMIT);
	/* the closest directory holding a .git, from the file upwards */
	strcpy(repo, file);
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/.git", strcmp(repo, "/") ? repo : "");
		if (stat(probe, &st) == 0)
			break;
		if (!strcmp(repo, "/"))
			return http_reply_json(c, 200, json_pack("{s:n, s:n}", "modified", "original"));
		cut = strrchr(repo, '/');
		cut[cut == repo] = '\0';
	}
	j = job_new(c, 1, &status, err, sizeof(err));
	if (!j)
		return http_reply_error(c, status, "%s", err);
	strcpy(j->file, file);
	strcpy(j->cwd, repo);
	if (!strcmp(file, repo))
		strcpy(j->rel, ".");
	else
		strcpy(j->rel, file + (strcmp(repo, "/") ? strlen(repo) + 1 : 1));
	j->step = VALIDATE;
	job_step(j);
	return 0;
}
