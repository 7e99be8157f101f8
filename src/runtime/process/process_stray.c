/* process_stray.c — finding process sandboxes by their sandboxd's argv
 * when no record names them (see process_stray.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/owner.h"
#include "common/proc_stat.h"
#include "runtime/process/process_stray.h"

#define CMDLINE_MAX 65536          /* sandboxd's argv is far smaller */

/* The real uid of a process, from /proc/PID/status (readable even when
 * sandboxd made itself undumpable). */
static long proc_uid(pid_t pid)
{
	char path[64], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %ld", &uid) == 1)
			break;
	fclose(f);
	return uid;
}

/* The value of label NAME=VALUE when it is name's, else NULL. */
static const char *label_value(const char *label, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(label, name, n) && label[n] == '=' ? label + n + 1 : NULL;
}

/* Reads a sandboxd's argv: --host, --workdir and the labels. Returns 0
 * when it is one of ours: a valid handbox.sandbox label in an argv of the
 * shape process_spawn() gives (--port, --host, --workdir, --ready-fd in
 * that order), so that another program whose arguments merely mention the
 * label (a grep, a shell script) is never taken for a sandbox that gc
 * kills. */
static int from_cmdline(pid_t pid, struct process_record *r)
{
	static const char *const shape[] = { NULL, "--port", NULL, "--host", NULL,
					     "--workdir", NULL, "--ready-fd" };
	char path[64], *buf, *p, *end, *next;
	const char *v;
	ssize_t n;
	int fd, found = 0, argi = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return HB_ENOENT;
	buf = malloc(CMDLINE_MAX);
	n = buf ? read(fd, buf, CMDLINE_MAX - 1) : -1;
	close(fd);
	if (n <= 0) {
		free(buf);
		return HB_ENOENT;
	}
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p = next, argi++) {
		next = p + strlen(p) + 1;
		if ((size_t)argi < sizeof(shape) / sizeof(shape[0]) && shape[argi] &&
		    strcmp(p, shape[argi]))
			break;
		if (next >= end)
			break;
		if (!strcmp(p, "--host"))
			snprintf(r->bind_address, sizeof(r->bind_address), "%s", next);
		else if (!strcmp(p, "--workdir"))
			snprintf(r->workdir, sizeof(r->workdir), "%s", next);
		if (strcmp(p, "--label"))
			continue;
		if ((v = label_value(next, LABEL_SANDBOX))) {
			snprintf(r->id, sizeof(r->id), "%s", v);
			found = sandbox_id_ok(r->id);
		} else if ((v = label_value(next, LABEL_OWNER))) {
			snprintf(r->owner, sizeof(r->owner), "%s", v);
		} else if ((v = label_value(next, LABEL_STATE_DIR))) {
			snprintf(r->state_dir, sizeof(r->state_dir), "%s", v);
		} else if ((v = label_value(next, LABEL_LEASE))) {
			snprintf(r->lease, sizeof(r->lease), "%s", v);
		}
	}
	free(buf);
	return found && argi >= (int)(sizeof(shape) / sizeof(shape[0])) ? 0 : HB_ENOENT;
}

/* Whether the state directory a sandboxd names still holds its record.
 * When we cannot tell (another user's folder), it counts as recorded: such
 * a sandbox is that directory's business. */
static bool record_exists(const char *state_dir, const char *id)
{
	char path[PATH_MAX * 2];

	if (state_dir[0] != '/')
		return false;
	snprintf(path, sizeof(path), "%s/process/%s.json", state_dir, id);
	return access(path, F_OK) == 0 || errno != ENOENT;
}

int process_strays_each(int (*fn)(const struct process_record *r, void *arg), void *arg)
{
	struct process_record *r = malloc(sizeof(*r));
	struct proc_stat *all = NULL;
	uid_t me = geteuid();
	size_t i, n = 0;
	int rc = r ? proc_stat_scan(&all, &n) : HB_ENOMEM;

	for (i = 0; rc == 0 && i < n; i++) {
		if (!proc_stat_alive(&all[i]) ||
		    (me != 0 && proc_uid(all[i].pid) != (long)me))
			continue;
		memset(r, 0, sizeof(*r));
		if (from_cmdline(all[i].pid, r) || record_exists(r->state_dir, r->id))
			continue;
		r->pid = all[i].pid;
		snprintf(r->pid_lease, sizeof(r->pid_lease), "%d:%llu", (int)all[i].pid,
			 all[i].start);
		r->created_us = proc_stat_start_us(&all[i]);
		/* process_workspace_remove() still checks that it has our shape */
		r->own_workspace = true;
		if (fn(r, arg))
			break;
	}
	free(all);
	free(r);
	return rc;
}
