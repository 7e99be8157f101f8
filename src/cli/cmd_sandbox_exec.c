/* cmd_sandbox_exec.c — `handbox sandbox exec`: a command in a sandbox,
 * its output streamed here, its exit status ours. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"
#include "common/env_name.h"
#include "common/parse.h"

/* The exit status of `sandbox exec` when the command did not run (a bad
 * flag included: 2 could be the command's own), as docker exec has it. */
#define EXIT_HANDBOX_ERROR 125

static const char exec_usage[] =
	"usage: handbox sandbox exec [OPTIONS] ID [--] COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND in the sandbox (without a shell: use sh -c 'LINE' for one),\n"
	"streaming its stdout and stderr here, and exit with its exit status\n"
	"(128+N when signal N ended it; 125 when it did not run: a bad flag, no\n"
	"such sandbox, or handbox itself failed).\n"
	"\n"
	"  -i, --interactive   send our stdin to the command (then end-of-file)\n"
	"  -t, --tty           run it on a terminal the size of ours\n"
	"  -w, --workdir DIR   working directory (default: the workspace)\n"
	"  -u, --user USER     root, or a uid (default: the sandbox user)\n"
	"  -e, --env K=V       environment variable, repeatable\n"
	"      --timeout S     TERM the command after S seconds (KILL 2 s later)\n";

static void report_end(const struct hb_exec_status *res, const char *id)
{
	if (res->oom_killed)
		cli_error("the command was killed: sandbox %s ran out of memory "
			  "(its --memory limit)", id);
	else if (res->timed_out)
		cli_error("the command timed out (--timeout) and was stopped");
}

int sandbox_exec_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "workdir", required_argument, NULL, 'w' }, { "user", required_argument, NULL, 'u' },
		{ "env", required_argument, NULL, 'e' }, { "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct hb_exec_options o = { 0 };
	struct hb_exec_status res = { 0 };
	struct cli_runtime c;
	struct hb_sandbox sb;
	const char **env;
	char err[HB_ERR_MAX];
	int opt, nenv = 0, rc, ms;

	env = calloc((size_t)argc + 1, sizeof(*env));
	if (!env)
		return EXIT_HANDBOX_ERROR;
	optind = 1;
	/* "+": options stop at the sandbox id, so the command keeps its own */
	while ((opt = getopt_long(argc, argv, "+itw:u:e:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': o.forward_stdin = true; break;
		case 't': o.pty = true; break;
		case 'w': o.cwd = optarg; break;
		case 'u': o.user = optarg; break;
		case 'e':
			if (!env_assignment_valid(optarg)) {
				cli_error("--env: \"%s\": expected NAME=VALUE (NAME: letters, "
					  "digits, _)", optarg);
				free(env);
				return EXIT_HANDBOX_ERROR;
			}
			env[nenv++] = optarg;
			break;
		case 'T':
			if (parse_seconds_ms("--timeout", optarg, &ms, err, sizeof(err))) {
				cli_error("%s", err);
				free(env);
				return EXIT_HANDBOX_ERROR;
			}
			o.timeout_s = ms / 1000.0;
			break;
		case 'h':
			fputs(exec_usage, stdout);
			free(env);
			return 0;
		default:
			fputs(exec_usage, stderr);
			free(env);
			return EXIT_HANDBOX_ERROR;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (argc - optind < 2 || (!strcmp(argv[optind + 1], "--") && argc - optind < 3)) {
		cli_error("sandbox exec: expected ID and a COMMAND (see --help)");
		free(env);
		return EXIT_HANDBOX_ERROR;
	}
	o.env = nenv ? env : NULL;
	o.argv = argv + optind + 1 + !strcmp(argv[optind + 1], "--");
	if (cli_runtime_open(&c)) {
		free(env);
		return EXIT_HANDBOX_ERROR;
	}
	rc = cli_find(&c, argv[optind], &sb);
	if (rc == 0 && hb_sandbox_exec(&sb, &o, &res, err, sizeof(err))) {
		cli_error("%s", err);
		rc = 1;
	}
	cli_runtime_close(&c);
	free(env);
	if (rc)
		return EXIT_HANDBOX_ERROR;
	report_end(&res, sb.id);
	return res.exit_code;
}
