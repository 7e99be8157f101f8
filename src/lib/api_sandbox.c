/* api_sandbox.c — <handbox/sandbox.h>: settings, the runtime, and the
 * lifecycle of sandboxes, over runtime/ (settings.c, runtime.c, owner.c).
 * This file translates and owns memory; the policies live in runtime/ so
 * that the app server runs the same ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"
#include "runtime/settings.h"

struct hb_settings {
	struct runtime_settings s;
};

struct hb_runtime {
	struct runtime rt;
	char owner_id[OWNER_ID_LEN + 1];
};

const char *hb_version(void)
{
	return HB_VERSION;
}

int hb_settings_from_env(struct hb_settings **out, char *err, size_t errlen)
{
	struct hb_settings *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if ((rc = settings_from_env(&s->s, err, errlen))) {
		settings_free(&s->s);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int hb_settings_set(struct hb_settings *s, enum hb_setting what, const char *value,
		    const char *name, char *err, size_t errlen)
{
	if (!name)
		name = "setting";
	if (!value)
		return hb_fail(err, errlen, HB_EINVAL, "%s: no value given", name);
	return settings_set(&s->s, what, value, name, err, errlen);
}

const char *hb_settings_warning(const struct hb_settings *s, int i)
{
	return i >= 0 && i < s->s.nwarnings ? s->s.warnings[i] : NULL;
}

const char *hb_settings_backend(const struct hb_settings *s)
{
	return s->s.backend;
}

void hb_settings_free(struct hb_settings *s)
{
	if (!s)
		return;
	settings_free(&s->s);
	free(s);
}

int hb_runtime_open(struct hb_runtime **out, const struct hb_settings *s,
		    char *err, size_t errlen)
{
	struct runtime_options opt;
	struct hb_runtime *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	/* the server id stamped on new sandboxes (the state directory is
	 * made on first use) */
	if ((rc = owner_server_id(s->s.state_dir, r->owner_id, err, errlen))) {
		free(r);
		return rc;
	}
	settings_options(&s->s, &opt);
	opt.owner_id = r->owner_id;
	if ((rc = runtime_open(&r->rt, &opt, err, errlen))) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void hb_runtime_on_warning(struct hb_runtime *rt, void (*fn)(void *arg, const char *message),
			   void *arg)
{
	rt->rt.opt.warn = fn;
	rt->rt.opt.warn_arg = arg;
}

void hb_runtime_close(struct hb_runtime *rt)
{
	if (!rt)
		return;
	runtime_close(&rt->rt);
	free(rt);
}

int hb_sandbox_create(struct hb_runtime *rt, const struct hb_settings *s,
		      struct hb_cancel *cancel, struct hb_sandbox *out,
		      char *err, size_t errlen)
{
	struct sandbox_spec spec;

	settings_spec(&s->s, &spec);
	return runtime_create(&rt->rt, &spec, cancel, out, err, errlen);
}

int hb_sandbox_find(struct hb_runtime *rt, const char *ref, struct hb_sandbox *out,
		    char *err, size_t errlen)
{
	return runtime_find(&rt->rt, ref, out, err, errlen);
}

int hb_sandbox_list(struct hb_runtime *rt,
		    int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
		    char *err, size_t errlen)
{
	return runtime_list(&rt->rt, fn, arg, err, errlen);
}

int hb_sandbox_start(struct hb_runtime *rt, const char *id, struct hb_cancel *cancel,
		     char *err, size_t errlen)
{
	return runtime_start(&rt->rt, id, cancel, err, errlen);
}

int hb_sandbox_stop(struct hb_runtime *rt, const char *id, char *err, size_t errlen)
{
	return runtime_stop(&rt->rt, id, err, errlen);
}

int hb_sandbox_pause(struct hb_runtime *rt, const char *id, char *err, size_t errlen)
{
	return runtime_pause(&rt->rt, id, err, errlen);
}

int hb_sandbox_resume(struct hb_runtime *rt, const char *id, char *err, size_t errlen)
{
	return runtime_resume(&rt->rt, id, err, errlen);
}

int hb_sandbox_remove(struct hb_runtime *rt, const char *id, char *err, size_t errlen)
{
	return runtime_remove(&rt->rt, id, err, errlen);
}

int hb_sandbox_logs(struct hb_runtime *rt, const char *id, int tail, char **out,
		    char *err, size_t errlen)
{
	return runtime_logs(&rt->rt, id, tail, out, err, errlen);
}

int hb_sandbox_gc(struct hb_runtime *rt, bool dry_run, hb_gc_fn fn, void *arg,
		  char *err, size_t errlen)
{
	return runtime_gc(&rt->rt, dry_run, fn, arg, err, errlen);
}

const char *hb_sandbox_state_name(enum hb_sandbox_state s)
{
	return sandbox_state_name(s);
}

void hb_sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen)
{
	sandbox_port_url(sb, i, out, outlen);
}

bool hb_sandbox_orphan(const struct hb_sandbox *sb, char *why, size_t whylen)
{
	return owner_is_orphan(sb->owner, sb->state_dir, sb->lease, why, whylen);
}
