/* runtime.c — picking a backend, the one way into it (runtime_create()
 * and friends: no other file touches rt->backend), the policies on top of
 * any backend (look-up by id prefix, orphan collection), and what every
 * backend shares: the sandboxd check, sandbox ids, session keys, state
 * names. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"

const int hb_sandbox_ports[HB_SANDBOX_PORTS] = { 8000, 8001, 8002, 8011, 8012 };

extern const struct runtime_backend runtime_docker;
extern const struct runtime_backend runtime_process;

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

int runtime_create(struct runtime *rt, const struct sandbox_spec *spec,
		   struct hb_cancel *cancel, struct hb_sandbox *out, char *err, size_t errlen)
{
	return rt->backend->create(rt, spec, cancel, out, err, errlen);
}

int runtime_list(struct runtime *rt, int (*fn)(const struct hb_sandbox *sb, void *arg),
		 void *arg, char *err, size_t errlen)
{
	return rt->backend->list(rt, fn, arg, err, errlen);
}

int runtime_start(struct runtime *rt, const char *id, struct hb_cancel *cancel,
		  char *err, size_t errlen)
{
	return rt->backend->start(rt, id, cancel, err, errlen);
}

int runtime_stop(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return rt->backend->stop(rt, id, err, errlen);
}

int runtime_pause(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return rt->backend->pause(rt, id, err, errlen);
}

int runtime_resume(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return rt->backend->resume(rt, id, err, errlen);
}

int runtime_remove(struct runtime *rt, const char *id, char *err, size_t errlen)
{
	return rt->backend->remove(rt, id, err, errlen);
}

int runtime_logs(struct runtime *rt, const char *id, int tail, char **out,
		 char *err, size_t errlen)
{
	return rt->backend->logs(rt, id, tail, out, err, errlen);
}

int runtime_cancelled(struct hb_cancel *cancel, const char *id, char *err, size_t errlen)
{
	int why = hb_cancel_reason(cancel);

	if (why > 0 && why < NSIG)
		return hb_fail(err, errlen, HB_ECANCELED, "interrupted by signal %d (%s) while "
			       "sandbox %s was starting", why, strsignal(why), id);
	return hb_fail(err, errlen, HB_ECANCELED, "cancelled while sandbox %s was starting", id);
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

struct gc_state {
	struct runtime *rt;
	bool dry_run;
	hb_gc_fn fn;
	void *arg;
};

static int gc_one(const struct hb_sandbox *sb, void *arg)
{
	struct gc_state *st = arg;
	char why[512], err[HB_ERR_MAX] = "";
	int rc;

	if (!owner_is_orphan(sb->owner, sb->state_dir, sb->lease, why, sizeof(why)))
		return 0;
	rc = st->dry_run ? 0 : st->rt->backend->remove(st->rt, sb->id, err, sizeof(err));
	/* gone since the listing (another gc, an rm): nothing left to do,
	 * and not ours to report as removed */
	if (rc != HB_ENOENT && st->fn)
		st->fn(sb, why, rc, err, st->arg);
	return 0;
}

int runtime_gc(struct runtime *rt, bool dry_run, hb_gc_fn fn, void *arg,
	       char *err, size_t errlen)
{
	struct gc_state st = { rt, dry_run, fn, arg };

	return rt->backend->list(rt, gc_one, &st, err, errlen);
}

bool sandbox_id_ok(const char *id)
{
	return id && strlen(id) == HB_SANDBOX_ID_LEN &&
	       strspn(id, "0123456789abcdef") == HB_SANDBOX_ID_LEN;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

bool sandbox_name_prefix_ok(const char *prefix)
{
	size_t n = strlen(prefix);

	return n == 0 ||
	       (n <= HB_SANDBOX_NAME_MAX - HB_SANDBOX_ID_LEN - 1 && strchr(ALNUM, prefix[0]) &&
		strspn(prefix, ALNUM "_.-") == n);
}

const char *sandbox_state_name(enum hb_sandbox_state s)
{
	static const char *const names[] = {
		[HB_SANDBOX_CREATED] = "created", [HB_SANDBOX_RUNNING] = "running",
		[HB_SANDBOX_PAUSED] = "paused",   [HB_SANDBOX_EXITED] = "exited",
		[HB_SANDBOX_GONE] = "gone",       [HB_SANDBOX_UNKNOWN] = "unknown",
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

void sandbox_new_id(char out[HB_SANDBOX_ID_LEN + 1])
{
	random_hex(out, HB_SANDBOX_ID_LEN);
}

void sandbox_new_key(char out[HB_SANDBOX_KEY_LEN + 1])
{
	random_hex(out, HB_SANDBOX_KEY_LEN);
}

void sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen)
{
	const char *h = sb->host[0] ? sb->host : "127.0.0.1";

	if (i < 0 || i >= HB_SANDBOX_PORTS || !sb->host_ports[i])
		snprintf(out, outlen, "%s", "");
	else
		snprintf(out, outlen, strchr(h, ':') ? "http://[%s]:%d" : "http://%s:%d", h,
			 sb->host_ports[i]);
}

void sandbox_url(const struct hb_sandbox *sb, char *out, size_t outlen)
{
	sandbox_port_url(sb, 0, out, outlen);
}
