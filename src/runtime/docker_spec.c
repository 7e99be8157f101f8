/* docker_spec.c — the Engine API body that creates a sandbox container
 * (POST /containers/create) from a struct sandbox_spec. */
#include <stdio.h>
#include <string.h>

#include "runtime/docker.h"
#include "runtime/owner.h"

/* sandboxd inside every container, bind-mounted read-only. */
#define SANDBOXD_IN_CONTAINER "/.handbox/sandboxd"

static json_t *mount_json(const char *type, const char *source, const char *target,
			  int read_only)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "Type", type, "Source", source,
			 "Target", target, "ReadOnly", read_only);
}

static json_t *mounts_json(const struct sandbox_spec *spec, const char *sandboxd)
{
	json_t *a = json_array();
	int i;

	json_array_append_new(a, mount_json("bind", sandboxd, SANDBOXD_IN_CONTAINER, 1));
	for (i = 0; i < spec->volumes.n; i++) {
		const struct volume *v = &spec->volumes.v[i];
		json_array_append_new(a, mount_json(v->kind == VOLUME_BIND ? "bind" : "volume",
						    v->source, v->target, v->read_only));
	}
	return a;
}

static json_t *env_json(const struct sandbox_spec *spec, const char *key)
{
	json_t *a = json_array();
	char line[128];
	int i;

	for (i = 0; i < SANDBOX_ENV_MAX && spec->env[i]; i++)
		json_array_append_new(a, json_string(spec->env[i]));
	/* last, so that --env cannot replace them */
	snprintf(line, sizeof(line), "SANDBOX_USER_ID=%u", spec->user_id);
	json_array_append_new(a, json_string(line));
	snprintf(line, sizeof(line), "SESSION_API_KEY=%s", key);
	json_array_append_new(a, json_string(line));
	return a;
}

static void add_ports(json_t *exposed, json_t *bindings, const char *bind_address)
{
	char name[16];
	int i;

	for (i = 0; i < SANDBOX_PORT_COUNT; i++) {
		snprintf(name, sizeof(name), "%d/tcp", sandbox_ports[i]);
		json_object_set_new(exposed, name, json_object());
		if (bindings)
			json_object_set_new(bindings, name,
					    json_pack("[{s:s, s:s}]", "HostIp", bind_address,
						      "HostPort", ""));
	}
}

json_t *docker_create_body(const struct sandbox_spec *spec, const char *id,
			   const char *key, const char *network,
			   const struct runtime_options *opt)
{
	json_t *body, *host, *labels, *exposed = json_object(), *bindings = NULL;
	const char *workdir = spec->volumes.n ? spec->volumes.v[0].target : NULL;
	json_t *cmd = json_pack("[s, s, s, s]", "--port", "8000", "--host", "0.0.0.0");

	if (workdir) {
		json_array_append_new(cmd, json_string("--workdir"));
		json_array_append_new(cmd, json_string(workdir));
	}
	/* An isolated sandbox publishes nothing: the host reaches it on its
	 * own address on the internal network. */
	if (!spec->isolated)
		bindings = json_object();
	add_ports(exposed, bindings, spec->bind_address);
	labels = json_pack("{s:s, s:s, s:s, s:s, s:s}",
			   LABEL_SANDBOX, id, LABEL_OWNER, opt->owner_id ? opt->owner_id : "",
			   LABEL_STATE_DIR, opt->state_dir ? opt->state_dir : "",
			   LABEL_LEASE, spec->keep_alive || !opt->lease ? "" : opt->lease,
			   LABEL_WORKDIR, workdir ? workdir : "");
	host = json_pack("{s:o, s:o, s:{s:s}}",
			 "Mounts", mounts_json(spec, opt->sandboxd_path),
			 "PortBindings", bindings ? bindings : json_object(),
			 "RestartPolicy", "Name", "no");
	/* the reference's way to reach the host (a local LLM, say); an
	 * isolated sandbox is not meant to */
	if (!spec->isolated)
		json_object_set_new(host, "ExtraHosts",
				    json_pack("[s]", "host.docker.internal:host-gateway"));
	if (network)
		json_object_set_new(host, "NetworkMode", json_string(network));
	if (spec->memory_bytes > 0) {
		json_object_set_new(host, "Memory", json_integer(spec->memory_bytes));
		/* no swap beyond the limit: a runaway job is stopped, not paged */
		json_object_set_new(host, "MemorySwap", json_integer(spec->memory_bytes));
	}
	if (spec->nano_cpus > 0)
		json_object_set_new(host, "NanoCpus", json_integer(spec->nano_cpus));
	if (spec->pids_limit > 0)
		json_object_set_new(host, "PidsLimit", json_integer(spec->pids_limit));
	body = json_pack("{s:s, s:[s], s:o, s:o, s:s, s:o, s:o, s:o}",
			 "Image", spec->image,
			 "Entrypoint", SANDBOXD_IN_CONTAINER,
			 "Cmd", cmd,
			 "Env", env_json(spec, key),
			 /* sandboxd starts as root to switch to the sandbox user
			  * (an image's USER would stop it from doing so) */
			 "User", "0",
			 "Labels", labels,
			 "ExposedPorts", exposed,
			 "HostConfig", host);
	if (workdir)
		json_object_set_new(body, "WorkingDir", json_string(workdir));
	return body;
}
