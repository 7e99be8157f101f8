/* process_record.c — one JSON file per process sandbox; see
 * process_record.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/hb_error.h"
#include "runtime/process/process_record.h"

/* A record is a few KiB; anything much larger is not one of ours. */
#define RECORD_MAX (1024 * 1024)

int process_record_path(const char *pdir, const char *id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s.json", pdir, id);

	return n < 0 || (size_t)n >= outlen ? HB_ETOOBIG : 0;
}

int process_record_set_env(struct process_record *r, const char *const *env)
{
	int i;

	for (i = 0; r->env[i]; i++) {
		free(r->env[i]);
		r->env[i] = NULL;
	}
	for (i = 0; env && env[i] && i < SANDBOX_ENV_MAX; i++)
		if (!(r->env[i] = strdup(env[i]))) {
			process_record_free(r);
			return HB_ENOMEM;
		}
	return 0;
}

void process_record_free(struct process_record *r)
{
	int i;

	for (i = 0; i < SANDBOX_ENV_MAX && r->env[i]; i++) {
		free(r->env[i]);
		r->env[i] = NULL;
	}
}

/* ------------------------------------------------------------- reading */

/* Copies a string member into a fixed buffer; a missing member leaves "",
 * one that does not fit makes the record invalid. */
static int get_str(json_t *o, const char *name, char *dst, size_t cap)
{
	json_t *v = json_object_get(o, name);
	const char *s;

	dst[0] = '\0';
	if (!v)
		return 0;
	if (!json_is_string(v))
		return HB_EINVAL;
	s = json_string_value(v);
	if (strlen(s) >= cap)
		return HB_EINVAL;
	strcpy(dst, s);
	return 0;
}

static int get_int(json_t *o, const char *name, json_int_t lo, json_int_t hi,
		   json_int_t *out)
{
	json_t *v = json_object_get(o, name);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return HB_EINVAL;
	*out = json_integer_value(v);
	return 0;
}

static int from_json(json_t *o, struct process_record *r)
{
	json_int_t pid, port, created, uid, code;
	json_t *env, *e;
	size_t i;
	int rc = 0;

	if (!json_is_object(o))
		return HB_EINVAL;
	rc |= get_str(o, "id", r->id, sizeof(r->id));
	rc |= get_int(o, "pid", 0, INT32_MAX, &pid);
	rc |= get_str(o, "pid_lease", r->pid_lease, sizeof(r->pid_lease));
	rc |= get_int(o, "port", 0, 65535, &port);
	rc |= get_str(o, "bind_address", r->bind_address, sizeof(r->bind_address));
	rc |= get_str(o, "session_api_key", r->session_api_key, sizeof(r->session_api_key));
	rc |= get_str(o, "workdir", r->workdir, sizeof(r->workdir));
	rc |= get_str(o, "owner", r->owner, sizeof(r->owner));
	rc |= get_str(o, "state_dir", r->state_dir, sizeof(r->state_dir));
	rc |= get_str(o, "lease", r->lease, sizeof(r->lease));
	rc |= get_int(o, "created_us", 0, INT64_MAX, &created);
	rc |= get_str(o, "image", r->image, sizeof(r->image));
	rc |= get_str(o, "log", r->log, sizeof(r->log));
	rc |= get_int(o, "user_id", 0, INT32_MAX, &uid);
	rc |= get_int(o, "exit_code", -1, 255, &code);
	if (rc || !sandbox_id_ok(r->id))
		return HB_EINVAL;
	r->pid = (pid_t)pid;
	r->port = (int)port;
	r->created_us = created;
	r->user_id = (unsigned)uid;
	r->exit_code = (int)code;
	r->own_workspace = json_is_true(json_object_get(o, "own_workspace"));
	r->stopped = json_is_true(json_object_get(o, "stopped"));
	env = json_object_get(o, "env");
	if (env && (!json_is_array(env) || json_array_size(env) > SANDBOX_ENV_MAX))
		return HB_EINVAL;
	json_array_foreach(env, i, e) {
		if (!json_is_string(e))
			return HB_EINVAL;
		if (!(r->env[i] = strdup(json_string_value(e))))
			return HB_ENOMEM;
	}
	return 0;
}

int process_record_load(const char *pdir, const char *id, struct process_record *r,
			char *err, size_t errlen)
{
	char path[PATH_MAX + 64], *buf = NULL;
	json_t *o = NULL;
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (!sandbox_id_ok(id))
		return hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id);
	if (process_record_path(pdir, id, path, sizeof(path)))
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT
		       ? hb_fail(err, errlen, HB_ENOENT, "no sandbox %s", id)
		       : hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > RECORD_MAX) {
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: not a sandbox record", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot read %s", path);
		goto out;
	}
	o = json_loadb(buf, (size_t)n, 0, NULL);
	rc = from_json(o, r);
	if (rc == 0 && strcmp(r->id, id))
		rc = HB_EINVAL;
	if (rc) {
		process_record_free(r);
		rc = rc == HB_ENOMEM ? hb_fail(err, errlen, rc, "out of memory")
		     : hb_fail(err, errlen, HB_EINVAL,
			       "%s: not a sandbox record (delete it if the sandbox is gone)", path);
	}
out:
	json_decref(o);
	free(buf);
	close(fd);
	return rc;
}

/* ------------------------------------------------------------- writing */

static json_t *to_json(const struct process_record *r)
{
	json_t *env = json_array();
	int i;

	for (i = 0; i < SANDBOX_ENV_MAX && r->env[i]; i++)
		json_array_append_new(env, json_string(r->env[i]));
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:b, s:s, s:s, s:s,"
			 " s:I, s:s, s:s, s:i, s:o, s:b, s:i}",
			 "id", r->id, "backend", "process", "pid", (int)r->pid,
			 "pid_lease", r->pid_lease, "port", r->port,
			 "bind_address", r->bind_address,
			 "session_api_key", r->session_api_key, "workdir", r->workdir,
			 "own_workspace", r->own_workspace, "owner", r->owner,
			 "state_dir", r->state_dir, "lease", r->lease,
			 "created_us", (json_int_t)r->created_us, "image", r->image,
			 "log", r->log, "user_id", (int)r->user_id, "env", env,
			 "stopped", r->stopped, "exit_code", r->exit_code);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int process_record_save(const char *pdir, const struct process_record *r,
			char *err, size_t errlen)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 96], *text = NULL;
	json_t *o = to_json(r);
	size_t len, off = 0;
	ssize_t n = 0;
	int fd = -1, rc = 0, e;

	if (!o || !(text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS))) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	if (process_record_path(pdir, r->id, path, sizeof(path)) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.json.%d", pdir, r->id, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		rc = hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	len = strlen(text);
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	/* the descriptor is closed whichever step failed */
	e = off < len ? (n < 0 ? errno : ENOSPC) : fsync(fd) != 0 ? errno : 0;
	if (close(fd) != 0 && !e)
		e = errno;
	fd = -1;
	if (e) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", tmp, strerror(e));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* the rename itself must survive a crash, not only the bytes */
	fsync_dir(pdir);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	json_decref(o);
	return rc;
}

int process_record_delete(const char *pdir, const char *id, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];

	if (process_record_path(pdir, id, path, sizeof(path)))
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	if (unlink(path) != 0 && errno != ENOENT)
		return hb_fail(err, errlen, HB_EIO, "cannot delete %s: %s", path, strerror(errno));
	fsync_dir(pdir);
	return 0;
}
