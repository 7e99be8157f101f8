/* process_record.h — what the process backend remembers of one sandbox.
 *
 * A process sandbox has no engine to ask, so everything needed to find,
 * reach, restart and clean it up is one JSON file per sandbox,
 * STATE_DIR/process/<id>.json (0600 in a 0700 folder: it holds the session
 * key). It is replaced whole (temporary file, fsync, rename), so a reader
 * or a crash never sees half a record. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_RECORD_H
#define HB_RUNTIME_PROCESS_PROCESS_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/owner.h"
#include "runtime/runtime.h"

struct process_record {
	char id[HB_SANDBOX_ID_LEN + 1];
	pid_t pid;                       /* sandboxd; 0 before it is started */
	char pid_lease[OWNER_LEASE_MAX]; /* "pid:starttime" of sandboxd, so a
					  * reused pid is not taken for it */
	int port;                        /* sandboxd's API; 0 until it listens */
	char bind_address[64];           /* what sandboxd binds */
	char session_api_key[HB_SANDBOX_KEY_LEN + 1];
	char workdir[PATH_MAX];
	bool own_workspace;              /* workdir is STATE/process/<id>/workspace,
					  * made by us and removed with the sandbox */
	char owner[64];
	char state_dir[PATH_MAX];
	char lease[OWNER_LEASE_MAX];     /* of the owning process, "" = keep alive */
	int64_t created_us;
	char image[16];                  /* "host": commands run on this machine */
	char log[PATH_MAX];              /* sandboxd's stdout and stderr */
	unsigned user_id;                /* SANDBOX_USER_ID (used when root) */
	char *env[SANDBOX_ENV_MAX + 1];  /* the spec's "K=V", malloc'd, NULL-ended */
	bool stopped;                    /* handbox stopped it: its end is expected */
	int exit_code;                   /* when stopped: 0, or 137 if it had to be
					  * killed */
};

/* pdir below is the backend's folder, STATE_DIR/process. */

/* "PDIR/<id>.json" into out. */
int process_record_path(const char *pdir, const char *id, char *out, size_t outlen);

/* Reads PDIR/<id>.json into r (zeroed first). HB_ENOENT when there is
 * no such record, HB_EINVAL (message names the file) when it is not one.
 * On success the caller frees r with process_record_free(). */
int process_record_load(const char *pdir, const char *id, struct process_record *r,
			char *err, size_t errlen);

/* Writes r atomically (temporary file in the same folder, fsync, rename,
 * fsync of the folder). r is not changed. */
int process_record_save(const char *pdir, const struct process_record *r,
			char *err, size_t errlen);

/* Deletes the record file; a missing one is not an error. */
int process_record_delete(const char *pdir, const char *id, char *err, size_t errlen);

/* Copies env ("K=V", NULL-terminated, at most SANDBOX_ENV_MAX) into r->env. */
int process_record_set_env(struct process_record *r, const char *const *env);

/* Frees r's env strings; r may be reused after. */
void process_record_free(struct process_record *r);


#endif
