/* docker_network.c — the two engine networks sandboxes join unless the
 * user names one: handbox-sandboxes (a bridge with a way out) and
 * handbox-isolated (internal: no way out). Both are made with
 * inter-container traffic off (enable_icc=false), so a sandbox reaches
 * neither another sandbox's sandboxd nor its apps, and with fixed bridge
 * names, so the host firewall (docker_hostfw.c) can tell their traffic
 * apart. Made on first use; one that exists under our name with other
 * options is made anew when no container uses it, else refused: a sandbox
 * must not get less isolation than it was promised because of a network
 * someone made by hand or an older handbox made. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "runtime/docker/docker.h"

#define ICC_OPTION "com.docker.network.bridge.enable_icc"
#define BRIDGE_OPTION "com.docker.network.bridge.name"

struct network_kind {
	const char *name;
	const char *bridge;
	bool internal;
};

static const struct network_kind kinds[] = {
	{ SANDBOX_NETWORK, SANDBOX_BRIDGE, false },
	{ ISOLATED_NETWORK, ISOLATED_BRIDGE, true },
};

static bool option_is(json_t *net, const char *opt, const char *want)
{
	json_t *v = json_object_get(json_object_get(net, "Options"), opt);

	return json_is_string(v) && !strcmp(json_string_value(v), want);
}

/* The network as the engine has it matches k: same internal flag, icc off,
 * our bridge name. */
static bool network_ok(json_t *net, const struct network_kind *k)
{
	return json_is_true(json_object_get(net, "Internal")) == k->internal &&
	       option_is(net, ICC_OPTION, "false") && option_is(net, BRIDGE_OPTION, k->bridge);
}

/* 0 when k's network exists as it must; HB_ENOENT (no message) when it
 * does not exist, or did with other options and nothing used it (it is
 * removed: the caller makes it again); HB_EINVAL for a wrong one in use. */
static int check_network(struct docker_api *api, const struct network_kind *k,
			 char *err, size_t errlen)
{
	struct docker_reply r, d;
	char path[128];
	size_t users;
	int rc;

	snprintf(path, sizeof(path), "/networks/%s", k->name);
	rc = docker_api_call(api, "GET", path, NULL, &r, err, errlen);
	if (rc == 0 && r.status == 404)
		rc = HB_ENOENT;
	else if (rc == 0 && r.status != 200)
		rc = docker_fail(&r, err, errlen, "cannot inspect network %s", k->name);
	else if (rc == 0 && !network_ok(r.json, k)) {
		users = json_object_size(json_object_get(r.json, "Containers"));
		if (users)
			rc = hb_fail(err, errlen, HB_EINVAL,
				     "network %s exists without the isolation handbox needs "
				     "(%s, no traffic between its containers) and %zu "
				     "container(s) use it: remove them and the network "
				     "(docker network rm %s), and handbox makes it again",
				     k->name, k->internal ? "internal" : "a bridge", users, k->name);
		else if ((rc = docker_api_call(api, "DELETE", path, NULL, &d, err, errlen)) == 0) {
			if (d.status != 204 && d.status != 404)
				rc = docker_fail(&d, err, errlen, "cannot remove network %s "
						 "(made without isolation) to make it again", k->name);
			else
				rc = HB_ENOENT;
			docker_reply_free(&d);
		}
	}
	docker_reply_free(&r);
	return rc;
}

static int create_network(struct docker_api *api, const struct network_kind *k,
			  char *err, size_t errlen)
{
	struct docker_reply r;
	long status;
	json_t *body = json_pack("{s:s, s:b, s:b, s:{s:s, s:s}, s:{s:s}}", "Name", k->name,
				 "Internal", k->internal, "CheckDuplicate", 1, "Options",
				 ICC_OPTION, "false", BRIDGE_OPTION, k->bridge,
				 "Labels", "handbox.network", k->internal ? "isolated" : "sandboxes");
	int rc;

	if (!body)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	rc = docker_api_call(api, "POST", "/networks/create", body, &r, err, errlen);
	json_decref(body);
	status = r.status;
	if (rc == 0 && status != 201 && status != 409)
		rc = docker_fail(&r, err, errlen, "cannot create network %s", k->name);
	docker_reply_free(&r);
	if (rc || status == 201)
		return rc;
	/* 409: another process made it meanwhile; it too must be as we make it */
	rc = check_network(api, k, err, errlen);
	return rc == HB_ENOENT ? hb_fail(err, errlen, HB_EBUSY, "network %s was made and "
					 "removed again meanwhile: try again", k->name)
			       : rc;
}

int docker_network_ensure(struct docker_api *api, bool isolated, char *err, size_t errlen)
{
	const struct network_kind *k = &kinds[isolated ? 1 : 0];
	int rc = check_network(api, k, err, errlen);

	return rc == HB_ENOENT ? create_network(api, k, err, errlen) : rc;
}
