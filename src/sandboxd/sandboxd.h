/* sandboxd.h — process-wide state of the in-sandbox server. */
#ifndef HB_SANDBOXD_SANDBOXD_H
#define HB_SANDBOXD_SANDBOXD_H

#include <stdint.h>

#include "sandboxd/config.h"

extern struct sandboxd_config sandboxd_cfg;
extern struct lws_context *sandboxd_lws;

/* Monotonic microseconds (clock.h) at start and at the last command
 * started: /server_info reports the durations since. */
extern int64_t sandboxd_started_us;
extern int64_t sandboxd_last_exec_us;

#endif
