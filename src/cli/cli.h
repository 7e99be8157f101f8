/* cli.h — the `handbox` command's subcommands. Each takes the arguments
 * after its own name (argv[0] is the subcommand) and returns the process
 * exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef HB_CLI_CLI_H
#define HB_CLI_CLI_H

#include <jansson.h>

int cmd_sandbox(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_conversations(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* "handbox: MESSAGE\n" on stderr (cli_output.c). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* When argv (before any "--") asks for --help or -h: prints usage on
 * stdout and returns 1. */
int cli_wants_help(int argc, char **argv, const char *usage);
/* Prints a JSON value on stdout (and frees it). */
void cli_print_json(json_t *v);

/* Handles SIGINT, SIGTERM and SIGHUP (cli_signals.c): the first of them
 * calls stop(sig), which must be async-signal-safe and make the work in
 * progress stop and clean up (stop may be NULL); a second one ends the
 * program at once, killed by that signal. cli_caught_signal() says which
 * signal came first, or 0: the command then exits with 128 + it. */
void cli_catch_signals(void (*stop)(int sig));
/* As cli_catch_signals(), but the second signal calls again(sig) (also
 * async-signal-safe) and only a third one ends the program. */
void cli_catch_signals_again(void (*stop)(int sig), void (*again)(int sig));
int cli_caught_signal(void);

#endif
