/* runtime.h — one sandbox per agent session, behind one small interface.
 *
 * A backend (docker, process; later swarm, remote) creates, starts, stops,
 * pauses, resumes, removes, inspects and lists sandboxes. Every sandbox runs
 * handbox-sandboxd and is reached through host ports; struct hb_sandbox says
 * where, and with which session key. Backends are blocking: callers that
 * own an event loop call them from a worker thread. */
#ifndef HB_RUNTIME_RUNTIME_H
#define HB_RUNTIME_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handbox/cancel.h"
#include "handbox/sandbox.h"
#include "runtime/volumes.h"

#define SANDBOX_ENV_MAX 128

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
	const char *lease;               /* "pid:starttime" of the owning
					    process, or NULL (see owner.h) */
	int ready_timeout_ms;            /* wait for /health at most this long */
	int host_port;                   /* 0: dynamic; else the API's host port */
	bool extra_ports;                /* VS Code and VNC on host_port + 1, + 2 */
	const char *platform;            /* NULL: this machine's */
	/* TCP ports of the host the sandbox may reach (all others are
	 * refused by the host firewall) */
	const int *allow_host_ports;
	int n_allow_host_ports;
	int64_t disk_bytes;              /* 0 = no quota */
};

struct runtime;

/* A backend's operations. Each returns 0 or a negative HB_E… code and then
 * writes a sentence a user understands into err. Only runtime.c calls
 * them; everyone else calls the runtime_…() wrappers below. */
struct runtime_backend {
	const char *name;
	int (*open)(struct runtime *rt, char *err, size_t errlen);
	void (*close)(struct runtime *rt);
	/* Creates and starts a sandbox and waits until sandboxd answers. */
	int (*create)(struct runtime *rt, const struct sandbox_spec *spec,
		      struct hb_cancel *cancel, struct hb_sandbox *out,
		      char *err, size_t errlen);
	int (*inspect)(struct runtime *rt, const char *id, struct hb_sandbox *out,
		       char *err, size_t errlen);
	/* Calls fn for each sandbox of this backend (any owner); fn returns
	 * nonzero to stop. */
	int (*list)(struct runtime *rt,
		    int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
		    char *err, size_t errlen);
	/* Starts a stopped sandbox and waits until sandboxd answers. */
	int (*start)(struct runtime *rt, const char *id, struct hb_cancel *cancel,
		     char *err, size_t errlen);
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
	int ready_timeout_ms;        /* how long start waits for /health */
	/* told what the user should know but does not stop the work (the
	 * host firewall could not be installed…); may be NULL */
	void (*warn)(void *arg, const char *message);
	void *warn_arg;
};

struct runtime {
	const struct runtime_backend *backend;
	struct runtime_options opt;
	void *impl;                  /* the backend's own state */
};

/* Finds the backend by name and opens it. rt is caller memory; opt's
 * strings must outlive it. Close with runtime_close(). */
int runtime_open(struct runtime *rt, const struct runtime_options *opt,
		 char *err, size_t errlen);
void runtime_close(struct runtime *rt);

/* The backend's operations (see struct runtime_backend). cancel may be
 * NULL; a cancelled create or start fails with HB_ECANCELED after removing
 * what it made. */
int runtime_create(struct runtime *rt, const struct sandbox_spec *spec,
		   struct hb_cancel *cancel, struct hb_sandbox *out,
		   char *err, size_t errlen);
int runtime_list(struct runtime *rt, int (*fn)(const struct hb_sandbox *sb, void *arg),
		 void *arg, char *err, size_t errlen);
int runtime_start(struct runtime *rt, const char *id, struct hb_cancel *cancel,
		  char *err, size_t errlen);
int runtime_stop(struct runtime *rt, const char *id, char *err, size_t errlen);
int runtime_pause(struct runtime *rt, const char *id, char *err, size_t errlen);
int runtime_resume(struct runtime *rt, const char *id, char *err, size_t errlen);
int runtime_remove(struct runtime *rt, const char *id, char *err, size_t errlen);
int runtime_logs(struct runtime *rt, const char *id, int tail, char **out,
		 char *err, size_t errlen);

/* Looks a sandbox up by id, unique id prefix, or name, in any backend
 * state; returns HB_ENOENT with "no sandbox X" otherwise. */
int runtime_find(struct runtime *rt, const char *ref, struct hb_sandbox *out,
		 char *err, size_t errlen);

/* Orphan collection, the policy every program that owns sandboxes runs
 * (the CLI's gc, the app server at start): every sandbox of the backend
 * that owner_is_orphan() calls an orphan is removed (with dry_run, only
 * reported) and reported to fn with the reason, the result (HB_ENOENT
 * ones, gone meanwhile, are not reported) and its message. Returns
 * nonzero only when the sandboxes could not be listed. */
int runtime_gc(struct runtime *rt, bool dry_run, hb_gc_fn fn, void *arg,
	       char *err, size_t errlen);

/* The error of a create or start whose wait for sandbox id was cancelled:
 * HB_ECANCELED, "interrupted by signal N (NAME) while sandbox ID was
 * starting" when the reason is a signal number. */
int runtime_cancelled(struct hb_cancel *cancel, const char *id, char *err, size_t errlen);

/* Checks that opt.sandboxd_path names an executable (an absolute path):
 * every backend runs that file, so create fails early, with a message
 * saying how to get one, rather than with an engine's or exec's error. */
int runtime_check_sandboxd(const struct runtime *rt, char *err, size_t errlen);

/* A sandbox id as handbox makes them: HB_SANDBOX_ID_LEN lower-case hex
 * digits. Nothing else is put into an engine URL or a record path. */
bool sandbox_id_ok(const char *id);
/* A container name prefix: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * HB_SANDBOX_NAME_MAX - HB_SANDBOX_ID_LEN - 1 characters (or empty): it is
 * part of every Engine API path handbox builds. */
bool sandbox_name_prefix_ok(const char *prefix);
const char *sandbox_state_name(enum hb_sandbox_state s);
/* 12 random lower-case hex characters. */
void sandbox_new_id(char out[HB_SANDBOX_ID_LEN + 1]);
/* 64 random lower-case hex characters. */
void sandbox_new_key(char out[HB_SANDBOX_KEY_LEN + 1]);
/* "http://HOST:PORT" (an IPv6 host in brackets) where the sandbox's
 * container port hb_sandbox_ports[i] is reachable; "" when not published. */
void sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen);
/* The same for sandboxd's API (container port 8000). */
void sandbox_url(const struct hb_sandbox *sb, char *out, size_t outlen);

#endif
