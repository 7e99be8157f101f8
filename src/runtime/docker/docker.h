/* docker.h — the Docker backend's internals, shared by its files:
 * docker.c (the operations), docker_spec.c (the create body),
 * docker_inspect.c (reading containers back). */
#ifndef HB_RUNTIME_DOCKER_DOCKER_H
#define HB_RUNTIME_DOCKER_DOCKER_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/docker_api.h"
#include "runtime/runtime.h"

/* The networks sandboxes join unless the user names one (docker_network.c):
 * both with no traffic between their containers; the isolated one also
 * internal (no route out). Their bridges have fixed names for the host
 * firewall (docker_hostfw.c). */
#define SANDBOX_NETWORK "handbox-sandboxes"
#define SANDBOX_BRIDGE "hb-sandboxes"
#define ISOLATED_NETWORK "handbox-isolated"
#define ISOLATED_BRIDGE "hb-isolated"
/* The host ports a sandbox may reach ("1234,11434"): a label, so a start
 * after a stop allows them again at the new address. */
#define LABEL_ALLOW_HOST_PORTS "handbox.allow_host_ports"

/* The host firewall (docker_hostfw.c). find: iptables' path into exe
 * when we may use it; HB_EPERM (not root) or HB_ENOENT (no iptables)
 * with a sentence to show as a warning: sandboxes then reach the host's
 * services. install: the chain, its fixed rules and the jumps to it, each
 * made or remade when missing. allow: sandbox id's rules at address ip,
 * after dropping its earlier ones and any left for that address: these
 * TCP ports of the host, nothing else. forget: drops sandbox id's rules. */
int docker_hostfw_find(char *exe, size_t exelen, char *err, size_t errlen);
int docker_hostfw_install(const char *exe, char *err, size_t errlen);
int docker_hostfw_allow(const char *exe, const char *id, const char *ip, const int *ports,
			int nports, char *err, size_t errlen);
void docker_hostfw_forget(const char *exe, const char *id);

/* The sandbox's address on the handbox network it joined, from GET
 * /containers/{id}/json, into out ("" while stopped, or on a network of
 * the user's); and the host ports it may reach (label
 * LABEL_ALLOW_HOST_PORTS), at most max, as a count. */
void docker_sandbox_address(json_t *c, char *out, size_t outlen);
int docker_sandbox_allowed_ports(json_t *c, int *ports, int max);

/* Makes sure the network a sandbox joins (isolated or not) exists with
 * the isolation above, making it (again) when needed. */
int docker_network_ensure(struct docker_api *api, bool isolated, char *err, size_t errlen);

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
