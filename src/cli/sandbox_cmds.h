/* sandbox_cmds.h — the `handbox sandbox` subcommands, and what they share:
 * settings from the environment, an open runtime, finding a sandbox. They
 * reach sandboxes only through the public API (<handbox/handbox.h>). */
#ifndef HB_CLI_SANDBOX_CMDS_H
#define HB_CLI_SANDBOX_CMDS_H

#include <stdbool.h>

#include <handbox/handbox.h>

#include "cli/cli.h"

struct cli_runtime {
	struct hb_settings *settings;
	struct hb_runtime *rt;
};

/* Reads the settings and opens the backend; prints the error and returns
 * nonzero on failure (then nothing needs closing). The two halves, for a
 * command whose flags change the settings: cli_settings_read() (on
 * success, c is closed with cli_runtime_close() whatever follows), then
 * cli_runtime_start() (which, when it fails, leaves nothing to close). */
int cli_runtime_open(struct cli_runtime *c);
int cli_settings_read(struct cli_runtime *c);
int cli_runtime_start(struct cli_runtime *c);
void cli_runtime_close(struct cli_runtime *c);
/* The settings' warnings, and the one of RUNTIME=process: about what a
 * new sandbox gets, so said where one is made (create, run), not at every
 * ls or exec. */
void cli_settings_warn(const struct hb_settings *s);
/* Finds ref (id, id prefix, container name); prints the error. */
int cli_find(struct cli_runtime *c, const char *ref, struct hb_sandbox *sb);

int sandbox_create_main(int argc, char **argv);
int sandbox_ls_main(int argc, char **argv);
int sandbox_ports_main(int argc, char **argv);
int sandbox_rm_main(int argc, char **argv);
int sandbox_gc_main(int argc, char **argv);
int sandbox_inspect_main(int argc, char **argv);
int sandbox_logs_main(int argc, char **argv);
int sandbox_lifecycle_main(int argc, char **argv);  /* start|stop|pause|resume */
int sandbox_exec_main(int argc, char **argv);
int sandbox_cp_main(int argc, char **argv);

#endif
