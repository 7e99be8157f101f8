/* cgroup.c — the OOM-kill counter and the memory limit of sandboxd's
 * memory cgroup; see cgroup.h. The files are a few hundred bytes of sysfs text, read whole
 * each time: an exec reads them twice, which costs less than its fork. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "sandboxd/cgroup.h"

/* /proc/self/cgroup lists one line per hierarchy: 16 KiB holds far more
 * than any real one; a longer file is cut, and a line cut off is not used */
#define CGROUP_TEXT_MAX (16u << 10)
/* any v1 limit from 2^62 up is the kernel's "unlimited" (2^63 - 4096) */
#define CGROUP_NO_LIMIT_V1 (1ULL << 62)

int cgroup_parse_oom_kill(const char *text, unsigned long long *count)
{
	const char *line = text, *end, *v;
	unsigned long long n;
	char *stop;

	for (; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if ((size_t)(end - line) <= 9 || strncmp(line, "oom_kill ", 9))
			continue;
		v = line + 9;
		if (*v < '0' || *v > '9')
			return HB_EINVAL;
		errno = 0;
		n = strtoull(v, &stop, 10);
		if (errno || stop != end)
			return HB_EINVAL;
		*count = n;
		return 0;
	}
	return HB_ENOENT;
}

/* Is name one of the comma-separated controllers in list[0..len)? */
static int has_controller(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name), i = 0, w;

	while (i < len) {
		w = strcspn(list + i, ",:");
		if (w > len - i)
			w = len - i;
		if (w == n && !strncmp(list + i, name, n))
			return 1;
		i += w + 1;
	}
	return 0;
}

int cgroup_parse_self(const char *text, int v2, char *out, size_t outlen)
{
	const char *line = text, *end, *c1, *c2;
	size_t plen;
	int match;

	/* "ID:CONTROLLERS:PATH"; the path may itself hold ':' */
	for (; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		c1 = memchr(line, ':', (size_t)(end - line));
		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
		if (!c2 || c2[1] != '/')
			continue;
		if (v2)
			match = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
		else
			match = has_controller(c1 + 1, (size_t)(c2 - c1 - 1), "memory");
		if (!match)
			continue;
		plen = (size_t)(end - c2 - 1);
		if (plen >= outlen)
			return HB_ETOOBIG;
		memcpy(out, c2 + 1, plen);
		out[plen] = '\0';
		return 0;
	}
	return HB_ENOENT;
}

/* The whole of a small file, NUL-terminated (cut at outlen - 1 bytes). */
static int read_text(const char *path, char *out, size_t outlen)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HB_ENOENT;
	while (len < outlen - 1) {
		n = read(fd, out + len, outlen - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	out[len] = '\0';
	return 0;
}

static int read_counter(const char *path, unsigned long long *value)
{
	char text[4096];

	if (read_text(path, text, sizeof(text)))
		return HB_ENOENT;
	return cgroup_parse_oom_kill(text, value);
}

static int read_limit(const char *path, unsigned long long *value)
{
	char text[64];

	if (read_text(path, text, sizeof(text)))
		return HB_ENOENT;
	return cgroup_parse_limit(text, value);
}

/* Reads a value of the memory cgroup that proc_self_cgroup names, from
 * its v2 file or else its v1 file; see cgroup_oom_kills_at for where. */
static int read_memory_file(const char *sysfs_root, const char *proc_self_cgroup,
			    const char *v2_file, const char *v1_file,
			    int (*read_fn)(const char *, unsigned long long *),
			    unsigned long long *value)
{
	const struct {
		int v2;
		const char *dir, *file;
	} kinds[] = {
		{ 1, "", v2_file },
		{ 0, "/memory", v1_file },
	};
	char *self, cg[PATH_MAX], path[PATH_MAX + 64];
	size_t i;
	int rc = HB_ENOENT, own;

	self = malloc(CGROUP_TEXT_MAX);
	if (!self)
		return HB_ENOMEM;
	if (read_text(proc_self_cgroup, self, CGROUP_TEXT_MAX))
		self[0] = '\0';
	for (i = 0; rc && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		own = !cgroup_parse_self(self, kinds[i].v2, cg, sizeof(cg)) && strcmp(cg, "/");
		if (own && (size_t)snprintf(path, sizeof(path), "%s%s%s/%s", sysfs_root,
					    kinds[i].dir, cg, kinds[i].file) < sizeof(path))
			rc = read_fn(path, value);
		if (rc) {
			snprintf(path, sizeof(path), "%s%s/%s", sysfs_root, kinds[i].dir,
				 kinds[i].file);
			rc = read_fn(path, value);
		}
	}
	free(self);
	return rc == HB_ENOMEM ? rc : rc ? HB_ENOENT : 0;
}

int cgroup_oom_kills_at(const char *sysfs_root, const char *proc_self_cgroup,
			unsigned long long *count)
{
	return read_memory_file(sysfs_root, proc_self_cgroup, "memory.events",
				"memory.oom_control", read_counter, count);
}

int cgroup_oom_kills(unsigned long long *count)
{
	return cgroup_oom_kills_at("/sys/fs/cgroup", "/proc/self/cgroup", count);
}

int cgroup_parse_limit(const char *text, unsigned long long *bytes)
{
	unsigned long long n;
	char *end;

	if (!strncmp(text, "max", 3) && (!text[3] || text[3] == '\n'))
		return HB_ENOENT;
	if (*text < '0' || *text > '9')
		return HB_EINVAL;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || (*end && *end != '\n'))
		return HB_EINVAL;
	/* v1 writes "no limit" as the largest page multiple below 2^63 */
	if (n >= CGROUP_NO_LIMIT_V1)
		return HB_ENOENT;
	*bytes = n;
	return 0;
}

int cgroup_memory_limit_at(const char *sysfs_root, const char *proc_self_cgroup,
			   unsigned long long *bytes)
{
	return read_memory_file(sysfs_root, proc_self_cgroup, "memory.max",
				"memory.limit_in_bytes", read_limit, bytes);
}

int cgroup_memory_limit(unsigned long long *bytes)
{
	return cgroup_memory_limit_at("/sys/fs/cgroup", "/proc/self/cgroup", bytes);
}
