/* settings.c — environment variables and flag values into runtime
 * settings, each checked with a message a user can act on. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "runtime/docker/docker.h"
#include "runtime/settings.h"

/* The longest state directory a sandbox can carry (struct hb_sandbox). */
#define STATE_DIR_MAX sizeof(((struct hb_sandbox *)0)->state_dir)

int parse_size(const char *what, const char *v, int64_t *bytes, char *err, size_t errlen)
{
	char *end;
	double n;
	int64_t unit = 1;

	errno = 0;
	n = strtod(v, &end);
	if (end == v || errno || n < 0 || !isfinite(n))
		goto bad;
	switch (*end) {
	case 'b': case 'B': case '\0': unit = 1; break;
	case 'k': case 'K': unit = 1LL << 10; break;
	case 'm': case 'M': unit = 1LL << 20; break;
	case 'g': case 'G': unit = 1LL << 30; break;
	case 't': case 'T': unit = 1LL << 40; break;
	default: goto bad;
	}
	if (*end && end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib"))
		goto bad;
	if (n * (double)unit > (double)INT64_MAX / 2)
		goto bad;
	*bytes = (int64_t)(n * (double)unit);
	/* n, not bytes: "0.1" is not "0" (no limit) */
	if (n > 0 && *bytes < (6LL << 20))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": at least 6m (the engine's minimum), or 0 for no limit",
			       what, v);
	return 0;
bad:
	return hb_fail(err, errlen, HB_EINVAL,
		       "%s: \"%s\": expected a size like 512m or 2g (0 = no limit)", what, v);
}

int parse_cpus(const char *what, const char *v, int64_t *nano, char *err, size_t errlen)
{
	char *end;
	double n;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	errno = 0;
	n = strtod(v, &end);
	if (end == v || *end || errno || n < 0 || !isfinite(n) || (n > 0 && n < 0.01) ||
	    (ncpu > 0 && n > (double)ncpu))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a number of CPUs from 0.01 to %ld (0 = no limit)",
			       what, v, ncpu > 0 ? ncpu : 1024L);
	*nano = (int64_t)llround(n * 1e9);
	return 0;
}

int parse_bool(const char *what, const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected true or false", what, v);
}

int parse_uint(const char *what, const char *v, unsigned long max, unsigned long *out,
	       char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || n > max)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a whole number from 0 to %lu", what, v, max);
	*out = n;
	return 0;
}

int parse_seconds_ms(const char *what, const char *v, int *ms, char *err, size_t errlen)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (end == v || *end || errno || !(s > 0) || s > 86400)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a number of seconds from 0.001 to 86400",
			       what, v);
	*ms = (int)ceil(s * 1000);
	return 0;
}

int parse_string(const char *what, const char *v, char *out, size_t outlen,
		 char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n >= outlen)
		return hb_fail(err, errlen, HB_ETOOBIG, "%s: \"%.60s…\": longer than %zu characters",
			       what, v, outlen - 1);
	memcpy(out, v, n + 1);
	return 0;
}

int parse_name_prefix(const char *what, const char *v, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	if (!docker_name_prefix_ok(v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a container name prefix: letters, digits, "
			       "_ . - (starting with a letter or digit), at most %d characters",
			       what, v, SANDBOX_NAME_MAX - SANDBOX_ID_LEN - 1);
	return parse_string(what, v, out, outlen, err, errlen);
}

int parse_bind_address(const char *what, const char *v, char *out, size_t outlen,
		       char *err, size_t errlen)
{
	unsigned char addr[16];

	if (strlen(v) >= outlen ||
	    (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected an IP address such as 127.0.0.1 or 0.0.0.0",
			       what, v);
	snprintf(out, outlen, "%s", v);
	return 0;
}

/* sandboxd next to our own executable (build/), unless HANDBOX_SANDBOXD. */
static int find_sandboxd(char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("HANDBOX_SANDBOXD");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (env[0] != '/')
			return hb_fail(err, errlen, HB_EINVAL,
				       "HANDBOX_SANDBOXD: \"%s\": expected an absolute path", env);
		return parse_string("HANDBOX_SANDBOXD", env, out, outlen, err, errlen);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = '\0';
	if (n <= 0 || !(slash = strrchr(self, '/')))
		return hb_fail(err, errlen, HB_EIO, "cannot find our own executable: set HANDBOX_SANDBOXD");
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
		s->warned_legacy = true;
		return volumes_add_legacy(&s->volumes, base, getenv("WORKSPACE_MOUNT_PATH"),
					  cwd, getenv("HOME"), err, errlen);
	}
	return 0;
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
	    (rc = parse_name_prefix("HANDBOX_CONTAINER_PREFIX",
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
	return 0;
}

int settings_owner(struct runtime_settings *s, char *err, size_t errlen)
{
	return s->owner_id[0] ? 0 : owner_server_id(s->state_dir, s->owner_id, err, errlen);
}

void settings_free(struct runtime_settings *s)
{
	volumes_free(&s->volumes);
}

void settings_options(const struct runtime_settings *s, struct runtime_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->backend = s->backend;
	opt->docker_host = s->docker_host;
	opt->sandboxd_path = s->sandboxd_path;
	opt->name_prefix = s->name_prefix;
	opt->state_dir = s->state_dir;
	opt->owner_id = s->owner_id;
	opt->ready_timeout_ms = s->ready_timeout_ms;
}

void settings_spec(const struct runtime_settings *s, struct sandbox_spec *spec)
{
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
}
