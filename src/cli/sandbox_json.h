/* sandbox_json.h — a sandbox as JSON, the shape `handbox sandbox … --json`
 * prints (API.md § 6): id, container, ports, url, session_api_key, and
 * its state. */
#ifndef HB_CLI_SANDBOX_JSON_H
#define HB_CLI_SANDBOX_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include <handbox/sandbox.h>

/* A new object; caller json_decref()s it. with_key: include the key. */
json_t *sandbox_to_json(const struct hb_sandbox *sb, bool with_key);

#endif
