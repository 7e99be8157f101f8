/* process_spawn.h — starting a process sandbox's sandboxd, detached from
 * the caller, with a clean environment and only the descriptors it needs,
 * and learning the port it listens on. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_SPAWN_H
#define HB_RUNTIME_PROCESS_PROCESS_SPAWN_H

#include <stddef.h>

#include "runtime/process/process_record.h"

/* Starts sandboxd (the binary at bin) for r and reads the port it
 * listens on within timeout_ms. Fills r->pid, r->pid_lease and r->port,
 * saving the record in pdir as soon as the pid is known (so that a caller
 * killed meanwhile leaves a sandbox that `rm` can stop) and again with the
 * port. On failure sandboxd may still run (started, but not listening in
 * time): the caller stops it, and adds the log's tail to the message. */
int process_spawn(const char *bin, const char *pdir, struct process_record *r,
		  int timeout_ms, char *err, size_t errlen);

#endif
