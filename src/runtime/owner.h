/* owner.h — who a sandbox belongs to, so that orphans can be found.
 *
 * Every sandbox records three things (as container labels, or in the
 * process backend's record):
 *   owner      the server id of the state directory that created it
 *              ($HANDBOX_STATE_DIR/server-id, made on first use);
 *   state dir  that directory's path;
 *   lease      "pid:starttime" of the process it lives for, or empty when
 *              it is kept alive (SANDBOX_KEEP_RUNTIME_ALIVE, or created by
 *              the CLI without --owner-pid).
 * A sandbox is an orphan when its state directory is gone or now holds
 * another server id, or when it has a lease and that process has ended
 * (a pid reused by another process has another start time). */
#ifndef HB_RUNTIME_OWNER_H
#define HB_RUNTIME_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/proc_stat.h"

#define OWNER_ID_LEN 32
#define OWNER_LEASE_MAX 48

/* The names under which every backend records these marks, and the
 * sandbox's id and workdir: container labels for docker, `--label NAME=VALUE`
 * arguments of sandboxd for the process backend (so that a sandboxd whose
 * record is gone can still be recognised in /proc). */
#define LABEL_SANDBOX   "handbox.sandbox"
#define LABEL_OWNER     "handbox.owner"
#define LABEL_STATE_DIR "handbox.state_dir"
#define LABEL_LEASE     "handbox.lease"
#define LABEL_WORKDIR   "handbox.workdir"

/* $HANDBOX_STATE_DIR, else ~/.handbox, into out. */
int owner_state_dir(char *out, size_t outlen, char *err, size_t errlen);
/* Reads STATE_DIR/server-id, creating the directory (0700) and the id when
 * missing. */
int owner_server_id(const char *state_dir, char out[OWNER_ID_LEN + 1],
		    char *err, size_t errlen);
/* The lease string of process pid ("pid:starttime"), HB_ENOENT if it is
 * not running. */
int owner_lease_of(pid_t pid, char out[OWNER_LEASE_MAX], char *err, size_t errlen);
/* true while the process named by lease runs (a zombie still counts:
 * it has not been reaped). */
bool owner_lease_alive(const char *lease);
/* Reads the process named by lease into st: HB_ENOENT when lease is NULL
 * or not "pid:starttime", or that process has ended (its pid now names
 * another process, or none). */
int owner_lease_stat(const char *lease, struct proc_stat *st);
/* true when a sandbox with these marks is an orphan (see above); why gets
 * a short reason ("state directory /x is gone"). */
bool owner_is_orphan(const char *owner, const char *state_dir, const char *lease,
		     char *why, size_t whylen);

#endif
