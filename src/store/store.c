/* store.c — opening and closing handbox.db: its folder, the file, the
 * pragmas that make it durable and shareable, the migrations. Why these
 * pragmas: docs/store.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/state_dir.h"
#include "store/store_internal.h"

int store_default_dir(char *out, size_t outlen, char *err, size_t errlen)
{
	return state_dir_path(out, outlen, err, errlen);
}

/* The folder (0700: conversations hold code and prompts) and the file
 * (0600; SQLite gives its -wal and -shm files the same mode), with the
 * system's reason when either cannot be made. */
static int make_files(const char *dir, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return hb_fail(err, errlen, HB_EPERM, "cannot create state directory %s: %s",
			       dir, strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return hb_fail(err, errlen, HB_EPERM, "state directory %s is not a directory", dir);
	/* SQLite creates handbox.db-wal and -shm beside the file */
	if (access(dir, W_OK | X_OK) != 0)
		return hb_fail(err, errlen, HB_EPERM, "state directory %s is not writable: %s",
			       dir, strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hb_fail(err, errlen, HB_EPERM, "cannot open %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* HANDBOX_STORE_SYNC: "normal" (the default: WAL survives a kill -9 of any
 * process without an fsync per commit) or "full" (an fsync per commit:
 * also survives a power cut). */
static int sync_pragma(const char **out, char *err, size_t errlen)
{
	const char *v = getenv("HANDBOX_STORE_SYNC");

	if (!v || !*v || !strcmp(v, "normal"))
		*out = "PRAGMA synchronous = NORMAL";
	else if (!strcmp(v, "full"))
		*out = "PRAGMA synchronous = FULL";
	else
		return hb_fail(err, errlen, HB_EINVAL,
			       "HANDBOX_STORE_SYNC: \"%s\": expected normal or full", v);
	return 0;
}

static int wal_mode(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	int wal = 0;

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return store_fail(s, rc, "switching to WAL mode", err, errlen);
	if (!wal)
		return hb_fail(err, errlen, HB_EIO, "%s: its file system does not allow WAL mode "
			       "(shared memory beside the file): set HANDBOX_STATE_DIR to a local "
			       "folder", s->path);
	return 0;
}

static int configure(struct store *s, char *err, size_t errlen)
{
	const char *sync = NULL;
	int rc;

	if ((rc = sync_pragma(&sync, err, errlen)))
		return rc;
	store_set_busy_timeout(s, s->busy_ms);
	sqlite3_extended_result_codes(s->db, 1);
	if ((rc = wal_mode(s, err, errlen)))
		return rc;
	/* the WAL is truncated back to 64 MiB after a checkpoint, so one
	 * burst does not keep its space for good */
	rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON;"
			  " PRAGMA journal_size_limit = 67108864", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, sync, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store_fail(s, rc, "setting its pragmas", err, errlen);
}

int store_open(struct store **out, const char *dir, char *err, size_t errlen)
{
	struct store *s;
	int rc, n;

	*out = NULL;
	if (!dir || dir[0] != '/')
		return hb_fail(err, errlen, HB_EINVAL, "state directory \"%s\": expected an "
			       "absolute path", dir ? dir : "(null)");
	if (!(s = calloc(1, sizeof(*s))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory opening the store");
	s->busy_ms = STORE_BUSY_MS;
	n = snprintf(s->path, sizeof(s->path), "%s/%s", dir, STORE_FILE);
	if (n < 0 || (size_t)n >= sizeof(s->path)) {
		rc = hb_fail(err, errlen, HB_ETOOBIG, "state directory %s: path too long", dir);
		goto fail;
	}
	if ((rc = make_files(dir, s->path, err, errlen)))
		goto fail;
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(s, rc, "opening it", err, errlen);
		goto fail;
	}
	if ((rc = configure(s, err, errlen)) ||
	    (rc = store_migrate(s->db, s->path, store_schema_latest(), err, errlen)))
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

/* The last connection to close checkpoints the WAL into the file and
 * removes it. */
void store_close(struct store *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}
