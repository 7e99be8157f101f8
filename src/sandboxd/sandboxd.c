/* sandboxd.c — the process-wide state declared in sandboxd.h. It lives
 * apart from main.c so the unit tests and the fuzzer, which link every
 * module but main.c, get it too. */
#include "sandboxd/sandboxd.h"

struct sandboxd_config sandboxd_cfg;
struct lws_context *sandboxd_lws;
int64_t sandboxd_started_us;
int64_t sandboxd_last_exec_us;
