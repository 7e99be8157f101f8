/* web_assets.h — the web UI's files, compiled into the binary by the
 * generator of $(BUILD)/gen/web_assets.c (tools/embed-assets: every file
 * under web/). */
#ifndef HB_SERVER_WEB_ASSETS_H
#define HB_SERVER_WEB_ASSETS_H

#include <stddef.h>

struct web_asset { const char *path; const char *content_type; const unsigned char *data; size_t len; };
extern const struct web_asset web_assets[];   /* ends with path NULL; paths like "/index.html", "/assets/app.js" */

#endif
