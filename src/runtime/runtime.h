/* runtime.h — one sandbox per agent session, behind one small interface.
 *
 * A backend (docker, process; later swarm, remote) creates, starts, stops,
 * pauses, resumes, removes, inspects and lists sandboxes. Every sandbox runs
 * handbox-sandboxd and is reached through host ports; struct hb_sandbox says
 * where, and with which session key. Backends are blocking: callers that
 * own an event loop call them from a worker thread. */
#ifndef HB_RUNTIME_H
#define HB_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/volumes.h"

/* The container ports every sandbox publishes, in this order: sandboxd's
 * API, VS Code, VNC, and two for the user's apps (as in the reference). */
#define SANDBOX_PORT_COUNT 5
extern const int sandbox_ports[SANDBOX_PORT_COUNT];

#define SANDBOX_ID_LEN 12          /* lower-case hex */
#define SANDBOX_KEY_LEN 64         /* hex of 32 random bytes */
#define SANDBOX_ENV_MAX 128
#define SANDBOX_NAME_MAX 128

/* What a new sandbox should be. Strings are borrowed from the caller for
 * the duration of the create call. */
struct sandbox_spec {
	const char *image;
	struct volume_list volumes;      /* first = workspace; may be empty */
	unsigned user_id;                /* SANDBOX_USER_ID */
	const char *bind_address;        /* host address for published ports */
	const char *network;             /* NULL = engine default */
	bool isolated;                   /* network without outside access */
	int64_t memory_bytes;            /* 0 = no limit */
	int64_t nano_cpus;               /* 0 = no limit */
	int64_t pids_limit;              /* 0 = no limit */
	const char *env[SANDBOX_ENV_MAX]; /* "K=V", NULL-terminated */
	bool keep_alive;                 /* survives its owner (see owner.h) */
	int ready_timeout_ms;            /* wait for /health at most this long */
};

enum sandbox_state {
	SANDBOX_CREATED, SANDBOX_RUNNING, SANDBOX_PAUSED, SANDBOX_EXITED,
	SANDBOX_GONE, SANDBOX_UNKNOWN,
};

/* What a sandbox is now. Plain data: no _free needed. */
struct hb_sandbox {
	char id[SANDBOX_ID_LEN + 1];
	char backend[16];
	char name[SANDBOX_NAME_MAX];     /* container name / process tag */
	char image[256];
	char owner[64];                  /* server id of whoever created it */
	char lease[64];                  /* "pid:starttime" or "" (keep-alive) */
	char state_dir[1024];            /* of the owner (see owner.h) */
	char session_api_key[SANDBOX_KEY_LEN + 1];
	char host[64];                   /* address to reach published ports */
	int host_ports[SANDBOX_PORT_COUNT]; /* 0 = not published */
	char workdir[PATH_MAX];          /* a host path for process sandboxes */
	enum sandbox_state state;
	int exit_code;                   /* when EXITED */
	bool oom_killed;                 /* the engine says so */
	int64_t created_us;
};

struct runtime;

/* A backend's operations. Each returns 0 or a negative HB_E… code and then
 * writes a sentence a user understands into err. */
struct runtime_backend {
	const char *name;
	int (*open)(struct runtime *rt, char *err, size_t errlen);
	void (*close)(struct runtime *rt);
	/* Creates and starts a sandbox and waits until sandboxd answers. */
	int (*create)(struct runtime *rt, const struct sandbox_spec *spec,
		      struct hb_sandbox *out, char *err, size_t errlen);
	int (*inspect)(struct runtime *rt, const char *id, struct hb_sandbox *out,
		       char *err, size_t errlen);
	/* Calls fn for each sandbox of this backend (any owner); fn returns
	 * nonzero to stop. */
	int (*list)(struct runtime *rt,
		    int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
		    char *err, size_t errlen);
	/* Starts a stopped sandbox and waits until sandboxd answers. */
	int (*start)(struct runtime *rt, const char *id, char *err, size_t errlen);
	int (*stop)(struct runtime *rt, const char *id, char *err, size_t errlen);
	int (*pause)(struct runtime *rt, const char *id, char *err, size_t errlen);
	int (*resume)(struct runtime *rt, const char *id, char *err, size_t errlen);
	int (*remove)(struct runtime *rt, const char *id, char *err, size_t errlen);
	/* The last `tail` lines of the sandbox's output (sandboxd's stderr),
	 * malloc'd into *out (caller frees). */
	int (*logs)(struct runtime *rt, const char *id, int tail, char **out,
		    char *err, size_t errlen);
};

/* Settings every backend shares (from the environment and flags). */
struct runtime_options {
	const char *backend;         /* "docker" (default) or "process" */
	const char *docker_host;     /* DOCKER_HOST or NULL */
	const char *sandboxd_path;   /* static sandboxd binary on the host */
	const char *name_prefix;     /* container name prefix */
	const char *state_dir;       /* HANDBOX_STATE_DIR */
	const char *owner_id;        /* server id stamped on new sandboxes */
	const char *lease;           /* "pid:starttime" of the owning process */
	int ready_timeout_ms;        /* how long start waits for /health */
};

struct runtime {
	const struct runtime_backend *backend;
	struct runtime_options opt;
	void *impl;                  /* the backend's own state */
};

extern const struct runtime_backend runtime_docker;
extern const struct runtime_backend runtime_process;

/* Finds the backend by name and opens it. rt is caller memory; opt's
 * strings must outlive it. Close with runtime_close(). */
int runtime_open(struct runtime *rt, const struct runtime_options *opt,
		 char *err, size_t errlen);
void runtime_close(struct runtime *rt);

/* Checks that opt.sandboxd_path names an executable (an absolute path):
 * every backend runs that file, so create fails early, with a message
 * saying how to get one, rather than with an engine's or exec's error. */
int runtime_check_sandboxd(const struct runtime *rt, char *err, size_t errlen);

/* Looks a sandbox up by id, unique id prefix, or name, in any backend
 * state; returns HB_ENOENT with "no sandbox X" otherwise. */
int runtime_find(struct runtime *rt, const char *ref, struct hb_sandbox *out,
		 char *err, size_t errlen);

const char *sandbox_state_name(enum sandbox_state s);
/* 12 random lower-case hex characters. */
void sandbox_new_id(char out[SANDBOX_ID_LEN + 1]);
/* 64 random lower-case hex characters. */
void sandbox_new_key(char out[SANDBOX_KEY_LEN + 1]);
/* "http://HOST:PORT" (an IPv6 host in brackets) where the sandbox's
 * container port sandbox_ports[i] is reachable; "" when not published. */
void sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen);
/* The same for sandboxd's API (container port 8000). */
void sandbox_url(const struct hb_sandbox *sb, char *out, size_t outlen);

#endif
