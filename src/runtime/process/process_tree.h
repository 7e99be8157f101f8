/* process_tree.h — a process sandbox's processes: sandboxd and everything
 * descended from it, found through /proc and signalled one by one.
 *
 * There is no cgroup or freezer to act on a sandbox as a whole, so stop,
 * pause and resume walk the tree. Each process is remembered with its
 * start time, so a pid that a new process reuses meanwhile is never
 * signalled. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_TREE_H
#define HB_RUNTIME_PROCESS_PROCESS_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/proc_stat.h"
#include "runtime/process/process_record.h"

/* true while r's sandboxd runs (a zombie does not), with its /proc state
 * in st (paused when proc_stat_stopped()). */
bool process_tree_running(const struct process_record *r, struct proc_stat *st);

/* Stops r's sandboxd and every process of its tree (see the .c file).
 * Returns the exit code to remember: 0, or 137 when sandboxd had to be
 * killed; 0 as well when it was not running. */
int process_tree_stop(const struct process_record *r);

/* SIGSTOP to the whole tree; HB_EINVAL when sandboxd is not running. */
int process_tree_freeze(const struct process_record *r, char *err, size_t errlen);

/* SIGCONT to the whole tree; HB_EINVAL when sandboxd is not running. */
int process_tree_thaw(const struct process_record *r, char *err, size_t errlen);

#endif
