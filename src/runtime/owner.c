/* owner.c — server ids, process leases and the orphan rule (see owner.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/owner.h"
#include "common/proc_stat.h"
#include "common/state_dir.h"

int owner_state_dir(char *out, size_t outlen, char *err, size_t errlen)
{
	return state_dir_path(out, outlen, err, errlen);
}

static int read_id(const char *path, char out[OWNER_ID_LEN + 1])
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return errno == ENOENT || errno == ENOTDIR ? HB_ENOENT : HB_EPERM;
	n = fread(out, 1, OWNER_ID_LEN, f);
	fclose(f);
	out[n] = '\0';
	return n == OWNER_ID_LEN && strspn(out, "0123456789abcdef") == OWNER_ID_LEN
	       ? 0 : HB_EINVAL;
}

/* Written to a temporary name and linked into place, so two processes
 * starting at once agree on one id (link fails for the second). The
 * temporary name is the thread's own: the workers of `handbox serve` make
 * their first sandboxes at once, and a name shared by the process had one
 * thread truncate or unlink another's file. */
static int create_id(const char *dir, const char *path,
		     char out[OWNER_ID_LEN + 1], char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[OWNER_ID_LEN / 2];
	char tmp[4200];
	int fd, i, ok;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return hb_fail(err, errlen, HB_EIO, "getrandom: %s", strerror(errno));
	for (i = 0; i < OWNER_ID_LEN; i++)
		out[i] = hex[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[OWNER_ID_LEN] = '\0';
	snprintf(tmp, sizeof(tmp), "%s/.server-id.%d.%d", dir, (int)getpid(), (int)gettid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", tmp, strerror(errno));
	ok = write(fd, out, OWNER_ID_LEN) == OWNER_ID_LEN && fsync(fd) == 0;
	close(fd);
	if (ok && link(tmp, path) != 0 && errno != EEXIST)
		ok = 0;
	unlink(tmp);
	if (!ok)
		return hb_fail(err, errlen, HB_EIO, "cannot write %s: %s", path, strerror(errno));
	return read_id(path, out) == 0 ? 0
	       : hb_fail(err, errlen, HB_EIO, "%s: not a server id", path);
}

int owner_server_id(const char *state_dir, char out[OWNER_ID_LEN + 1],
		    char *err, size_t errlen)
{
	char path[4200];
	int rc;

	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
		return hb_fail(err, errlen, HB_EIO, "cannot create state directory %s: %s",
			       state_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/server-id", state_dir);
	rc = read_id(path, out);
	if (rc == HB_ENOENT)
		return create_id(state_dir, path, out, err, errlen);
	if (rc)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: expected %d hex characters (delete it to make a new id)",
			       path, OWNER_ID_LEN);
	return 0;
}

int owner_lease_of(pid_t pid, char out[OWNER_LEASE_MAX], char *err, size_t errlen)
{
	struct proc_stat st;

	if (pid <= 0 || proc_stat_read(pid, &st))
		return hb_fail(err, errlen, HB_ENOENT, "no process %d is running", (int)pid);
	snprintf(out, OWNER_LEASE_MAX, "%d:%llu", (int)pid, st.start);
	return 0;
}

int owner_lease_stat(const char *lease, struct proc_stat *st)
{
	unsigned long long want;
	int pid;

	if (!lease || sscanf(lease, "%d:%llu", &pid, &want) != 2 || pid <= 0 ||
	    proc_stat_read((pid_t)pid, st) != 0 || st->start != want)
		return HB_ENOENT;
	return 0;
}

bool owner_lease_alive(const char *lease)
{
	struct proc_stat st;

	return owner_lease_stat(lease, &st) == 0;
}

bool owner_is_orphan(const char *owner, const char *state_dir, const char *lease,
		     char *why, size_t whylen)
{
	char path[4200], id[OWNER_ID_LEN + 1];
	int rc;

	if (!state_dir || state_dir[0] != '/') {
		snprintf(why, whylen, "it names no state directory");
		return true;
	}
	snprintf(path, sizeof(path), "%s/server-id", state_dir);
	rc = read_id(path, id);
	if (rc == HB_EPERM)
		return false;   /* another user's: we cannot tell, so keep it */
	if (rc == HB_ENOENT && access(state_dir, F_OK) != 0) {
		snprintf(why, whylen, "its state directory %s is gone", state_dir);
		return true;
	}
	if (rc == 0 && strcmp(id, owner ? owner : "")) {
		snprintf(why, whylen, "its state directory %s now belongs to server %s",
			 state_dir, id);
		return true;
	}
	if (rc == HB_ENOENT) {
		snprintf(why, whylen, "its state directory %s has no server id", state_dir);
		return true;
	}
	if (lease && *lease && !owner_lease_alive(lease)) {
		snprintf(why, whylen, "its owning process (%s) has ended", lease);
		return true;
	}
	return false;
}
