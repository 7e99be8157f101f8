/* files.h — sandboxd's file routes.
 *
 * files.c: the OpenHands-compatible routes (multipart upload streamed to a
 * temporary file and renamed into place, streamed download,
 * create_directory) and the path helpers every files*.c shares.
 * files_handbox.c: the handbox extensions under /api/handbox/files/ (list,
 * stat, remove, move). Wire formats: docs/files-and-git.md.
 *
 * sandboxd runs as root; whatever it creates is given to the sandbox user
 * (sandboxd_cfg.user) so the agent's own commands can change it later. */
#ifndef HB_FILES_H
#define HB_FILES_H

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

/* Reads query argument name as an absolute path and normalizes it. Returns
 * 0, or the HTTP status to answer with (400, 422) and the message in err —
 * "Path must be absolute" for a relative one, as the reference says. */
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
 * mode 0777 & ~umask and belong to the sandbox user. Returns 0, or an errno
 * value with the path that failed copied into failed. An existing
 * directory is fine; an existing non-directory as the last component is
 * EEXIST, and one in the middle makes the next mkdir fail with ENOTDIR. */
int files_mkdirs(const char *path, int skip_last, char *failed,
		 size_t failedlen);

/* Gives a new file or directory to the sandbox user (no-op when sandboxd
 * does not switch users). Returns 0 or -1 with errno. */
int files_chown_fd(int fd);
int files_chown_path(const char *path);

/* The process umask, read once. */
mode_t files_umask(void);

/* A json string from bytes that may not be UTF-8 (bad bytes become
 * U+FFFD). Returns a new reference or NULL. */
json_t *files_json_string(const char *s, size_t len);

#endif
