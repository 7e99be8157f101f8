/* cmd_sandbox_exec.c — `handbox sandbox exec` and `handbox sandbox cp`:
 * the commands that talk to sandboxd itself (sandbox_client.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"
#include "client/sandbox_client.h"
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

static const char cp_usage[] =
	"usage: handbox sandbox cp SRC DST\n"
	"\n"
	"Copy a file or folder into or out of a sandbox; one side is ID:/path\n"
	"(an absolute path in the sandbox). Like cp -r: a folder is copied into\n"
	"DST when DST is an existing folder. DST - writes a single file to stdout.\n"
	"Files copied in belong to the sandbox user.\n";

static int connect_to(struct cli_runtime *c, const char *ref, struct hb_sandbox *sb,
		      char *url, size_t urllen, struct sandbox_conn *conn)
{
	if (cli_find(c, ref, sb))
		return 1;
	if (sb->state != HB_SANDBOX_RUNNING || !sb->host_ports[0]) {
		cli_error("sandbox %s is %s (handbox sandbox %s %s)", sb->id,
			  sandbox_state_name(sb->state),
			  sb->state == HB_SANDBOX_PAUSED ? "resume" : "start", sb->id);
		return 1;
	}
	sandbox_url(sb, url, urllen);
	conn->url = url;
	conn->session_api_key = sb->session_api_key;
	return 0;
}

static void report_end(const struct sandbox_exec_result *res, const char *id)
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
	struct sandbox_exec_opts o = { 0 };
	struct sandbox_exec_result res = { 0 };
	struct cli_runtime c;
	struct hb_sandbox sb;
	struct sandbox_conn conn;
	const char **env;
	char err[2048], url[160];
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
			if (!cli_valid_env(optarg)) {
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
	rc = connect_to(&c, argv[optind], &sb, url, sizeof(url), &conn);
	if (rc == 0 && sandbox_exec(&conn, &o, &res, err, sizeof(err))) {
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

/* "ID:/path" → the id part (in buf) and the path; NULL when spec is a
 * local path (absolute, ./relative, or without a colon). */
static const char *remote_part(const char *spec, char *id, size_t idlen)
{
	const char *colon = strchr(spec, ':');

	if (!colon || spec[0] == '/' || spec[0] == '.' || colon == spec ||
	    (size_t)(colon - spec) >= idlen)
		return NULL;
	memcpy(id, spec, (size_t)(colon - spec));
	id[colon - spec] = '\0';
	return colon + 1;
}

int sandbox_cp_main(int argc, char **argv)
{
	struct cli_runtime c;
	struct hb_sandbox sb;
	struct sandbox_conn conn;
	char src_id[160], dst_id[160], err[2048], url[160];
	const char *src_path, *dst_path;
	int rc;

	if (cli_wants_help(argc, argv, cp_usage))
		return 0;
	if (argc != 3) {
		cli_error("sandbox cp: expected SRC and DST (see --help)");
		return 2;
	}
	src_path = remote_part(argv[1], src_id, sizeof(src_id));
	dst_path = remote_part(argv[2], dst_id, sizeof(dst_id));
	if (!!src_path == !!dst_path) {
		cli_error("sandbox cp: exactly one of SRC and DST must be ID:/path "
			  "(write ./NAME for a local path with a colon)");
		return 2;
	}
	if ((src_path ? src_path : dst_path)[0] != '/') {
		cli_error("sandbox cp: \"%s\": the sandbox path must be absolute",
			  src_path ? argv[1] : argv[2]);
		return 2;
	}
	if (cli_runtime_open(&c))
		return 1;
	rc = connect_to(&c, src_path ? src_id : dst_id, &sb, url, sizeof(url), &conn);
	if (rc == 0) {
		rc = src_path ? sandbox_copy_out(&conn, src_path, argv[2], err, sizeof(err))
			      : sandbox_copy_in(&conn, argv[1], dst_path, err, sizeof(err));
		if (rc) {
			cli_error("%s", err);
			rc = 1;
		}
	}
	cli_runtime_close(&c);
	return rc;
}
