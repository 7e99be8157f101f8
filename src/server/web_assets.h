/* web_assets.h — the web UI's files, compiled into the binary
 * ($(BUILD)/gen/web_assets.c, written by tools/embed-assets from web/),
 * each with its gzip'd copy and its ETag made at build time, so serving
 * them costs no compression and no hashing. The table ends with an entry
 * whose path is NULL. */
#ifndef HB_SERVER_WEB_ASSETS_H
#define HB_SERVER_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;           /* "/index.html", "/assets/app.js" */
	const char *content_type;   /* "text/html; charset=utf-8" */
	const unsigned char *data;
	size_t len;
	/* the file gzip'd (level 9, mtime 0), or NULL when that is not
	 * smaller (an image, a tiny file) */
	const unsigned char *gz;
	size_t gz_len;
	/* 16 hexadecimal digits of the file's SHA-256, unquoted */
	const char *etag;
};

extern const struct web_asset web_assets[];

#endif
