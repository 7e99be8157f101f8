/* handbox/sandbox.h — sandboxes: their settings, the runtime that makes
 * them, their lifecycle, and running commands and copying files through
 * one.
 *
 * A sandbox is a container (or, with RUNTIME=process, a local process)
 * running handbox-sandboxd, reached through host ports with a session key;
 * struct hb_sandbox says where. The calls block: a program with an event
 * loop makes them from a worker thread. Each returns 0 or a negative HB_E…
 * code and then writes one sentence into err (HB_ERR_MAX bytes hold it). */
#ifndef HB_HANDBOX_SANDBOX_H
#define HB_HANDBOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <handbox/cancel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The container ports every sandbox publishes, in this order: sandboxd's
 * API, VS Code, VNC, and two for the user's apps (as in OpenHands). */
#define HB_SANDBOX_PORTS 5
extern const int hb_sandbox_ports[HB_SANDBOX_PORTS];

#define HB_SANDBOX_ID_LEN 12        /* lower-case hex */
#define HB_SANDBOX_KEY_LEN 64       /* hex of 32 random bytes */
#define HB_SANDBOX_NAME_MAX 128
#define HB_PATH_MAX 4096            /* Linux's PATH_MAX, fixed in the ABI */

enum hb_sandbox_state {
	HB_SANDBOX_CREATED, HB_SANDBOX_RUNNING, HB_SANDBOX_PAUSED, HB_SANDBOX_EXITED,
	HB_SANDBOX_GONE, HB_SANDBOX_UNKNOWN,
};

/* What a sandbox is now. Plain data: copy it freely, nothing to free. */
struct hb_sandbox {
	char id[HB_SANDBOX_ID_LEN + 1];
	char backend[16];                /* "docker" or "process" */
	char name[HB_SANDBOX_NAME_MAX];  /* container name / process tag */
	char image[256];
	char owner[64];                  /* server id of whoever created it */
	char lease[64];                  /* "pid:starttime" or "" (keep-alive) */
	char state_dir[1024];            /* of the owner */
	char session_api_key[HB_SANDBOX_KEY_LEN + 1];
	char host[64];                   /* address to reach published ports */
	int host_ports[HB_SANDBOX_PORTS]; /* 0 = not published */
	char workdir[HB_PATH_MAX];       /* the workspace: a host path for
					    process sandboxes, else "" or the
					    first mount's target */
	enum hb_sandbox_state state;
	int exit_code;                   /* when EXITED */
	bool oom_killed;                 /* the engine says so */
	int64_t created_us;              /* wall clock, microseconds */
};

/* "running", "paused"… */
const char *hb_sandbox_state_name(enum hb_sandbox_state s);
/* "http://HOST:PORT" (an IPv6 host in brackets) where container port
 * hb_sandbox_ports[i] is reachable; "" when it is not published. */
void hb_sandbox_port_url(const struct hb_sandbox *sb, int i, char *out, size_t outlen);
/* true when sb's owner is gone (its state directory deleted or made
 * anew, or the process it was made for has ended): hb_sandbox_gc()
 * removes such sandboxes. why gets a short reason. */
bool hb_sandbox_orphan(const struct hb_sandbox *sb, char *why, size_t whylen);

/* ------------------------------------------------------------ settings */

/* Everything a runtime and a new sandbox are made with: read from the
 * environment (RUNTIME, SANDBOX_*, DOCKER_HOST, HANDBOX_*; see
 * docs/runtime.md), then changed by hb_settings_set(). */
struct hb_settings;

enum hb_setting {
	HB_SET_IMAGE = 1,      /* image name */
	HB_SET_VOLUME,         /* HOST:CONTAINER[:ro|rw]; the first call drops
				  SANDBOX_VOLUMES, each call adds one */
	HB_SET_USER_ID,        /* uid that runs commands */
	HB_SET_BIND,           /* host address of published ports */
	HB_SET_NETWORK,        /* engine network; "isolated": no way out */
	HB_SET_MEMORY,         /* 512m, 2g; 0 = none */
	HB_SET_CPUS,           /* 1.5; 0 = none */
	HB_SET_PIDS,           /* process limit; 0 = none */
	HB_SET_ENV,            /* NAME=VALUE for commands; each call adds one */
	HB_SET_READY_TIMEOUT,  /* seconds to wait for a new sandbox */
	HB_SET_OWNER_PID,      /* the sandbox lives for this process (gc) */
	HB_SET_KEEP_ALIVE,     /* true: outlives its owner */
	HB_SET_HOST_PORT,      /* 0: dynamic; else the API's host port */
	HB_SET_EXTRA_PORTS,    /* true: VS Code on host port + 1, VNC on + 2 */
	HB_SET_PLATFORM,       /* "linux/amd64", "linux/arm64" */
	HB_SET_DISK,           /* size of the container's own files (10g);
				  0 = none; needs the engine's overlay2 on xfs
				  with pquota */
	HB_SET_ALLOW_HOST_PORT, /* a TCP port of this host the sandbox may
				   reach; each call adds one */
};

/* Reads the environment. HB_EINVAL names the variable, its value and what
 * was expected. Free with hb_settings_free(). */
int hb_settings_from_env(struct hb_settings **out, char *err, size_t errlen);
/* Sets one value given as text (as a flag or a form gives it); name is how
 * errors call it ("--memory"). Nothing is contacted or created. */
int hb_settings_set(struct hb_settings *s, enum hb_setting what, const char *value,
		    const char *name, char *err, size_t errlen);
/* The i-th (from 0) warning the settings as they are now call for
 * (WORKSPACE_BASE is deprecated, a system folder is mounted, --pids 0…),
 * or NULL past the last. Valid until s changes. */
const char *hb_settings_warning(const struct hb_settings *s, int i);
/* "docker" or "process". */
const char *hb_settings_backend(const struct hb_settings *s);
void hb_settings_free(struct hb_settings *s);

/* ------------------------------------------------------------- runtime */

struct hb_runtime;

/* Opens the backend of s (reads or makes the state directory's server
 * id). s is borrowed and must outlive rt. Close with hb_runtime_close(). */
int hb_runtime_open(struct hb_runtime **out, const struct hb_settings *s,
		    char *err, size_t errlen);
void hb_runtime_close(struct hb_runtime *rt);
/* fn(arg, sentence) is told what a user should know that does not stop
 * the work (e.g. the host firewall could not be installed without root);
 * without it such sentences are dropped. */
void hb_runtime_on_warning(struct hb_runtime *rt, void (*fn)(void *arg, const char *message),
			   void *arg);

/* Makes a sandbox as s says (s may be the runtime's settings or others)
 * and waits until it answers. cancel (may be NULL) stops the wait; then,
 * as on any failure, nothing half-made is left. */
int hb_sandbox_create(struct hb_runtime *rt, const struct hb_settings *s,
		      struct hb_cancel *cancel, struct hb_sandbox *out,
		      char *err, size_t errlen);
/* By id, unique id prefix or name; HB_ENOENT "no sandbox X" otherwise. */
int hb_sandbox_find(struct hb_runtime *rt, const char *ref, struct hb_sandbox *out,
		    char *err, size_t errlen);
/* Calls fn for every sandbox of the backend (any owner) until fn returns
 * nonzero. sb is valid during the call. */
int hb_sandbox_list(struct hb_runtime *rt,
		    int (*fn)(const struct hb_sandbox *sb, void *arg), void *arg,
		    char *err, size_t errlen);
/* Starts a stopped sandbox and waits until it answers (its host ports may
 * change). A sandbox already in the state asked for is left as it is. */
int hb_sandbox_start(struct hb_runtime *rt, const char *id, struct hb_cancel *cancel,
		     char *err, size_t errlen);
int hb_sandbox_stop(struct hb_runtime *rt, const char *id, char *err, size_t errlen);
int hb_sandbox_pause(struct hb_runtime *rt, const char *id, char *err, size_t errlen);
int hb_sandbox_resume(struct hb_runtime *rt, const char *id, char *err, size_t errlen);
/* Stops and removes it (named volumes and mounted folders stay). */
int hb_sandbox_remove(struct hb_runtime *rt, const char *id, char *err, size_t errlen);
/* The last tail lines of what its sandboxd wrote, malloc'd into *out
 * (caller frees). */
int hb_sandbox_logs(struct hb_runtime *rt, const char *id, int tail, char **out,
		    char *err, size_t errlen);

/* What hb_sandbox_gc() did with one orphan: rc 0 (removed, or would be
 * with dry_run) or the HB_E… code with its message in err. */
typedef void (*hb_gc_fn)(const struct hb_sandbox *sb, const char *why, int rc,
			 const char *err, void *arg);
/* Removes every orphan of the backend (see hb_sandbox_orphan), reporting
 * each to fn; with dry_run, only reports. Sandboxes of live owners and
 * other containers are left alone. Returns nonzero only when the
 * sandboxes could not be listed. */
int hb_sandbox_gc(struct hb_runtime *rt, bool dry_run, hb_gc_fn fn, void *arg,
		  char *err, size_t errlen);

/* ----------------------------------------------- commands and files */

/* The steps of a run that hb_exec_options.on_step is told of. */
enum hb_exec_step {
	HB_EXEC_CONNECTING,       /* the TCP connect is about to begin */
	HB_EXEC_STARTED,          /* sandboxd started the command */
	HB_EXEC_EXITED,           /* sandboxd said it ended */
};

struct hb_exec_options {          /* zero what you do not use */
	char *const *argv;        /* run without a shell, or */
	const char *command;      /* a shell line (exactly one of the two) */
	const char *cwd;          /* NULL: the sandbox's working directory */
	const char *user;         /* NULL: the sandbox user; "root"; a uid */
	const char *const *env;   /* "K=V" … NULL-terminated, or NULL */
	bool pty;                 /* on a terminal sized like ours */
	bool forward_stdin;       /* send our stdin, then end-of-file */
	double timeout_s;         /* 0 = none */
	/* NULL: the command's stdout and stderr go to our fds 1 and 2, and
	 * this thread's SIGINT, SIGTERM, SIGHUP and SIGQUIT go to the command
	 * (as `handbox sandbox exec`). Else each chunk goes to
	 * output(output_arg, 1 or 2, …) as it comes, which returns nonzero to
	 * end the command as a reader that went away would; then signals are
	 * left alone. */
	int (*output)(void *arg, int fd, const void *data, size_t len);
	void *output_arg;
	/* NULL, or told (on this thread) when the run reaches each step:
	 * for callers that time it or show progress */
	void (*on_step)(void *arg, enum hb_exec_step step);
	void *step_arg;
};

struct hb_exec_status {
	int exit_code;            /* as a shell says it (128+N for signal N) */
	char signal[16];          /* "SIGKILL" or "" */
	bool timed_out;
	bool oom_killed;          /* the sandbox's memory limit killed it */
};

/* Runs a command in a running sandbox, its output streamed as o says, and
 * returns 0 once it has ended (see *st), or HB_E… when it could not run:
 * HB_EBUSY when the sandbox is not running (docs/sandbox-client.md). */
int hb_sandbox_exec(const struct hb_sandbox *sb, const struct hb_exec_options *o,
		    struct hb_exec_status *st, char *err, size_t errlen);
/* Told of each entry inside a copied folder that a copy leaves out, and
 * why: by design (error false: a symlink, a special file), or because it
 * could not be copied (error true: unreadable, a name the sandbox's file
 * routes cannot carry, a FIFO in the way…). The copy goes on with the
 * rest either way. path and why are valid during the call. */
typedef void (*hb_copy_skip_fn)(void *arg, const char *path, const char *why, bool error);

/* cp -r of a local file or folder to an absolute path in the sandbox;
 * files belong to the sandbox user. Skipped entries go to on_skip (may be
 * NULL). Returns 0 when all but the skips by design was copied; after
 * entries that could not be copied, the first one's HB_EPERM, HB_ENOENT,
 * HB_EINVAL or HB_ETOOBIG with a count (the rest was copied); any other
 * HB_E… (HB_EIO: the sandbox or the local disk failed) stopped the copy. */
int hb_sandbox_copy_in(const struct hb_sandbox *sb, const char *local,
		       const char *remote, hb_copy_skip_fn on_skip, void *skip_arg,
		       char *err, size_t errlen);
/* cp -r of a sandbox's file or folder to a local path ("-": a file to
 * stdout); nothing is written outside local, whatever the sandbox says.
 * Skips and the result as for hb_sandbox_copy_in(). */
int hb_sandbox_copy_out(const struct hb_sandbox *sb, const char *remote,
			const char *local, hb_copy_skip_fn on_skip, void *skip_arg,
			char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
