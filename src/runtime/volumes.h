/* volumes.h — SANDBOX_VOLUMES and the deprecated WORKSPACE_* variables.
 *
 *   SANDBOX_VOLUMES=/home/me/app:/workspace:rw,/data:/data:ro,cache:/cache
 *
 * Comma-separated host:container[:ro|rw] (rw is the default). The first
 * mount is the workspace. The host part is a path (absolute, . or .., or
 * starting with ./ ../ or ~/, resolved against the current directory or
 * $HOME) or a named volume (`cache`, or explicitly `volume:cache`);
 * anything else (`.cache`, `my dir`) is an error, never guessed. The
 * container part is absolute and not where sandboxd's own files are (/,
 * /.handbox, /proc, /dev, /dev/pts, /dev/null, /sys). Pure parsing: no
 * file is looked at, so it can be unit-tested; volumes_check_hosts() then
 * checks that bind sources exist. */
#ifndef HB_RUNTIME_VOLUMES_H
#define HB_RUNTIME_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>

#define VOLUMES_MAX 32
#define VOLUME_PATH_MAX 4096

enum volume_kind { VOLUME_BIND, VOLUME_NAMED };

struct volume {
	enum volume_kind kind;
	char source[VOLUME_PATH_MAX];   /* absolute host path, or volume name */
	char target[VOLUME_PATH_MAX];   /* absolute path in the sandbox */
	bool read_only;
};

struct volume_list {
	struct volume *v;               /* malloc'd array */
	int n;
};

/* Parses spec (what the user wrote; `what` names its origin for messages,
 * e.g. "SANDBOX_VOLUMES" or "--volume") and appends to list. cwd and home
 * resolve relative host paths. Returns 0, or HB_EINVAL with a message
 * naming what, the mount and what was expected; list is then unchanged. */
int volumes_parse(struct volume_list *list, const char *what, const char *spec,
		  const char *cwd, const char *home, char *err, size_t errlen);

/* The deprecated pair: WORKSPACE_BASE (host path) mounted read-write at
 * WORKSPACE_MOUNT_PATH (default /workspace), prepended as the workspace. */
int volumes_add_legacy(struct volume_list *list, const char *base,
		       const char *mount_path, const char *cwd, const char *home,
		       char *err, size_t errlen);

/* Every bind source must exist (the engine would otherwise create a
 * root-owned empty directory in its place). */
int volumes_check_hosts(const struct volume_list *list, char *err, size_t errlen);

/* A host socket whose holder may not be mounted into a sandbox: what
 * reaches it controls the engine, and with it root on the host. */
struct volume_socket {
	const char *path;
	const char *what;               /* "the Docker engine's socket" */
};

/* Refuses (HB_EPERM, naming the mount, the socket and why) a bind mount
 * of one of sockets (n of them; those that do not exist are skipped),
 * of any folder above one (`:ro` does not stop connect()), or of a
 * procfs (its /proc/PID/root reaches the files of host processes of
 * the sandbox user's uid). Folders
 * are compared by device and inode, on the path as given and on the one
 * its links resolve to, so another spelling or a link is caught too. */
int volumes_refuse_sockets(const struct volume_list *list,
			   const struct volume_socket *sockets, int n,
			   char *err, size_t errlen);

/* The system folder of the host (/etc, /usr, /var…, or / itself) that
 * bind source `source` is or lies in, or NULL: such a mount is allowed
 * but warned about. */
const char *volumes_system_folder(const char *source);

/* Refuses (HB_EPERM, naming the mount and why) a bind mount of folder
 * `data` (the engine's data root: every container's configuration, the
 * other sandboxes' session keys in their environment), of anything in it
 * or of any folder above it. Compared by device and inode along both
 * paths, so links and other spellings are caught. data missing: 0. */
int volumes_refuse_engine_data(const struct volume_list *list, const char *data,
			       char *err, size_t errlen);

void volumes_free(struct volume_list *list);

#endif
