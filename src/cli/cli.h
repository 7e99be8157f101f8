/* cli.h — the `handbox` command's subcommands. Each takes the arguments
 * after its own name (argv[0] is the subcommand) and returns the process
 * exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef HB_CLI_H
#define HB_CLI_H

int cmd_sandbox(int argc, char **argv);
int cmd_image(int argc, char **argv);

/* "handbox: MESSAGE\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
