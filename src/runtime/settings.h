/* settings.h — the runtime's configuration from the environment (API.md
 * § 5), with the parsers flags share. Bad values fail with a message that
 * names the variable, the value and what is expected. */
#ifndef HB_RUNTIME_SETTINGS_H
#define HB_RUNTIME_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handbox/sandbox.h"
#include "runtime/owner.h"
#include "runtime/runtime.h"

#define DEFAULT_SANDBOX_IMAGE "handbox/sandbox:latest"
#define DEFAULT_NAME_PREFIX "oh-agent-server-"
#define DEFAULT_READY_TIMEOUT_MS 120000
#define DEFAULT_PIDS_LIMIT 4096
#define SETTINGS_HOST_PORTS_MAX 16      /* --allow-host-port, per sandbox */
/* memory: half the host's RAM unless HANDBOX_SANDBOX_MEMORY or --memory */
#define SETTINGS_WARNINGS_MAX (VOLUMES_MAX + 2)
#define SETTINGS_WARNING_LEN 512

struct runtime_settings {
	char backend[16];
	char image[512];                 /* name, tag and digest */
	char bind_address[64];
	char network[128];
	char name_prefix[HB_SANDBOX_NAME_MAX - HB_SANDBOX_ID_LEN]; /* name = prefix + id */
	char sandboxd_path[4096];
	char docker_host[1024];
	char state_dir[4096];
	unsigned user_id;
	bool keep_alive;
	bool isolated;
	int64_t memory_bytes;
	int64_t nano_cpus;
	int64_t pids_limit;
	int ready_timeout_ms;
	struct volume_list volumes;
	bool volumes_set;          /* set by settings_set(): env's are gone */
	char *env[SANDBOX_ENV_MAX]; /* "K=V" for commands, malloc'd */
	int nenv;
	char lease[OWNER_LEASE_MAX]; /* of --owner-pid, or "" */
	int host_port;
	bool extra_ports;
	char platform[32];
	int allow_host_ports[SETTINGS_HOST_PORTS_MAX];
	int n_allow_host_ports;
	int64_t disk_bytes;
	bool legacy_workspace;     /* WORKSPACE_BASE was used */
	/* what the settings as they are now call for (settings_set remakes
	 * the list): a deprecated variable, a system folder mounted, no
	 * process limit */
	char warnings[SETTINGS_WARNINGS_MAX][SETTINGS_WARNING_LEN];
	int nwarnings;
};

/* Reads RUNTIME, SANDBOX_*, WORKSPACE_*, DOCKER_HOST, HANDBOX_* (see
 * docs/runtime.md). Free with settings_free(). Nothing is created: the
 * state directory's server id is read (and made) when a runtime opens. */
int settings_from_env(struct runtime_settings *s, char *err, size_t errlen);
void settings_free(struct runtime_settings *s);
/* The options for runtime_open() (pointing into s; the caller sets
 * owner_id). */
void settings_options(const struct runtime_settings *s, struct runtime_options *opt);
/* The sandbox_spec of s (volumes and strings borrowed from s). */
void settings_spec(const struct runtime_settings *s, struct sandbox_spec *spec);
/* Remakes s->warnings from what s holds now (settings_from_env and
 * settings_set call it). */
void settings_warnings_update(struct runtime_settings *s);
/* Sets one value given as text, as a flag or a form field gives it; name
 * is what messages call it ("--memory"). Nothing is contacted. */
int settings_set(struct runtime_settings *s, enum hb_setting what, const char *value,
		 const char *name, char *err, size_t errlen);
/* A container name prefix ([a-zA-Z0-9][a-zA-Z0-9_.-]*) into out, or
 * HB_EINVAL naming what: it is part of every Engine API path handbox
 * builds. */
int settings_parse_name_prefix(const char *what, const char *v, char *out, size_t outlen,
			       char *err, size_t errlen);

#endif
