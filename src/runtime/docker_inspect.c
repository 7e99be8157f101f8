/* docker_inspect.c — reading a sandbox back from what the engine says of
 * its container, so that any process can re-attach by label. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "runtime/docker.h"
#include "runtime/owner.h"

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static enum sandbox_state state_of(const char *s)
{
	if (!s)
		return SANDBOX_UNKNOWN;
	if (!strcmp(s, "running") || !strcmp(s, "restarting"))
		return SANDBOX_RUNNING;
	if (!strcmp(s, "created"))
		return SANDBOX_CREATED;
	if (!strcmp(s, "paused"))
		return SANDBOX_PAUSED;
	if (!strcmp(s, "exited") || !strcmp(s, "dead") || !strcmp(s, "removing"))
		return SANDBOX_EXITED;
	return SANDBOX_UNKNOWN;
}

static int port_index(int container_port)
{
	int i;

	for (i = 0; i < SANDBOX_PORT_COUNT; i++)
		if (sandbox_ports[i] == container_port)
			return i;
	return -1;
}

/* The host to dial for a binding address: the wildcard means loopback. */
static void reach_host(char *out, size_t len, const char *ip)
{
	if (!ip || !*ip || !strcmp(ip, "0.0.0.0"))
		ip = "127.0.0.1";
	else if (!strcmp(ip, "::"))
		ip = "::1";
	copy_str(out, len, ip);
}

static void common_labels(json_t *labels, struct hb_sandbox *sb)
{
	copy_str(sb->id, sizeof(sb->id),
		 json_string_value(json_object_get(labels, LABEL_SANDBOX)));
	copy_str(sb->owner, sizeof(sb->owner),
		 json_string_value(json_object_get(labels, LABEL_OWNER)));
	copy_str(sb->lease, sizeof(sb->lease),
		 json_string_value(json_object_get(labels, LABEL_LEASE)));
	copy_str(sb->state_dir, sizeof(sb->state_dir),
		 json_string_value(json_object_get(labels, LABEL_STATE_DIR)));
	copy_str(sb->workdir, sizeof(sb->workdir),
		 json_string_value(json_object_get(labels, LABEL_WORKDIR)));
	copy_str(sb->backend, sizeof(sb->backend), "docker");
}

/* NetworkSettings.Ports: {"8000/tcp": [{"HostIp": "127.0.0.1",
 * "HostPort": "49153"}], …}; an isolated sandbox has no bindings and is
 * reached on its internal address. */
static bool read_isolated(json_t *c, struct hb_sandbox *sb)
{
	json_t *nets = json_object_get(json_object_get(c, "NetworkSettings"), "Networks");
	const char *ip = json_string_value(json_object_get(json_object_get(nets,
						ISOLATED_NETWORK), "IPAddress"));
	int i;

	if (!ip)
		return false;
	if (*ip) {    /* empty while stopped */
		reach_host(sb->host, sizeof(sb->host), ip);
		for (i = 0; i < SANDBOX_PORT_COUNT; i++)
			sb->host_ports[i] = sandbox_ports[i];
	}
	return true;
}

static void read_ports(json_t *c, struct hb_sandbox *sb)
{
	json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	const char *name;
	json_t *b;

	if (read_isolated(c, sb))
		return;
	json_object_foreach(ports, name, b) {
		int idx = port_index(atoi(name));
		json_t *first = json_array_get(b, 0);
		if (idx < 0 || !first)
			continue;
		sb->host_ports[idx] = atoi(json_string_value(json_object_get(first, "HostPort"))
					   ?: "0");
		if (idx == 0)
			reach_host(sb->host, sizeof(sb->host),
				   json_string_value(json_object_get(first, "HostIp")));
	}
}

static void read_key(json_t *env, struct hb_sandbox *sb)
{
	size_t i;
	json_t *e;

	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, "SESSION_API_KEY=", 16))
			copy_str(sb->session_api_key, sizeof(sb->session_api_key), s + 16);
	}
}

int docker_sandbox_from_inspect(json_t *c, struct hb_sandbox *sb,
				char *err, size_t errlen)
{
	json_t *config = json_object_get(c, "Config");
	json_t *state = json_object_get(c, "State");
	const char *name = json_string_value(json_object_get(c, "Name"));

	memset(sb, 0, sizeof(*sb));
	common_labels(json_object_get(config, "Labels"), sb);
	if (!sb->id[0])
		return hb_fail(err, errlen, HB_ENOENT, "container %s is not a handbox sandbox",
			       name ? name : "?");
	copy_str(sb->name, sizeof(sb->name), name && *name == '/' ? name + 1 : name);
	copy_str(sb->image, sizeof(sb->image),
		 json_string_value(json_object_get(config, "Image")));
	read_key(json_object_get(config, "Env"), sb);
	sb->state = state_of(json_string_value(json_object_get(state, "Status")));
	sb->exit_code = (int)json_integer_value(json_object_get(state, "ExitCode"));
	sb->oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
	isotime_parse(json_string_value(json_object_get(c, "Created")) ?: "", &sb->created_us);
	read_ports(c, sb);
	return 0;
}

/* Summaries list Ports as [{"IP", "PrivatePort", "PublicPort", "Type"}]. */
int docker_sandbox_from_summary(json_t *c, struct hb_sandbox *sb)
{
	const char *name = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
	json_t *p;
	size_t i;

	memset(sb, 0, sizeof(*sb));
	common_labels(json_object_get(c, "Labels"), sb);
	if (!sb->id[0])
		return HB_ENOENT;
	copy_str(sb->name, sizeof(sb->name), name && *name == '/' ? name + 1 : name);
	copy_str(sb->image, sizeof(sb->image), json_string_value(json_object_get(c, "Image")));
	sb->state = state_of(json_string_value(json_object_get(c, "State")));
	sb->created_us = json_integer_value(json_object_get(c, "Created")) * 1000000;
	if (read_isolated(c, sb))
		return 0;
	json_array_foreach(json_object_get(c, "Ports"), i, p) {
		int idx = port_index((int)json_integer_value(json_object_get(p, "PrivatePort")));
		int pub = (int)json_integer_value(json_object_get(p, "PublicPort"));
		if (idx < 0 || !pub || sb->host_ports[idx])
			continue;
		sb->host_ports[idx] = pub;
		if (idx == 0)
			reach_host(sb->host, sizeof(sb->host),
				   json_string_value(json_object_get(p, "IP")));
	}
	return 0;
}
