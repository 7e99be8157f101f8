/* api_exec.c — <handbox/sandbox.h>'s commands and copies: a running
 * sandbox's address and key handed to the sandboxd client (client/). */
#include <stdio.h>
#include <string.h>

#include "client/sandbox_client.h"
#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "lib/api.h"

int api_connect(const struct hb_sandbox *sb, struct sandbox_conn *conn, char *url,
		size_t urllen, char *err, size_t errlen)
{
	if (sb->state != HB_SANDBOX_RUNNING || !sb->host_ports[0])
		return hb_fail(err, errlen, HB_EBUSY, "sandbox %s is %s (handbox sandbox %s %s)",
			       sb->id, hb_sandbox_state_name(sb->state),
			       sb->state == HB_SANDBOX_PAUSED ? "resume" : "start", sb->id);
	hb_sandbox_port_url(sb, 0, url, urllen);
	conn->url = url;
	conn->session_api_key = sb->session_api_key;
	return 0;
}

int hb_sandbox_exec(const struct hb_sandbox *sb, const struct hb_exec_options *o,
		    struct hb_exec_status *st, char *err, size_t errlen)
{
	struct sandbox_conn conn;
	char url[API_URL_MAX];
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = api_connect(sb, &conn, url, sizeof(url), err, errlen)))
		return rc;
	return sandbox_exec(&conn, o, st, err, errlen);
}

int hb_sandbox_copy_in(const struct hb_sandbox *sb, const char *local,
		       const char *remote, hb_copy_skip_fn on_skip, void *skip_arg,
		       char *err, size_t errlen)
{
	struct sandbox_conn conn;
	char url[API_URL_MAX];
	int rc = api_connect(sb, &conn, url, sizeof(url), err, errlen);

	return rc ? rc : sandbox_copy_in(&conn, local, remote, on_skip, skip_arg, err, errlen);
}

int hb_sandbox_copy_out(const struct hb_sandbox *sb, const char *remote,
			const char *local, hb_copy_skip_fn on_skip, void *skip_arg,
			char *err, size_t errlen)
{
	struct sandbox_conn conn;
	char url[API_URL_MAX];
	int rc = api_connect(sb, &conn, url, sizeof(url), err, errlen);

	return rc ? rc : sandbox_copy_out(&conn, remote, local, on_skip, skip_arg, err, errlen);
}
