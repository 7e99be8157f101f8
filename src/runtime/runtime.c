/* runtime.c — picking a backend, and what every backend shares: the
 * sandboxd check, sandbox ids, session keys, state names and look-up by id
 * prefix. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/runtime.h"

const int sandbox_ports[SANDBOX_PORT_COUNT] = { 8000, 8001, 8002, 8011, 8012 };

static const struct runtime_backend *const backends[] = {
	&runtime_docker, &runtime_process,
};

int runtime_open(struct runtime *rt, const struct runtime_options *opt,
		 char *err, size_t errlen)
{
	const char *name = opt->backend && *opt->backend ? opt->backend : "docker";
	size_t i;

	memset(rt, 0, sizeof(*rt));
	rt->opt = *opt;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name)) {
			rt->backend = backends[i];
			return rt->backend->open(rt, err, errlen);
		}
	if (!strcmp(name, "swarm") || !strcmp(name, "remote"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "RUNTIME: \"%s\": this backend is not available yet; use docker or process",
			       name);
	return hb_fail(err, errlen, HB_EINVAL,
		       "RUNTIME: \"%s\": expected docker or process", name);
}

void runtime_close(struct runtime *rt)
{
	if (rt->backend)
		rt->backend->close(rt);
	rt->backend = NULL;
}

int runtime_check_sandboxd(const struct runtime *rt, char *err, size_t errlen)
{
	const char *path = rt->opt.sandboxd_path;

	if (!path || path[0] != '/' || access(path, X_OK) != 0)
		return hb_fail(err, errlen, HB_ENOENT,
			       "sandboxd not found at %s: run make, or set HANDBOX_SANDBOXD",
			       path ? path : "(unset)");
	return 0;
}

struct find_state {
	const char *ref;
	struct hb_sandbox *out;
	int matches;
};

static int find_one(const struct hb_sandbox *sb, void *arg)
{
	struct find_state *f = arg;
	size_t n = strlen(f->ref);

	if (!strcmp(sb->id, f->ref) || !strcmp(sb->name, f->ref)) {
		*f->out = *sb;
		f->matches = 1;
		return 1;          /* an exact match wins over prefixes */
	}
	if (!strncmp(sb->id, f->ref, n)) {
		if (f->matches++ == 0)
			*f->out = *sb;
	}
	return 0;
}

int runtime_find(struct runtime *rt, const char *ref, struct hb_sandbox *out,
		 char *err, size_t errlen)
{
	struct find_state f = { ref, out, 0 };
	int rc;

	if (!*ref)
		return hb_fail(err, errlen, HB_EINVAL, "empty sandbox id");
	rc = rt->backend->list(rt, find_one, &f, err, errlen);
	if (rc)
		return rc;
	if (f.matches == 0)
		return hb_fail(err, errlen, HB_ENOENT,
			       "no sandbox \"%s\" (handbox sandbox ls lists them)", ref);
	if (f.matches > 1)
		return hb_fail(err, errlen, HB_EINVAL,
			       "\"%s\" matches %d sandboxes: give more of the id",
			       ref, f.matches);
	/* a listing lacks some details (the session key) */
	return rt->backend->inspect(rt, out->id, out, err, errlen);
}

const char *sandbox_state_name(enum sandbox_state s)
{
	static const char *const names[] = {
		[SANDBOX_CREATED] = "created", [SANDBOX_RUNNING] = "running",
		[SANDBOX_PAUSED] = "paused",   [SANDBOX_EXITED] = "exited",
		[SANDBOX_GONE] = "gone",       [SANDBOX_UNKNOWN] = "unknown",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void random_hex(char *out, size_t nchars)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, got = 0;

	while (got < (nchars + 1) / 2) {
		ssize_t n = getrandom(raw + got, (nchars + 1) / 2 - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	for (i = 0; i < nchars; i++)
		out[i] = hex[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nchars] = '\0';
}

void sandbox_new_id(char out[SANDBOX_ID_LEN + 1])
{
	random_hex(out, SANDBOX_ID_LEN);
}

void sandbox_new_key(char out[SANDBOX_KEY_LEN + 1])
{
	random_hex(out, SANDBOX_KEY_LEN);
}

void sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen)
{
	const char *h = sb->host[0] ? sb->host : "127.0.0.1";

	if (i < 0 || i >= SANDBOX_PORT_COUNT || !sb->host_ports[i])
		snprintf(out, outlen, "%s", "");
	else
		snprintf(out, outlen, strchr(h, ':') ? "http://[%s]:%d" : "http://%s:%d", h,
			 sb->host_ports[i]);
}

void sandbox_url(const struct hb_sandbox *sb, char *out, size_t outlen)
{
	sandbox_port_url(sb, 0, out, outlen);
}
