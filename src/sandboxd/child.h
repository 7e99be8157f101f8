/* child.h — one running command seen from the event loop: its stdout and
 * stderr (or PTY) served as fdwatches, optional stdin, its exit status, and
 * the TERM-then-KILL sequence on its process group.
 *
 * Life cycle: child_start() → on_output() any number of times → on_done()
 * exactly once, after the process has exited and its output is drained
 * (or 100 ms after exit, when a background grandchild keeps the pipes
 * open; paused output does not count towards those 100 ms). The owner
 * frees the struct after on_done(), or calls child_abandon() to let it go:
 * the group is killed and the child frees itself when everything is
 * closed. */
#ifndef HB_SANDBOXD_CHILD_H
#define HB_SANDBOXD_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include <libwebsockets.h>

#include "common/buf.h"
#include "net/fdwatch.h"
#include "sandboxd/proc.h"

/* One read of a command's output: a pipe's default capacity, and the size
 * of one exec WebSocket frame. */
#define CHILD_READ_CHUNK (64u << 10)

#define CHILD_STDOUT 1
#define CHILD_STDERR 2

struct child {
	pid_t pid;
	struct fdwatch out_w, err_w, in_w;
	int open_fds;        /* fdwatches not yet closed */
	int exited, status;  /* status as from waitpid() */
	int done, abandoned, stdin_closing;
	int output_paused;
	struct buf stdin_buf;

	void (*on_output)(struct child *ch, int stream, const char *data, size_t len);
	void (*on_done)(struct child *ch);
	/* optional: the stdin queue has been written out, or stdin has closed
	 * (the command will read no more); the owner may queue more */
	void (*on_stdin_ready)(struct child *ch);
	void *owner;

	lws_sorted_usec_list_t grace_sul, kill_sul;
};

/* Starts spec with callbacks already set in ch (the rest zeroed). Returns 0
 * or an HB_E… code with a message; then nothing runs and nothing refers to
 * ch any more, so the caller may free it. */
int child_start(struct child *ch, const struct proc_spec *spec, char *err,
		size_t errlen);
/* Exit code as the reference reports it: the status, or -signal. */
int child_exit_code(const struct child *ch);
void child_signal(struct child *ch, int sig);
/* SIGTERM to the group now, SIGKILL after grace_ms unless it has exited. */
void child_terminate(struct child *ch, int grace_ms);
/* Back-pressure: stop or resume reading output. */
void child_pause_output(struct child *ch, int paused);
/* Queues bytes for stdin (capped at 1 MiB pending); HB_ETOOBIG when full. */
int child_write_stdin(struct child *ch, const char *data, size_t len);
/* Closes stdin once what is queued has been written (EOF for the command). */
void child_close_stdin(struct child *ch);
/* PTY window size. */
int child_resize(struct child *ch, unsigned short rows, unsigned short cols);
/* The owner lets go: see the file comment. ch must have been malloc'd. */
void child_abandon(struct child *ch);

#endif
