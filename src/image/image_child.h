/* image_child.h — the child processes an image build runs (mmdebstrap,
 * apt-get download, busybox --list-full), and the build's cancellation,
 * which reaches the child that runs at the time.
 *
 * Each child runs in a process group of its own, so a cancellation reaches
 * everything it started (apt's methods, dpkg), and is always reaped. */
#ifndef HB_IMAGE_IMAGE_CHILD_H
#define HB_IMAGE_IMAGE_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"
#include "handbox/cancel.h"

#define IMAGE_REAP_MS (2 * 60 * 1000)  /* a child that closed its pipes */

/* How often a child's watcher looks at the cancel token. */
#define IMAGE_CANCEL_POLL_MS 50

struct image_child {
	pid_t pid;
	int out, err;   /* read ends of its stdout and stderr; -1 once closed */
	struct hb_cancel *cancel;  /* may be NULL */
	bool cancel_sent;          /* its process group was signalled */
};

/* HB_ECANCELED with "interrupted by signal N (NAME)" (or "cancelled")
 * once cancel was requested, else 0. */
int image_cancelled(struct hb_cancel *cancel, char *err, size_t errlen);

/* When c's cancel token was requested: signals c's process group (once,
 * with the reason when it is a signal number, else SIGTERM) and returns
 * true. For the loops that watch a child's pipes. */
bool image_child_cancel_check(struct image_child *c);

/* Starts argv (exe is its path, or NULL to run the executable open as
 * exec_fd) with stdin on /dev/null and stdout and stderr on pipes, in a
 * process group of its own that a cancellation of cancel (may be NULL)
 * signals. cwd may be NULL. On success the caller reaps it with
 * image_child_reap(); on failure nothing is left to reap or close. */
int image_child_start(struct image_child *c, const char *exe, int exec_fd,
		      char *const argv[], const char *cwd, struct hb_cancel *cancel,
		      char *err, size_t errlen);

/* Closes c's pipes and reaps it, killing its process group when it is
 * still there after timeout_ms. *status gets its wait status. */
int image_child_reap(struct image_child *c, int timeout_ms, int *status);

/* Runs argv to its end (at most timeout_ms; then it is killed and the
 * call fails), collecting its stdout and stderr into out and errout, each
 * up to 1 MiB (the rest is read and dropped). On success the caller frees
 * out and errout with buf_free(); on failure they hold nothing. */
int image_child_run(const char *exe, int exec_fd, char *const argv[], const char *cwd,
		    int timeout_ms, struct hb_cancel *cancel, struct buf *out,
		    struct buf *errout, int *status, char *err, size_t errlen);

/* "exited with status N", "was killed by signal N (NAME)"… into s. */
void image_status_text(int status, char *s, size_t n);

/* The last `lines` lines of text, each on a new line indented "  | ",
 * into out: a child's output quoted in an error message. */
void image_text_tail(const char *text, size_t len, int lines, char *out, size_t outlen);

#endif
