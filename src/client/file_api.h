/* file_api.h — sandboxd's file routes (docs/files-and-git.md) called from
 * the host with libcurl: stat, list, create a directory, upload from and
 * download to a descriptor. One struct file_api keeps one connection open
 * for the many calls of a folder copy.
 *
 * Every call returns 0 or an HB_E… code with a message naming the sandbox
 * path and the reason: HB_ENOENT (404), HB_EPERM (401, 403), HB_EINVAL
 * (400, 409, 422), HB_EIO (anything else, a dead connection). */
#ifndef HB_CLIENT_FILE_API_H
#define HB_CLIENT_FILE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client/sandbox_client.h"
#include "common/buf.h"

struct file_api {
	const struct sandbox_conn *conn;
	CURL *curl;
	struct curl_slist *headers;
	char curl_err[CURL_ERROR_SIZE];
	struct buf url;          /* the request being made */
	struct buf body;         /* an answer's body, capped */
	bool body_too_big;
	/* a download: where its bytes go, and a failure to write them */
	int out_fd;
	struct buf *out_buf;     /* or into this buffer, up to its limit */
	bool out_too_big;
	int out_errno;
	/* an upload: where its bytes come from */
	int in_fd;
	curl_off_t in_left;
	int in_errno;
	bool in_short;           /* the file shrank while it was sent */
};

/* An entry of the list and stat routes. */
enum file_type { FILE_TYPE_FILE, FILE_TYPE_DIR, FILE_TYPE_SYMLINK, FILE_TYPE_OTHER };

struct file_entry {
	enum file_type type;
	unsigned mode;           /* permission bits */
	long long size;          /* bytes; -1 when the answer has none */
};

/* Prepares a; file_api_close() frees what it holds, also after a failure. */
int file_api_open(struct file_api *a, const struct sandbox_conn *c, char *err,
		  size_t errlen);
void file_api_close(struct file_api *a);

/* The entry at path, not following a symlink; HB_ENOENT when nothing is
 * there. */
int file_api_stat(struct file_api *a, const char *path, struct file_entry *e,
		  char *err, size_t errlen);
/* The entries of the directory path (through a symlink), at most limit;
 * *entries is the answer's "entries" array (json_decref() it) and
 * *truncated says whether there were more. */
int file_api_list(struct file_api *a, const char *path, int limit, json_t **entries,
		  bool *truncated, char *err, size_t errlen);
/* mkdir -p path, as the sandbox user. */
int file_api_mkdir(struct file_api *a, const char *path, char *err, size_t errlen);
/* Uploads size bytes read from fd (a regular file; read from its current
 * offset) to path; local names it in messages. */
int file_api_upload(struct file_api *a, int fd, off_t size, const char *local,
		    const char *path, char *err, size_t errlen);
/* Writes the file at path to fd (blocking writes, all of them); local
 * names fd in messages. */
int file_api_download(struct file_api *a, const char *path, int fd, const char *local,
		      char *err, size_t errlen);

/* The file at path into out (reset first), refused with HB_ETOOBIG once
 * it passes out->limit. */
int file_api_read_text(struct file_api *a, const char *path, struct buf *out,
		       char *err, size_t errlen);
/* Replaces the file at path with len bytes of data (parents created). */
int file_api_write_text(struct file_api *a, const char *path, const char *data,
			size_t len, char *err, size_t errlen);

/* The type and mode of a list or stat entry; false when it has none. */
bool file_api_entry(json_t *j, struct file_entry *e);

#endif
