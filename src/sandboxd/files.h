/* files.h — sandboxd's file routes.
 *
 * files.c: the OpenHands-compatible routes (multipart upload streamed to a
 * temporary file and renamed into place, streamed download,
 * create_directory) and the path helpers every files*.c shares.
 * files_handbox.c: the handbox extensions under /api/handbox/files/ (list,
 * stat, remove, move). Wire formats: docs/files-and-git.md.
 *
 * sandboxd runs as root, but every route does its file work with the
 * sandbox user's filesystem identity (files_as_user_begin): it can read,
 * write and create only what the agent's own commands could, and what it
 * creates belongs to that user. */
#ifndef HB_SANDBOXD_FILES_H
#define HB_SANDBOXD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct http_conn;
struct http_stream_ops;

extern const struct http_stream_ops files_upload_ops;
extern const struct http_stream_ops files_download_ops;
extern const struct http_stream_ops files_mkdir_ops;

int files_list_route(struct http_conn *c, json_t *body);
int files_stat_route(struct http_conn *c, json_t *body);
int files_remove_route(struct http_conn *c, json_t *body);
int files_move_route(struct http_conn *c, json_t *body);

/* ------------------------------------------- shared by files*.c and git.c */

/* Python's Path() spelling of a path, in place: repeated '/' and "."
 * components dropped, no trailing '/'; ".." is kept (it is resolved by the
 * kernel, as in the reference). */
void files_normalize(char *path);

/* Whether c's query may have been cut short by a line break in a value
 * (see files.c): a path read from it is then not the one sent. */
bool files_query_cut(struct http_conn *c);

/* Reads query argument name as an absolute path and normalizes it. Returns
 * 0, or the HTTP status to answer with (400, 422) and the message in err —
 * "Path must be absolute" for a relative one, as the reference says; 400
 * for a path with CR, LF or NUL in it. */
int files_path_arg(struct http_conn *c, const char *name, char *out,
		   size_t outlen, char *err, size_t errlen);

/* Checks a path taken from a JSON body the same way (field names it). */
int files_path_field(json_t *body, const char *field, char *out,
		     size_t outlen, char *err, size_t errlen);

/* The HTTP status for a failed system call's errno: ENOENT 404,
 * EACCES/EPERM/EROFS 403, EEXIST/ENOTEMPTY/EBUSY/EXDEV 409,
 * ENOTDIR/EISDIR/EINVAL/ELOOP/ENAMETOOLONG 400, anything else 500. */
int files_status_for_errno(int e);

/* mkdir -p of path (skip_last: of its parent only). New directories get
 * mode 0777 & ~umask and belong to whoever creates them (the sandbox user
 * between files_as_user_begin and _end). Returns 0, or an errno
 * value with the path that failed copied into failed. An existing
 * directory is fine; an existing non-directory as the last component is
 * EEXIST, and one in the middle makes the next mkdir fail with ENOTDIR. */
int files_mkdirs(const char *path, int skip_last, char *failed,
		 size_t failedlen);

/* Takes the sandbox user's filesystem identity for the file work that
 * follows: fsuid/fsgid of sandboxd_cfg.user (which also suspends root's
 * file capabilities) and, for as long, no supplementary group but the
 * user's gid. Nothing changes when sandboxd does not switch users. Calls
 * nest; every successful begin needs one files_as_user_end before the
 * callback returns to the event loop, which gives root's identity back
 * (errno is kept). Returns 0, or HB_EPERM with the reason in err (err may
 * be NULL) — then nothing must be done on the filesystem. Descriptors
 * opened meanwhile keep working afterwards without any identity. */
int files_as_user_begin(char *err, size_t errlen);
void files_as_user_end(void);

/* Runs a JSON route's fn(c, body) as the sandbox user and returns its
 * result; answers 500 without calling it if that identity cannot be
 * taken. */
int files_as_user_json(struct http_conn *c, json_t *body,
		       int (*fn)(struct http_conn *c, json_t *body));

/* The note that ends a permission error, into out: with what ("create
 * files in") and path, " (the sandbox user, uid 1000, may not create files
 * in '/x')"; with what NULL, " (file routes act as the sandbox user, uid
 * 1000)". */
void files_denied_note(char *out, size_t outlen, const char *what,
		       const char *path);

/* The process umask, read once. */
mode_t files_umask(void);

/* A JSON string from bytes that need not be UTF-8 — a path, a file name,
 * a link target: len bytes of s are copied, and invalid UTF-8 sequences
 * become U+FFFD. Returns a new reference the caller owns (json_decref, or
 * give it to json_pack's "o"), or NULL when out of memory; s stays the
 * caller's. Shared by every module that reports paths (files*.c, git.c,
 * bash_session.c's cwd). */
json_t *files_json_string(const char *s, size_t len);

#endif
