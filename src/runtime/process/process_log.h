/* process_log.h — a process sandbox's log: sandboxd's stdout and stderr,
 * appended to PDIR/<id>.log, which `logs` reads back and a failed start
 * quotes. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_LOG_H
#define HB_RUNTIME_PROCESS_PROCESS_LOG_H

#include <stddef.h>

/* The last `tail` lines (all when tail <= 0) of the log at path, at most
 * 4 MiB, malloc'd into *out (the caller frees it); "" when there is no
 * log yet. */
int process_log_tail(const char *path, int tail, char **out, char *err, size_t errlen);

/* Appends the log's last lines to the message in err (sandboxd's own
 * complaint is what the user needs when a sandbox did not come up) and
 * returns rc. */
int process_log_explain(const char *path, int rc, char *err, size_t errlen);

#endif
