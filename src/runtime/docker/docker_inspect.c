/* docker_inspect.c — reading a sandbox back from what the engine says of
 * its container, so that any process can re-attach by label. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "runtime/docker/docker.h"
#include "runtime/owner.h"

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* A label copied whole, or false: a state directory cut short would be
 * "gone", and gc would remove a sandbox whose owner is alive. */
static bool copy_label(char *dst, size_t len, json_t *labels, const char *name)
{
	const char *v = json_string_value(json_object_get(labels, name));

	if (!v)
		v = "";
	if (strlen(v) >= len)
		return false;
	memcpy(dst, v, strlen(v) + 1);
	return true;
}

static enum hb_sandbox_state state_of(const char *s)
{
	if (!s)
		return HB_SANDBOX_UNKNOWN;
	if (!strcmp(s, "running") || !strcmp(s, "restarting"))
		return HB_SANDBOX_RUNNING;
	if (!strcmp(s, "created"))
		return HB_SANDBOX_CREATED;
	if (!strcmp(s, "paused"))
		return HB_SANDBOX_PAUSED;
	if (!strcmp(s, "exited") || !strcmp(s, "dead") || !strcmp(s, "removing"))
		return HB_SANDBOX_EXITED;
	return HB_SANDBOX_UNKNOWN;
}

static int port_index(int container_port)
{
	int i;

	for (i = 0; i < HB_SANDBOX_PORTS; i++)
		if (hb_sandbox_ports[i] == container_port)
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

/* The marks handbox writes, whole. A container with others (a label
 * cut short, an id handbox would not make) is not one of our sandboxes:
 * false, and no command touches it. */
static bool our_labels(json_t *labels, struct hb_sandbox *sb)
{
	return copy_label(sb->id, sizeof(sb->id), labels, LABEL_SANDBOX) &&
	       sandbox_id_ok(sb->id) &&
	       copy_label(sb->owner, sizeof(sb->owner), labels, LABEL_OWNER) &&
	       copy_label(sb->lease, sizeof(sb->lease), labels, LABEL_LEASE) &&
	       copy_label(sb->state_dir, sizeof(sb->state_dir), labels, LABEL_STATE_DIR) &&
	       copy_label(sb->workdir, sizeof(sb->workdir), labels, LABEL_WORKDIR);
}

/* The name handbox gives a sandbox: prefix + id (the engine writes it
 * with a leading "/"). A `docker run` of an image committed from a
 * sandbox inherits its labels but not its name: not ours. */
static bool our_name(const char *name, const char *prefix, struct hb_sandbox *sb)
{
	size_t plen = strlen(prefix);

	if (!name)
		return false;
	if (*name == '/')
		name++;
	if (strncmp(name, prefix, plen) || strcmp(name + plen, sb->id))
		return false;
	copy_str(sb->name, sizeof(sb->name), name);
	copy_str(sb->backend, sizeof(sb->backend), "docker");
	return true;
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
		for (i = 0; i < HB_SANDBOX_PORTS; i++)
			sb->host_ports[i] = hb_sandbox_ports[i];
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

int docker_sandbox_from_inspect(json_t *c, const char *prefix, struct hb_sandbox *sb,
				char *err, size_t errlen)
{
	json_t *config = json_object_get(c, "Config");
	json_t *state = json_object_get(c, "State");
	const char *name = json_string_value(json_object_get(c, "Name"));

	memset(sb, 0, sizeof(*sb));
	if (!our_labels(json_object_get(config, "Labels"), sb) || !our_name(name, prefix, sb))
		return hb_fail(err, errlen, HB_ENOENT, "container %s is not a handbox sandbox",
			       name ? name : "?");
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
int docker_sandbox_from_summary(json_t *c, const char *prefix, struct hb_sandbox *sb)
{
	json_t *p, *names = json_object_get(c, "Names");
	bool named = false;
	size_t i;

	memset(sb, 0, sizeof(*sb));
	if (!our_labels(json_object_get(c, "Labels"), sb))
		return HB_ENOENT;
	/* a container linked to others is listed under those names too */
	json_array_foreach(names, i, p)
		if ((named = our_name(json_string_value(p), prefix, sb)))
			break;
	if (!named)
		return HB_ENOENT;
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

void docker_sandbox_address(json_t *c, char *out, size_t outlen)
{
	json_t *nets = json_object_get(json_object_get(c, "NetworkSettings"), "Networks");
	json_t *net = json_object_get(nets, SANDBOX_NETWORK);
	const char *ip;

	if (!net)
		net = json_object_get(nets, ISOLATED_NETWORK);
	ip = json_string_value(json_object_get(net, "IPAddress"));
	snprintf(out, outlen, "%s", ip ? ip : "");
}

int docker_sandbox_allowed_ports(json_t *c, int *ports, int max)
{
	const char *list = json_string_value(json_object_get(
		json_object_get(json_object_get(c, "Config"), "Labels"), LABEL_ALLOW_HOST_PORTS));
	char *end;
	long port;
	int n = 0;

	while (list && *list && n < max) {
		port = strtol(list, &end, 10);
		if (end == list || port < 1 || port > 65535)
			break;          /* not ours as written: allow nothing more */
		ports[n++] = (int)port;
		list = *end == ',' ? end + 1 : end;
	}
	return n;
}
