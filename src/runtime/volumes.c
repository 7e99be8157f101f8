/* volumes.c — parsing SANDBOX_VOLUMES and the deprecated WORKSPACE_* pair
 * into mounts (see volumes.h for the grammar). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "common/hb_error.h"
#include "runtime/volumes.h"

void volumes_free(struct volume_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static int is_volume_name(const char *s)
{
	size_t i;

	if (!s[0] || !s[1] || !((s[0] >= 'a' && s[0] <= 'z') ||
				(s[0] >= 'A' && s[0] <= 'Z') ||
				(s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-", s[i]))
			return 0;
	return 1;
}

/* Joins base and rel into out, dropping "." parts and resolving ".." (a
 * textual clean-up: symlinks are the engine's to follow). */
static int join_path(char *out, size_t outlen, const char *base, const char *rel)
{
	char tmp[VOLUME_PATH_MAX * 2];
	char *parts[VOLUME_PATH_MAX / 2];
	char *save = NULL, *p;
	int n = 0, i;
	size_t len = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/%s", base ? base : "", rel) >= (int)sizeof(tmp))
		return HB_ETOOBIG;
	for (p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (n > 0)
				n--;
			continue;
		}
		if (n == (int)(sizeof(parts) / sizeof(parts[0])))
			return HB_ETOOBIG;
		parts[n++] = p;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(out + len, outlen - len, "/%s", parts[i]);
		if (w < 0 || (size_t)w >= outlen - len)
			return HB_ETOOBIG;
		len += (size_t)w;
	}
	if (n == 0)
		snprintf(out, outlen, "/");
	return 0;
}

/* What the host part must look like to be a path: absolute, . or ..
 * (alone or followed by /), or starting with ~. Anything else is a volume
 * name or an error, never a path relative to wherever handbox runs: a
 * ".cache" meant as a volume must not become a bind of $PWD/.cache. */
static bool is_path(const char *src)
{
	return src[0] == '/' || src[0] == '~' || !strcmp(src, ".") || !strcmp(src, "..") ||
	       !strncmp(src, "./", 2) || !strncmp(src, "../", 3);
}

/* The host side: an absolute path, ./ ../ ~/ relative paths, or a volume
 * name (named: it came as `volume:NAME`). */
static int parse_source(struct volume *v, const char *what, const char *item,
			const char *src, int named, const char *cwd, const char *home,
			char *err, size_t errlen)
{
	int rc = 0;

	if (named || !is_path(src)) {
		const char *name = src;
		if (!is_volume_name(name))
			return hb_fail(err, errlen, HB_EINVAL,
				       "%s: \"%s\": \"%s\" is neither a path (/…, ./…, ~/…) nor a "
				       "volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)", what, item, name);
		v->kind = VOLUME_NAMED;
		snprintf(v->source, sizeof(v->source), "%s", name);
		return 0;
	}
	v->kind = VOLUME_BIND;
	if (src[0] == '/')
		rc = join_path(v->source, sizeof(v->source), NULL, src);
	else if (src[0] == '~' && (src[1] == '/' || !src[1])) {
		if (!home || home[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "%s: \"%s\": ~ needs HOME set to an absolute path", what, item);
		rc = join_path(v->source, sizeof(v->source), home, src + 1);
	} else if (src[0] == '.') {     /* . .. ./… ../… (is_path) */
		if (!cwd || cwd[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "%s: \"%s\": no current directory to resolve it", what, item);
		rc = join_path(v->source, sizeof(v->source), cwd, src);
	} else
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": ~user paths are not supported; write the full path",
			       what, item);
	if (rc)
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": host path too long", what, item);
	return 0;
}

/* true when path is dir or lies below it */
static bool within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* Where a mount would hide what sandboxd itself needs: the root, its own
 * binary, /proc, the terminals and /dev/null of commands, and the cgroup
 * files it reads an out-of-memory kill from. /dev/shm and the like stay
 * allowed. */
static bool reserved_target(const char *t)
{
	return !strcmp(t, "/") || within(t, "/.handbox") || within(t, "/proc") ||
	       !strcmp(t, "/dev") || within(t, "/dev/pts") || !strcmp(t, "/dev/null") ||
	       within(t, "/sys");
}

static int parse_target(struct volume *v, const char *what, const char *item,
			const char *dst, char *err, size_t errlen)
{
	if (dst[0] != '/')
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": the sandbox path \"%s\" must be absolute", what, item, dst);
	if (join_path(v->target, sizeof(v->target), NULL, dst))
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": sandbox path too long", what, item);
	if (reserved_target(v->target))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": cannot mount over %s (sandboxd needs it)", what, item,
			       v->target);
	return 0;
}

static int append(struct volume_list *list, const struct volume *v, int at_front)
{
	struct volume *grown = realloc(list->v, sizeof(*grown) * (size_t)(list->n + 1));

	if (!grown)
		return HB_ENOMEM;
	list->v = grown;
	if (at_front) {
		memmove(list->v + 1, list->v, sizeof(*grown) * (size_t)list->n);
		list->v[0] = *v;
	} else
		list->v[list->n] = *v;
	list->n++;
	return 0;
}

/* One host:container[:mode] item; messages quote it as written. */
static int parse_item(struct volume *v, const char *what, const char *item,
		      const char *cwd, const char *home, char *err, size_t errlen)
{
	char work[VOLUME_PATH_MAX * 2 + 16];
	char *fields[3], *p, *colon;
	int n = 0, rc, named = 0;

	memset(v, 0, sizeof(*v));
	/* a line break would end the mount's line in every log and listing
	 * that shows it, and the rest could pass for another entry */
	if (strpbrk(item, "\r\n"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%.*s…\": a mount path may not hold a line break (CR or LF)",
			       what, (int)strcspn(item, "\r\n"), item);
	if (strlen(item) >= sizeof(work))
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%.60s…\": mount too long", what, item);
	strcpy(work, item);
	p = work;
	if (!strncmp(p, "volume:", 7)) {
		named = 1;
		p += 7;
	}
	for (; n < 3; p = colon + 1) {
		fields[n++] = p;
		colon = strchr(p, ':');
		if (!colon)
			break;
		*colon = '\0';
	}
	if (n < 2 || (n == 3 && colon))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected host:container[:ro|rw]", what, item);
	if (!*fields[0] || !*fields[1])
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected host:container[:ro|rw] (a part is empty)",
			       what, item);
	if (n == 3 && strcmp(fields[2], "ro") && strcmp(fields[2], "rw"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": mode must be ro or rw", what, item);
	v->read_only = n == 3 && !strcmp(fields[2], "ro");
	if ((rc = parse_source(v, what, item, fields[0], named, cwd, home, err, errlen)))
		return rc;
	return parse_target(v, what, item, fields[1], err, errlen);
}

int volumes_parse(struct volume_list *list, const char *what, const char *spec,
		  const char *cwd, const char *home, char *err, size_t errlen)
{
	struct volume_list added = { 0 };
	struct volume v;
	char *copy, *item, *save = NULL;
	int rc = 0, i, j;

	copy = strdup(spec);
	if (!copy)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		size_t len;

		/* "a:/a, b:/b" reads as two mounts; a blank kept at either
		 * end would become part of a path or the mode */
		while (*item == ' ')
			item++;
		len = strlen(item);
		while (len && item[len - 1] == ' ')
			item[--len] = '\0';
		if (!*item)
			continue;
		if ((rc = parse_item(&v, what, item, cwd, home, err, errlen)))
			goto out;
		for (i = -list->n; i < added.n; i++) {
			const struct volume *o = i < 0 ? &list->v[-i - 1] : &added.v[i];
			if (!strcmp(o->target, v.target)) {
				rc = hb_fail(err, errlen, HB_EINVAL,
					     "%s: \"%s\": %s is mounted twice", what, item, v.target);
				goto out;
			}
		}
		if (list->n + added.n >= VOLUMES_MAX) {
			rc = hb_fail(err, errlen, HB_EINVAL, "%s: more than %d mounts",
				     what, VOLUMES_MAX);
			goto out;
		}
		if (append(&added, &v, 0)) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (j = 0; j < added.n; j++)
		if (append(list, &added.v[j], 0)) {
			list->n -= j;
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			goto out;
		}
out:
	volumes_free(&added);
	free(copy);
	return rc;
}

int volumes_add_legacy(struct volume_list *list, const char *base,
		       const char *mount_path, const char *cwd, const char *home,
		       char *err, size_t errlen)
{
	struct volume v;
	char item[VOLUME_PATH_MAX * 2 + 8];
	const char *target = mount_path && *mount_path ? mount_path : "/workspace";
	int rc, i;

	snprintf(item, sizeof(item), "%s:%s", base, target);
	memset(&v, 0, sizeof(v));
	if (!is_path(base))
		return hb_fail(err, errlen, HB_EINVAL,
			       "WORKSPACE_BASE: \"%s\": expected a host path (/…, ./…, ~/…)", base);
	if (list->n >= VOLUMES_MAX)
		return hb_fail(err, errlen, HB_EINVAL,
			       "WORKSPACE_BASE: SANDBOX_VOLUMES already has %d mounts", VOLUMES_MAX);
	if ((rc = parse_source(&v, "WORKSPACE_BASE", item, base, 0, cwd, home, err, errlen)) ||
	    (rc = parse_target(&v, "WORKSPACE_MOUNT_PATH", item, target, err, errlen)))
		return rc;
	for (i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].target, v.target))
			return hb_fail(err, errlen, HB_EINVAL,
				       "WORKSPACE_BASE and SANDBOX_VOLUMES both mount %s", v.target);
	return append(list, &v, 1) ? hb_fail(err, errlen, HB_ENOMEM, "out of memory") : 0;
}

int volumes_check_hosts(const struct volume_list *list, char *err, size_t errlen)
{
	struct stat st;
	int i;

	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];
		if (v->kind != VOLUME_BIND)
			continue;
		/* the engine would make an empty root-owned directory there */
		if (stat(v->source, &st) != 0)
			return hb_fail(err, errlen, HB_ENOENT,
				       "mount %s:%s: host path %s: %s (handbox does not create it)",
				       v->source, v->target, v->source, strerror(errno));
	}
	return 0;
}

/* What source is: the socket itself, a folder above it, or neither. */
enum reach { REACH_NONE, REACH_SOCKET, REACH_FOLDER };

/* How many folders up from path (0: path itself) the file with device
 * and inode of target is, walking the path up as written; -1 when it is
 * on none of them. */
static int steps_up_to(const char *path, const struct stat *target)
{
	char p[VOLUME_PATH_MAX];
	struct stat st;
	char *slash;
	int steps = 0;

	if (strlen(path) >= sizeof(p))
		return -1;
	strcpy(p, path);
	for (;; steps++) {
		if (stat(p[0] ? p : "/", &st) == 0 && st.st_dev == target->st_dev &&
		    st.st_ino == target->st_ino)
			return steps;
		if (!p[0] || !(slash = strrchr(p, '/')))
			return -1;
		*slash = '\0';
	}
}

/* Whether the file with device and inode of src is sock_path or one of
 * the folders above it. */
static enum reach reaches(const struct stat *src, const char *sock_path)
{
	int steps = steps_up_to(sock_path, src);

	return steps < 0 ? REACH_NONE : steps == 0 ? REACH_SOCKET : REACH_FOLDER;
}

static int refuse(const struct volume *v, enum reach r, const struct volume_socket *s,
		  char *err, size_t errlen)
{
	if (r == REACH_SOCKET)
		return hb_fail(err, errlen, HB_EPERM,
			       "mount %s:%s: %s is %s; a sandbox given it controls the engine "
			       "(root on this host), so handbox does not mount it",
			       v->source, v->target, v->source, s->what);
	return hb_fail(err, errlen, HB_EPERM,
		       "mount %s:%s: %s holds %s (%s); a sandbox given it controls the engine "
		       "(root on this host), even read-only (:ro does not stop connecting to a "
		       "socket), so handbox does not mount it: mount a folder that does not "
		       "hold it", v->source, v->target, v->source, s->what, s->path);
}

/* true when inner (its links resolved) is the folder with device and
 * inode of outer or lies in it. */
static bool lies_in(const char *inner, const struct stat *outer)
{
	char p[VOLUME_PATH_MAX];

	return realpath(inner, p) && steps_up_to(p, outer) >= 0;
}

int volumes_refuse_sockets(const struct volume_list *list,
			   const struct volume_socket *sockets, int n,
			   char *err, size_t errlen)
{
	char real[VOLUME_PATH_MAX];
	struct statfs fs;
	struct stat src, sock, run;
	enum reach r;
	int i, j;

	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];

		if (v->kind != VOLUME_BIND || stat(v->source, &src) != 0)
			continue;
		if (statfs(v->source, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC)
			return hb_fail(err, errlen, HB_EPERM,
				       "mount %s:%s: %s is a proc file system; through "
				       "/proc/PID/root a sandbox reaches the files of the host's "
				       "processes of its own uid, so handbox does not mount it",
				       v->source, v->target, v->source);
		for (j = 0; j < n; j++) {
			if (stat(sockets[j].path, &sock) != 0)
				continue;
			/* /var/run/docker.sock is /run/docker.sock on most hosts:
			 * the folders above both spellings hold it */
			r = reaches(&src, sockets[j].path);
			if (r == REACH_NONE && realpath(sockets[j].path, real))
				r = reaches(&src, real);
			if (r != REACH_NONE)
				return refuse(v, r, &sockets[j], err, errlen);
		}
		/* the host's run-time folder holds the sockets of its services
		 * (systemd, D-Bus, other engines) that give root to whoever
		 * connects as root, as a sandbox's root would */
		if (stat("/run", &run) == 0 && lies_in(v->source, &run))
			return hb_fail(err, errlen, HB_EPERM,
				       "mount %s:%s: %s lies in /run, which holds the sockets of "
				       "this host's services (systemd, D-Bus, container engines); "
				       "a sandbox's root connecting to them is root on this host, "
				       "so handbox does not mount it", v->source, v->target,
				       v->source);
	}
	return 0;
}

int volumes_refuse_engine_data(const struct volume_list *list, const char *data,
			       char *err, size_t errlen)
{
	struct stat root, src;
	int i;

	if (!data || !*data || stat(data, &root) != 0)
		return 0;
	for (i = 0; i < list->n; i++) {
		const struct volume *v = &list->v[i];

		if (v->kind != VOLUME_BIND || stat(v->source, &src) != 0)
			continue;
		if (lies_in(v->source, &root) || lies_in(data, &src))
			return hb_fail(err, errlen, HB_EPERM,
				       "mount %s:%s: %s %s %s, the Docker engine's data (every "
				       "container's configuration, the other sandboxes' session "
				       "keys among it), so handbox does not mount it",
				       v->source, v->target, v->source,
				       lies_in(v->source, &root) ? "lies in" : "holds", data);
	}
	return 0;
}

const char *volumes_system_folder(const char *source)
{
	static const char *const system[] = {
		"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
		"/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var",
	};
	size_t i;

	if (!strcmp(source, "/"))
		return "/";
	for (i = 0; i < sizeof(system) / sizeof(system[0]); i++)
		if (within(source, system[i]))
			return system[i];
	return NULL;
}
