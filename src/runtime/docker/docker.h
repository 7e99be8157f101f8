/* docker.h — the Docker backend's internals, shared by its files:
 * docker.c (the operations), docker_spec.c (the create body),
 * docker_inspect.c (reading containers back), docker_logs.c. */
#ifndef HB_DOCKER_H
#define HB_DOCKER_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/docker_api.h"
#include "runtime/runtime.h"

/* The network `--network isolated` attaches to: internal (no route out). */
#define ISOLATED_NETWORK "handbox-isolated"

/* POST /containers/create body; caller json_decref()s it. network is the
 * engine network name or NULL for the default bridge. */
json_t *docker_create_body(const struct sandbox_spec *spec, const char *id,
			   const char *key, const char *network,
			   const struct runtime_options *opt);

/* A sandbox id as handbox makes them: SANDBOX_ID_LEN lower-case hex
 * digits. Nothing else is put into an engine URL. */
bool docker_sandbox_id_ok(const char *id);
/* A container name prefix the engine accepts: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
 * at most SANDBOX_NAME_MAX - SANDBOX_ID_LEN - 1 characters (or empty). */
bool docker_name_prefix_ok(const char *prefix);

/* Fills sb from GET /containers/{id}/json. A container is a sandbox only
 * when its labels are ones handbox writes (a well-formed id, marks that
 * fit struct hb_sandbox) and its name is prefix + id: anything else
 * (HB_ENOENT) is left alone by every command, gc included. */
int docker_sandbox_from_inspect(json_t *c, const char *prefix, struct hb_sandbox *sb,
				char *err, size_t errlen);
/* The same from one element of GET /containers/json (no session key). */
int docker_sandbox_from_summary(json_t *c, const char *prefix, struct hb_sandbox *sb);

/* The last `tail` lines container (an engine id or name, URL-safe) wrote,
 * stdout and stderr joined, malloc'd into *out (caller frees). */
int docker_container_logs(struct docker_api *api, const char *container, int tail,
			  char **out, char *err, size_t errlen);

#endif
