/* handbox/workspace.h — the SDK's workspace: one sandbox made for this
 * program, its commands and its files (the reference SDK's
 * DockerWorkspace). Settings not given here come from the environment as
 * for `handbox sandbox create` (RUNTIME, SANDBOX_USER_ID, DOCKER_HOST…).
 *
 * The sandbox lives for this process: one left behind by a crash is
 * removed by the next `handbox sandbox gc`, unless keep_alive. */
#ifndef HB_HANDBOX_WORKSPACE_H
#define HB_HANDBOX_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include <handbox/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hb_workspace;

struct hb_workspace_options {        /* all zero = defaults */
	const char *image;               /* NULL: SANDBOX_RUNTIME_CONTAINER_IMAGE, else handbox/sandbox:latest */
	const char *const *volumes;      /* NULL-terminated SANDBOX_VOLUMES specs, first = workspace */
	int host_port;                   /* 0: dynamic; else 8000 is published here */
	bool extra_ports;                /* also VS Code on host_port+1, VNC on host_port+2 */
	const char *platform;            /* "linux/amd64" | "linux/arm64"; NULL: this machine's */
	bool keep_alive;                 /* leave the sandbox running at close
					    (so does SANDBOX_KEEP_RUNTIME_ALIVE=true) */
};

/* Makes the sandbox and waits until it answers; *out is closed with
 * hb_workspace_close(). opt may be NULL. */
int  hb_workspace_open(struct hb_workspace **out, const struct hb_workspace_options *opt,
		       char *err, size_t errlen);
const char *hb_workspace_url(const struct hb_workspace *ws);          /* sandboxd's base URL */
/* The first volume's target; else /workspace (where commands run when the
 * image has it; sandboxd falls back to the user's home otherwise). */
const char *hb_workspace_working_dir(const struct hb_workspace *ws);  /* e.g. /workspace */
/* sandboxd's session key: every request to hb_workspace_url() needs it
 * (header X-Session-API-Key). */
const char *hb_workspace_session_key(const struct hb_workspace *ws);
/* The sandbox's id (what `handbox sandbox` commands take). */
const char *hb_workspace_id(const struct hb_workspace *ws);

/* Where VS Code in the browser (container port 8001) and the desktop's
 * noVNC (8002) answer from this machine, as sandboxd's /api/vscode/url and
 * /api/desktop/url write them for the host port each is published on:
 * host_port + 1 and + 2 with extra_ports and a host_port, else the
 * dynamic ones the engine chose. VS Code's carries its token and the
 * working dir ("http://127.0.0.1:P/?tkn=…&folder=/workspace"); the
 * desktop's is "http://127.0.0.1:P/vnc.html?autoconnect=1&resize=remote".
 * *url is free()d by the caller, or NULL with 0 returned when the image
 * has no VS Code or no desktop (`handbox image build --with vscode,desktop`
 * makes one that has). */
int  hb_workspace_vscode_url(struct hb_workspace *ws, char **url, char *err, size_t errlen);
int  hb_workspace_desktop_url(struct hb_workspace *ws, char **url, char *err, size_t errlen);

/* stdout_text and stderr_text hold the first 64 MiB of each stream (a note
 * at the end of stderr_text says when more was dropped), NUL-terminated. */
struct hb_exec_result { char *command; int exit_code; char *stdout_text; char *stderr_text; bool timed_out; };
/* 0 when the command ran, whatever its exit code (see *out); negative HB_E… only
 * when handbox could not run it. cwd NULL: the working dir; timeout_s 0: SANDBOX_TIMEOUT or 300. */
int  hb_workspace_exec(struct hb_workspace *ws, const char *command, const char *cwd,
		       int timeout_s, struct hb_exec_result **out, char *err, size_t errlen);
void hb_exec_result_free(struct hb_exec_result *r);                  /* r NULL: nothing */
/* Copies a local file or folder into the sandbox, or one of the sandbox's
 * out (cp -r); remote is an absolute path in the sandbox. */
int  hb_workspace_upload(struct hb_workspace *ws, const char *local, const char *remote, char *err, size_t errlen);
int  hb_workspace_download(struct hb_workspace *ws, const char *remote, const char *local, char *err, size_t errlen);
/* Removes the sandbox unless keep_alive; one that cannot be removed (the
 * engine is gone) is named on stderr: its lease ends with this process,
 * so `handbox sandbox gc` removes it later. ws NULL does nothing. */
void hb_workspace_close(struct hb_workspace *ws);
/* Attaches to an existing sandbox by id (or unique prefix or name),
 * resuming or starting it when it is paused or stopped. Settings come from
 * the environment as for hb_workspace_open(); close removes the sandbox
 * unless hb_workspace_keep_alive(ws, true). */
int  hb_workspace_attach(struct hb_workspace **out, const char *sandbox_id, char *err, size_t errlen);
/* As hb_workspace_open(), over settings (NULL: the environment's; else
 * made by hb_settings_from_env() and hb_settings_set() of
 * <handbox/sandbox.h>, for memory, cpus, env…; taken over: freed by
 * hb_workspace_close(), or here on failure) with opt applied over them;
 * cancel (may be NULL) stops the start (HB_ECANCELED). */
struct hb_settings;
struct hb_cancel;
int  hb_workspace_open_with(struct hb_workspace **out, const struct hb_workspace_options *opt,
			    struct hb_settings *settings, struct hb_cancel *cancel,
			    char *err, size_t errlen);
/* Whether hb_workspace_close() leaves the sandbox running. */
void hb_workspace_keep_alive(struct hb_workspace *ws, bool keep);                    /* removes the sandbox unless keep_alive */

#ifdef __cplusplus
}
#endif

#endif
