/* server_orphans.c — at start, the sandboxes whose owner is gone (the
 * process they were made for has ended, or their state directory was
 * made anew) are removed, as `handbox sandbox gc` would. The sandboxes of
 * this server's conversations are made without a lease: they stay, and
 * their conversations attach them again on the next message. */
#include <stdio.h>

#include "handbox/sandbox.h"
#include "server/server.h"

static void report(const struct hb_sandbox *sb, const char *why, int rc, const char *err,
		   void *arg)
{
	if (rc)
		fprintf(stderr, "handbox serve: orphaned sandbox %s (%s) not removed: %s\n",
			sb->id, why, err);
	else
		fprintf(stderr, "handbox serve: removed orphaned sandbox %s (%s)\n", sb->id, why);
}

void srv_collect_orphans(void)
{
	struct hb_settings *settings = NULL;
	struct hb_runtime *rt = NULL;
	char err[HB_ERR_MAX];

	/* an engine that is down now may be up for the first conversation:
	 * say so and go on */
	if (hb_settings_from_env(&settings, err, sizeof(err)) ||
	    hb_runtime_open(&rt, settings, err, sizeof(err)) ||
	    hb_sandbox_gc(rt, false, report, NULL, err, sizeof(err)))
		fprintf(stderr, "handbox serve: orphaned sandboxes not collected: %s\n", err);
	hb_runtime_close(rt);
	hb_settings_free(settings);
}
