/* process_stray.h — process sandboxes without a record: a running
 * sandboxd of ours whose state directory no longer holds its record
 * (typically because the directory was deleted). Its --label arguments
 * still say what it is, so that `ls` shows it and `rm` and `gc` can stop
 * it. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_STRAY_H
#define HB_RUNTIME_PROCESS_PROCESS_STRAY_H

#include "runtime/process/process_record.h"

/* Calls fn for each stray of ours (our uid, or anyone's when we are root);
 * fn returns nonzero to stop. r is what the stray's argv and /proc say:
 * id, owner, state directory, lease, bind address, workdir, pid and start
 * time, but no port, key or env; it is valid during the call only. */
int process_strays_each(int (*fn)(const struct process_record *r, void *arg), void *arg);

#endif
