/* process_workspace.h — the folder a process sandbox works in when it was
 * given none: made on create, deleted with the sandbox. A host folder
 * given as its volume is never made nor deleted here. */
#ifndef HB_RUNTIME_PROCESS_PROCESS_WORKSPACE_H
#define HB_RUNTIME_PROCESS_PROCESS_WORKSPACE_H

#include <stddef.h>

#include "runtime/process/process_record.h"

/* Makes a fresh workspace for r and sets r->workdir and r->own_workspace:
 * PDIR/<id>/workspace, or, as root with a sandbox user that is not root,
 * /tmp/handbox-<id>-XXXXXX owned by that user (the state directory, 0700,
 * is closed to it). */
int process_workspace_make(const char *pdir, struct process_record *r,
			   char *err, size_t errlen);

/* Deletes r's workspace and everything in it, if we made it: it must have
 * one of the two shapes above, so that a record edited to name a user's
 * folder cannot make us delete that folder. */
void process_workspace_remove(const char *pdir, const struct process_record *r);

#endif
