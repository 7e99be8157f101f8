/* sandbox_client.h — the host side of a sandbox's own API: run a command
 * with its output streamed (the exec WebSocket) and copy files and folders
 * in and out (the file routes). Used by the public API (src/lib: the CLI's
 * exec and cp, the SDK's workspace) and the benchmark. Blocking calls; one
 * per thread at a time. */
#ifndef HB_CLIENT_SANDBOX_CLIENT_H
#define HB_CLIENT_SANDBOX_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "handbox/sandbox.h"

/* Where sandboxd answers: base URL "http://127.0.0.1:49153" and its key. */
struct sandbox_conn {
	const char *url;
	const char *session_api_key;
};

/* Runs the command, writing its stdout to fd 1 and its stderr to fd 2 as it
 * comes (or to o->output). Returns 0 once the command has ended (see res),
 * or HB_E… with a message when it could not be run or the connection broke: HB_EPERM for a
 * refused session key, HB_EINVAL for options sandboxd refuses, HB_ENOENT
 * (or HB_EPERM) when the program or directory is missing (or not
 * allowed), HB_EBUSY when sandboxd has too many exec runs, HB_EIO for
 * a sandboxd that does not answer or a broken connection.
 *
 * While it runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT of this thread are
 * sent to the command (blocked here, read from a signalfd; those still
 * pending at the end are dropped); a third SIGINT closes the connection,
 * which kills the command. With pty and forward_stdin, a terminal on fd 0
 * is in raw mode until the call returns, and SIGWINCH sends our new size.
 * When our stdout's reader goes away (EPIPE), the connection is closed and
 * res says exit_code 141, signal "SIGPIPE", as a local pipeline would.
 * docs/sandbox-client.md has the details. */
int sandbox_exec(const struct sandbox_conn *c, const struct hb_exec_options *o,
		 struct hb_exec_status *res, char *err, size_t errlen);

/* Told of each entry a copy leaves out (see hb_copy_skip_fn). */
typedef hb_copy_skip_fn sandbox_copy_skip_fn;

/* Copies a local file or folder (recursively) to an absolute path in the
 * sandbox, as `cp -r` would: into remote when that is an existing folder
 * ("dir/." copies dir's contents). Files end up owned by the sandbox user;
 * those executable here are made executable there. Symlinks inside the
 * folder and special files are skipped; an entry that cannot be copied
 * is skipped too, and the rest copied. Each skip goes to on_skip (may be
 * NULL). Returns 0, or HB_E… with a message naming the path (the first
 * entry that could not be copied, or what stopped the copy). */
int sandbox_copy_in(const struct sandbox_conn *c, const char *local,
		    const char *remote, sandbox_copy_skip_fn on_skip, void *skip_arg,
		    char *err, size_t errlen);
/* Copies a file or folder of the sandbox to a local path, as `cp -r`
 * would. local "-" writes a single file to stdout. Names the sandbox lists
 * are used only as plain names, and nothing inside a copied folder is
 * written through a symlink, so a hostile sandbox cannot write outside
 * local. Skips and the result as for sandbox_copy_in(). */
int sandbox_copy_out(const struct sandbox_conn *c, const char *remote,
		     const char *local, sandbox_copy_skip_fn on_skip, void *skip_arg,
		     char *err, size_t errlen);

/* Asks sandboxd's route (SANDBOXD_ROUTE_VSCODE_URL or _DESKTOP_URL) where
 * the service answers when reached at base_url (NULL or "": sandboxd's
 * own default, its container port), with folder workspace_dir (NULL: left
 * out). *out is the URL, to free(), or NULL when the image has no such
 * service ({"url": null}). HB_EIO with the reason when sandboxd does not
 * answer or answers something else. */
int sandbox_service_url(const struct sandbox_conn *c, const char *route, const char *base_url,
			const char *workspace_dir, char **out, char *err, size_t errlen);

#endif
