/* cgroup.h — what the kernel says about sandboxd's memory cgroup: how many
 * processes its OOM killer has killed there, and its memory limit. In a
 * container sandboxd's cgroup is the container's, so the counter growing
 * while a command ran means the sandbox's memory limit was hit
 * (docs/exec-websocket.md, "oom_killed"), and the limit is the
 * sandbox's: what sandboxd keeps in memory is sized from it (bash.c).
 *
 * cgroup v2: "oom_kill N" in memory.events, the limit in memory.max;
 * cgroup v1: "oom_kill N" in memory.oom_control (Linux 4.13 and later),
 * the limit in memory.limit_in_bytes. */
#ifndef HB_SANDBOXD_CGROUP_H
#define HB_SANDBOXD_CGROUP_H

#include <stddef.h>

/* The value of the "oom_kill" line of a memory.events or memory.oom_control
 * text ("key value" lines). Returns 0, HB_ENOENT when there is no such
 * line, HB_EINVAL when its value is not a decimal number. */
int cgroup_parse_oom_kill(const char *text, unsigned long long *count);

/* The memory cgroup's path in a /proc/self/cgroup text: the v2 line
 * "0::/p" when v2 is true, else the v1 line whose controllers include
 * "memory". Returns 0 with the path ("/" for the root), HB_ENOENT without
 * such a line, HB_ETOOBIG when it does not fit in out. */
int cgroup_parse_self(const char *text, int v2, char *out, size_t outlen);

/* The OOM-kill counter of the memory cgroup that proc_self_cgroup (a
 * /proc/PID/cgroup file) names, under the cgroup mount sysfs_root
 * ("/sys/fs/cgroup"). Tried in order: v2 memory.events of that cgroup, v2
 * memory.events at the mount's root (a container with its own cgroup
 * namespace), then the same two for v1 memory.oom_control (a v1 container
 * sees its own cgroup at the mount's root although /proc says
 * "/docker/ID"). Returns 0, or HB_ENOENT when none can be read. */
int cgroup_oom_kills_at(const char *sysfs_root, const char *proc_self_cgroup,
			unsigned long long *count);

/* cgroup_oom_kills_at("/sys/fs/cgroup", "/proc/self/cgroup", count). */
int cgroup_oom_kills(unsigned long long *count);

/* The limit in a memory.max or memory.limit_in_bytes text. Returns 0 with
 * the bytes, HB_ENOENT when there is none (v2 "max", v1's 2^63 - 4096),
 * HB_EINVAL when the text is not a decimal number. */
int cgroup_parse_limit(const char *text, unsigned long long *bytes);

/* The memory limit of the cgroup that proc_self_cgroup names, looked up
 * as cgroup_oom_kills_at does (v2 memory.max, then v1
 * memory.limit_in_bytes). Returns 0, or HB_ENOENT when there is none or
 * none can be read. */
int cgroup_memory_limit_at(const char *sysfs_root, const char *proc_self_cgroup,
			   unsigned long long *bytes);

/* cgroup_memory_limit_at("/sys/fs/cgroup", "/proc/self/cgroup", bytes). */
int cgroup_memory_limit(unsigned long long *bytes);

#endif
