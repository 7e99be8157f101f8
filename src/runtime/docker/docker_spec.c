/* docker_spec.c — the Engine API body that creates a sandbox container
 * (POST /containers/create) from a struct sandbox_spec. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/docker/docker.h"
#include "runtime/owner.h"

/* sandboxd inside every container, bind-mounted read-only. */
#define SANDBOXD_IN_CONTAINER "/.handbox/sandboxd"

static json_t *mount_json(const char *type, const char *source, const char *target,
			  int read_only)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "Type", type, "Source", source,
			 "Target", target, "ReadOnly", read_only);
}

/* Appends v to array a (taking it); false when v is NULL or out of
 * memory. A mount or variable that went missing would change what the
 * sandbox is, so the caller then gives up on the whole body. */
static bool append(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

static json_t *mounts_json(const struct sandbox_spec *spec, const char *sandboxd)
{
	json_t *a = json_array();
	bool ok = a && append(a, mount_json("bind", sandboxd, SANDBOXD_IN_CONTAINER, 1));
	int i;

	for (i = 0; ok && i < spec->volumes.n; i++) {
		const struct volume *v = &spec->volumes.v[i];
		ok = append(a, mount_json(v->kind == VOLUME_BIND ? "bind" : "volume",
					  v->source, v->target, v->read_only));
	}
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *env_json(const struct sandbox_spec *spec, const char *key)
{
	json_t *a = json_array();
	char line[128];
	bool ok = a != NULL;
	int i;

	for (i = 0; ok && i < SANDBOX_ENV_MAX && spec->env[i]; i++)
		ok = append(a, json_string(spec->env[i]));
	/* last: the engine keeps the last of two equal names, so --env
	 * cannot replace them */
	snprintf(line, sizeof(line), "SANDBOX_USER_ID=%u", spec->user_id);
	ok = ok && append(a, json_string(line));
	snprintf(line, sizeof(line), "SESSION_API_KEY=%s", key);
	ok = ok && append(a, json_string(line));
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The host port of container port hb_sandbox_ports[i]: "" (the engine
 * picks one) unless the caller asked for the API's port (and, with
 * extra_ports, VS Code's and VNC's right after it, as the reference SDK
 * publishes them). */
static void host_port_of(const struct sandbox_spec *spec, int i, char *out, size_t outlen)
{
	bool fixed = spec->host_port > 0 && (i == 0 || (spec->extra_ports && i <= 2));

	if (fixed)
		snprintf(out, outlen, "%d", spec->host_port + i);
	else
		snprintf(out, outlen, "%s", "");
}

/* What the container may do beyond an ordinary process, and nothing more.
 * Every capability goes but what sandboxd's root part uses: SETUID and
 * SETGID to become the sandbox user per command and per file route, KILL
 * to signal commands of another uid (timeouts, cancels, shutdown);
 * CHOWN, DAC_OVERRIDE, FOWNER and FSETID so that with --user-id 0 file
 * routes and commands (a package install) still act as root on files.
 * Gone from the engine's default set: NET_RAW (root could forge packets
 * on the shared bridge and read another sandbox's plain-HTTP session
 * key), MKNOD, SYS_CHROOT, SETFCAP, SETPCAP, NET_BIND_SERVICE,
 * AUDIT_WRITE. no-new-privileges stops a setuid binary or a file
 * capability of the image from raising the agent user to root. */
static bool add_hardening(json_t *host)
{
	json_t *add = json_pack("[s, s, s, s, s, s, s]", "CHOWN", "DAC_OVERRIDE", "FOWNER",
				"FSETID", "KILL", "SETGID", "SETUID");

	/* No OomScoreAdj below 0 for PID 1: lowering a score needs
	 * CAP_SYS_RESOURCE in the engine, and where it lacks it (rootless
	 * engines, engines inside a VM or a container) runc cannot start
	 * the container at all. Keeping PID 1 from being the victim is left
	 * to its commands raising their own score, which needs none. */
	return add && json_object_set_new(host, "CapAdd", add) == 0 &&
	       json_object_set_new(host, "CapDrop", json_pack("[s]", "ALL")) == 0 &&
	       json_object_set_new(host, "SecurityOpt",
				   json_pack("[s]", "no-new-privileges:true")) == 0;
}

static bool add_ports(json_t *exposed, json_t *bindings, const struct sandbox_spec *spec)
{
	char name[16], host_port[16];
	int i;

	for (i = 0; i < HB_SANDBOX_PORTS; i++) {
		snprintf(name, sizeof(name), "%d/tcp", hb_sandbox_ports[i]);
		if (json_object_set_new(exposed, name, json_object()))
			return false;
		host_port_of(spec, i, host_port, sizeof(host_port));
		if (bindings &&
		    json_object_set_new(bindings, name,
					json_pack("[{s:s, s:s}]", "HostIp", spec->bind_address,
						  "HostPort", host_port)))
			return false;
	}
	return true;
}

/* "1234,11434" */
static json_t *allowed_ports_json(const struct sandbox_spec *spec)
{
	char list[512];          /* 16 ports of 5 digits and a comma fit */
	size_t used = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < spec->n_allow_host_ports && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%d", i ? "," : "",
					 spec->allow_host_ports[i]);
	return json_string(list);
}

json_t *docker_create_body(const struct sandbox_spec *spec, const char *id,
			   const char *key, const char *network,
			   const struct runtime_options *opt)
{
	json_t *body, *host, *labels, *exposed = json_object(), *bindings = NULL;
	const char *workdir = spec->volumes.n ? spec->volumes.v[0].target : NULL;
	json_t *cmd = json_pack("[s, s, s, s]", "--port", "8000", "--host", "0.0.0.0");
	bool ok = cmd && exposed;

	if (ok && workdir)
		ok = append(cmd, json_string("--workdir")) && append(cmd, json_string(workdir));
	/* An isolated sandbox publishes nothing: the host reaches it on its
	 * own address on the internal network. */
	if (ok && !spec->isolated)
		ok = (bindings = json_object()) != NULL;
	if (!ok || !add_ports(exposed, bindings, spec)) {
		json_decref(cmd);
		json_decref(exposed);
		json_decref(bindings);
		return NULL;
	}
	labels = json_pack("{s:s, s:s, s:s, s:s, s:s}",
			   LABEL_SANDBOX, id, LABEL_OWNER, opt->owner_id ? opt->owner_id : "",
			   LABEL_STATE_DIR, opt->state_dir ? opt->state_dir : "",
			   LABEL_LEASE, spec->keep_alive || !spec->lease ? "" : spec->lease,
			   LABEL_WORKDIR, workdir ? workdir : "");
	if (labels && spec->n_allow_host_ports)
		json_object_set_new(labels, LABEL_ALLOW_HOST_PORTS, allowed_ports_json(spec));
	/* json_pack takes the "o" values even when it fails */
	host = json_pack("{s:o, s:o, s:{s:s}}",
			 "Mounts", mounts_json(spec, opt->sandboxd_path),
			 "PortBindings", bindings ? bindings : json_object(),
			 "RestartPolicy", "Name", "no");
	if (host && !add_hardening(host)) {
		json_decref(host);
		host = NULL;
	}
	if (!host) {
		json_decref(cmd);
		json_decref(exposed);
		json_decref(labels);
		return NULL;
	}
	/* No IPv6 on handbox's networks: inter-container isolation and the
	 * host firewall are IPv4 rules, and every container would otherwise
	 * get a link-local address on which another sandbox or the host's
	 * [::] services could be reached around them. A network the user
	 * names keeps what they configured. */
	if (!spec->network || spec->isolated)
		json_object_set_new(host, "Sysctls",
				    json_pack("{s:s, s:s}", "net.ipv6.conf.all.disable_ipv6", "1",
					      "net.ipv6.conf.default.disable_ipv6", "1"));
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
	/* a quota on the container's writable layer; engines whose storage
	 * cannot enforce one (overlay2 on anything but xfs with pquota) refuse
	 * the create, and their message reaches the user */
	if (spec->disk_bytes > 0) {
		char size[32];

		snprintf(size, sizeof(size), "%lld", (long long)spec->disk_bytes);
		json_object_set_new(host, "StorageOpt", json_pack("{s:s}", "size", size));
	}
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
