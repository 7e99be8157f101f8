/* web_assets.h — the web UI's files, compiled into the binary
 * ($(BUILD)/gen/web_assets.c, written by tools/embed-assets from web/).
 * The table ends with an entry whose path is NULL. */
#ifndef HB_SERVER_WEB_ASSETS_H
#define HB_SERVER_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;           /* "/index.html", "/assets/app.js" */
	const char *content_type;   /* "text/html; charset=utf-8" */
	const unsigned char *data;
	size_t len;
};

extern const struct web_asset web_assets[];

#endif
