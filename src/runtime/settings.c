/* settings.c — environment variables and flag values into runtime
 * settings, each checked with a message a user can act on. */
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/env_name.h"
#include "common/hb_error.h"
#include "common/parse.h"
#include "runtime/settings.h"

/* The longest state directory a sandbox can carry (struct hb_sandbox). */
#define STATE_DIR_MAX sizeof(((struct hb_sandbox *)0)->state_dir)

int settings_parse_name_prefix(const char *what, const char *v, char *out, size_t outlen,
				char *err, size_t errlen)
{
	if (!sandbox_name_prefix_ok(v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a container name prefix: letters, digits, "
			       "_ . - (starting with a letter or digit), at most %d characters",
			       what, v, HB_SANDBOX_NAME_MAX - HB_SANDBOX_ID_LEN - 1);
	return parse_string(what, v, out, outlen, err, errlen);
}

/* DIR/handbox-sandboxd, then DIR/../libexec/handbox/handbox-sandboxd, into
 * out when one is executable: where a build tree and an installation
 * (bin/ and lib/ beside libexec/) keep it. */
static bool sandboxd_near(const char *file, char *out, size_t outlen)
{
	static const char *const rel[] = { "handbox-sandboxd",
					   "../libexec/handbox/handbox-sandboxd" };
	char dir[PATH_MAX], *slash;
	size_t i;

	if (!file || strlen(file) >= sizeof(dir) || !(slash = strrchr(strcpy(dir, file), '/')))
		return false;
	*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
		if ((size_t)snprintf(out, outlen, "%s/%s", dir, rel[i]) < outlen &&
		    access(out, X_OK) == 0)
			return true;
	return false;
}

/* HANDBOX_SANDBOXD; else near the code that runs this (libhandbox.so in
 * PREFIX/lib, or the program that linked it statically), then near our
 * executable; else the path next to the executable, which the error
 * names when there is nothing there. */
static int find_sandboxd(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_SANDBOXD");
	char self[PATH_MAX];
	Dl_info here;
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (env[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "HANDBOX_SANDBOXD: \"%s\": expected an absolute path", env);
		return parse_string("HANDBOX_SANDBOXD", env, out, outlen, err, errlen);
	}
	if (dladdr((void *)find_sandboxd, &here) && here.dli_fname &&
	    here.dli_fname[0] == '/' && sandboxd_near(here.dli_fname, out, outlen))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = '\0';
	if (n <= 0 || !(slash = strrchr(self, '/')))
		return hb_fail(err, errlen, HB_EIO, "cannot find our own executable: set HANDBOX_SANDBOXD");
	if (sandboxd_near(self, out, outlen))
		return 0;
	*slash = '\0';
	if ((size_t)snprintf(out, outlen, "%s/handbox-sandboxd", self) >= outlen)
		return hb_fail(err, errlen, HB_ETOOBIG, "path of our executable too long");
	return 0;
}

/* Half the host's memory: one runaway job cannot take the host down, and
 * any ordinary build fits. */
static int64_t default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page <= 0)
		return 0;
	return ((int64_t)pages * page / 2) & ~((1LL << 20) - 1);
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static int read_volumes(struct runtime_settings *s, char *err, size_t errlen)
{
	const char *vols = getenv("SANDBOX_VOLUMES");
	const char *base = getenv("WORKSPACE_BASE");
	char cwd[PATH_MAX];
	int rc;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	if (vols && *vols &&
	    (rc = volumes_parse(&s->volumes, "SANDBOX_VOLUMES", vols, cwd, getenv("HOME"),
				err, errlen)))
		return rc;
	if (base && *base) {
		s->legacy_workspace = true;
		return volumes_add_legacy(&s->volumes, base, getenv("WORKSPACE_MOUNT_PATH"),
					  cwd, getenv("HOME"), err, errlen);
	}
	return 0;
}

static void warn(struct runtime_settings *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct runtime_settings *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nwarnings >= SETTINGS_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(s->warnings[s->nwarnings++], SETTINGS_WARNING_LEN, fmt, ap);
	va_end(ap);
}

void settings_warnings_update(struct runtime_settings *s)
{
	char real[PATH_MAX], where[32];
	const char *sys;
	int i;

	s->nwarnings = 0;
	if (s->legacy_workspace)
		warn(s, "WORKSPACE_BASE and WORKSPACE_MOUNT_PATH are deprecated; use "
			"SANDBOX_VOLUMES=HOST:/workspace");
	for (i = 0; i < s->volumes.n; i++) {
		const struct volume *v = &s->volumes.v[i];

		if (v->kind != VOLUME_BIND)
			continue;
		/* /lib is often a link to /usr/lib: the folder it names counts */
		if (!(sys = volumes_system_folder(v->source)) && realpath(v->source, real))
			sys = volumes_system_folder(real);
		if (!sys)
			continue;
		snprintf(where, sizeof(where), strcmp(sys, v->source) ? "lies in %s," : "is",
			 sys);
		warn(s, "mount %s:%s: %s %s a system folder of this host; the sandbox can "
			"read everything in it%s", v->source, v->target, v->source, where,
		     v->read_only ? "" : " and change it (rw)");
	}
	if (s->pids_limit == 0)
		warn(s, "--pids 0: no process limit; a fork bomb in the sandbox can take "
			"every process slot of the host");
}

int settings_from_env(struct runtime_settings *s, char *err, size_t errlen)
{
	unsigned long n;
	const char *v;
	int rc;

	memset(s, 0, sizeof(*s));
	if (strlen(env_or("RUNTIME", "")) >= sizeof(s->backend))
		return hb_fail(err, errlen, HB_EINVAL,
			       "RUNTIME: \"%s\": expected docker or process", getenv("RUNTIME"));
	snprintf(s->backend, sizeof(s->backend), "%s", env_or("RUNTIME", "docker"));
	if ((rc = parse_string("SANDBOX_RUNTIME_CONTAINER_IMAGE",
			       env_or("SANDBOX_RUNTIME_CONTAINER_IMAGE", DEFAULT_SANDBOX_IMAGE),
			       s->image, sizeof(s->image), err, errlen)) ||
	    (rc = settings_parse_name_prefix("HANDBOX_CONTAINER_PREFIX",
				    env_or("HANDBOX_CONTAINER_PREFIX", DEFAULT_NAME_PREFIX),
				    s->name_prefix, sizeof(s->name_prefix), err, errlen)) ||
	    (rc = parse_string("DOCKER_HOST", env_or("DOCKER_HOST", ""), s->docker_host,
			       sizeof(s->docker_host), err, errlen)))
		return rc;
	s->pids_limit = DEFAULT_PIDS_LIMIT;
	s->memory_bytes = default_memory();
	s->ready_timeout_ms = DEFAULT_READY_TIMEOUT_MS;
	s->user_id = 1000;
	if ((rc = parse_bind_address("SANDBOX_RUNTIME_BINDING_ADDRESS",
				     env_or("SANDBOX_RUNTIME_BINDING_ADDRESS", "127.0.0.1"),
				     s->bind_address, sizeof(s->bind_address), err, errlen)))
		return rc;
	if ((v = getenv("SANDBOX_USER_ID")) && *v) {
		if ((rc = parse_uint("SANDBOX_USER_ID", v, 2147483647UL, &n, err, errlen)))
			return rc;
		s->user_id = (unsigned)n;
	}
	if ((v = getenv("SANDBOX_KEEP_RUNTIME_ALIVE")) &&
	    (rc = parse_bool("SANDBOX_KEEP_RUNTIME_ALIVE", v, &s->keep_alive, err, errlen)))
		return rc;
	if ((v = getenv("HANDBOX_READY_TIMEOUT")) && *v &&
	    (rc = parse_seconds_ms("HANDBOX_READY_TIMEOUT", v, &s->ready_timeout_ms, err, errlen)))
		return rc;
	if ((v = getenv("HANDBOX_SANDBOX_MEMORY")) && *v &&
	    (rc = parse_size("HANDBOX_SANDBOX_MEMORY", v, &s->memory_bytes, err, errlen)))
		return rc;
	if ((rc = find_sandboxd(s->sandboxd_path, sizeof(s->sandboxd_path), err, errlen)) ||
	    (rc = owner_state_dir(s->state_dir, sizeof(s->state_dir), err, errlen)))
		return rc;
	/* Sandboxes record it (a label) and are read back into struct
	 * hb_sandbox: a longer one would read back as another directory, one
	 * that is "gone", and gc would remove sandboxes whose owner lives. */
	if (strlen(s->state_dir) >= STATE_DIR_MAX)
		return hb_fail(err, errlen, HB_ETOOBIG,
			       "HANDBOX_STATE_DIR: \"%.60s…\": longer than %zu characters",
			       s->state_dir, STATE_DIR_MAX - 1);
	if ((rc = read_volumes(s, err, errlen))) {
		volumes_free(&s->volumes);
		return rc;
	}
	settings_warnings_update(s);
	return 0;
}

void settings_free(struct runtime_settings *s)
{
	int i;

	volumes_free(&s->volumes);
	for (i = 0; i < s->nenv; i++)
		free(s->env[i]);
	s->nenv = 0;
}

void settings_options(const struct runtime_settings *s, struct runtime_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->backend = s->backend;
	opt->docker_host = s->docker_host;
	opt->sandboxd_path = s->sandboxd_path;
	opt->name_prefix = s->name_prefix;
	opt->state_dir = s->state_dir;
	opt->ready_timeout_ms = s->ready_timeout_ms;
}

void settings_spec(const struct runtime_settings *s, struct sandbox_spec *spec)
{
	int i;

	memset(spec, 0, sizeof(*spec));
	spec->image = s->image;
	spec->volumes = s->volumes;
	spec->user_id = s->user_id;
	spec->bind_address = s->bind_address;
	spec->network = s->network[0] ? s->network : NULL;
	spec->isolated = s->isolated;
	spec->memory_bytes = s->memory_bytes;
	spec->nano_cpus = s->nano_cpus;
	spec->pids_limit = s->pids_limit;
	spec->keep_alive = s->keep_alive;
	spec->ready_timeout_ms = s->ready_timeout_ms;
	spec->lease = s->lease[0] ? s->lease : NULL;
	spec->host_port = s->host_port;
	spec->extra_ports = s->extra_ports;
	spec->platform = s->platform[0] ? s->platform : NULL;
	spec->allow_host_ports = s->allow_host_ports;
	spec->n_allow_host_ports = s->n_allow_host_ports;
	spec->disk_bytes = s->disk_bytes;
	for (i = 0; i < s->nenv; i++)
		spec->env[i] = s->env[i];
}

static int set_env(struct runtime_settings *s, const char *kv, const char *name,
		   char *err, size_t errlen)
{
	if (!env_assignment_valid(kv))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected NAME=VALUE (NAME: letters, digits, _)",
			       name, kv);
	/* sandboxd reads these from its environment, which --env is part
	 * of: they would replace the session key or the sandbox user */
	if (!strncmp(kv, "OH_SESSION_API_KEYS_", 20) || !strncmp(kv, "SESSION_API_KEY=", 16) ||
	    !strncmp(kv, "SANDBOX_USER_ID=", 16))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%.*s\": a name handbox sets itself (the session key, the "
			       "sandbox user: use --user-id); choose another name",
			       name, (int)strcspn(kv, "="), kv);
	if (s->nenv >= SANDBOX_ENV_MAX - 1)
		return hb_fail(err, errlen, HB_EINVAL, "%s: more than %d variables", name,
			       SANDBOX_ENV_MAX - 1);
	if (!(s->env[s->nenv] = strdup(kv)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	s->nenv++;
	return 0;
}

/* The first volume set replaces those of SANDBOX_VOLUMES; later ones add. */
static int set_volume(struct runtime_settings *s, const char *spec, const char *name,
		      char *err, size_t errlen)
{
	char cwd[PATH_MAX];

	if (!s->volumes_set) {
		volumes_free(&s->volumes);
		s->volumes_set = true;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	return volumes_parse(&s->volumes, name, spec, cwd, getenv("HOME"), err, errlen);
}

static int set_platform(struct runtime_settings *s, const char *v, const char *name,
			char *err, size_t errlen)
{
	if (strcmp(v, "linux/amd64") && strcmp(v, "linux/arm64"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected linux/amd64 or linux/arm64", name, v);
	snprintf(s->platform, sizeof(s->platform), "%s", v);
	return 0;
}

static int set_owner_pid(struct runtime_settings *s, const char *v, const char *name,
			 char *err, size_t errlen)
{
	unsigned long pid;
	int rc = parse_uint(name, v, 4194304UL, &pid, err, errlen);

	return rc ? rc : owner_lease_of((pid_t)pid, s->lease, err, errlen);
}

static int set_allow_host_port(struct runtime_settings *s, const char *v, const char *name,
			       char *err, size_t errlen)
{
	unsigned long port;
	int rc = parse_uint(name, v, 65535UL, &port, err, errlen);

	if (rc == 0 && port == 0)
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected a port from 1 to 65535",
			     name, v);
	if (rc == 0 && s->n_allow_host_ports >= SETTINGS_HOST_PORTS_MAX)
		rc = hb_fail(err, errlen, HB_EINVAL, "%s: more than %d ports", name,
			     SETTINGS_HOST_PORTS_MAX);
	if (rc == 0)
		s->allow_host_ports[s->n_allow_host_ports++] = (int)port;
	return rc;
}

/* The engine's network modes that undo what a sandbox is. */
static int refuse_network(const char *v, const char *name, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!strcmp(v, "host"))
		why = "the sandbox would share the host's network: every service of this "
		      "host listening on any address, its localhost included, and no port "
		      "of its own";
	else if (!strncmp(v, "container:", 10))
		why = "the sandbox would share that container's network and its localhost, "
		      "and reach every service it runs";
	else if (!strcmp(v, "none"))
		why = "the sandbox would have no network, and the host could not reach its "
		      "sandboxd (use isolated for a sandbox without a way out)";
	if (!why)
		return 0;
	return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": %s; handbox refuses it", name, v,
		       why);
}

static int set_one(struct runtime_settings *s, enum hb_setting what, const char *v,
		   const char *name, char *err, size_t errlen)
{
	unsigned long n = 0;
	int rc;

	switch (what) {
	case HB_SET_IMAGE:
		return parse_string(name, v, s->image, sizeof(s->image), err, errlen);
	case HB_SET_VOLUME:
		return set_volume(s, v, name, err, errlen);
	case HB_SET_USER_ID:
		if ((rc = parse_uint(name, v, 2147483647UL, &n, err, errlen)) == 0)
			s->user_id = (unsigned)n;
		return rc;
	case HB_SET_BIND:
		return parse_bind_address(name, v, s->bind_address, sizeof(s->bind_address),
					  err, errlen);
	case HB_SET_NETWORK:
		if ((rc = refuse_network(v, name, err, errlen)))
			return rc;
		/* "isolated" is handbox's own internal network (no name here) */
		rc = parse_string(name, strcmp(v, "isolated") ? v : "", s->network,
				  sizeof(s->network), err, errlen);
		if (rc == 0)
			s->isolated = !strcmp(v, "isolated");
		return rc;
	case HB_SET_MEMORY:
		return parse_size(name, v, &s->memory_bytes, err, errlen);
	case HB_SET_CPUS:
		return parse_cpus(name, v, &s->nano_cpus, err, errlen);
	case HB_SET_PIDS:
		if ((rc = parse_uint(name, v, 4194304UL, &n, err, errlen)) == 0)
			s->pids_limit = (int64_t)n;
		return rc;
	case HB_SET_ENV:
		return set_env(s, v, name, err, errlen);
	case HB_SET_READY_TIMEOUT:
		return parse_seconds_ms(name, v, &s->ready_timeout_ms, err, errlen);
	case HB_SET_OWNER_PID:
		return set_owner_pid(s, v, name, err, errlen);
	case HB_SET_KEEP_ALIVE:
		return parse_bool(name, v, &s->keep_alive, err, errlen);
	case HB_SET_HOST_PORT:
		/* with extra ports, host_port + 2 must be a port too */
		if ((rc = parse_uint(name, v, 65533UL, &n, err, errlen)) == 0)
			s->host_port = (int)n;
		return rc;
	case HB_SET_EXTRA_PORTS:
		return parse_bool(name, v, &s->extra_ports, err, errlen);
	case HB_SET_PLATFORM:
		return set_platform(s, v, name, err, errlen);
	case HB_SET_DISK:
		return parse_size(name, v, &s->disk_bytes, err, errlen);
	case HB_SET_ALLOW_HOST_PORT:
		return set_allow_host_port(s, v, name, err, errlen);
	}
	return hb_fail(err, errlen, HB_EINVAL, "%s: not a setting handbox knows", name);
}

int settings_set(struct runtime_settings *s, enum hb_setting what, const char *v,
		 const char *name, char *err, size_t errlen)
{
	int rc = set_one(s, what, v, name, err, errlen);

	if (rc == 0)
		settings_warnings_update(s);
	return rc;
}
