/* api.h — what the files of the public API's implementation share. */
#ifndef HB_LIB_API_H
#define HB_LIB_API_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "client/sandbox_client.h"
#include "common/strv.h"
#include "handbox/sandbox.h"

/* Room for "http://[IPv6]:PORT". */
#define API_URL_MAX 160

/* <handbox/workspace.h>'s handle; api_conversation.c reads it too. */
struct hb_workspace {
	struct hb_settings *settings;
	struct hb_runtime *rt;
	struct hb_sandbox sb;
	bool keep_alive;             /* hb_workspace_close() leaves the sandbox */
	struct strv volumes;         /* the specs it was made with; empty when attached */
	char url[API_URL_MAX];
	char working_dir[PATH_MAX];
};

/* sb's sandboxd, for the client: its URL (written into url) and key.
 * HB_EBUSY, saying how to fix it, when sb is not running. */
int api_connect(const struct hb_sandbox *sb, struct sandbox_conn *conn, char *url,
		size_t urllen, char *err, size_t errlen);

#endif
