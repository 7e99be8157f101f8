/* process_workspace.c — making and deleting a process sandbox's own
 * workspace (see process_workspace.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/process/process_workspace.h"

#define RMTREE_DEPTH 256

/* Removes name (in folder at) and everything below, never following a
 * symbolic link nor leaving the file system: every step is relative to a
 * descriptor opened with O_NOFOLLOW, so a command that swaps a folder for
 * a link meanwhile cannot send us elsewhere. */
static void rmtree_at(int at, const char *name, dev_t dev, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	if (unlinkat(at, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (depth >= RMTREE_DEPTH || fstat(fd, &st) != 0 || st.st_dev != dev) {
		close(fd);
		return;
	}
	/* a folder the commands made read-only: ours to open up */
	if ((st.st_mode & 0700) != 0700)
		fchmod(fd, st.st_mode | 0700);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rmtree_at(dirfd(d), e->d_name, dev, depth + 1);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

static void rmtree(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(parent) ||
	    lstat(path, &st) != 0)
		return;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	if ((fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	rmtree_at(fd, slash + 1, st.st_dev, 0);
	close(fd);
}

int process_workspace_make(const char *pdir, struct process_record *r,
			   char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (geteuid() == 0 && r->user_id != 0) {
		snprintf(r->workdir, sizeof(r->workdir), "/tmp/handbox-%s-XXXXXX", r->id);
		if (!mkdtemp(r->workdir) || chown(r->workdir, r->user_id, (gid_t)-1) != 0) {
			int e = errno;
			rmdir(r->workdir);
			return hb_fail(err, errlen, HB_EIO, "cannot create a workspace in /tmp: %s",
				       strerror(e));
		}
		r->own_workspace = true;
		return 0;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", pdir, r->id) >= (int)sizeof(dir) ||
	    snprintf(r->workdir, sizeof(r->workdir), "%s/workspace", dir) >=
	    (int)sizeof(r->workdir))
		return hb_fail(err, errlen, HB_ETOOBIG, "state directory path too long");
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(r->workdir, 0700) != 0 && errno != EEXIST))
		return hb_fail(err, errlen, HB_EIO, "cannot create %s: %s", r->workdir,
			       strerror(errno));
	r->own_workspace = true;
	return 0;
}

void process_workspace_remove(const char *pdir, const struct process_record *r)
{
	char mine[PATH_MAX + 32], tmp_prefix[64];
	size_t tl;

	if (!r->own_workspace)
		return;
	snprintf(mine, sizeof(mine), "%s/%s/workspace", pdir, r->id);
	tl = (size_t)snprintf(tmp_prefix, sizeof(tmp_prefix), "/tmp/handbox-%s-", r->id);
	if (!strcmp(r->workdir, mine)) {
		mine[strlen(mine) - strlen("/workspace")] = '\0';
		rmtree(mine);
	} else if (!strncmp(r->workdir, tmp_prefix, tl) &&
		   strlen(r->workdir) == tl + 6 && !strchr(r->workdir + tl, '/')) {
		rmtree(r->workdir);
	}
}
