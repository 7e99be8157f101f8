/* docker.h — the Docker backend's internals, shared by its files:
 * docker.c (the operations), docker_spec.c (the create body),
 * docker_inspect.c (reading containers back), docker_logs.c. */
#ifndef HB_DOCKER_H
#define HB_DOCKER_H

#include <jansson.h>

#include "runtime/docker_api.h"
#include "runtime/runtime.h"

/* The network `--network isolated` attaches to: internal (no route out). */
#define ISOLATED_NETWORK "handbox-isolated"

/* POST /containers/create body; caller json_decref()s it. network is the
 * engine network name or NULL for the default bridge. */
json_t *docker_create_body(const struct sandbox_spec *spec, const char *id,
			   const char *key, const char *network,
			   const struct runtime_options *opt);

/* Fills sb from GET /containers/{id}/json. */
int docker_sandbox_from_inspect(json_t *c, struct hb_sandbox *sb,
				char *err, size_t errlen);
/* Fills sb from one element of GET /containers/json (no session key). */
int docker_sandbox_from_summary(json_t *c, struct hb_sandbox *sb);

/* The last `tail` lines the container wrote (stdout and stderr), malloc'd
 * into *out. */
int docker_container_logs(struct docker_api *api, const char *id, int tail,
			  char **out, char *err, size_t errlen);

#endif
