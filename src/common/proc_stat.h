/* proc_stat.h — what /proc/PID/stat says of a process: its state, its
 * parent, group and session, and its start time. The start time is what
 * tells a process from a later one that reuses its pid, so leases and the
 * process backend compare it before trusting or signalling a pid. */
#ifndef HB_COMMON_PROC_STAT_H
#define HB_COMMON_PROC_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
	pid_t pid;
	char state;                 /* R S D T t Z X … */
	pid_t ppid;
	pid_t pgid;
	pid_t sid;
	unsigned long long start;   /* clock ticks after boot */
};

/* Parses the NUL-terminated text of /proc/PID/stat into out (pid is set
 * from the caller's pid). HB_EINVAL when it lacks a field we read. */
int proc_stat_parse(const char *text, pid_t pid, struct proc_stat *out);

/* Reads /proc/PID/stat into out. HB_ENOENT when there is no such process,
 * HB_EINVAL when the line cannot be parsed. */
int proc_stat_read(pid_t pid, struct proc_stat *out);

/* Every process on the machine, read once: malloc'd into *out (the caller
 * frees it), *n of them. Processes that end while /proc is read are left
 * out. HB_EIO or HB_ENOMEM with *out NULL on failure. */
int proc_stat_scan(struct proc_stat **out, size_t *n);

/* true unless the process is a zombie (or dead): it still runs code. */
bool proc_stat_alive(const struct proc_stat *st);
/* true when SIGSTOP or a tracer stopped it. */
bool proc_stat_stopped(const struct proc_stat *st);

/* When the process started, in microseconds since the epoch (0 when the
 * boot time cannot be read). */
int64_t proc_stat_start_us(const struct proc_stat *st);

#endif
