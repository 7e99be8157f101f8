/* docker.h — the Docker backend's internals, shared by its files:
 * docker.c (the operations), docker_spec.c (the create body),
 * docker_inspect.c (reading containers back). */
#ifndef HB_RUNTIME_DOCKER_DOCKER_H
#define HB_RUNTIME_DOCKER_DOCKER_H

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

/* Fills sb from GET /containers/{id}/json. A container is a sandbox only
 * when its labels are ones handbox writes (a well-formed id, marks that
 * fit struct hb_sandbox) and its name is prefix + id: anything else
 * (HB_ENOENT) is left alone by every command, gc included. */
int docker_sandbox_from_inspect(json_t *c, const char *prefix, struct hb_sandbox *sb,
				char *err, size_t errlen);
/* The same from one element of GET /containers/json (no session key). */
int docker_sandbox_from_summary(json_t *c, const char *prefix, struct hb_sandbox *sb);

#endif
