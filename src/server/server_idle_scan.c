/* server_idle_scan.c — the loop's look, every second, for conversations'
 * sandboxes idle for --idle-pause (server_idle.c says what counts as
 * activity): no engine call, the sandboxes' copy of server_sandboxes.c
 * says which run; the conversation's worker is asked to pause its
 * sandbox (srv_conv_sleep), and does it unless work came meanwhile. */
#include <stdlib.h>

#include <libwebsockets.h>

#include "common/clock.h"
#include "handbox/handbox.h"
#include "server/server.h"

#define SCAN_US 1000000

static lws_sorted_usec_list_t scan_sul;

static void scan(lws_sorted_usec_list_t *sul)
{
	int64_t before = clock_mono_us() - (int64_t)srv.idle_pause_s * 1000000;
	struct srv_sbx *all = NULL;
	struct srv_conv *cv;
	size_t n = srv_sbx_snapshot(&all), i;

	for (i = 0; i < n; i++) {
		if (!all[i].conv_id[0] || all[i].sb.state != HB_SANDBOX_RUNNING ||
		    !(cv = srv_conv_find(all[i].conv_id)))
			continue;
		srv_conv_sleep(cv, all[i].sb.id, before);
	}
	free(all);
	lws_sul_schedule(srv.lws, 0, &scan_sul, scan, SCAN_US);
}

void srv_idle_start(void)
{
	if (srv.idle_pause_s > 0)
		lws_sul_schedule(srv.lws, 0, &scan_sul, scan, SCAN_US);
}
