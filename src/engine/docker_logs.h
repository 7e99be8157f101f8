/* docker_logs.h — a container's last output lines, through the Engine API. */
#ifndef HB_ENGINE_DOCKER_LOGS_H
#define HB_ENGINE_DOCKER_LOGS_H

#include <stddef.h>

#include "engine/docker_api.h"

/* The last `tail` lines container (an engine id or name, URL-safe) wrote,
 * stdout and stderr joined, malloc'd into *out (caller frees). HB_ENOENT
 * when there is no such container. */
int docker_container_logs(struct docker_api *api, const char *container, int tail,
			  char **out, char *err, size_t errlen);

#endif
